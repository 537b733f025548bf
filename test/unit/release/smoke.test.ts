import { afterEach, describe, expect, it } from 'vitest';
import { redact } from '../../../lib/core/redact.ts';
import { Interrupted } from '../../../lib/core/errors.ts';
import {
  allUnreachable,
  describeSmokeFailures,
  failedChecks,
  failingChecks,
  regressions,
  runSmokeChecks,
  smokeTally,
  type SmokeCheck,
} from '../../../lib/release/smoke.ts';
import { startAppServer, type AppMode, type AppServer } from '../../helpers/app-server.ts';

const KEY = 'kdb_smoke_unit_7Hq2Zx9Lw4';
let app: AppServer;
afterEach(async () => app.close());

/** apiKey null: the smoke key is not set. */
async function smoke(mode: AppMode, apiKey: string | null = KEY) {
  app = await startAppServer({ mode, apiKey: KEY });
  return runSmokeChecks({
    baseUrl: app.url,
    apiKey: apiKey ?? undefined,
    apiKeyVar: 'SAAS_STAGING_API_KEY',
    signal: new AbortController().signal,
  });
}

describe('smoke checks against a real HTTP server', () => {
  it('no HTTP answer at all (refused): every check failed unreachable — the network, not the app or key', async () => {
    const refused = await smoke('refused');
    expect(failedChecks(refused)).toHaveLength(3);
    expect(refused.every((c) => c.unreachable === true)).toBe(true);
    expect(allUnreachable(failedChecks(refused))).toBe(true);
    await app.close();
    // an answer, even an error, is the app's: not unreachable
    const erroring = await smoke('status-503');
    expect(failedChecks(erroring).length).toBeGreaterThan(0);
    expect(allUnreachable(failedChecks(erroring))).toBe(false);
    expect(allUnreachable([])).toBe(false);
    expect([failingChecks(1), failingChecks(2)]).toEqual(['1 smoke check fails', '2 smoke checks fail']);
  });

  it('pass on a healthy app, sending the key only with the authenticated request', async () => {
    const checks = await smoke('healthy');
    expect(checks.map((c) => [c.name, c.status, c.detail])).toEqual([
      ['GET /health job queue', 'passed', 'failed_recent 0'],
      ['GET /api/v1/repositories without a key', 'passed', 'HTTP 401'],
      ['GET /api/v1/repositories with X-API-Key', 'passed', 'HTTP 200 JSON'],
    ]);
    expect(app.requests().map((r) => [r.path, r.apiKey])).toEqual([
      ['/health', 'absent'],
      ['/api/v1/repositories', 'absent'],
      ['/api/v1/repositories', 'valid'],
    ]);
    expect(redact(`key=${KEY}`)).toBe('key=***');
  });

  it('skip the authenticated check, visibly, without a key', async () => {
    const checks = await smoke('healthy', null);
    expect(checks[2]).toEqual({
      name: 'GET /api/v1/repositories with X-API-Key',
      status: 'skipped',
      detail: 'SAAS_STAGING_API_KEY is not set: authenticated check skipped',
    });
    expect(app.requests().some((r) => r.apiKey !== 'absent')).toBe(false);
  });

  it.each([
    ['smoke-500', KEY, 'GET /api/v1/repositories with X-API-Key: HTTP 500 (expected 200)'],
    ['failed-recent', KEY, 'GET /health job queue: saas.job_queue.failed_recent is 4 (expected 0)'],
    [
      'healthy',
      'kdb_wrong_key',
      'GET /api/v1/repositories with X-API-Key: HTTP 403 (expected 200): the key in SAAS_STAGING_API_KEY was rejected',
    ],
    [
      'status-503',
      KEY,
      'GET /health job queue: HTTP 503; GET /api/v1/repositories without a key: HTTP 503 (expected 401: the auth layer must reject it); GET /api/v1/repositories with X-API-Key: HTTP 503 (expected 200)',
    ],
  ] as const)('fail on %s', async (mode, key, failures) => {
    expect(describeSmokeFailures(failedChecks(await smoke(mode, key)))).toBe(failures);
  });

  it('accept /health without a job queue (not SaaS mode)', async () => {
    const checks = await smoke('no-saas');
    expect(checks[0]).toMatchObject({ status: 'passed', detail: 'no job queue reported' });
  });

  it("stop on the run's Ctrl-C while a request hangs (Interrupted, not a failed check)", async () => {
    app = await startAppServer({ mode: 'smoke-hang', apiKey: KEY });
    const controller = new AbortController();
    const pending = runSmokeChecks({ baseUrl: app.url, apiKey: KEY, apiKeyVar: 'K', signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(Interrupted);
  });

  it('never follow a redirect: the key is not sent to the other origin', async () => {
    const other = await startAppServer({ apiKey: KEY });
    try {
      app = await startAppServer({ mode: 'redirect', redirectTo: other.url, apiKey: KEY });
      const checks = await runSmokeChecks({
        baseUrl: app.url,
        apiKey: KEY,
        apiKeyVar: 'K',
        signal: new AbortController().signal,
      });
      expect(checks.map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
      expect(checks[2]?.detail).toBe(
        `HTTP 302 redirect to ${other.url}/api/v1/repositories (redirects are not followed)`,
      );
      expect(other.requests()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('comparing with the release serving before', () => {
  const check = (name: string, status: SmokeCheck['status']): SmokeCheck => ({ name, status, detail: status });

  it('only a check that passed before and fails now is a regression; without a baseline every failure is', () => {
    const before = [check('a', 'passed'), check('b', 'skipped'), check('c', 'passed')];
    const after = [check('a', 'failed'), check('b', 'failed'), check('c', 'passed')];
    expect(regressions(after, before).map((c) => c.name)).toEqual(['a']);
    expect(regressions(after, null).map((c) => c.name)).toEqual(['a', 'b']);
    expect(smokeTally(after)).toBe('1 passed, 2 failed');
  });
});
