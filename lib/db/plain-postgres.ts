/**
 * What a plain PostgreSQL needs before Supabase migrations can run on it: recognising one, the
 * compatibility bootstrap (supabase/bootstrap/plain-postgres.sql: the local engine, and
 * supabase-apply --bootstrap on a scratch database) and the extensions the migrations create.
 */
import { readFileSync } from 'node:fs';
import type { LocalMigration } from './migrations.ts';
import type { PgClient } from './pg.ts';

/**
 * Applies the bootstrap in one transaction, as a superuser. Roles are cluster-wide: two
 * bootstraps at once on the same server (different databases, e.g. parallel tests) would
 * fail with "tuple concurrently updated" on ALTER ROLE, so the shared role catalog is locked
 * for the duration (the lock is released at commit).
 */
export async function applyBootstrap(client: PgClient, file: string): Promise<void> {
  const sql = readFileSync(file, 'utf8');
  await client.query('begin');
  try {
    await client.query('lock table pg_catalog.pg_authid in share update exclusive mode');
    await client.query(sql);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

/**
 * What a database lacks to be Supabase-like for these migrations: the `extensions` and `auth`
 * schemas and the API roles, which every Supabase database has and a plain PostgreSQL does not
 * (applying there fails with `schema "extensions" does not exist`). [] for a Supabase database.
 */
export async function missingSupabaseObjects(client: Pick<PgClient, 'query'>): Promise<string[]> {
  const result = await client.query<{ missing: string[] }>(
    `select array_remove(array[
        case when to_regnamespace('extensions') is null then 'schema extensions' end,
        case when to_regnamespace('auth') is null then 'schema auth' end,
        case when not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then 'role authenticated' end,
        case when not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then 'role service_role' end
      ], null) as missing`,
  );
  return result.rows[0]?.missing ?? [];
}

export interface ExtensionUse {
  readonly extension: string;
  readonly migration: LocalMigration;
}

const CREATE_EXTENSION = /\bcreate\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"([^"]+)"|([a-z0-9_-]+))/gi;

/** Extensions created by the migrations, in file order (comments ignored). */
export function extensionsUsed(
  migrations: readonly LocalMigration[],
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): ExtensionUse[] {
  const uses: ExtensionUse[] = [];
  for (const migration of migrations) {
    const sql = stripSqlComments(read(migration.path));
    for (const match of sql.matchAll(CREATE_EXTENSION)) {
      const extension = (match[1] ?? match[2] ?? '').toLowerCase();
      if (extension && !uses.some((u) => u.extension === extension)) uses.push({ extension, migration });
    }
  }
  return uses;
}

/** The uses whose extension the server cannot install. */
export async function missingExtensions(client: PgClient, uses: readonly ExtensionUse[]): Promise<ExtensionUse[]> {
  if (uses.length === 0) return [];
  const result = await client.query<{ name: string }>(
    'select name from pg_catalog.pg_available_extensions where name = any($1::text[])',
    [uses.map((u) => u.extension)],
  );
  const available = new Set(result.rows.map((r) => r.name));
  return uses.filter((u) => !available.has(u.extension));
}

/**
 * Blanks out `-- …` and `/* … *\/` comments, keeping every newline and offset (so positions
 * still map to lines). Good enough to scan DDL; not a SQL parser.
 */
export function stripSqlComments(sql: string): string {
  const blank = (comment: string) => comment.replace(/[^\n]/g, ' ');
  return sql.replace(/\/\*[\s\S]*?\*\//g, blank).replace(/--[^\n]*/g, blank);
}
