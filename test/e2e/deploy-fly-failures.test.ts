/**
 * deploy-fly failure paths end to end: every way a deploy can fail (flyctl, /health, smoke)
 * rolls back to the previous image, verifies it and exits 1 with one line; --no-rollback does
 * not; a first deploy cannot; Ctrl-C stops and says what to run.
 */
import type { ChildProcess } from 'node:child_process';
import { describe, test } from 'vitest';
import { startAppServer, type AppMode } from '../helpers/app-server.ts';
import { KOTADB_SECRETS } from '../helpers/fake-fly.ts';
import { createGitRepo } from '../helpers/git-repo.ts';
import { DEPLOY_ARGV, worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';
import { main } from '../../scripts/deploy-fly.ts';

/** What both ways of running a script give back. */
type Result = { code: number | null; stdout: string; stderr: string; all: string };

const SMOKE_KEY = 'kdb_smoke_Fa1lur3sK3y00';
const { world, track } = worldsForFile({ apiKey: SMOKE_KEY });

interface DeployOptions {
  env?: Record<string, string | undefined>;
  url?: string;
}

const deployEnv = (w: DeployWorld, options: DeployOptions) => ({
  ...w.fly.env,
  SAAS_STAGING_API_KEY: SMOKE_KEY,
  SAAS_PRODUCTION_API_KEY: SMOKE_KEY,
  ...options.env,
});
const withUrl = (w: DeployWorld, args: string[], options: DeployOptions) => [
  ...args,
  '--url',
  options.url ?? w.app.url,
];

/** main() in this process (flyctl is still a child): same code, without Node + tsx start-up. */
function deployHere(w: DeployWorld, args: string[], options: DeployOptions = {}): Promise<Result> {
  return runInProcess(main, withUrl(w, args, options), deployEnv(w, options));
}

/** As a user runs it: a child process (a cwd of its own, signals). */
function deploy(
  w: DeployWorld,
  args: string[],
  options: DeployOptions & { cwd?: string; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<Result> {
  return runScript('deploy-fly', withUrl(w, args, options), {
    env: deployEnv(w, options),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
  });
}

/** `1.0s (2 attempts)`: the numbers depend on machine load; the unit tests pin the schedule. */
const TOOK = String.raw`[\d.]+s \(\d attempts?\)`;
const errorLine = (r: Result) => r.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';
const rollbackArgv = (w: DeployWorld, env: 'staging' | 'production' = 'staging') => [
  ...DEPLOY_ARGV[env],
  '--image',
  w.running.image,
];

describe.concurrent('deploy-fly: a new image that never turns healthy is rolled back', () => {
  test.for([
    ['status-503', 'HTTP 503'],
    ['unhealthy', 'status: degraded'],
    ['supabase-error', 'supabase_status: error'],
    ['bad-json', 'bad JSON: /health did not return JSON'],
  ] as Array<[AppMode, string]>)('%s', async ([mode, reason], { expect }) => {
    const w = await world({ newMode: mode });
    const r = await deployHere(w, ['staging', '--health-timeout', '1']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      new RegExp(
        `^error: health check failed: ${reason.replace(/[()]/g, '\\$&')} after ${TOOK}; rolled back to v3 \\(healthy\\)$`,
      ),
    );
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging], rollbackArgv(w)]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(w.running.image);
    expect(
      w.fly
        .releases('kotadb-api-staging')
        .slice(0, 2)
        .map((rel) => [rel.version, rel.status, rel.image === w.running.image]),
    ).toEqual([
      [5, 'complete', true],
      [4, 'complete', false],
    ]);
    // the rollback was verified against the old image
    const last = w.app.requests().at(-1)!;
    expect([last.path, last.image, last.status]).toEqual(['/health', w.running.image, 200]);
    expect(r.stdout).toContain('✗ Deploy to staging: health check failed');
    expect(r.stderr).toContain('✓ Roll back to v3 (');
  });

  test('refused: nothing listens until the rollback', async ({ expect }) => {
    const w = await world();
    await w.app.setMode('refused');
    const rollbackStarted = w.fly
      .waitForCall((c) => c.argv[0] === 'deploy' && c.argv.includes('--image'), 30_000)
      .then(() => w.app.setMode('healthy'));
    const r = await deployHere(w, ['staging', '--health-timeout', '2']);
    await rollbackStarted;
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      /^error: health check failed: connection refused after [\d.]+s \(\d attempts\); rolled back to v3 \(healthy\)$/,
    );
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging], rollbackArgv(w)]);
  });

  test('smoke 500 with the smoke key', async ({ expect }) => {
    const w = await world({ newMode: 'smoke-500' });
    const r = await deployHere(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: smoke checks failed: GET /api/v1/repositories with X-API-Key: HTTP 500 (expected 200); rolled back to v3 (healthy)',
    );
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging], rollbackArgv(w)]);
    expect(r.stderr).toContain('✗ GET /api/v1/repositories with X-API-Key: HTTP 500 (expected 200)');
  });

  test('recently failed jobs fail the smoke checks too', async ({ expect }) => {
    const w = await world({ newMode: 'failed-recent' });
    const r = await deployHere(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: smoke checks failed: GET /health job queue: saas.job_queue.failed_recent is 4 (expected 0); rolled back to v3 (healthy)',
    );
  });

  test('production rolls back with its own config and strategy', async ({ expect }) => {
    const w = await world({ env: 'production', newMode: 'status-503' });
    const git = track(createGitRepo());
    const r = await deploy(w, ['production', '--yes', '--health-timeout', '1', '--json'], { cwd: git.dir });
    expect(r.code, r.all).toBe(1);
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.production], rollbackArgv(w, 'production')]);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      release: { version: 4 },
      previous: { version: 3, imageRef: w.running.image },
      rollback: {
        status: 'healthy',
        target: { version: 3, imageRef: w.running.image },
        release: { version: 5, imageRef: w.running.image },
        failure: null,
      },
    });
    expect(result.outcome).toMatch(/^health check failed: HTTP 503 after .*; rolled back to v3 \(healthy\)$/);
  });
});

describe.concurrent('deploy-fly: when flyctl deploy fails', () => {
  test('health checks time out in flyctl (exit 1, release failed): rolled back', async ({ expect }) => {
    const w = await world();
    w.fly.fault('deploy', { healthTimeout: true, times: 1 });
    const r = await deployHere(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      /^error: flyctl deploy failed \(exit 1\): timeout reached waiting for health checks to pass for machine \w+: context deadline exceeded; rolled back to v3 \(healthy\)$/,
    );
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging], rollbackArgv(w)]);
    expect(
      w.fly
        .releases('kotadb-api-staging')
        .slice(0, 2)
        .map((rel) => [rel.version, rel.status]),
    ).toEqual([
      [5, 'complete'],
      [4, 'failed'],
    ]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(w.running.image);
  });

  test('before creating a release: nothing changed, so nothing is redeployed', async ({ expect }) => {
    const w = await world();
    w.fly.fault('deploy', {
      exit: 1,
      stderr: 'Error: failed to fetch an image or build from source: dockerfile not found\n\n',
      times: 1,
    });
    const r = await deployHere(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: flyctl deploy failed (exit 1): failed to fetch an image or build from source: dockerfile not found; nothing was deployed (no new release), so v3 still serves',
    );
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging]]);
  });

  test('--no-rollback leaves the new release and prints the rollback command', async ({ expect }) => {
    const w = await world({ newMode: 'status-503' });
    const r = await deployHere(w, ['staging', '--no-rollback', '--health-timeout', '1']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      /^error: health check failed: HTTP 503 after .*; not rolled back \(--no-rollback\): v4 stays deployed$/,
    );
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging]]);
    expect(w.fly.currentImage('kotadb-api-staging')).not.toBe(w.running.image);
  });

  test('a rollback that is not healthy either: FAILED, exit 1', async ({ expect }) => {
    const w = await world();
    const nothing = await startAppServer({ mode: 'refused' });
    const r = await deployHere(w, ['staging', '--health-timeout', '1'], { url: nothing.url });
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      /^error: health check failed: connection refused after .*; rollback to v3 FAILED: health check: connection refused after [\d.]+s \(\d attempts?\)$/,
    );
    expect(r.stderr).toContain('the app may be down: retry with `npx just rollback staging --to 3`');
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging], rollbackArgv(w)]);
  });

  test('a first deploy has nothing to roll back to', async ({ expect }) => {
    const w = await world({ newMode: 'status-503' });
    w.fly.seedApp('kotadb-api-staging', {
      releases: 0,
      volumes: [{ name: 'kotadb_staging_data', sizeGb: 5 }],
      secrets: KOTADB_SECRETS['kotadb-api-staging'],
    });
    const r = await deployHere(w, ['staging', '--health-timeout', '1']);
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toContain(
      'warning: no complete release yet (first deploy): a failed deploy cannot be rolled back',
    );
    expect(errorLine(r)).toMatch(
      /^error: health check failed: HTTP 503 after .*; no earlier complete release to roll back to \(first deploy\)$/,
    );
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging]]);
  });
});

describe.concurrent('deploy-fly: Ctrl-C', () => {
  test('while flyctl deploy runs: flyctl is stopped, the half-deployed release and the rollback command are named, exit 130', async ({
    expect,
  }) => {
    const w = await world();
    w.fly.fault('deploy', { hang: true, times: 1 });
    let child: ChildProcess | undefined;
    const running = deploy(w, ['staging'], { onSpawn: (c) => (child = c) });
    await w.fly.waitForCall((c) => c.argv[0] === 'deploy', 30_000);
    child!.kill('SIGINT');
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted during flyctl deploy: v4 of kotadb-api-staging may be half-deployed (some machines may run its image)',
    );
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging]]);
    // flyctl got the signal and recorded the release as interrupted
    expect(w.fly.releases('kotadb-api-staging')[0]).toMatchObject({ version: 4, status: 'interrupted' });
  });

  test('while waiting for /health: stops at once', async ({ expect }) => {
    const w = await world({ newMode: 'hang' });
    let child: ChildProcess | undefined;
    const running = deploy(w, ['staging', '--health-timeout', '60'], { onSpawn: (c) => (child = c) });
    for (let i = 0; i < 600 && !w.app.requests().some((q) => q.path === '/health'); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const signalled = performance.now();
    child!.kill('SIGINT');
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(performance.now() - signalled).toBeLessThan(5000); // not the 60 s budget, nor a 10 s request timeout
    expect(errorLine(r)).toBe(
      'error: interrupted before v4 of kotadb-api-staging was verified: it is deployed but not known to be healthy',
    );
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging]]);
  });
});
