/**
 * "Is this database reachable, and which migrations are pending?" in one call, read on the
 * toolkit's own connection from supabase_migrations.schema_migrations (the table
 * `supabase migration list` reads; no CLI start, so it takes milliseconds). For doctor,
 * supabase-apply and supabase-generate.
 */
import type { DbUrl } from './db-url.ts';
import { OperationFailed, ToolkitError } from './errors.ts';
import { compareMigrations, listLocalMigrations, migrationsDir, readAppliedVersions, type LocalMigration, type MigrationComparison } from './migrations.ts';
import { describePgError, withClient, type PgClient } from './pg.ts';

export interface MigrationState extends MigrationComparison {
  /** Every local migration file, oldest first. */
  readonly local: LocalMigration[];
  /** Versions recorded on the database. */
  readonly applied: string[];
  /** .sql files the CLI would skip (bad names). */
  readonly skipped: string[];
}

/** Compares the local files with what `client`'s database has recorded (OperationFailed when it cannot be read). */
export async function readMigrationState(client: Pick<PgClient, 'query'>, dir: string = migrationsDir()): Promise<MigrationState> {
  const { migrations, skipped } = listLocalMigrations(dir);
  let applied: string[];
  try {
    applied = await readAppliedVersions(client);
  } catch (error) {
    throw new OperationFailed(`cannot read the migration history (supabase_migrations.schema_migrations): ${describePgError(error)}`, { cause: error });
  }
  return { local: migrations, applied, skipped, ...compareMigrations(migrations, applied) };
}

export type MigrationStatus =
  | ({ readonly reachable: true; readonly serverVersion: string } & MigrationState)
  | { readonly reachable: false; readonly error: string };

/**
 * Connects (default timeout 10 s), reads the state, disconnects. Never throws for an
 * unreachable database or a failed query: `reachable: false` with a one-line, redacted error.
 */
export async function checkMigrationStatus(db: DbUrl, options: { migrationsDir?: string; connectTimeoutMs?: number } = {}): Promise<MigrationStatus> {
  try {
    return await withClient(
      db,
      async (client) => {
        const version = await client.query<{ server_version: string }>('show server_version');
        const state = await readMigrationState(client, options.migrationsDir);
        return { reachable: true as const, serverVersion: version.rows[0]?.server_version ?? 'unknown', ...state };
      },
      { applicationName: 'kotadb-ops status', ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}) },
    );
  } catch (error) {
    return { reachable: false, error: error instanceof ToolkitError ? error.message : describePgError(error) };
  }
}
