/**
 * The test run's PostgreSQL, for any test file: ONE embedded PostgreSQL 17 is started by
 * test/setup/postgres.ts (vitest globalSetup) on a free port, with a password, and stopped at
 * the end. Test files never share a database: each asks for its own, with a unique name, so
 * files can run in parallel.
 *
 *   const db = await createTestDatabase('doctor', { migrate: true });  // bootstrap + every migration
 *   … db.url (with password: for in-process clients and script arguments), db.db (DbUrl),
 *     db.query(sql, params) …
 *   await db.drop();
 *
 * `bootstrap: true` gives an empty Supabase-like database (roles, auth schema) with nothing
 * applied; `migrate: true` also runs `supabase db push` (about 1 s: the real CLI).
 */
import { inject } from 'vitest';
import { parseDbUrl, type DbUrl, cliUrl } from '../../lib/db/url.ts';
import { withClient, quoteIdent, type PgClient } from '../../lib/db/pg.ts';
import { applyBootstrap } from '../../lib/db/plain-postgres.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import * as supabase from '../../lib/commands/supabase.ts';
import { Output } from '../../lib/core/output.ts';
import { Runner } from '../../lib/core/runner.ts';
import { runMigrationCommand } from '../../lib/db/run-migrations.ts';

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
  return {
    KOTADB_LOCAL_DB_DIR: server.baseDir,
    KOTADB_LOCAL_DB_PORT: String(server.port),
    KOTADB_LOCAL_DB_PASSWORD: server.password,
  };
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

export interface TestDatabaseOptions {
  /** Apply supabase/bootstrap/plain-postgres.sql (implied by migrate). */
  bootstrap?: boolean;
  /** Also apply every migration of `root` with the real `supabase db push`. */
  migrate?: boolean;
  /** Folder holding supabase/ (default: the toolkit root). */
  root?: string;
}

/** A new database on the test server: empty, bootstrapped, or with every migration applied. */
export async function createTestDatabase(prefix: string, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `${prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 20)}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const admin = parseDbUrl(testServerUrl('postgres'), 'test server');
  await withClient(admin, (client) => client.query(`create database ${quoteIdent(name)}`));
  const url = testServerUrl(name);
  const db = parseDbUrl(url, 'test database');
  if (options.bootstrap || options.migrate)
    await withClient(db, (client) => applyBootstrap(client, fromRoot('supabase', 'bootstrap', 'plain-postgres.sql')));
  if (options.migrate) await applyMigrations(db, options.root);
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

/** `supabase db push` of every migration in `root` (default: the toolkit's) to the database. */
export async function applyMigrations(db: DbUrl, root: string = fromRoot()): Promise<void> {
  await runMigrationCommand(new Runner({ output: new Output() }), supabase.dbPush(root, cliUrl(db)), db, {
    cwd: root,
    stream: false,
  });
}

/** Runs fn on a fresh connection to the database. */
export function withTestClient<T>(database: TestDatabase, fn: (client: PgClient) => Promise<T>): Promise<T> {
  return withClient(database.db, fn);
}

/** Versions recorded in supabase_migrations.schema_migrations, in order ([] before the CLI made the table). */
export async function recordedVersions(database: TestDatabase): Promise<string[]> {
  const [table] = await database.query<{ present: boolean }>(
    "select to_regclass('supabase_migrations.schema_migrations') is not null as present",
  );
  if (!table?.present) return [];
  const rows = await database.query<{ version: string }>(
    'select version from supabase_migrations.schema_migrations order by version',
  );
  return rows.map((r) => r.version);
}
