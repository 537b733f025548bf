/**
 * Other sessions on the database, from pg_stat_activity and pg_locks: who blocks a migration,
 * which transactions are old enough to make DDL queue, which Supabase CLI sessions are still
 * running, and cancelling one. Everything read from there is printed terminal-safe.
 */
import type { ClientBase } from 'pg';
import { escapeControl, formatDuration } from '../core/text.ts';

type Queryable = Pick<ClientBase, 'query'>;

export interface SessionInfo {
  readonly pid: number;
  readonly application: string | null;
  readonly user: string | null;
  /** `active`, `idle`, `idle in transaction`, … */
  readonly state: string | null;
  /** Its current or last query, truncated. */
  readonly query: string | null;
  /** How long its transaction has been open (null: none). */
  readonly transactionAgeMs: number | null;
  /** What it waits for (`Lock:relation`), if anything. */
  readonly waitEvent: string | null;
}

const QUERY_CHARS = 120;

/** Columns of pg_stat_activity as SessionInfo (alias `a`). */
const SESSION_COLUMNS = `a.pid, a.application_name, a.usename, a.state, left(a.query, ${QUERY_CHARS + 1}) as query,
  case when a.xact_start is null then null
       else (extract(epoch from (clock_timestamp() - a.xact_start)) * 1000)::bigint end as xact_ms,
  case when a.wait_event_type is null then null else a.wait_event_type || ':' || a.wait_event end as wait_event`;

interface SessionRow {
  pid: number;
  application_name: string | null;
  usename: string | null;
  state: string | null;
  query: string | null;
  xact_ms: string | null;
  wait_event: string | null;
}

function toSession(row: SessionRow): SessionInfo {
  return {
    pid: row.pid,
    application: row.application_name || null,
    user: row.usename,
    state: row.state,
    query: row.query,
    transactionAgeMs: row.xact_ms === null ? null : Number(row.xact_ms),
    waitEvent: row.wait_event,
  };
}

/** `pid 4242 (psql, user postgres, idle in transaction, transaction open 2m05s, query "lock table …")`. */
export function describeSession(session: SessionInfo): string {
  const parts = [
    session.application ? escapeControl(session.application) : 'no application name',
    session.user ? `user ${escapeControl(session.user)}` : null,
    session.state,
    session.transactionAgeMs === null
      ? 'no transaction open'
      : `transaction open ${formatDuration(session.transactionAgeMs)}`,
    session.query ? `query "${shortQuery(session.query)}"` : null,
  ].filter((part): part is string => Boolean(part));
  return `pid ${session.pid} (${parts.join(', ')})`;
}

function shortQuery(query: string): string {
  const line = escapeControl(query.replace(/\s+/g, ' ').trim());
  return line.length > QUERY_CHARS ? `${line.slice(0, QUERY_CHARS - 1)}…` : line;
}

/** Transactions on this database (other than ours) open for at least `minAgeMs`, oldest first. */
export async function oldTransactions(client: Queryable, minAgeMs: number): Promise<SessionInfo[]> {
  const result = await client.query<SessionRow>(
    `select ${SESSION_COLUMNS} from pg_catalog.pg_stat_activity a
      where a.datname = current_database() and a.pid <> pg_backend_pid() and a.xact_start is not null
        and clock_timestamp() - a.xact_start >= make_interval(secs => $1::double precision / 1000)
      order by a.xact_start`,
    [minAgeMs],
  );
  return result.rows.map(toSession);
}

/**
 * Doing something: running a statement or inside a transaction. Another user's session whose
 * state we may not see (no pg_read_all_stats) does not count: the sessions that matter here are
 * the CLI's, run as our own user.
 */
export function isBusy(session: SessionInfo): boolean {
  return session.state !== null && session.state !== 'idle';
}

/** Sessions on this database with this application name, other than ours. */
export async function sessionsNamed(
  client: Queryable,
  application: string,
  options: { startedSince?: Date } = {},
): Promise<SessionInfo[]> {
  const result = await client.query<SessionRow>(
    `select ${SESSION_COLUMNS} from pg_catalog.pg_stat_activity a
      where a.datname = current_database() and a.pid <> pg_backend_pid() and a.application_name = $1
        and ($2::timestamptz is null or a.backend_start >= $2::timestamptz)
      order by a.backend_start`,
    [application, options.startedSince ?? null],
  );
  return result.rows.map(toSession);
}

/**
 * Who holds the locks that sessions named `application` (started since `startedSince`) are
 * waiting for, according to pg_blocking_pids.
 */
export async function blockersOf(
  client: Queryable,
  application: string,
  options: { startedSince?: Date } = {},
): Promise<SessionInfo[]> {
  const result = await client.query<SessionRow>(
    `select distinct on (a.pid) ${SESSION_COLUMNS}
       from pg_catalog.pg_stat_activity w
       cross join lateral unnest(pg_catalog.pg_blocking_pids(w.pid)) as blocking(pid)
       join pg_catalog.pg_stat_activity a on a.pid = blocking.pid
      where w.datname = current_database() and w.application_name = $1
        and ($2::timestamptz is null or w.backend_start >= $2::timestamptz)
        and w.wait_event_type = 'Lock'`,
    [application, options.startedSince ?? null],
  );
  return result.rows.map(toSession);
}

/** Asks the server to cancel the running statement of each session (pg_cancel_backend). */
export async function cancelBackends(client: Queryable, pids: readonly number[]): Promise<void> {
  if (pids.length === 0) return;
  await client.query('select pg_catalog.pg_cancel_backend(pid) from unnest($1::int[]) as p(pid)', [pids]);
}

/** The server's clock (sessions' backend_start is on it, not on ours). */
export async function serverNow(client: Queryable): Promise<Date> {
  const result = await client.query<{ now: Date }>('select clock_timestamp() as now');
  return result.rows[0]!.now;
}
