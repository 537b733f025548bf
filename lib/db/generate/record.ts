/**
 * Recording the new migration as applied on the dev database (its changes are already there),
 * without a `supabase migration repair` start (~0.5 s): the round-trip shadow was given the new
 * file by `supabase db push`, so the CLI itself wrote the row there — version, name and the
 * file's statements as the CLI splits them. One upsert copies that row to the dev database, the
 * statement repair runs (UPSERT_MIGRATION_VERSION in the CLI's pkg/migration/history.go).
 */
import { OperationFailed } from '../../core/errors.ts';
import type { PgClient } from '../pg.ts';

export interface MigrationRecord {
  readonly version: string;
  readonly name: string | null;
  readonly statements: string[] | null;
}

export async function readMigrationRecord(client: PgClient, version: string): Promise<MigrationRecord> {
  const result = await client.query<MigrationRecord>(
    'select version, name, statements from supabase_migrations.schema_migrations where version = $1',
    [version],
  );
  const row = result.rows[0];
  if (!row) throw new OperationFailed(`the round-trip shadow does not record migration ${version}`);
  return row;
}

/** The CLI's own table set-up (CreateMigrationTable), for a dev database that has never had a migration. */
const CREATE_TABLE = [
  'create schema if not exists supabase_migrations',
  'create table if not exists supabase_migrations.schema_migrations (version text not null primary key)',
  'alter table supabase_migrations.schema_migrations add column if not exists statements text[]',
  'alter table supabase_migrations.schema_migrations add column if not exists name text',
];

/** `tableExists`: the caller read the tracking table already (readMigrationState), so this is one statement. */
export async function writeMigrationRecord(
  client: PgClient,
  record: MigrationRecord,
  options: { tableExists: boolean },
): Promise<void> {
  if (!options.tableExists) for (const statement of CREATE_TABLE) await client.query(statement);
  await client.query(
    'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3) ' +
      'on conflict (version) do update set name = excluded.name, statements = excluded.statements',
    [record.version, record.name, record.statements],
  );
}
