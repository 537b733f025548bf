/**
 * Supabase CLI commands as data: each builder returns the argv (tool name first) and whether
 * the command changes anything. Pure; unit-tested by exact equality.
 *
 * - Database commands always name their target with `--db-url` (`push`, `migration list` and
 *   `repair` otherwise fall back to a linked project).
 * - The URL on argv never carries the password: builders take a CliDbUrl (lib/db/url.ts makes
 *   one from a parsed URL, without its password); the runner passes PGPASSWORD alongside.
 * - `--workdir` pins the project folder (the one holding supabase/), whatever the cwd.
 * Facts: shared Supabase reference.
 */
import type { Command } from '../core/runner.ts';

/** A database URL safe for argv: no password (lib/db/url.ts `cliUrl` is the only maker). */
export type CliDbUrl = string & { readonly __passwordFree: true };

const read = (workdir: string, ...argv: string[]): Command => ({
  argv: ['supabase', ...argv, '--workdir', workdir],
  mutating: false,
});
const write = (workdir: string, ...argv: string[]): Command => ({
  argv: ['supabase', ...argv, '--workdir', workdir],
  mutating: true,
});

/**
 * Environment every CLI child gets: no telemetry (the CLI would otherwise report each command
 * over the network, on the critical path of every push).
 */
export const CLI_ENV: Readonly<Record<string, string>> = { SUPABASE_TELEMETRY_DISABLED: '1' };

export const version = (): Command => ({ argv: ['supabase', '--version'], mutating: false });

/** Drops user objects, re-applies every migration, then the seed. `--yes`: without a terminal the CLI would cancel. */
export function dbReset(workdir: string, db: CliDbUrl, options: { seed: boolean } = { seed: true }): Command {
  return write(workdir, 'db', 'reset', '--db-url', db, '--yes', ...(options.seed ? [] : ['--no-seed']));
}

/** Applies pending migrations (each file in its own transaction); never the seed. */
export function dbPush(
  workdir: string,
  db: CliDbUrl,
  options: { includeAll: boolean } = { includeAll: false },
): Command {
  return write(workdir, 'db', 'push', '--db-url', db, '--yes', ...(options.includeAll ? ['--include-all'] : []));
}

/** `{"migrations":[{"local","remote","time"}…],"message"}` on stdout. */
export function migrationList(workdir: string, db: CliDbUrl): Command {
  return read(workdir, 'migration', 'list', '--db-url', db, '--output-format', 'json');
}

/**
 * SQL turning `from`'s schema into `to`'s, on stdout (empty when equal). Both databases are
 * reached with the same PGPASSWORD, so they must share a server and a user (shadow + dev).
 */
export function dbDiff(workdir: string, from: CliDbUrl, to: CliDbUrl, schemas: readonly string[] = []): Command {
  return read(
    workdir,
    'db',
    'diff',
    '--from',
    from,
    '--to',
    to,
    ...(schemas.length ? ['--schema', schemas.join(',')] : []),
  );
}

/**
 * Rewrites the tracking table: `reverted` forgets versions (the hint for drift: shown, never
 * run by the toolkit); `applied` records files whose changes are already there (the dev
 * database after supabase-generate).
 */
export function migrationRepair(
  workdir: string,
  db: CliDbUrl,
  versions: readonly string[],
  status: 'applied' | 'reverted',
): Command {
  return write(workdir, 'migration', 'repair', '--status', status, ...versions, '--db-url', db);
}

// --engine docker: the CLI's own Docker stack (ports from supabase/config.toml).
export const start = (workdir: string): Command => write(workdir, 'start');
export const stop = (workdir: string): Command => write(workdir, 'stop');
export const status = (workdir: string): Command => read(workdir, 'status');
export function dbResetLocal(workdir: string, options: { seed: boolean } = { seed: true }): Command {
  return write(workdir, 'db', 'reset', '--local', '--yes', ...(options.seed ? [] : ['--no-seed']));
}
/** Diff of the migrations (shadow in Docker) against the stack's database, printed on stdout. */
export function dbDiffLocal(workdir: string, schemas: readonly string[] = []): Command {
  return read(workdir, 'db', 'diff', '--local', ...(schemas.length ? ['--schema', schemas.join(',')] : []));
}

export const dockerInfo = (): Command => ({ argv: ['docker', 'info'], mutating: false });
