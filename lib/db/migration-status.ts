/**
 * Where a database stands against the local migration files: connect with a short timeout,
 * read the Supabase tracking table, compare. Used by doctor; works on any DbUrl (a remote
 * Supabase database or the local PostgreSQL). readMigrationState does the same on a
 * connection the caller holds (supabase-apply, -generate, -reset).
 */
import type { ClientBase } from 'pg';
import { displayDbUrl, pgClientConfig, type DbUrl } from './url.ts';
import { OperationFailed } from '../core/errors.ts';
import {
  compareMigrations,
  listLocalMigrations,
  readAppliedVersions,
  type LocalMigration,
  type MigrationComparison,
} from './migrations.ts';
import { describePgError } from './pg-errors.ts';

export interface MigrationStatus {
  local: LocalMigration[];
  applied: string[];
  comparison: MigrationComparison;
}

export async function readMigrationStatus(
  db: DbUrl,
  options: { timeoutMs: number; migrationsDir?: string },
): Promise<MigrationStatus> {
  // pg costs ~90 ms to load: only when a database is actually checked.
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    ...pgClientConfig(db, options.timeoutMs),
    query_timeout: options.timeoutMs,
    statement_timeout: options.timeoutMs,
    application_name: 'kotadb-ops',
  });
  // A connection dropped after the answer arrived must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const applied = await readAppliedVersions(client);
    const { migrations } = listLocalMigrations(options.migrationsDir);
    return { local: migrations, applied, comparison: compareMigrations(migrations, applied) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every local migration file next to what the database records, and what that means. */
export interface MigrationState extends MigrationComparison {
  /** Every local migration file, oldest first. */
  readonly local: LocalMigration[];
  /** Versions recorded on the database. */
  readonly applied: string[];
  /** .sql files the CLI would skip (bad names). */
  readonly skipped: string[];
}

/**
 * The same comparison on a connection the caller already holds (supabase-apply reads it under
 * its migration lock, supabase-generate on the dev database). The table read is the one
 * `supabase migration list` reads, without a CLI start (~1 s). OperationFailed when it cannot
 * be read.
 */
export async function readMigrationState(client: Pick<ClientBase, 'query'>, dir?: string): Promise<MigrationState> {
  const { migrations, skipped } = listLocalMigrations(dir);
  let applied: string[];
  try {
    applied = await readAppliedVersions(client);
  } catch (error) {
    throw new OperationFailed(
      `cannot read the migration history (supabase_migrations.schema_migrations): ${describePgError(error)}`,
      { cause: error },
    );
  }
  return { local: migrations, applied, skipped, ...compareMigrations(migrations, applied) };
}

/** pg and net errors in a few words ("connection refused"); never the URL's password. */
export function describeDbError(error: unknown, timeoutMs: number): string {
  const err = error as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = err.code ?? err.errors?.[0]?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return `no answer within ${Math.round(timeoutMs / 1000)}s`;
    case '28P01':
      return 'password authentication failed';
    case '3D000':
      return 'the database does not exist';
    case '28000':
      return 'connection not allowed (pg_hba / network restrictions)';
  }
  const message = (err.message ?? String(error)).split('\n')[0] ?? '';
  if (/timeout/i.test(message)) return `no answer within ${Math.round(timeoutMs / 1000)}s`;
  return message;
}

/** `host:port/database`, the short name of a database in checklist lines. */
export function dbLabel(db: DbUrl): string {
  return db.host ? `${db.host}:${db.port}/${db.database}` : displayDbUrl(db);
}
