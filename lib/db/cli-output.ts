/**
 * Reading what the Supabase CLI prints: the JSON of `migration list`, the progress lines of
 * `db push` / `db reset` (to time each file) and their failure report (which file, which
 * database error). Pure; formats checked with supabase 2.117.0 (shared Supabase reference).
 */
import { OperationFailed } from '../core/errors.ts';

export interface ListedMigration {
  readonly local: string;
  readonly remote: string;
}

/** `supabase migration list --output-format json` -> rows ('' where a side lacks the version). */
export function parseMigrationList(stdout: string): ListedMigration[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new OperationFailed('supabase migration list did not print JSON', {
      hint: 'is SUPABASE_CLI the Supabase CLI 2.117.0?',
    });
  }
  // Checked by hand, not with zod: this module is on supabase-apply's start-up path, where
  // loading zod alone costs ~150 ms (see docs/BENCHMARKS.md).
  const rows = (json as { migrations?: unknown } | null)?.migrations;
  if (rows === null) return [];
  const isRow = (row: unknown): row is ListedMigration =>
    typeof row === 'object' &&
    row !== null &&
    typeof (row as ListedMigration).local === 'string' &&
    typeof (row as ListedMigration).remote === 'string';
  if (!Array.isArray(rows) || !rows.every(isRow))
    throw new OperationFailed('supabase migration list printed JSON of an unexpected shape');
  return rows.map(({ local, remote }) => ({ local, remote }));
}

const APPLYING = /^Applying migration (\S+\.sql)\.\.\.$/;
const SEEDING = /^Seeding data from (\S+)\.\.\.$/;

export interface FileTiming {
  readonly file: string;
  readonly durationMs: number;
}

/**
 * Times each migration from the CLI's `Applying migration <file>...` lines: a file ends when
 * the next one (or the seed, or the process) starts.
 */
export class MigrationProgress {
  readonly started: string[] = [];
  private readonly timings: FileTiming[] = [];
  private current: { file: string; at: number } | null = null;
  seedFile: string | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {}

  onLine(line: string): void {
    const text = line.trim();
    const applying = APPLYING.exec(text);
    const seeding = SEEDING.exec(text);
    if (!applying && !seeding) return;
    this.closeCurrent();
    if (applying) {
      this.started.push(applying[1]!);
      this.current = { file: applying[1]!, at: this.now() };
    } else {
      this.seedFile = seeding![1]!;
    }
  }

  /** Call when the process ended successfully: every started file is then applied. */
  finish(): FileTiming[] {
    this.closeCurrent();
    return [...this.timings];
  }

  /** The file the CLI was applying when it stopped (the failing one), if any. */
  get inProgress(): string | null {
    return this.current?.file ?? null;
  }

  private closeCurrent(): void {
    if (!this.current) return;
    this.timings.push({ file: this.current.file, durationMs: this.now() - this.current.at });
    this.current = null;
  }
}

export interface MigrationFailure {
  /** The file being applied when it failed (null when the failure came before any file). */
  readonly file: string | null;
  /** The database's error, e.g. `ERROR: division by zero (SQLSTATE 22012)`. */
  readonly error: string | null;
  /** The failing statement as the CLI quotes it (first line). */
  readonly statement: string | null;
}

/** Reads a failed `db push` / `db reset` output (the CLI prints all of it on stderr). */
export function parseMigrationFailure(output: string): MigrationFailure {
  const lines = output.split(/\r?\n/).map((l) => l.trim());
  let file: string | null = null;
  let errorIndex = -1;
  lines.forEach((line, i) => {
    const applying = APPLYING.exec(line);
    if (applying) file = applying[1]!;
    if (errorIndex === -1 && /^(ERROR|FATAL):/.test(line)) errorIndex = i;
  });
  let error: string | null = null;
  let statement: string | null = null;
  if (errorIndex !== -1) {
    error = lines[errorIndex]!;
    const at = lines.findIndex((l, i) => i > errorIndex && /^At statement:/.test(l));
    // The line after the error often says more (e.g. the missing extension control file).
    const detail = lines[errorIndex + 1];
    if (detail && errorIndex + 1 !== at && !/^Try rerunning/.test(detail)) error = `${error} ${detail}`;
    if (at !== -1) statement = lines.slice(at + 1).find((l) => l !== '') ?? null;
    if (statement && /^Try rerunning/.test(statement)) statement = null;
  }
  return { file, error, statement };
}
