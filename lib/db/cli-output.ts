/**
 * Reading what the Supabase CLI prints: the JSON of `migration list`, the progress lines of
 * `db push` / `db reset` (to time each file) and their failure report (which file, which
 * database error). Pure; formats checked with supabase 2.117.0 (shared Supabase reference).
 */
import { OperationFailed } from '../core/errors.ts';
import { sqlstateIn } from './pg-errors.ts';

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
  /** The SQLSTATE of that error (`55P03`), if it names one. */
  readonly sqlstate: string | null;
  /** The CLI's "At statement: N": the 0-based index of the failing statement in the file. */
  readonly statementIndex: number | null;
  /** The failing statement's first line that is not a comment, as the CLI quotes it. */
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
  let statementIndex: number | null = null;
  if (errorIndex !== -1) {
    error = lines[errorIndex]!;
    const at = lines.findIndex((l, i) => i > errorIndex && /^At statement:/.test(l));
    // The line after the error often says more (e.g. the missing extension control file).
    const detail = lines[errorIndex + 1];
    if (detail && errorIndex + 1 !== at && !/^Try rerunning/.test(detail)) error = `${error} ${detail}`;
    if (at !== -1) {
      const index = /^At statement:\s*(\d+)/.exec(lines[at]!)?.[1];
      statementIndex = index === undefined ? null : Number(index);
      statement = lines.slice(at + 1).find((l) => l !== '' && !l.startsWith('--')) ?? null;
    }
    if (statement && /^Try rerunning/.test(statement)) statement = null;
  }
  return { file, error, sqlstate: sqlstateIn(error), statementIndex, statement };
}

/**
 * The CLI's own prompt, which it prints even when `--yes` answers it: `Do you want to push these
 * migrations to the remote database?`, the ` • <file>` list under it, ` [Y/n] y`, `Do you want
 * to reset the remote database? [y/N] y` and `Resetting remote database...` (said of a local
 * database too). The toolkit has already asked, and listed the files; the rest (connecting,
 * each file applied, notices, errors) is the CLI's real progress and passes.
 */
export class CliPromptFilter {
  private inPrompt = false;

  /** Whether `line` should be shown. */
  accept(line: string): boolean {
    const text = line.trim();
    if (/^Do you want to .+\?(\s*\[[yn]\/[yn]\](\s*[yn])?)?$/i.test(text)) {
      this.inPrompt = !ANSWER.test(text);
      return false;
    }
    if (ANSWER.test(text) && /^\[/.test(text)) {
      this.inPrompt = false;
      return false;
    }
    if (this.inPrompt && (text === '' || text.startsWith('•'))) return false;
    this.inPrompt = false;
    return !/^Resetting (remote|local) database\.\.\.$/.test(text);
  }
}

const ANSWER = /\[[yn]\/[yn]\](\s*[yn])?$/i;
