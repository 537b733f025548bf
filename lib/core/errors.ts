/**
 * Typed errors and the exit codes every script shares. Scripts throw these; the single
 * top-level handler in lib/core/script.ts turns them into one message and the right exit code.
 */

export const ExitCode = {
  ok: 0,
  /** The operation failed: an external command failed, a health check failed (even when a rollback then succeeded). */
  failed: 1,
  /** Invalid input: arguments, env file, fly.toml, URL. */
  invalid: 2,
  /** A precondition is not met or the action was refused. */
  refused: 3,
  /** Interrupted by Ctrl-C. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ToolkitErrorOptions {
  /** One line telling the user how to fix it. */
  hint?: string;
  cause?: unknown;
}

export class ToolkitError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCodeValue, options: ToolkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** Exit 1: something we ran (flyctl, the CLI, a health check) did not succeed. */
export class OperationFailed extends ToolkitError {
  constructor(message: string, options?: ToolkitErrorOptions) {
    super(message, ExitCode.failed, options);
  }
}

/** Exit 2: the user gave us something we cannot use (env file, fly.toml, URL). */
export class InvalidInput extends ToolkitError {
  constructor(message: string, options?: ToolkitErrorOptions) {
    super(message, ExitCode.invalid, options);
  }
}

/** Exit 2: bad command-line usage; the handler adds "Run with --help for usage." */
export class UsageError extends InvalidInput {}

/** Exit 3: a precondition is not met (tool missing, not logged in, secret missing) or the action was refused. */
export class PreconditionFailed extends ToolkitError {
  constructor(message: string, options?: ToolkitErrorOptions) {
    super(message, ExitCode.refused, options);
  }
}

/** Exit 130: Ctrl-C. The message says what state was left behind. */
export class Interrupted extends ToolkitError {
  constructor(message = 'interrupted', options?: ToolkitErrorOptions) {
    super(message, ExitCode.interrupted, options);
  }
}

export function isToolkitError(error: unknown): error is ToolkitError {
  return error instanceof ToolkitError;
}
