/**
 * Virtual time for tests: sleeps return at once and advance the clock, every wait is recorded,
 * and an aborted signal still interrupts a sleep as the real clock does.
 */
import type { Clock } from '../../lib/core/clock.ts';
import { Interrupted } from '../../lib/core/errors.ts';

export interface ManualClock {
  clock: Clock;
  /** Every sleep asked for, in order (ms). */
  sleeps: number[];
  advance(ms: number): number;
  at(): number;
}

export function manualClock(start = 0): ManualClock {
  let now = start;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new Interrupted();
      sleeps.push(ms);
      now += ms;
      // Let other tasks (a test aborting the run) observe the new time.
      await Promise.resolve();
      if (signal?.aborted) throw new Interrupted();
    },
  };
  return { clock, sleeps, advance: (ms) => (now += ms), at: () => now };
}
