/**
 * One supabase-reset per database at a time. Two `supabase db reset` runs on one database at
 * once drop and recreate the same objects under each other and end in `deadlock detected` or
 * duplicate keys in the tracking table, saying nothing of the other run. The lock is the
 * migration lock of supabase-apply (lib/db/migration-lock.ts: the same advisory key, on the
 * database being reset, held on the script's own connection while the CLI runs), so a reset
 * also never runs under an apply, nor an apply under a reset.
 *
 * Why an advisory lock rather than a lock file: it lives where the conflict is (two checkouts,
 * two KOTADB_LOCAL_DB_DIR values or a --db-url naming the same server all meet on it), taking
 * it is atomic, and the server releases it when the holder's connection ends, so a killed run
 * never leaves a stale lock to guess about (no PID reuse, nothing to delete by hand). Who holds
 * it is read from pg_stat_activity, where each reset names itself with its PID.
 */
import type { Clock } from '../core/clock.ts';
import { Interrupted, PreconditionFailed } from '../core/errors.ts';
import { describeHolder, lockHolder, MIGRATION_LOCK_KEY, type LockHolder } from './migration-lock.ts';
import type { PgClient } from './pg.ts';

/** How long a reset waits for another one (a warm reset takes about a second). */
export const RESET_LOCK_WAIT_MS = 60_000;
const POLL_MS = 200;

/** The application name a reset connects with: who holds the lock, for the other run's message. */
export function resetApplicationName(pid: number = process.pid): string {
  return `kotadb-ops supabase-reset (pid ${pid})`;
}

const RESET_HOLDER = /^kotadb-ops supabase-reset \(pid (\d+)\)$/;

/** "another supabase-reset is running (pid N, since …)", or what else holds the lock. */
export function describeResetHolder(holder: LockHolder | null): string {
  const reset = holder?.application ? RESET_HOLDER.exec(holder.application) : null;
  if (holder && reset) {
    const since = holder.since ? `, since ${holder.since.toISOString()}` : '';
    return `another supabase-reset is running (pid ${reset[1]}${since})`;
  }
  return `${describeHolder(holder)} holds the migration lock`;
}

export interface ResetLockOptions {
  clock: Clock;
  signal: AbortSignal;
  /** Called once, when another run holds the lock and we start waiting. */
  onWait: (holder: LockHolder | null) => void;
  waitMs?: number;
}

/**
 * Takes the lock on `client` (released when the connection ends), waiting up to waitMs for
 * another run; PreconditionFailed (exit 3) if it is still held then, Interrupted on Ctrl-C.
 */
export async function acquireResetLock(client: PgClient, options: ResetLockOptions): Promise<void> {
  const waitMs = options.waitMs ?? RESET_LOCK_WAIT_MS;
  const deadline = options.clock.now() + waitMs;
  let announced = false;
  for (;;) {
    const got = await client.query<{ locked: boolean }>(
      'select pg_catalog.pg_try_advisory_lock($1::bigint) as locked',
      [MIGRATION_LOCK_KEY],
    );
    if (got.rows[0]?.locked) return;
    const holder = await lockHolder(client);
    if (!announced) {
      options.onWait(holder);
      announced = true;
    }
    if (options.clock.now() >= deadline) {
      throw new PreconditionFailed(
        `${describeResetHolder(holder)}, still after ${Math.round(waitMs / 1000)}s: nothing was reset`,
        { hint: 'let it finish, then run supabase-reset again' },
      );
    }
    try {
      await options.clock.sleep(Math.min(POLL_MS, Math.max(0, deadline - options.clock.now())), options.signal);
    } catch {
      throw new Interrupted('interrupted while waiting for the other supabase-reset: nothing was reset');
    }
  }
}
