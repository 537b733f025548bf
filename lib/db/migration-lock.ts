/**
 * The migration lock: a session-level PostgreSQL advisory lock held on the toolkit's own
 * connection for a whole supabase-apply run. The CLI takes no lock of its own, so two pushes
 * at once could both apply a file and collide on the tracking table's primary key; with this
 * lock the second run waits (and says for whom), then finds nothing left to do. Released when
 * the connection ends, also if the process dies.
 */
import { Interrupted, OperationFailed } from '../core/errors.ts';
import { abortableSleep } from '../core/clock.ts';
import { processSignal } from '../core/interrupt.ts';
import type { PgClient } from './pg.ts';

/** One fixed key for every toolkit that migrates this database ('kota' << 32 | 1). */
export const MIGRATION_LOCK_KEY = ((0x6b6f7461n << 32n) | 1n).toString();
export const APPLY_APPLICATION_NAME = 'kotadb-ops supabase-apply';

export interface LockHolder {
  readonly pid: number;
  readonly application: string | null;
  readonly client: string | null;
  readonly since: Date | null;
}

export interface AcquireOptions {
  timeoutMs: number;
  /** Called once, when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder | null) => void;
  pollMs?: number;
  /** The run's Ctrl-C (default: this process's). */
  signal?: AbortSignal;
}

/** Takes the lock, waiting up to timeoutMs. Throws OperationFailed (exit 1) when it gives up. */
export async function acquireMigrationLock(client: PgClient, options: AcquireOptions): Promise<{ waitedMs: number }> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  let holder: LockHolder | null = null;
  let announced = false;
  for (;;) {
    const got = await client.query<{ locked: boolean }>(
      'select pg_catalog.pg_try_advisory_lock($1::bigint) as locked',
      [MIGRATION_LOCK_KEY],
    );
    if (got.rows[0]?.locked) return { waitedMs: performance.now() - started };
    if (!announced) {
      holder = await lockHolder(client);
      options.onWait?.(holder);
      announced = true;
    }
    if (performance.now() >= deadline) {
      holder = (await lockHolder(client)) ?? holder;
      throw new OperationFailed(
        `gave up waiting for the migration lock after ${formatSeconds(options.timeoutMs)}: ${describeHolder(holder)} still holds it`,
        {
          hint: 'let the other run finish, then run supabase-apply again (or raise --lock-timeout)',
        },
      );
    }
    await abortableSleep(
      Math.min(options.pollMs ?? 100, Math.max(0, deadline - performance.now())),
      options.signal ?? processSignal(),
    ).catch(() => {
      throw new Interrupted('interrupted while waiting for the migration lock: nothing was changed');
    });
  }
}

export async function releaseMigrationLock(client: PgClient): Promise<void> {
  await client.query('select pg_catalog.pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
}

/** Who holds the lock on this database (null when it is free or not visible to us). */
export async function lockHolder(client: PgClient): Promise<LockHolder | null> {
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
    ? `${holder.application} (backend pid ${holder.pid}`
    : `a session (backend pid ${holder.pid}`;
  const from = holder.client ? `, from ${holder.client}` : '';
  const since = holder.since ? `, connected since ${holder.since.toISOString()}` : '';
  return `${who}${from}${since})`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
