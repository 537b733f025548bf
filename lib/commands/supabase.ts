/**
 * Supabase CLI commands as data: each builder returns the argv (tool name first) and whether
 * the command changes anything. Pure; unit-tested by exact equality.
 *
 * - Database commands always name their target with `--db-url` (`push`, `migration list` and
 *   `repair` otherwise fall back to a linked project).
 * - The URL on argv never carries the password: builders take a parsed DbUrl and print it
 *   without one; the runner passes connectionEnv(db) (PGPASSWORD, PGSSLMODE) alongside.
 * - `--workdir` pins the project folder (the one holding supabase/), whatever the cwd.
 * Facts: shared Supabase reference.
 */
import { urlWithoutPassword, type DbUrl } from '../db-url.ts';
import type { Command } from '../runner.ts';

const read = (workdir: string, ...argv: string[]): Command => ({ argv: ['supabase', ...argv, '--workdir', workdir], mutating: false });
const write = (workdir: string, ...argv: string[]): Command => ({ argv: ['supabase', ...argv, '--workdir', workdir], mutating: true });

export const supabaseVersion = (): Command => ({ argv: ['supabase', '--version'], mutating: false });

/** Drops user objects, re-applies every migration, then the seed. `--yes`: without a terminal the CLI would cancel. */
export function supabaseDbReset(workdir: string, db: DbUrl, options: { seed: boolean } = { seed: true }): Command {
  return write(workdir, 'db', 'reset', '--db-url', urlWithoutPassword(db), '--yes', ...(options.seed ? [] : ['--no-seed']));
}

/** Applies pending migrations (each file in its own transaction); never the seed. */
export function supabaseDbPush(workdir: string, db: DbUrl, options: { includeAll: boolean } = { includeAll: false }): Command {
  return write(workdir, 'db', 'push', '--db-url', urlWithoutPassword(db), '--yes', ...(options.includeAll ? ['--include-all'] : []));
}

/** `{"migrations":[{"local","remote","time"}…],"message"}` on stdout. */
export function supabaseMigrationList(workdir: string, db: DbUrl): Command {
  return read(workdir, 'migration', 'list', '--db-url', urlWithoutPassword(db), '--output-format', 'json');
}

/**
 * SQL turning `from`'s schema into `to`'s, on stdout (empty when equal). Both databases are
 * reached with the same PGPASSWORD, so they must share a server and a user (shadow + dev).
 */
export function supabaseDbDiff(workdir: string, from: DbUrl, to: DbUrl, schemas: readonly string[] = []): Command {
  return read(workdir, 'db', 'diff', '--from', urlWithoutPassword(from), '--to', urlWithoutPassword(to), ...(schemas.length ? ['--schema', schemas.join(',')] : []));
}

/**
 * Rewrites the tracking table: `reverted` forgets versions (the hint for drift: shown, never
 * run by the toolkit); `applied` records files whose changes are already there (the dev
 * database after supabase-generate).
 */
export function supabaseMigrationRepair(workdir: string, db: DbUrl, versions: readonly string[], status: 'applied' | 'reverted'): Command {
  return write(workdir, 'migration', 'repair', '--status', status, ...versions, '--db-url', urlWithoutPassword(db));
}

// --engine docker: the CLI's own Docker stack (ports from supabase/config.toml).
export const supabaseStart = (workdir: string): Command => write(workdir, 'start');
export const supabaseStop = (workdir: string): Command => write(workdir, 'stop');
export const supabaseStatus = (workdir: string): Command => read(workdir, 'status');
export function supabaseDbResetLocal(workdir: string, options: { seed: boolean } = { seed: true }): Command {
  return write(workdir, 'db', 'reset', '--local', '--yes', ...(options.seed ? [] : ['--no-seed']));
}
/** Diff of the migrations (shadow in Docker) against the stack's database, printed on stdout. */
export function supabaseDbDiffLocal(workdir: string, schemas: readonly string[] = []): Command {
  return read(workdir, 'db', 'diff', '--local', ...(schemas.length ? ['--schema', schemas.join(',')] : []));
}

export const dockerInfo = (): Command => ({ argv: ['docker', 'info'], mutating: false });
