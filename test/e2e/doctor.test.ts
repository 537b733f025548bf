/**
 * doctor through its entry (`node --import tsx scripts/doctor.ts`) with the fake flyctl as
 * real processes: the exit code and the checklist a user sees. Every check and failure path is
 * tested in-process in test/scripts/doctor.test.ts.
 */
import { afterAll, describe, test } from 'vitest';
import { startAppServer } from '../helpers/app-server.ts';
import { createFakeFly } from '../helpers/fake-fly.ts';
import { runScript } from '../helpers/run-script.ts';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('doctor (child process)', () => {
  test('a failing check through the entry: the checklist on stdout, exit 1, flyctl run as processes', async ({
    expect,
  }) => {
    const fly = createFakeFly();
    const app = await startAppServer({ mode: 'healthy' });
    cleanups.push(
      () => fly.cleanup(),
      () => app.close(),
    );
    fly.update((state) => void delete state.apps.find((a) => a.name === 'kotadb-api')!.secrets.DATABASE_URL);
    const result = await runScript('doctor', ['production', '--url', app.url], { env: fly.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✓ flyctl          flyctl v0.4.9\n');
    expect(result.stdout).toContain(
      '✗ secrets         missing: DATABASE_URL\n                  fix: set them with `npx just secrets production set` (reads .env.production; applies them to a deployed app)\n',
    );
    expect(result.stdout).toMatch(/^8 passed, 1 failed, 1 not checked \(\d/m);
    expect(new Set(fly.calls().map((c) => c.pid)).size).toBe(fly.calls().length);
    expect(fly.calls().every((c) => c.pid !== process.pid)).toBe(true);
  });
});
