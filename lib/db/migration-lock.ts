/**
 * The migration lock: a session-level PostgreSQL advisory lock held on the toolkit's own
 * connection while supabase-apply pushes. The CLI takes no lock of its own, so two pushes at
 * once could both apply a file and collide on the tracking table's primary key; with this lock
 * the second run waits (and says for whom), then finds nothing left to do. Released when the
 * connection ends, also if the process dies.
 *
 * A killed apply (kill -9) loses its connection, and so the lock, at once, while the statement
 * its CLI had sent keeps running on the server (the CLI itself dies at its next line of output:
 * its pipe is gone). So the lock alone does not cover the CLI's whole life: after taking it, a
 * run also waits until no Supabase CLI session on the database is busy (waitForCliSessions).
 */
import type { ClientBase } from 'pg';
import { Interrupted, OperationFailed } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { escapeControl, formatDuration } from '../core/text.ts';
import { CLI_APPLICATION_NAME } from './migration-session.ts';
import { describeSession, isBusy, sessionsNamed, type SessionInfo } from './sessions.ts';

type Queryable = Pick<ClientBase, 'query'>;

/** One fixed key for every toolkit that migrates this database ('kota' << 32 | 1). */
export const MIGRATION_LOCK_KEY = ((0x6b6f7461n << 32n) | 1n).toString();
export const APPLY_APPLICATION_NAME = 'kotadb-ops supabase-apply';

export interface LockHolder {
  readonly pid: number;
  readonly application: string | null;
  readonly client: string | null;
  readonly since: Date | null;
}

export interface WaitOptions {
  clock: Clock;
  /** The run's Ctrl-C. */
  signal: AbortSignal;
  pollMs?: number;
}

export interface AcquireOptions extends WaitOptions {
  /** How long to wait for the lock. */
  timeoutMs: number;
  /** Called once, when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder | null) => void;
}

const POLL_MS = 100;

/** Takes the lock, waiting up to timeoutMs. Throws OperationFailed (exit 1) when it gives up. */
export async function acquireMigrationLock(client: Queryable, options: AcquireOptions): Promise<{ waitedMs: number }> {
  const { clock } = options;
  const started = clock.now();
  const deadline = started + options.timeoutMs;
  let holder: LockHolder | null = null;
  let announced = false;
  for (;;) {
    const got = await client.query<{ locked: boolean }>(
      'select pg_catalog.pg_try_advisory_lock($1::bigint) as locked',
      [MIGRATION_LOCK_KEY],
    );
    if (got.rows[0]?.locked) return { waitedMs: clock.now() - started };
    if (!announced) {
      holder = await lockHolder(client);
      options.onWait?.(holder);
      announced = true;
    }
    if (clock.now() >= deadline) {
      holder = (await lockHolder(client)) ?? holder;
      throw new OperationFailed(
        `gave up waiting for the migration lock after ${formatDuration(options.timeoutMs)}: ${describeHolder(holder)} still holds it`,
        {
          hint: 'let the other run finish, then run supabase-apply again (or raise --migration-lock-wait)',
        },
      );
    }
    await pause(options, deadline, 'interrupted while waiting for the migration lock: nothing was changed');
  }
}

/**
 * Waits until no Supabase CLI session on the database is doing anything: a busy one is a push
 * still running (an earlier apply that was killed, or someone's own `supabase db push`). Idle
 * ones are left alone: an orphaned CLI never starts another file (it dies at its next line of
 * output), and a long-lived idle session named like the CLI is not a migration. Gives up with
 * exit 1 naming it when `deadline` (a clock time) passes.
 */
export async function waitForCliSessions(
  client: Queryable,
  options: WaitOptions & { deadline: number; onWait?: (sessions: SessionInfo[]) => void },
): Promise<{ waitedMs: number }> {
  const started = options.clock.now();
  let announced = false;
  for (;;) {
    const sessions = (await sessionsNamed(client, CLI_APPLICATION_NAME)).filter(isBusy);
    if (sessions.length === 0) return { waitedMs: options.clock.now() - started };
    if (!announced) {
      options.onWait?.(sessions);
      announced = true;
    }
    if (options.clock.now() >= options.deadline) {
      throw new OperationFailed(
        `gave up waiting for a Supabase CLI session still on the database: ${sessions.map(describeSession).join('; ')}; nothing was applied`,
        {
          hint: `it is a push still running (an earlier supabase-apply that was killed, or someone's supabase db push): let it finish, or end it with \`select pg_terminate_backend(${sessions[0]!.pid})\`, then run supabase-apply again`,
        },
      );
    }
    await pause(
      options,
      options.deadline,
      'interrupted while waiting for a Supabase CLI session to end: nothing was changed',
    );
  }
}

async function pause(options: WaitOptions, deadline: number, interrupted: string): Promise<void> {
  const wait = Math.min(options.pollMs ?? POLL_MS, Math.max(0, deadline - options.clock.now()));
  await options.clock.sleep(wait, options.signal).catch((error: unknown) => {
    if (error instanceof Interrupted) throw new Interrupted(interrupted);
    throw error;
  });
}

export async function releaseMigrationLock(client: Queryable): Promise<void> {
  await client.query('select pg_catalog.pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
}

/** Who holds the lock on this database (null when it is free or not visible to us). */
export async function lockHolder(client: Queryable): Promise<LockHolder | null> {
  const result = await client.query<{
    pid: number;
    application_name: string | null;
    client_addr: string | null;
    backend_start: Date | null;
  }>(
    `select l.pid, a.application_name, host(a.client_addr) as client_addr, a.backend_start
       from pg_catalog.pg_locks l
       left join pg_catalog.pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and l.database = (select oid from pg_catalog.pg_database where datname = current_database())
        and l.classid = (($1::bigint >> 32) & 4294967295)::oid
        and l.objid = ($1::bigint & 4294967295)::oid
      limit 1`,
    [MIGRATION_LOCK_KEY],
  );
  const row = result.rows[0];
  if (!row) return null;
  return { pid: row.pid, application: row.application_name || null, client: row.client_addr, since: row.backend_start };
}

export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another session';
  const who = holder.application
    ? `${escapeControl(holder.application)} (backend pid ${holder.pid}`
    : `a session (backend pid ${holder.pid}`;
  const from = holder.client ? `, from ${holder.client}` : '';
  const since = holder.since ? `, connected since ${holder.since.toISOString()}` : '';
  return `${who}${from}${since})`;
}
