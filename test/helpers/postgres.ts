/**
 * The test run's PostgreSQL, for any test file: ONE embedded PostgreSQL 17 is started by
 * test/setup/postgres.ts (vitest globalSetup) on a free port, with a password, and stopped at
 * the end. Test files never share a database: each asks for its own, with a unique name, so
 * files can run in parallel.
 *
 *   const db = await createTestDatabase('apply', { bootstrap: true });
 *   … db.url (with password: for in-process clients and script arguments) …
 *   await db.drop();
 */
import { inject } from 'vitest';
import { parseDbUrl, type DbUrl } from '../../lib/db-url.ts';
import { withClient, quoteIdent, type PgClient } from '../../lib/pg.ts';
import { applyBootstrap } from '../../lib/plain-postgres.ts';
import { fromRoot } from '../../lib/paths.ts';

export interface TestServerInfo {
  host: string;
  port: number;
  user: string;
  /** The superuser's password (TCP logins need it: scram-sha-256). */
  password: string;
  /** KOTADB_LOCAL_DB_DIR of the server (data/ and postgres.log). */
  baseDir: string;
  /** The embedded binaries' folder. */
  binDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kotadbPostgres: TestServerInfo;
  }
}

export function testServer(): TestServerInfo {
  return inject('kotadbPostgres');
}

/** postgresql://postgres:<password>@127.0.0.1:<port>/<database> */
export function testServerUrl(database = 'postgres', server: TestServerInfo = testServer()): string {
  return `postgresql://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${encodeURIComponent(database)}`;
}

/** Env that makes the scripts' embedded engine reuse the test server (never the user's .kotadb). */
export function testServerEnv(server: TestServerInfo = testServer()): Record<string, string> {
  return { KOTADB_LOCAL_DB_DIR: server.baseDir, KOTADB_LOCAL_DB_PORT: String(server.port), KOTADB_LOCAL_DB_PASSWORD: server.password };
}

export interface TestDatabase {
  readonly name: string;
  /** Full URL, password included. */
  readonly url: string;
  readonly db: DbUrl;
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

let counter = 0;

/** A new, empty database (optionally with the plain-PostgreSQL bootstrap) on the test server. */
export async function createTestDatabase(prefix: string, options: { bootstrap?: boolean } = {}): Promise<TestDatabase> {
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 20)}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const admin = parseDbUrl(testServerUrl('postgres'), 'test server');
  await withClient(admin, (client) => client.query(`create database ${quoteIdent(name)}`));
  const url = testServerUrl(name);
  const db = parseDbUrl(url, 'test database');
  if (options.bootstrap) await withClient(db, (client) => applyBootstrap(client, fromRoot('supabase', 'bootstrap', 'plain-postgres.sql')));
  return {
    name,
    url,
    db,
    query: async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
      withClient(db, async (client) => (await client.query<R>(sql, params)).rows),
    drop: async () => {
      await withClient(admin, (client) => client.query(`drop database if exists ${quoteIdent(name)} with (force)`));
    },
  };
}

/** Runs fn on a fresh connection to the database. */
export function withTestClient<T>(database: TestDatabase, fn: (client: PgClient) => Promise<T>): Promise<T> {
  return withClient(database.db, fn);
}
