import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../lib/release/health.ts';
import { describeUnhealthy, nextBackoff, waitForHealthy } from '../../../lib/release/health-poll.ts';
import { systemClock } from '../../../lib/core/clock.ts';
import { manualClock } from '../../helpers/manual-clock.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { startAppServer } from '../../helpers/app-server.ts';

const virtualClock = manualClock;
const signal = new AbortController().signal;
/** The backoff between attempts: sleeps come in ticks of at most 1 s, summed per wait. */
function waits(sleeps: number[], ticks: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  for (const count of ticks) {
    out.push(sleeps.slice(i, i + count).reduce((a, b) => a + b, 0));
    i += count;
  }
  return out;
}

const unhealthy = (reason: string): ProbeResult => ({ healthy: false, cause: 'network', reason, latencyMs: 5 });
const healthy: ProbeResult = { healthy: true, body: { status: 'healthy' }, latencyMs: 7 };

function scriptedProbe(answers: ProbeResult[], onCall?: (timeoutMs: number) => void) {
  const timeouts: number[] = [];
  let i = 0;
  const probe = async (_url: string, timeoutMs: number) => {
    timeouts.push(timeoutMs);
    onCall?.(timeoutMs);
    const answer = answers[Math.min(i, answers.length - 1)]!;
    i += 1;
    return answer;
  };
  return { probe, timeouts };
}

describe('waitForHealthy', () => {
  it('backs off 1s, 2s, 4s, then 5s capped, until healthy', async () => {
    const v = virtualClock();
    const { probe } = scriptedProbe([
      unhealthy('HTTP 503'),
      unhealthy('HTTP 503'),
      unhealthy('HTTP 503'),
      unhealthy('HTTP 503'),
      unhealthy('HTTP 503'),
      healthy,
    ]);
    const result = await waitForHealthy({
      baseUrl: 'http://x',
      timeoutMs: 120_000,
      out: captureOutput().out,
      probe,
      clock: v.clock,
      signal,
    });
    expect(v.sleeps.every((ms) => ms <= 1000)).toBe(true);
    expect(waits(v.sleeps, [1, 2, 4, 5, 5])).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(result).toMatchObject({ healthy: true, attempts: 6, elapsedMs: 17_000, lastReason: null, latencyMs: 7 });
  });

  it('stops at the deadline with the last failure reason, never sleeping past it', async () => {
    const v = virtualClock();
    const { probe } = scriptedProbe([
      unhealthy('connection refused'),
      unhealthy('HTTP 503'),
      unhealthy('supabase_status: error'),
    ]);
    const result = await waitForHealthy({
      baseUrl: 'http://x',
      timeoutMs: 2500,
      out: captureOutput().out,
      probe,
      clock: v.clock,
      signal,
    });
    // probes at 0, 1000 and 2500 (the 2000 ms backoff is cut to the 1500 ms left)
    expect(v.sleeps).toEqual([1000, 1000, 500]);
    expect(result).toMatchObject({
      healthy: false,
      attempts: 3,
      elapsedMs: 2500,
      lastReason: 'supabase_status: error',
    });
    expect(describeUnhealthy(result)).toBe('supabase_status: error after 2.5s (3 attempts)');
  });

  it('gives each request 10s at most, and no more than the time left', async () => {
    const v = virtualClock();
    const { probe, timeouts } = scriptedProbe([unhealthy('no answer within 10s')], (timeoutMs) => v.advance(timeoutMs));
    const result = await waitForHealthy({
      baseUrl: 'http://x',
      timeoutMs: 25_000,
      out: captureOutput().out,
      probe,
      clock: v.clock,
      signal,
    });
    // 0: 10s request; 10s: sleep 1s; 11s: 10s request; 21s: sleep 2s; 23s: the 2s left
    expect(timeouts).toEqual([10_000, 10_000, 2000]);
    expect(result).toMatchObject({ healthy: false, attempts: 3, lastReason: 'no answer within 10s' });
    expect(v.at()).toBe(25_000);
  });

  it('answers at once when the app is already healthy', async () => {
    const v = virtualClock();
    const { probe } = scriptedProbe([healthy]);
    const result = await waitForHealthy({
      baseUrl: 'http://x',
      timeoutMs: 1000,
      out: captureOutput().out,
      probe,
      clock: v.clock,
      signal,
    });
    expect(result).toMatchObject({ healthy: true, attempts: 1 });
    expect(v.sleeps).toEqual([]);
  });

  it('on a terminal: one progress line that ticks every second while waiting, then is cleared', async () => {
    const tty = captureOutput({}, true);
    const { probe } = scriptedProbe([unhealthy('HTTP 503'), unhealthy('connection refused'), healthy]);
    await waitForHealthy({
      baseUrl: 'http://x',
      timeoutMs: 10_000,
      out: tty.out,
      probe,
      clock: virtualClock().clock,
      signal,
    });
    expect(tty.stderr().split('\r\x1b[K').filter(Boolean)).toEqual([
      'waiting for http://x/health: HTTP 503 (attempt 1, 0ms of 10.0s)',
      'waiting for http://x/health: connection refused (attempt 2, 1.0s of 10.0s)',
      'waiting for http://x/health: connection refused (attempt 2, 2.0s of 10.0s)',
    ]);
    expect(tty.stderr().endsWith('\r\x1b[K')).toBe(true);
  });

  it('elsewhere (CI logs): one line per failed attempt, no terminal escapes', async () => {
    const pipe = captureOutput();
    await waitForHealthy({
      baseUrl: 'http://x',
      timeoutMs: 10_000,
      out: pipe.out,
      probe: scriptedProbe([unhealthy('HTTP 503'), unhealthy('HTTP 503'), healthy]).probe,
      clock: virtualClock().clock,
      signal,
    });
    expect(pipe.stderr()).toBe(
      'waiting for http://x/health: HTTP 503 (attempt 1, 0ms of 10.0s)\nwaiting for http://x/health: HTTP 503 (attempt 2, 1.0s of 10.0s)\n',
    );
  });

  it("stops on the run's signal, during a backoff or a request that ignores it", async () => {
    const controller = new AbortController();
    const v = virtualClock();
    const pending = waitForHealthy({
      baseUrl: 'http://x',
      timeoutMs: 60_000,
      out: captureOutput().out,
      probe: () => new Promise(() => undefined), // never answers
      clock: v.clock,
      signal: controller.signal,
    });
    controller.abort();
    await expect(pending).rejects.toThrow('interrupted while waiting for /health');
  });

  it('polls a real server and notices within one backoff when it turns healthy', async () => {
    const app = await startAppServer({ mode: 'status-503' });
    try {
      setTimeout(() => void app.setMode('healthy'), 300);
      const result = await waitForHealthy({
        baseUrl: app.url,
        timeoutMs: 5000,
        out: captureOutput().out,
        clock: systemClock,
        signal,
      });
      expect(result.healthy).toBe(true);
      expect(result.attempts).toBe(2);
      expect(result.elapsedMs).toBeLessThan(1500);
    } finally {
      await app.close();
    }
  });

  it('nextBackoff doubles and caps at 5s', () => {
    expect([1000, 2000, 4000, 5000].map(nextBackoff)).toEqual([2000, 4000, 5000, 5000]);
  });
});
