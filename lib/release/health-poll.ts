/**
 * Polls /health until the app is healthy or a deadline passes (deploy's health step, every
 * rollback's verification). Backoff starts at 1 s and doubles up to 5 s so a slow start is not
 * hammered while a quick one is noticed quickly; each request has its own timeout so one hung
 * request cannot eat the whole budget. Every wait goes through the run's clock and stops on its
 * abort signal (Ctrl-C). On a terminal one progress line ticks every second while waiting
 * between attempts; elsewhere (CI logs) each failed attempt is one line.
 */
import type { Clock } from '../core/clock.ts';
import { Interrupted } from '../core/errors.ts';
import type { Output } from '../core/output.ts';
import { formatDuration, plural } from '../core/text.ts';
import { probeHealth, type HealthBody, type ProbeResult, type UnhealthyCause } from './health.ts';

export const FIRST_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 5000;
export const REQUEST_TIMEOUT_MS = 10_000;
/**
 * A request is never given less than this, even right before the deadline: the last attempt
 * still gets a fair chance to answer (a loaded machine's local round trip can take a while).
 */
const MIN_REQUEST_TIMEOUT_MS = 1000;
/** How often the terminal's progress line is redrawn while waiting. */
const TICK_MS = 1000;
const INTERRUPTED = 'interrupted while waiting for /health';

export type Probe = (baseUrl: string, timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>;

export interface PollOptions {
  baseUrl: string;
  timeoutMs: number;
  out: Output;
  clock: Clock;
  /** The run's Ctrl-C. */
  signal: AbortSignal;
  /** Injected by tests. */
  probe?: Probe;
}

export interface PollResult {
  healthy: boolean;
  attempts: number;
  elapsedMs: number;
  /** Why the last unhealthy answer was unhealthy (null once healthy). */
  lastReason: string | null;
  lastCause: UnhealthyCause | null;
  /** Latency of the last answer. */
  latencyMs: number | null;
  body: HealthBody | null;
}

export function nextBackoff(ms: number): number {
  return Math.min(ms * 2, MAX_BACKOFF_MS);
}

export async function waitForHealthy(options: PollOptions): Promise<PollResult> {
  const { out, baseUrl, timeoutMs, clock, signal } = options;
  const probe = options.probe ?? probeHealth;
  const started = clock.now();
  const deadline = started + timeoutMs;
  let backoff = FIRST_BACKOFF_MS;
  let attempts = 0;
  let last: ProbeResult | null = null;
  const elapsed = () => clock.now() - started;
  const result = (healthy: boolean): PollResult => ({
    healthy,
    attempts,
    elapsedMs: elapsed(),
    lastReason: last && !last.healthy ? last.reason : null,
    lastCause: last && !last.healthy ? last.cause : null,
    latencyMs: last?.latencyMs ?? null,
    body: last?.body ?? null,
  });
  const status = (reason: string) =>
    `waiting for ${baseUrl}/health: ${reason} (attempt ${attempts}, ${formatDuration(elapsed())} of ${formatDuration(timeoutMs)})`;

  try {
    for (;;) {
      if (signal.aborted) throw new Interrupted(INTERRUPTED);
      attempts += 1;
      // Whole milliseconds: a fractional timer is not what the request was promised.
      const requestTimeout = Math.round(
        Math.max(MIN_REQUEST_TIMEOUT_MS, Math.min(REQUEST_TIMEOUT_MS, deadline - clock.now())),
      );
      last = await interruptible(probe(baseUrl, requestTimeout, signal), signal);
      if (last.healthy) return result(true);
      if (deadline - clock.now() <= 0) return result(false);
      if (!out.interactive) out.dim(status(last.reason));
      const reason = last.reason;
      // The backoff is slept in ticks, so the terminal's line shows time passing.
      const wakeAt = Math.min(clock.now() + backoff, deadline);
      for (let left = wakeAt - clock.now(); left > 0; left = wakeAt - clock.now()) {
        out.progress(status(reason));
        await clock.sleep(Math.ceil(Math.min(TICK_MS, left)), signal).catch(() => {
          throw new Interrupted(INTERRUPTED);
        });
      }
      backoff = nextBackoff(backoff);
    }
  } finally {
    out.clearProgress();
  }
}

/** A probe that ignores the signal must still not keep Ctrl-C waiting. */
function interruptible<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted(INTERRUPTED));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Interrupted ? new Interrupted(INTERRUPTED) : error);
      },
    );
  });
}

/** `connection refused after 2.0s (3 attempts)` */
export function describeUnhealthy(result: PollResult): string {
  return `${result.lastReason ?? 'not healthy'} after ${formatDuration(result.elapsedMs)} (${plural(result.attempts, 'attempt')})`;
}

/** One line for summaries: `healthy in 40ms` or the failure. */
export function describePoll(result: PollResult): string {
  return result.healthy ? `healthy in ${formatDuration(result.elapsedMs)}` : describeUnhealthy(result);
}

export function pollJson(result: PollResult): {
  healthy: boolean;
  attempts: number;
  elapsedMs: number;
  lastReason: string | null;
  lastCause: UnhealthyCause | null;
} {
  return {
    healthy: result.healthy,
    attempts: result.attempts,
    elapsedMs: Math.round(result.elapsedMs),
    lastReason: result.lastReason,
    lastCause: result.lastCause,
  };
}
