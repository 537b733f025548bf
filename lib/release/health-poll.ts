/**
 * Polls /health until the app is healthy or a deadline passes (deploy step 6, rollback's
 * verification). Backoff starts at 1 s and doubles up to 5 s so a slow start is not hammered
 * while a quick one is noticed quickly; each request has its own timeout so one hung request
 * cannot eat the whole budget. Ctrl-C stops the wait at once.
 */
import { Interrupted } from '../core/errors.ts';
import { probeHealth, type HealthBody, type ProbeResult } from './health.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { processSignal } from '../core/interrupt.ts';
import { formatDuration, type Output } from '../core/output.ts';

export const FIRST_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 5000;
export const REQUEST_TIMEOUT_MS = 10_000;
/** A request is never given less than this, even right before the deadline. */
const MIN_REQUEST_TIMEOUT_MS = 250;
const INTERRUPTED = 'interrupted while waiting for /health';

export interface PollOptions {
  baseUrl: string;
  timeoutMs: number;
  out: Output;
  /** Injected by tests. */
  probe?: (baseUrl: string, timeoutMs: number) => Promise<ProbeResult>;
  clock?: Clock;
  /** The run's Ctrl-C (default: this process's). */
  signal?: AbortSignal;
}

export interface PollResult {
  healthy: boolean;
  attempts: number;
  elapsedMs: number;
  /** Why the last unhealthy answer was unhealthy (null once healthy). */
  lastReason: string | null;
  /** Latency of the last answer. */
  latencyMs: number | null;
  body: HealthBody | null;
}

export function nextBackoff(ms: number): number {
  return Math.min(ms * 2, MAX_BACKOFF_MS);
}

export async function waitForHealthy(options: PollOptions): Promise<PollResult> {
  const probe = options.probe ?? probeHealth;
  const clock = options.clock ?? systemClock;
  const { out, baseUrl, timeoutMs } = options;
  const started = clock.now();
  const deadline = started + timeoutMs;
  const stop = new AbortController();
  const stopped = new Promise<never>((_, reject) => {
    stop.signal.addEventListener('abort', () => reject(new Interrupted(INTERRUPTED)), { once: true });
  });
  stopped.catch(() => undefined); // observed through the probe race below
  const interrupt = options.signal ?? processSignal();
  const onAbort = () => stop.abort();
  if (interrupt.aborted) stop.abort();
  else interrupt.addEventListener('abort', onAbort, { once: true });
  const unsubscribe = () => interrupt.removeEventListener('abort', onAbort);
  let backoff = FIRST_BACKOFF_MS;
  let attempts = 0;
  let last: ProbeResult | null = null;
  const result = (healthy: boolean): PollResult => ({
    healthy,
    attempts,
    elapsedMs: clock.now() - started,
    lastReason: last && !last.healthy ? last.reason : null,
    latencyMs: last?.latencyMs ?? null,
    body: last?.body ?? null,
  });

  try {
    for (;;) {
      if (stop.signal.aborted) throw new Interrupted(INTERRUPTED);
      attempts += 1;
      // Whole milliseconds: AbortSignal.timeout() rejects fractions.
      const requestTimeout = Math.round(
        Math.max(MIN_REQUEST_TIMEOUT_MS, Math.min(REQUEST_TIMEOUT_MS, deadline - clock.now())),
      );
      last = await Promise.race([probe(baseUrl, requestTimeout), stopped]);
      if (last.healthy) return result(true);
      const left = deadline - clock.now();
      if (left <= 0) return result(false);
      out.progress(
        `waiting for ${baseUrl}/health: ${last.reason} (attempt ${attempts}, ${formatDuration(clock.now() - started)} of ${formatDuration(timeoutMs)})`,
      );
      await clock.sleep(Math.ceil(Math.min(backoff, left)), stop.signal).catch(() => undefined);
      if (stop.signal.aborted) throw new Interrupted(INTERRUPTED);
      backoff = nextBackoff(backoff);
    }
  } finally {
    unsubscribe();
    out.clearProgress();
  }
}

/** `connection refused after 2.0s (3 attempts)` */
export function describeUnhealthy(result: PollResult): string {
  const attempts = `${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`;
  return `${result.lastReason ?? 'not healthy'} after ${formatDuration(result.elapsedMs)} (${attempts})`;
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
} {
  return {
    healthy: result.healthy,
    attempts: result.attempts,
    elapsedMs: Math.round(result.elapsedMs),
    lastReason: result.lastReason,
  };
}
