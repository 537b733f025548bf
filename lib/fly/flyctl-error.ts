/**
 * What flyctl said when it failed, in one line, the one way every script words it (deploy,
 * rollback, fly-setup, fly-secrets, doctor): the `Error:` line and the lines flyctl prints
 * after it (description, suggestion: internal/cli/cli.go), and, for a config validation
 * failure, its reasons (printed before the error, between "Validating <file>" and the `✘`
 * line, some on stdout: `Error: App configuration is not valid` alone says nothing). Progress
 * output is left out; secrets are masked, then control characters escaped; at most 500 chars.
 */
import { redact } from '../core/redact.ts';
import {
  CommandFailed,
  describeCommand,
  lastLines,
  type Command,
  type Runner,
  type RunOptions,
  type RunResult,
} from '../core/runner.ts';
import { escapeControl } from '../core/text.ts';

/** Long enough for an error, its description and suggestion; short enough for one line. */
export const MAX_ERROR_CHARS = 500;

export function flyctlError(stderr: string, stdout = '', options: { keepErrorPrefix?: boolean } = {}): string {
  const err = linesOf(stderr);
  const at = err.findLastIndex((line) => line.startsWith('Error: '));
  if (at === -1) return oneLine(lastLines(stderr || stdout, 3) || 'no output');
  const reasons = [...new Set([...validationReasons(linesOf(stdout)), ...validationReasons(err.slice(0, at))])];
  const error = options.keepErrorPrefix ? err[at]! : err[at]!.slice('Error: '.length);
  return oneLine([error + (reasons.length > 0 ? `: ${reasons.join('; ')}` : ''), ...err.slice(at + 1)].join(' | '));
}

/** A failed flyctl call: the command, how it ended (a signal, not its last words, when one killed it), what flyctl said. */
export function flyctlFailureMessage(result: RunResult): string {
  const command = describeCommand(result.argv);
  if (result.signal) return redact(`${command} was killed by ${result.signal}`);
  return `${redact(command)} failed (exit ${result.exitCode}): ${flyctlError(result.stderr, result.stdout, { keepErrorPrefix: true })}`;
}

/** runner.run for flyctl: a failure stays a CommandFailed (result intact) whose message is flyctl's error whole. */
export async function runFlyctl(runner: Runner, command: Command, options: RunOptions = {}): Promise<RunResult> {
  try {
    return await runner.run(command, options);
  } catch (error) {
    if (error instanceof CommandFailed) throw new CommandFailed(flyctlFailureMessage(error.result), error.result);
    throw error;
  }
}

function linesOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/**
 * A validation failure's reasons: the lines after the last "Validating <file>" up to the last
 * `✘` line (flyctl prints the reasons plainly, then `✘invalid app configuration`); without a
 * "Validating" line, only the `✘` lines (the rest is progress).
 */
function validationReasons(lines: readonly string[]): string[] {
  const cross = lines.findLastIndex((line) => line.startsWith('✘'));
  if (cross === -1) return [];
  const validating = lines.findLastIndex((line, i) => i < cross && line.startsWith('Validating '));
  if (validating === -1) return lines.slice(0, cross + 1).filter((line) => line.startsWith('✘'));
  return lines.slice(validating + 1, cross + 1);
}

function oneLine(text: string): string {
  const safe = escapeControl(redact(text));
  return safe.length > MAX_ERROR_CHARS ? `${safe.slice(0, MAX_ERROR_CHARS - 1)}…` : safe;
}
