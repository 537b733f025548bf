/**
 * Time, injectable. Every wait in the toolkit (health backoff, lock waits, retries) sleeps
 * through a Clock and stops on the run's abort signal, so Ctrl-C ends any wait at once and
 * tests run failure paths without waiting on real time (test/helpers/manual-clock.ts).
 */
import { Interrupted } from './errors.ts';

export interface Clock {
  /** Milliseconds, monotonic within a run. */
  now(): number;
  /** Resolves after `ms`, or rejects with Interrupted as soon as `signal` is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => abortableSleep(ms, signal),
};

/** setTimeout that an abort signal cuts short (rejecting with Interrupted). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Interrupted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
