/**
 * Everything the toolkit prints goes through here. Diagnostics (steps, warnings, errors,
 * streamed tool output) go to stderr; results (summaries, tables, JSON, dry-run plans) go to
 * stdout, so `--json` output stays machine-readable.
 *
 * The rule for every text printed (it may hold what flyctl, /health or the database said):
 *   1. mask secrets first (redact), on the text as it came: an escaped spelling of a secret
 *      (`\"` in JSON, `%25` in an annotation, `\x1b`) would no longer match;
 *   2. then escape for the medium: control characters made visible (escapeControl) so no text
 *      can move the cursor or rewrite earlier lines; JSON and annotation encoding last;
 *   3. then add the toolkit's own styling (colours, the progress line's \r\x1b[K), which is
 *      therefore the only terminal control sequence that reaches the terminal.
 */
import { blue, cyan, dim, green, red, yellow } from './ansi.ts';
import { redact } from './redact.ts';
import { escapeControl, formatDuration } from './text.ts';

/** Re-exported for the modules that import it from here (it lives in text.ts). */
export { formatDuration };

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

  /** One line (or block) on stderr: masked, escaped, then styled. */
  private writeErr(text: string, style?: (s: string) => string): void {
    this.clearProgress();
    const safe = printable(text);
    this.stderr.write((style ? this.paint(style, safe) : safe) + '\n');
  }

  private annotate(kind: 'notice' | 'warning' | 'error', text: string): void {
    if (this.github) this.stderr.write(`::${kind}::${escapeAnnotation(printable(text))}\n`);
  }

  info(message: string): void {
    this.writeErr(message);
  }

  dim(message: string): void {
    this.writeErr(message, dim);
  }

  success(message: string): void {
    this.writeErr(`✓ ${message}`, green);
  }

  /** Something worth knowing that is not a problem (a skipped step); a notice annotation in GitHub Actions. */
  notice(message: string): void {
    this.writeErr(`note: ${message}`, blue);
    this.annotate('notice', message);
  }

  warn(message: string): void {
    this.writeErr(`warning: ${message}`, yellow);
    this.annotate('warning', message);
  }

  error(message: string, hint?: string): void {
    this.writeErr(`error: ${message}`, red);
    if (hint) this.writeErr(`  ${hint}`);
    this.annotate('error', hint ? `${message} — ${hint}` : message);
  }

  /** A human result line on stdout (dropped in --json mode, where only json() writes stdout). */
  result(text: string): void {
    if (this.json) return;
    this.clearProgress();
    this.stdout.write(printable(text) + '\n');
  }

  /** Text for stdout whatever the mode (--help). */
  write(text: string): void {
    this.clearProgress();
    this.stdout.write(printable(text) + '\n');
  }

  /**
   * The one JSON document of a --json run. Every string in it (keys too) is masked before
   * JSON.stringify escapes it: a secret holding `"` or `\` is then still found.
   */
  jsonResult(value: unknown): void {
    this.stdout.write(JSON.stringify(maskStrings(value), null, 2) + '\n');
  }

  /** A line of a dry-run plan (`$ command`): stdout normally, stderr in --json mode. */
  plan(line: string): void {
    if (this.json) this.writeErr(line);
    else this.result(line);
  }

  /** Passes a line of a child's output through to stderr: masked, control characters escaped. */
  passthrough(line: string): void {
    this.writeErr(`  │ ${line}`, dim);
  }

  /** One self-overwriting status line on a terminal; nothing elsewhere (CI logs stay short). */
  progress(text: string): void {
    if (!this.interactive) return;
    // The text is one line: a newline in it would leave the rest behind when overwritten.
    this.stderr.write(`\r\x1b[K${printable(text).replace(/\n/g, ' ')}`);
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
    if (group) this.stderr.write(`::group::${escapeAnnotation(printable(name))}\n`);
    this.writeErr(`▸ ${name}`, cyan);
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
    this.writeErr(`${ok ? '✓' : '✗'} ${name} (${formatDuration(durationMs)})`, ok ? green : red);
    if (group) this.stderr.write('::endgroup::\n');
  }
}

/** Masked first, then control characters made visible (the rule in the file comment). */
function printable(text: string): string {
  return escapeControl(redact(text));
}

/** A copy of a JSON-able value with every string (and key) masked. */
function maskStrings(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(maskStrings);
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
      return maskStrings(JSON.parse(JSON.stringify(value)));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), maskStrings(item)]));
  }
  return value;
}

/** GitHub workflow commands end at a newline; encode the characters they reserve (after masking). */
function escapeAnnotation(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
