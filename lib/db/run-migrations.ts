/**
 * Running a CLI command that applies migration files (`db push`, `db reset`): the password
 * goes as PGPASSWORD, each file is timed from the CLI's progress lines, and a failure
 * becomes one message naming the file and the database's error.
 */
import { connectionEnv, type DbUrl } from './url.ts';
import { OperationFailed } from '../core/errors.ts';
import { CommandFailed, type Command, type Runner } from '../core/runner.ts';
import { MigrationProgress, parseMigrationFailure, type FileTiming } from './cli-output.ts';

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
  readonly appliedBefore: string[];

  constructor(
    file: string | null,
    databaseError: string | null,
    appliedBefore: string[],
    message: string,
    hint: string,
    cause: unknown,
  ) {
    super(message, { hint, cause });
    this.file = file;
    this.databaseError = databaseError;
    this.appliedBefore = appliedBefore;
  }
}

export interface RunMigrationsOptions {
  /** Folder holding supabase/ (the CLI also reads seed paths relative to it). */
  cwd: string;
  /** Pass the CLI's lines through to the user (stderr). */
  stream: boolean;
  timeoutMs?: number;
  /** Sees each file as the CLI starts it. */
  onFile?: (file: string) => void;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

export async function runMigrationCommand(
  runner: Runner,
  command: Command,
  db: DbUrl,
  options: RunMigrationsOptions,
): Promise<MigrationRun> {
  const progress = new MigrationProgress();
  const started = performance.now();
  try {
    await runner.run(command, {
      env: connectionEnv(db),
      cwd: options.cwd,
      output: options.stream ? 'stream' : 'capture',
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      onLine: (line) => {
        const before = progress.started.length;
        progress.onLine(line);
        if (progress.started.length > before) options.onFile?.(progress.started.at(-1)!);
      },
    });
  } catch (error) {
    if (!(error instanceof CommandFailed)) throw error;
    const failure = parseMigrationFailure(`${error.result.stderr}\n${error.result.stdout}`);
    const appliedBefore = progress.started.filter((file) => file !== failure.file);
    if (failure.file && failure.error) {
      throw new MigrationFailed(
        failure.file,
        failure.error,
        appliedBefore,
        `migration supabase/migrations/${failure.file} failed: ${failure.error}`,
        `${failure.statement ? `failing statement: ${failure.statement} — ` : ''}${appliedBefore.length ? `the ${appliedBefore.length} file(s) before it in this run stay applied and recorded; ` : ''}this one was rolled back and is not recorded`,
        error,
      );
    }
    throw error;
  }
  return { applied: progress.finish(), seedFile: progress.seedFile, durationMs: performance.now() - started };
}
