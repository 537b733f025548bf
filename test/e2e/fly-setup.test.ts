/**
 * fly-setup through its entry: a real SIGINT while flyctl (the fake, as a process) hangs on
 * `volumes create` is exit 130 with what was created. Every path and failure is tested
 * in-process in test/scripts/fly-setup.test.ts.
 */
import { describe, test } from 'vitest';
import { fakeFlyFactory } from '../helpers/per-test.ts';
import { runScript } from '../helpers/run-script.ts';

const fake = fakeFlyFactory();

describe('fly-setup (child process)', () => {
  test('Ctrl-C while the volume is being created: exit 130 saying the app exists and a re-run finishes', async ({
    expect,
  }) => {
    const fly = fake({ world: 'empty' });
    fly.fault('volumes create', { hang: true });
    let child: import('node:child_process').ChildProcess | undefined;
    const running = runScript('fly-setup', ['staging'], { env: fly.env, onSpawn: (c) => (child = c) });
    await fly.waitForCall((c) => c.command === 'volumes create', 20_000);
    child?.kill('SIGINT');
    const result = await running;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(
      'error: interrupted while creating volume kotadb_staging_data (5 GB, iad) (flyctl volumes create kotadb_staging_data --size 5 --app kotadb-api-staging --region iad --yes); already created: app kotadb-api-staging\n  re-run `npx just fly-setup staging` (it skips what exists)',
    );
    expect(fly.state().apps.map((a) => a.name)).toEqual(['kotadb-api-staging']);
  });
});
