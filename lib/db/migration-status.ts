/**
 * Where a database stands against the local migration files: read the Supabase tracking table,
 * compare. readMigrationState works on a connection the caller holds (supabase-apply, -generate,
 * -reset); readMigrationStatus opens its own with short timeouts (doctor).
 */
import type { ClientBase } from 'pg';
import { displayDbUrl, type DbUrl } from './url.ts';
import { OperationFailed } from '../core/errors.ts';
import {
  compareMigrations,
  findEditedMigrations,
  listLocalMigrations,
  readAppliedMigrations,
  type EditedMigration,
  type LocalMigration,
  type MigrationComparison,
} from './migrations.ts';
import { connect } from './pg.ts';
import { describeDbError, describePgError } from './pg-errors.ts';

export { describeDbError };

/** Every local migration file next to what the database records, and what that means. */
export interface MigrationState extends MigrationComparison {
  /** Every local migration file, oldest first. */
  readonly local: LocalMigration[];
  /** Versions recorded on the database. */
  readonly applied: string[];
  /** .sql files the CLI would skip (bad names). */
  readonly skipped: string[];
  /** Applied files whose SQL differs from what the database ran ([] unless asked for). */
  readonly edited: EditedMigration[];
}

export interface StateOptions {
  /** Also compare applied files with the statements the database recorded (reads every applied file). */
  edits?: boolean;
}

/**
 * The comparison on a connection the caller already holds. The table read is the one
 * `supabase migration list` reads, without a CLI start (~1 s). OperationFailed when it cannot
 * be read.
 */
export async function readMigrationState(
  client: Pick<ClientBase, 'query'>,
  dir?: string,
  options: StateOptions = {},
): Promise<MigrationState> {
  const { migrations, skipped } = listLocalMigrations(dir);
  let rows;
  try {
    rows = await readAppliedMigrations(client, { statements: options.edits === true });
  } catch (error) {
    throw new OperationFailed(
      `cannot read the migration history (supabase_migrations.schema_migrations): ${describePgError(error)}`,
      { cause: error },
    );
  }
  const applied = rows.map((row) => row.version);
  const edited = options.edits ? findEditedMigrations(migrations, rows) : [];
  return { local: migrations, applied, skipped, edited, ...compareMigrations(migrations, applied) };
}

/** doctor's view: the state and the comparison of one database. */
export interface MigrationStatus {
  local: LocalMigration[];
  applied: string[];
  comparison: MigrationComparison;
  edited: EditedMigration[];
}

export async function readMigrationStatus(
  db: DbUrl,
  options: { timeoutMs: number; migrationsDir?: string },
): Promise<MigrationStatus> {
  const client = await connect(db, {
    connectTimeoutMs: options.timeoutMs,
    queryTimeoutMs: options.timeoutMs,
    statementTimeoutMs: options.timeoutMs,
  });
  try {
    const state = await readMigrationState(client, options.migrationsDir, { edits: true });
    const { pending, remoteOnly, outOfOrder } = state;
    return {
      local: state.local,
      applied: state.applied,
      comparison: { pending, remoteOnly, outOfOrder },
      edited: state.edited,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `host:port/database`, the short name of a database in checklist lines. */
export function dbLabel(db: DbUrl): string {
  return db.host ? `${db.host}:${db.port}/${db.database}` : displayDbUrl(db);
}
