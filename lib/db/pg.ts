/**
 * The toolkit's one way to open a PostgreSQL connection (the `pg` client): supabase-apply's lock
 * and checks, doctor's migrations check, the bootstrap, shadow databases, tests and benchmarks.
 * Connection errors become one redacted line naming the masked URL, never the password. The
 * driver (~90 ms to load) is loaded on the first connect, not when a script starts.
 */
import type pg from 'pg';
import { displayDbUrl, pgClientConfig, type DbUrl } from './url.ts';
import { OperationFailed } from '../core/errors.ts';
import { describePgError } from './pg-errors.ts';

export type PgClient = pg.Client;

export interface ConnectOptions {
  /** Shown in pg_stat_activity (who holds the migration lock). At most 63 bytes. */
  applicationName?: string;
  connectTimeoutMs?: number;
  /** Client-side limit on each query (the driver gives up waiting). */
  queryTimeoutMs?: number;
  /** Server-side statement_timeout of the session. */
  statementTimeoutMs?: number;
}

let driver: Promise<typeof pg> | undefined;

/**
 * Starts loading the driver now (a script that will connect calls this first thing, so the load
 * overlaps its other start-up work); connect() awaits the same load.
 */
export function loadDriver(): Promise<typeof pg> {
  driver ??= import('pg').then((module) => module.default);
  return driver;
}

export async function connect(db: DbUrl, options: ConnectOptions = {}): Promise<PgClient> {
  const { Client } = await loadDriver();
  const client = new Client({
    ...pgClientConfig(db, options.connectTimeoutMs),
    application_name: (options.applicationName ?? 'kotadb-ops').slice(0, 63),
    ...(options.queryTimeoutMs === undefined ? {} : { query_timeout: options.queryTimeoutMs }),
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
  });
  // A server that goes away while we wait must not crash the process with an unhandled 'error'.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new OperationFailed(`cannot connect to ${displayDbUrl(db)}: ${describePgError(error)}`, {
      hint: connectHint(error),
      cause: error,
    });
  }
  return client;
}

export async function withClient<T>(
  db: DbUrl,
  fn: (client: PgClient) => Promise<T>,
  options?: ConnectOptions,
): Promise<T> {
  const client = await connect(db, options);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function connectHint(error: unknown): string | undefined {
  const err = error as { code?: string; message?: string };
  if (err.code === 'ECONNREFUSED') return 'is the server running and listening on that host and port?';
  if (err.code === '28P01' || /password authentication failed/.test(err.message ?? ''))
    return 'check the password in the URL';
  if (err.code === '3D000') return 'check the database name at the end of the URL';
  if (/timeout/i.test(err.message ?? '')) return 'the server did not answer in time: check the host, port and network';
  return undefined;
}

/** `"name"` for SQL: identifiers we generate, quoted anyway. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
