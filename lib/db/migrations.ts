/**
 * Local migration files and the Supabase tracking table, shared by supabase-apply, -reset,
 * -generate and doctor. Facts: shared Supabase reference (file names, schema_migrations).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ClientBase } from 'pg';
import { InvalidInput } from '../core/errors.ts';
import { fromRoot } from '../core/paths.ts';

/** The CLI's own rule: files that do not match are skipped with a warning. */
export const MIGRATION_FILE = /^([0-9]+)_(.*)\.sql$/;

export interface LocalMigration {
  readonly version: string;
  readonly name: string;
  readonly file: string;
  readonly path: string;
}

export const migrationsDir = (root?: string) =>
  root ? path.join(root, 'supabase', 'migrations') : fromRoot('supabase', 'migrations');

export function listLocalMigrations(dir: string = migrationsDir()): {
  migrations: LocalMigration[];
  skipped: string[];
} {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { migrations: [], skipped: [] };
    throw error;
  }
  const migrations: LocalMigration[] = [];
  const skipped: string[] = [];
  for (const file of files.sort()) {
    if (!file.endsWith('.sql')) continue;
    if (!statSync(path.join(dir, file), { throwIfNoEntry: false })?.isFile()) {
      throw new InvalidInput(`${path.join(dir, file)} is not a file: a migration must be a .sql file`, {
        hint: 'rename it or move it out of supabase/migrations',
      });
    }
    const match = MIGRATION_FILE.exec(file);
    if (!match) {
      skipped.push(file);
      continue;
    }
    migrations.push({ version: match[1]!, name: match[2]!, file, path: path.join(dir, file) });
  }
  migrations.sort((a, b) => compareVersions(a.version, b.version));
  return { migrations, skipped };
}

export function compareVersions(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export interface MigrationComparison {
  /** Local files not recorded on the database, oldest first. */
  pending: LocalMigration[];
  /** Versions recorded on the database with no local file (drift: needs `supabase migration repair`). */
  remoteOnly: string[];
  /** Pending files older than the newest applied version (need --include-all). */
  outOfOrder: LocalMigration[];
}

export function compareMigrations(local: readonly LocalMigration[], applied: readonly string[]): MigrationComparison {
  const appliedSet = new Set(applied);
  const localSet = new Set(local.map((m) => m.version));
  const pending = local.filter((m) => !appliedSet.has(m.version));
  const newestApplied = [...applied].sort(compareVersions).at(-1);
  return {
    pending,
    remoteOnly: applied.filter((v) => !localSet.has(v)).sort(compareVersions),
    outOfOrder: newestApplied === undefined ? [] : pending.filter((m) => compareVersions(m.version, newestApplied) < 0),
  };
}

/** Versions recorded in supabase_migrations.schema_migrations ([] when the table does not exist yet). */
export async function readAppliedVersions(client: Pick<ClientBase, 'query'>): Promise<string[]> {
  const exists = await client.query<{ present: boolean }>(
    "select to_regclass('supabase_migrations.schema_migrations') is not null as present",
  );
  if (!exists.rows[0]?.present) return [];
  const result = await client.query<{ version: string }>(
    'select version from supabase_migrations.schema_migrations order by version',
  );
  return result.rows.map((row) => row.version);
}
