/**
 * Local migration files and the Supabase tracking table, shared by supabase-apply, -reset,
 * -generate and doctor. Facts: shared Supabase reference (file names, schema_migrations).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ClientBase } from 'pg';
import { InvalidInput } from '../core/errors.ts';
import { fromRoot } from '../core/paths.ts';
import { escapeControl } from '../core/text.ts';
import { normalizeStatement, splitStatements, type SqlStatement } from './statements.ts';

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

export interface AppliedMigration {
  readonly version: string;
  /** What the CLI ran and recorded (null when the row has none: written by hand or an old CLI). */
  readonly statements: readonly string[] | null;
}

/** Versions recorded in supabase_migrations.schema_migrations ([] when the table does not exist yet). */
export async function readAppliedVersions(client: Pick<ClientBase, 'query'>): Promise<string[]> {
  return (await readAppliedMigrations(client, { statements: false })).map((m) => m.version);
}

/**
 * The tracking table's rows, oldest first; with `statements`, also what the CLI recorded for
 * each file (read through to_jsonb so that a table from before the CLI added the column works).
 */
export async function readAppliedMigrations(
  client: Pick<ClientBase, 'query'>,
  options: { statements: boolean },
): Promise<AppliedMigration[]> {
  const exists = await client.query<{ present: boolean }>(
    "select to_regclass('supabase_migrations.schema_migrations') is not null as present",
  );
  if (!exists.rows[0]?.present) return [];
  if (!options.statements) {
    const result = await client.query<{ version: string }>(
      'select version from supabase_migrations.schema_migrations order by version',
    );
    return result.rows.map((row) => ({ version: row.version, statements: null }));
  }
  const result = await client.query<{ version: string; statements: unknown }>(
    "select version, to_jsonb(m) -> 'statements' as statements from supabase_migrations.schema_migrations m order by version",
  );
  return result.rows.map((row) => ({
    version: row.version,
    statements:
      Array.isArray(row.statements) && row.statements.every((s) => typeof s === 'string')
        ? (row.statements as string[])
        : null,
  }));
}

/** An applied file whose SQL is no longer what the database ran. */
export interface EditedMigration {
  readonly migration: LocalMigration;
  /** The first statement of the file that differs (null: the file now has fewer statements). */
  readonly statement: SqlStatement | null;
  /** What the database recorded at that position (null: the file now has more statements). */
  readonly recorded: string | null;
}

/**
 * Applied files edited since they ran: each file is split as the CLI splits it and compared,
 * statement by statement, with what the CLI recorded, ignoring comments and whitespace. Rows
 * without recorded statements cannot be checked and are skipped.
 */
export function findEditedMigrations(
  local: readonly LocalMigration[],
  applied: readonly AppliedMigration[],
  read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): EditedMigration[] {
  const recordedBy = new Map(applied.map((m) => [m.version, m.statements]));
  const edited: EditedMigration[] = [];
  for (const migration of local) {
    const recorded = recordedBy.get(migration.version);
    if (!recorded) continue;
    const now = splitStatements(read(migration.path))
      .map((statement) => ({ statement, normal: normalizeStatement(statement.text) }))
      .filter((s) => s.normal !== '');
    const then = recorded.map((text) => ({ text, normal: normalizeStatement(text) })).filter((s) => s.normal !== '');
    for (let i = 0; i < Math.max(now.length, then.length); i++) {
      if (now[i]?.normal === then[i]?.normal) continue;
      edited.push({ migration, statement: now[i]?.statement ?? null, recorded: then[i]?.text ?? null });
      break;
    }
  }
  return edited;
}

/** `line 7 now reads "…", the database ran "…"`: the first line that differs, short and terminal-safe. */
export function describeEdit(edit: EditedMigration): string {
  if (edit.statement === null)
    return `the file now ends before the statement the database ran as ${quoteShort(firstCodeLine(edit.recorded ?? ''))}`;
  if (edit.recorded === null)
    return `line ${edit.statement.line} now reads ${quoteShort(edit.statement.firstLine)}, a statement the database never ran`;
  const now = codeLines(edit.statement.text, edit.statement.startLine);
  const then = codeLines(edit.recorded, 1);
  for (let i = 0; i < Math.max(now.length, then.length); i++) {
    if (now[i]?.normal === then[i]?.normal) continue;
    const line = now[i]?.line ?? now.at(-1)?.line ?? edit.statement.line;
    const reads = now[i] ? quoteShort(now[i]!.text) : 'nothing more';
    const ran = then[i] ? quoteShort(then[i]!.text) : 'nothing more';
    return `line ${line} now reads ${reads}, the database ran ${ran}`;
  }
  return `line ${edit.statement.line} now reads ${quoteShort(edit.statement.firstLine)}`;
}

/** The lines of a statement that hold code, with their line numbers (first = `firstLine`). */
function codeLines(statement: string, firstLine: number): Array<{ line: number; text: string; normal: string }> {
  return statement
    .split('\n')
    .map((text, i) => ({ line: firstLine + i, text: text.trim(), normal: normalizeStatement(text) }))
    .filter((l) => l.normal !== '');
}

function firstCodeLine(statement: string): string {
  return splitStatements(statement)[0]?.firstLine ?? statement.split('\n', 1)[0]!;
}

function quoteShort(text: string, max = 80): string {
  const oneLine = escapeControl(text.replace(/\s+/g, ' ').trim());
  return `"${oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine}"`;
}
