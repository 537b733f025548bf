/**
 * A checklist of independent checks (doctor). Each check runs under its own deadline; a throw or
 * a timeout becomes a ✗ line carrying the fix instead of stopping the run, so one broken thing
 * never hides the state of the others. Results render as aligned lines or as one JSON document.
 */
import { Interrupted, isToolkitError } from '../core/errors.ts';
import { formatDuration } from '../core/output.ts';
import { CommandTimedOut } from '../core/runner.ts';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckOutcome {
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly detail: string;
  /** One line: what to do about it (failures; a skip may say how to enable the check). */
  readonly fix?: string;
}

export interface CheckResult extends CheckOutcome {
  readonly id: string;
  readonly title: string;
  readonly durationMs: number;
}

export const pass = (detail: string): CheckOutcome => ({ status: 'pass', detail });
export const fail = (detail: string, fix?: string): CheckOutcome =>
  fix ? { status: 'fail', detail, fix } : { status: 'fail', detail };
export const skip = (detail: string, fix?: string): CheckOutcome =>
  fix ? { status: 'skip', detail, fix } : { status: 'skip', detail };

export interface CheckLimits {
  timeoutMs: number;
  /** The fix shown when a check runs out of time. */
  timeoutFix: string;
  /** Extra time before the checklist stops waiting (default: long enough for the runner's kill). */
  graceMs?: number;
}

/**
 * How long past its own deadline a check may take before the checklist gives up on it: the
 * runner kills a timed-out child with SIGTERM, then SIGKILL after 2 s, and reports that itself.
 */
const DEADLINE_GRACE_MS = 3000;

/** Runs one check; never throws. */
export async function runCheck(
  id: string,
  title: string,
  limits: CheckLimits,
  check: () => Promise<CheckOutcome>,
): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve(fail(`no answer within ${formatDuration(limits.timeoutMs)}`, limits.timeoutFix)),
      limits.timeoutMs + (limits.graceMs ?? DEADLINE_GRACE_MS),
    );
  });
  try {
    const outcome = await Promise.race([check().catch((error: unknown) => outcomeOfError(error, limits)), deadline]);
    return { id, title, ...outcome, durationMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** One question's answer, or why there is none (status's cells). */
export type Answer<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

/**
 * Asks one question under its own deadline (as runCheck does); never throws: an error or the
 * deadline becomes the reason. The question's own timeout (runner, HTTP, database) should end it
 * first; the deadline is the backstop.
 */
export async function answerWithin<T>(limits: CheckLimits, question: () => Promise<T>): Promise<Answer<T>> {
  let value: T | undefined;
  const outcome = await runCheck('answer', 'answer', limits, async () => {
    value = await question();
    return pass('');
  });
  return outcome.status === 'pass' ? { ok: true, value: value as T } : { ok: false, why: outcome.detail };
}

/** Waits for read-only work, but Ctrl-C stops waiting at once (`what` changes nothing). */
export function untilInterrupted<T>(work: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  const stopped = () => new Interrupted(`interrupted: ${what} changes nothing`);
  if (signal.aborted) return Promise.reject(stopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A check that could not run because the one it depends on did not pass. */
export function notChecked(id: string, title: string, blockedBy: CheckResult): CheckResult {
  return { id, title, status: 'skip', detail: `not checked: ${blockedBy.title} did not pass`, durationMs: 0 };
}

function outcomeOfError(error: unknown, limits: CheckLimits): CheckOutcome {
  if (error instanceof CommandTimedOut) return fail(error.message, error.hint ?? limits.timeoutFix);
  if (isToolkitError(error)) return fail(error.message, error.hint);
  return fail(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
}

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', skip: '–' };

export function renderChecklist(results: readonly CheckResult[]): string[] {
  const width = Math.max(...results.map((r) => r.title.length));
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${MARKS[result.status]} ${result.title.padEnd(width)}  ${result.detail}`);
    if (result.fix)
      lines.push(`  ${' '.repeat(width)}  ${result.status === 'fail' ? 'fix' : 'to check it'}: ${result.fix}`);
  }
  return lines;
}

export interface ChecklistSummary {
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
}

export function summarize(results: readonly CheckResult[]): ChecklistSummary {
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  return { ok: count('fail') === 0, passed: count('pass'), failed: count('fail'), skipped: count('skip') };
}

export function summaryLine(summary: ChecklistSummary, durationMs: number): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} not checked (${formatDuration(durationMs)})`;
}
