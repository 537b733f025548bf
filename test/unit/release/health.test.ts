import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interrupted } from '../../../lib/core/errors.ts';
import { evaluateHealth, probeHealth } from '../../../lib/release/health.ts';

const healthy = {
  status: 'healthy',
  version: '0.6.0',
  saas: { supabase_status: 'ok', supabase_latency_ms: 12, job_queue: { failed_recent: 0 } },
};

describe('evaluateHealth', () => {
  it.each([
    ['healthy with saas', 200, JSON.stringify(healthy), true, undefined, undefined],
    ['healthy outside SaaS mode', 200, JSON.stringify({ status: 'healthy' }), true, undefined, undefined],
    ['503', 503, JSON.stringify(healthy), false, 'HTTP 503', 'http'],
    [
      'status not healthy',
      200,
      JSON.stringify({ ...healthy, status: 'degraded' }),
      false,
      'status: degraded',
      'status',
    ],
    [
      'database down (still 200)',
      200,
      JSON.stringify({ ...healthy, saas: { supabase_status: 'error' } }),
      false,
      'supabase_status: error',
      'supabase',
    ],
    [
      'supabase not configured',
      200,
      JSON.stringify({ ...healthy, saas: { supabase_status: 'not_configured' } }),
      false,
      'supabase_status: not_configured',
      'supabase',
    ],
    ['not JSON', 200, '<html>ok</html>', false, 'bad JSON: /health did not return JSON', 'not-json'],
    ['JSON without status', 200, '{}', false, 'bad JSON: no "status" field in /health', 'not-json'],
  ])('%s', (_name, code, body, ok, reason, cause) => {
    const verdict = evaluateHealth(code, body);
    expect(verdict.healthy).toBe(ok);
    if (!verdict.healthy) expect([verdict.reason, verdict.cause]).toEqual([reason, cause]);
  });
});

describe('probeHealth (real HTTP)', () => {
  let server: Server;
  let base: string;
  let redirecting: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(healthy));
      }
      if (req.url === '/moved/health') res.writeHead(301, { location: 'https://elsewhere.example/health' }).end();
      // any other path: never answer (to test the per-request timeout)
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    redirecting = `${base}/moved`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it('is healthy against a healthy server (trailing slash tolerated)', async () => {
    const result = await probeHealth(`${base}/`);
    expect(result.healthy).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reports connection refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await probeHealth(`http://127.0.0.1:${port}`);
    expect(result).toMatchObject({ healthy: false, cause: 'network', reason: 'connection refused' });
  });

  it('gives up after the per-request timeout', async () => {
    const result = await probeHealth(`${base}/hang`, 300);
    expect(result).toMatchObject({ healthy: false, cause: 'timeout', reason: 'no answer within 0.3s' });
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it('does not follow a redirect: unhealthy, naming the Location', async () => {
    const result = await probeHealth(redirecting);
    expect(result).toMatchObject({
      healthy: false,
      cause: 'http',
      reason: 'HTTP 301 redirect to https://elsewhere.example/health (redirects are not followed)',
    });
  });

  it("stops at once on the run's Ctrl-C (Interrupted, not an unhealthy answer)", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = probeHealth(`${base}/hang`, 10_000, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(Interrupted);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
