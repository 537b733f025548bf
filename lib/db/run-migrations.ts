/**
 * Running a CLI command that applies migration files (`db push`, `db reset`): the password
 * goes as PGPASSWORD, the CLI's own prompt lines are dropped from what is shown, each file is
 * timed from the CLI's progress lines, and a failure becomes one message naming the file, the
 * statement (by its line in the file) and the database's error, and saying what the database
 * kept of the file (lib/db/migration-file.ts: one transaction, or not).
 */
import path from 'node:path';
import { connectionEnv, type DbUrl } from './url.ts';
import { Interrupted, OperationFailed } from '../core/errors.ts';
import { CommandFailed, type Command, type Runner } from '../core/runner.ts';
import { isSensitiveName } from '../core/redact.ts';
import { CLI_ENV } from '../commands/supabase.ts';
import { CliPromptFilter, MigrationProgress, parseMigrationFailure, type FileTiming } from './cli-output.ts';
import { committedBefore, readMigrationSql, runsOutsideTransaction, type MigrationSql } from './migration-file.ts';
import type { SqlStatement } from './statements.ts';
import { escapeControl, plural } from '../core/text.ts';

export interface MigrationRun {
  /** Files applied, in order, with durations. */
  readonly applied: FileTiming[];
  /** The seed file the CLI ran, if any. */
  readonly seedFile: string | null;
  readonly durationMs: number;
}

/** A migration file failed: earlier files of the run stay applied and recorded; this one is not. */
export class MigrationFailed extends OperationFailed {
  readonly file: string | null;
  readonly databaseError: string | null;
  /** SQLSTATE of the database's error (`55P03`: lock_timeout). */
  readonly sqlstate: string | null;
  /** The failing statement, located in the file (null when unknown). */
  readonly statement: SqlStatement | null;
  /** Statements of the file that stay committed despite the failure (0: the file was rolled back whole). */
  readonly committed: number;
  readonly appliedBefore: string[];
  /** The files before it in this run, with durations. */
  readonly appliedTimings: FileTiming[];

  constructor(
    details: {
      file: string | null;
      databaseError: string | null;
      sqlstate: string | null;
      statement: SqlStatement | null;
      committed: number;
      appliedTimings: FileTiming[];
    },
    message: string,
    hint: string,
    cause: unknown,
  ) {
    super(message, { hint, cause });
    this.file = details.file;
    this.databaseError = details.databaseError;
    this.sqlstate = details.sqlstate;
    this.statement = details.statement;
    this.committed = details.committed;
    this.appliedTimings = details.appliedTimings;
    this.appliedBefore = details.appliedTimings.map((t) => t.file);
  }
}

/** Ctrl-C stopped the CLI: which files it had started (the last one may still be running on the server). */
export class MigrationInterrupted extends Interrupted {
  readonly started: string[];
  constructor(message: string, started: string[]) {
    super(message);
    this.started = started;
  }
}

export interface RunMigrationsOptions {
  /** Folder holding supabase/ (the CLI also reads seed paths relative to it). */
  cwd: string;
  /** Pass the CLI's lines (without its prompt) through to the user (stderr). */
  stream: boolean;
  timeoutMs?: number;
  /** Sees each file as the CLI starts it. */
  onFile?: (file: string) => void;
  /** Where the files are (default: <cwd>/supabase/migrations), to locate a failing statement. */
  migrationsDir?: string;
  /**
   * The run's environment: the CLI does not inherit the secrets in it (SUPABASE_DB_URL_*,
   * tokens, keys): it needs only the PGPASSWORD it is given.
   */
  parentEnv?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

export async function runMigrationCommand(
  runner: Runner,
  command: Command,
  db: DbUrl,
  options: RunMigrationsOptions,
): Promise<MigrationRun> {
  const progress = new MigrationProgress();
  const prompt = new CliPromptFilter();
  const started = performance.now();
  try {
    await runner.run(command, {
      env: { ...withoutSecrets(options.parentEnv ?? {}), ...connectionEnv(db), ...CLI_ENV },
      cwd: options.cwd,
      output: 'capture',
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      onLine: (line) => {
        if (prompt.accept(line) && options.stream) runner.out.passthrough(escapeControl(line));
        const before = progress.started.length;
        progress.onLine(line);
        if (progress.started.length > before) options.onFile?.(progress.started.at(-1)!);
      },
    });
  } catch (error) {
    if (error instanceof Interrupted) throw new MigrationInterrupted(error.message, [...progress.started]);
    if (!(error instanceof CommandFailed)) throw error;
    const failure = parseMigrationFailure(`${error.result.stderr}\n${error.result.stdout}`);
    if (failure.file && failure.error) {
      const appliedTimings = progress.finish().filter((t) => t.file !== failure.file);
      const appliedBefore = appliedTimings.map((t) => t.file);
      const dir = options.migrationsDir ?? path.join(options.cwd, 'supabase', 'migrations');
      const sql = readQuietly(path.join(dir, failure.file));
      const statement =
        sql && failure.statementIndex !== null ? (sql.statements[failure.statementIndex] ?? null) : null;
      const committed = sql && failure.statementIndex !== null ? committedBefore(sql, failure.statementIndex) : 0;
      const before = appliedBefore.length
        ? `the ${plural(appliedBefore.length, 'file')} before it in this run stay applied and recorded; `
        : '';
      throw new MigrationFailed(
        {
          file: failure.file,
          databaseError: failure.error,
          sqlstate: failure.sqlstate,
          statement,
          committed,
          appliedTimings,
        },
        `migration supabase/migrations/${failure.file} failed: ${failure.error}`,
        `${failingStatement(failure, sql, statement)}${before}${whatWasKept(sql, committed)}`,
        error,
      );
    }
    throw error;
  }
  return { applied: progress.finish(), seedFile: progress.seedFile, durationMs: performance.now() - started };
}

/** `{ NAME: undefined }` for every secret-looking variable: the runner then leaves them out. */
function withoutSecrets(env: NodeJS.ProcessEnv): Record<string, undefined> {
  return Object.fromEntries(
    Object.keys(env)
      .filter(isSensitiveName)
      .map((name) => [name, undefined]),
  );
}

function readQuietly(file: string): MigrationSql | null {
  try {
    return readMigrationSql(file);
  } catch {
    return null;
  }
}

/** `failing statement (line 7): select 1/0 — `, or the CLI's own quote when the file does not say. */
function failingStatement(
  failure: { statementIndex: number | null; statement: string | null },
  sql: MigrationSql | null,
  statement: SqlStatement | null,
): string {
  if (statement) return `failing statement (line ${statement.line}): ${statement.firstLine} — `;
  if (sql && failure.statementIndex === sql.statements.length)
    return 'failing statement: recording the file in supabase_migrations.schema_migrations — ';
  return failure.statement ? `failing statement: ${failure.statement} — ` : '';
}

/** What the database kept of the failed file, from how the CLI ran it. */
function whatWasKept(sql: MigrationSql | null, committed: number): string {
  if (sql === null) return 'this file is not recorded';
  if (committed === 0) {
    if (sql.mode !== 'transaction')
      return 'nothing of this file was committed before the failure, and it is not recorded';
    return 'this file ran in one transaction, which was rolled back: nothing of it is applied, and it is not recorded';
  }
  const outside = sql.statements.slice(0, committed).filter(runsOutsideTransaction).at(-1);
  const why =
    sql.mode === 'no-transaction'
      ? 'the file runs without a transaction (-- pg-delta: transaction=false)'
      : `the CLI commits what comes before ${outside ? `the ${outside.firstLine.split(/\s+/).slice(0, 4).join(' ')} at line ${outside.line}` : 'a statement it runs outside the transaction'} and runs that statement on its own`;
  return `its first ${plural(committed, 'statement')} stay applied (${why}); the rest was rolled back and the file is not recorded: make it safe to run again (IF NOT EXISTS …) before re-running`;
}
