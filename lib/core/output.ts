/**
 * Everything the toolkit prints goes through here, redacted. Diagnostics (steps, warnings,
 * errors, streamed tool output) go to stderr; results (summaries, tables, JSON, dry-run plans)
 * go to stdout, so `--json` output stays machine-readable.
 */
import { chalk } from 'zx/core';
import { redact } from './redact.ts';

export interface StepTiming {
  name: string;
  durationMs: number;
  ok: boolean;
}

export interface OutputOptions {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  /** stdout carries one JSON document: plans and human results move to stderr / are dropped. */
  json?: boolean;
}

export class Output {
  readonly timings: StepTiming[] = [];
  readonly color: boolean;
  readonly interactive: boolean;
  readonly github: boolean;
  json: boolean;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;
  private progressShown = false;

  constructor(options: OutputOptions = {}) {
    const env = options.env ?? process.env;
    const stderr = options.stderr ?? process.stderr;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = stderr;
    this.json = options.json ?? false;
    const stderrIsTty = Boolean(stderr.isTTY);
    this.interactive = stderrIsTty && env.CI !== 'true';
    this.color = stderrIsTty && env.NO_COLOR === undefined && env.TERM !== 'dumb';
    this.github = env.GITHUB_ACTIONS === 'true';
  }

  private paint(style: (s: string) => string, text: string): string {
    return this.color ? style(text) : text;
  }

  private writeErr(line: string): void {
    this.clearProgress();
    this.stderr.write(redact(line) + '\n');
  }

  info(message: string): void {
    this.writeErr(message);
  }

  dim(message: string): void {
    this.writeErr(this.paint(chalk.dim, message));
  }

  success(message: string): void {
    this.writeErr(this.paint(chalk.green, `✓ ${message}`));
  }

  /** Something worth knowing that is not a problem (a skipped step); a notice annotation in GitHub Actions. */
  notice(message: string): void {
    this.writeErr(this.paint(chalk.blue, `note: ${message}`));
    if (this.github) this.stderr.write(`::notice::${escapeAnnotation(redact(message))}\n`);
  }

  warn(message: string): void {
    this.writeErr(this.paint(chalk.yellow, `warning: ${message}`));
    if (this.github) this.stderr.write(`::warning::${escapeAnnotation(redact(message))}\n`);
  }

  error(message: string, hint?: string): void {
    this.writeErr(this.paint(chalk.red, `error: ${message}`));
    if (hint) this.writeErr(`  ${hint}`);
    if (this.github) {
      const text = hint ? `${message} — ${hint}` : message;
      this.stderr.write(`::error::${escapeAnnotation(redact(text))}\n`);
    }
  }

  /** A human result line on stdout (dropped in --json mode, where only json() writes stdout). */
  result(text: string): void {
    if (this.json) return;
    this.clearProgress();
    this.stdout.write(redact(text) + '\n');
  }

  /** Text for stdout whatever the mode (--help). */
  write(text: string): void {
    this.clearProgress();
    this.stdout.write(redact(text) + '\n');
  }

  /** The one JSON document of a --json run. */
  jsonResult(value: unknown): void {
    this.stdout.write(redact(JSON.stringify(value, null, 2)) + '\n');
  }

  /** A line of a dry-run plan (`$ command`): stdout normally, stderr in --json mode. */
  plan(line: string): void {
    if (this.json) this.writeErr(line);
    else this.result(line);
  }

  /** Passes a line of a child's output through, redacted, to stderr. */
  passthrough(line: string): void {
    this.writeErr(this.paint(chalk.dim, `  │ ${line}`));
  }

  /** One self-overwriting status line on a terminal; nothing elsewhere (CI logs stay short). */
  progress(text: string): void {
    if (!this.interactive) return;
    this.stderr.write(`\r\x1b[K${redact(text)}`);
    this.progressShown = true;
  }

  clearProgress(): void {
    if (!this.progressShown) return;
    this.stderr.write('\r\x1b[K');
    this.progressShown = false;
  }

  /**
   * Runs one named step: prints `▸ name`, then `✓ name (1.2s)` or `✗ name (1.2s)`, and records
   * its duration for summaries. `group` folds the step's output in GitHub Actions logs.
   */
  async step<T>(name: string, fn: () => Promise<T>, options: { group?: boolean } = {}): Promise<T> {
    const group = options.group === true && this.github;
    if (group) this.stderr.write(`::group::${name}\n`);
    this.writeErr(this.paint(chalk.cyan, `▸ ${name}`));
    const started = performance.now();
    try {
      const value = await fn();
      this.finishStep(name, started, true, group);
      return value;
    } catch (error) {
      this.finishStep(name, started, false, group);
      throw error;
    }
  }

  private finishStep(name: string, started: number, ok: boolean, group: boolean): void {
    const durationMs = performance.now() - started;
    this.timings.push({ name, durationMs, ok });
    const line = `${ok ? '✓' : '✗'} ${name} (${formatDuration(durationMs)})`;
    this.writeErr(this.paint(ok ? chalk.green : chalk.red, line));
    if (group) this.stderr.write('::endgroup::\n');
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** GitHub workflow commands end at a newline; encode the characters they reserve. */
function escapeAnnotation(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
