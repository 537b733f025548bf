/**
 * deploy in-process: the runbook's exact flyctl calls on the success path and on each failure
 * path (scripted flyctl answers, a real local HTTP server playing the app, virtual time), the
 * refusals, dry runs, the summary in every form, Ctrl-C at each phase, and that no secret is
 * ever printed. The rollbacks after a failed health check (staging immediate, production
 * rolling), a pruned image, deploy tokens and mounts run against the fake flyctl in-process
 * (last describe). Child processes only where they are needed: test/e2e/deploy-fly.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import { secrets } from '../../lib/core/redact.ts';
import { script } from '../../scripts/deploy-fly.ts';
import { startAppServer } from '../helpers/app-server.ts';
import { fakeWorldExec, worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import { KOTADB_SECRETS } from '../helpers/fake-fly.ts';
import { manualClock } from '../helpers/manual-clock.ts';
import { runInProcess, type InProcessOptions } from '../helpers/run-in-process.ts';
import {
  DEPLOY_ARGV,
  gitAnswers,
  preflightArgv,
  scriptedWorlds,
  verifyArgv,
  type GitState,
  type ScriptedWorld,
  type ScriptedWorldOptions,
} from '../helpers/scripted-fly.ts';
import { checkLockArgv, freeLock, recordArgv, releaseLockArgv, takeLockArgv } from '../helpers/scripted-lock.ts';

const SMOKE_KEY = 'kdb_smoke_Zq8vX3mPp1Lr6Tn0';
const scripted = scriptedWorlds({ apiKey: SMOKE_KEY });
/** A scripted world whose deploy lock is free (the lock itself: test/integration/deploy-lock-scripts.test.ts). */
async function world(options: ScriptedWorldOptions = {}): Promise<ScriptedWorld> {
  const w = await scripted(options);
  freeLock(w.exec);
  return w;
}

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-test-'));
  scratchDirs.push(dir);
  return dir;
}

/** A service checkout: a folder holding Dockerfile.production. */
function serviceCheckout(): string {
  const dir = scratch();
  writeFileSync(path.join(dir, 'Dockerfile.production'), 'FROM scratch\n');
  return dir;
}

interface Run extends InProcessOptions {
  env?: Record<string, string | undefined>;
  /** Leave out the default --image (to test --source, KOTADB_SERVICE_DIR or none). */
  noImage?: boolean;
  git?: GitState;
}

function deploy(w: ScriptedWorld, args: string[], run: Run = {}) {
  const { env, noImage, git, ...io } = run;
  if (git) freeLock(gitAnswers(w.exec, git));
  const image = noImage || args.includes('--image') ? [] : ['--image', w.image];
  return runInProcess(
    script,
    [...args, ...image, '--url', w.app.url],
    { SAAS_STAGING_API_KEY: SMOKE_KEY, SAAS_PRODUCTION_API_KEY: SMOKE_KEY, ...env },
    { exec: w.exec, clock: manualClock().clock, ...io },
  );
}

/** Under the deploy lock, the releases are read again before anything changes. */
const recheckArgv = (app: string) => [['releases', '--app', app, '--json']];
const errorLine = (r: { stderr: string }) => r.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';
const withImage = (env: 'staging' | 'production', image: string) => [...DEPLOY_ARGV[env], '--image', image];
const rollbackArgv = (w: ScriptedWorld, env: 'staging' | 'production' = 'staging') => [
  ...withImage(env, w.seeded[0]!.image),
  '--skip-release-command',
];
const requests = (w: ScriptedWorld) => w.app.requests().map((q) => `${q.path} ${q.apiKey} ${q.status}`);

describe.concurrent('deploy: success paths', () => {
  test('staging: preflight, snapshot, baseline smoke, deploy, health, smoke, verify; exact calls; exit 0', async () => {
    const w = await world();
    const r = await deploy(w, ['staging']);
    expect(r.code, r.all).toBe(0);
    expect(w.flyArgv()).toEqual([
      ...preflightArgv('kotadb-api-staging'),
      ...recheckArgv('kotadb-api-staging'),
      withImage('staging', w.image),
      ...verifyArgv('kotadb-api-staging'),
    ]);
    // the lock is taken after the snapshot and the confirmation, and released after the verification
    expect(w.exec.argv()).toEqual([
      ...preflightArgv('kotadb-api-staging').map((a) => ['flyctl', ...a]),
      ...takeLockArgv('staging'),
      ...[...recheckArgv('kotadb-api-staging'), withImage('staging', w.image), ...verifyArgv('kotadb-api-staging')].map(
        (a) => ['flyctl', ...a],
      ),
      ...recordArgv('staging', 4),
      ...releaseLockArgv('staging'),
    ]);
    expect(w.exec.calls.filter((c) => c.argv[0] === 'git').every((c) => !('SAAS_STAGING_API_KEY' in c.env))).toBe(true);
    expect(r.stderr).toContain(
      '✓ took the staging deploy lock (refs/kotadb/locks/staging on origin (https://github.com/kotadb/kotadb-ops.git))',
    );
    expect(r.stderr).toContain('✓ released the staging deploy lock');
    expect(w.exec.calls.find((c) => c.argv[1] === 'deploy')).toMatchObject({
      env: { FLY_EMIT_RELEASE_JSON: '1' },
      cwd: fromRoot(),
      timeoutMs: 10 * 60_000, // 5m wait-timeout on one machine + 5m for an image
    });
    expect(w.releases()[0]).toMatchObject({ version: 4, status: 'complete', image: w.image });
    expect(r.stdout).toContain('✓ Deploy to staging: v4 is live and healthy');
    expect(r.stdout).toContain(`  image        ${w.image}`);
    expect(r.stdout).toContain(`  previous     v3 ${w.seeded[0]!.image}`);
    expect(r.stdout).toContain('  smoke        3 passed');
    expect(r.stdout).toMatch(/ {2}steps {8}Validate [\d.m]+s · Preflight .* · Verify release [\d.m]+s\n/);
    for (const step of [
      'Validate',
      'Preflight',
      'Snapshot releases',
      'Baseline smoke checks',
      'Confirm',
      'Deploy',
      'Health check',
      'Smoke checks',
      'Verify release',
    ])
      expect(r.stderr).toContain(`✓ ${step} (`);
    expect(r.stderr).toContain('running: v3');
    expect(r.stderr).toContain('✓ GET /api/v1/repositories with X-API-Key: HTTP 200 JSON');
    expect(r.stderr).toContain('v4 is the newest release and every machine (1) runs its image');
    // one machine, but immediate: nothing rolls, nothing to warn about
    expect(r.stderr).not.toContain('runs one machine');
    // the deploy's own output is streamed
    expect(r.stderr).toContain('  │ Watch your deployment at https://fly.io/apps/kotadb-api-staging/monitoring');
    expect(requests(w)).toEqual([
      // baseline, against v3
      '/health absent 200',
      '/api/v1/repositories absent 401',
      '/api/v1/repositories valid 200',
      // health, then smoke, against v4
      '/health absent 200',
      '/health absent 200',
      '/api/v1/repositories absent 401',
      '/api/v1/repositories valid 200',
    ]);
  });

  test('production with --yes and no TTY, from a clean main: git guard calls, its deploy; exit 0', async () => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production', '--yes'], { git: {}, cwd: '/checkout' });
    expect(r.code, r.all).toBe(0);
    expect(w.exec.argv().filter((a) => a[0] === 'git')).toEqual([
      ['git', 'rev-parse', '--abbrev-ref', 'HEAD'],
      ['git', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=none'],
      ['git', 'rev-parse', 'HEAD'],
      ...takeLockArgv('production'),
      ...recordArgv('production', 4),
      ...releaseLockArgv('production'),
    ]);
    expect(w.exec.calls.filter((c) => c.argv[0] === 'git').every((c) => c.cwd === '/checkout')).toBe(true);
    expect(w.flyArgv()).toEqual([
      ...preflightArgv('kotadb-api'),
      ...recheckArgv('kotadb-api'),
      withImage('production', w.image),
      ...verifyArgv('kotadb-api'),
    ]);
    expect(w.exec.calls.find((c) => c.argv[1] === 'deploy')?.timeoutMs).toBe(25 * 60_000); // 2 × 10m + 5m
    expect(r.stderr).toContain('--yes: confirmed deploy to production (kotadb-api)');
    expect(r.stderr).toContain('on main at 0123456789ab, work tree clean');
    expect(r.stdout).toContain('✓ Deploy to production: v4 is live and healthy');
    expect(r.stdout).toContain('  commit       0123456789ab');
    expect(w.machineImages()).toEqual([w.image, w.image]);
    expect(r.stderr).not.toContain('runs one machine');
  });

  test('production (rolling) on a single machine: preflight warns that it takes the only machine down, then deploys', async () => {
    const w = await world({ env: 'production', machines: 1 });
    const r = await deploy(w, ['production', '--yes', '--force']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(
      'warning: kotadb-api runs one machine, so this rolling deploy takes the only machine down until the new one is healthy; production should run 2: `flyctl scale count 2 --app kotadb-api --yes`',
    );
    // said in preflight, before anything changes
    expect(r.stderr.indexOf('runs one machine')).toBeLessThan(r.stderr.indexOf('✓ Preflight ('));
  });

  test('--source builds the service checkout: WORKING_DIRECTORY, absolute config, its Dockerfile; longer deadline', async () => {
    const w = await world();
    const source = serviceCheckout();
    const r = await deploy(w, ['staging', '--source', source, '--skip-smoke'], { noImage: true, git: {} });
    expect(r.code, r.all).toBe(0);
    expect(w.deploys()).toEqual([
      [
        'deploy',
        source,
        '--config',
        fromRoot('fly.staging.toml'),
        '--app',
        'kotadb-api-staging',
        '--ha=false',
        '--strategy',
        'immediate',
        '--wait-timeout',
        '5m',
        '--dockerfile',
        path.join(source, 'Dockerfile.production'),
        '--image-label',
        'git-0123456789abcdef0123456789abcdef01234567',
      ],
    ]);
    // the label is the service checkout's HEAD, read in that checkout
    expect(w.exec.calls.filter((c) => c.argv[1] === 'rev-parse').map((c) => c.cwd)).toEqual([source]);
    expect(w.exec.calls.find((c) => c.argv[1] === 'deploy')?.timeoutMs).toBe(25 * 60_000); // 5m + 20m build
    expect(r.stderr).toContain(`building from ${source}`);
    expect(r.stdout).toMatch(/ {2}image {8}registry\.fly\.io\/kotadb-api-staging:deployment-01BUILT/);
  });

  test('KOTADB_SERVICE_DIR is the default source, relative to where the user runs it', async () => {
    const w = await world();
    const parent = scratch();
    mkdirSync(path.join(parent, 'kotadb'));
    writeFileSync(path.join(parent, 'kotadb', 'Dockerfile.production'), 'FROM scratch\n');
    const r = await deploy(w, ['staging', '--skip-smoke'], {
      noImage: true,
      cwd: parent,
      env: { KOTADB_SERVICE_DIR: 'kotadb' },
      git: {},
    });
    expect(r.code, r.all).toBe(0);
    expect(w.deploys()[0]?.[1]).toBe(path.join(parent, 'kotadb'));
  });

  test('--wait-timeout overrides the fly config; --deploy-timeout sets the deadline; --skip-smoke', async () => {
    const w = await world();
    const r = await deploy(w, ['staging', '--wait-timeout', '90s', '--deploy-timeout', '7m', '--skip-smoke']);
    expect(r.code, r.all).toBe(0);
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging.slice(0, -1), '90s', '--image', w.image]]);
    expect(w.exec.calls.find((c) => c.argv[1] === 'deploy')?.timeoutMs).toBe(7 * 60_000);
    expect(r.stderr).toContain('warning: smoke checks skipped (--skip-smoke)');
    expect(w.app.requests().filter((q) => q.path !== '/health')).toEqual([]);
  });

  test('production --tag tags the deployed commit deploy/production/v<release> and pushes it', async () => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production', '--yes', '--tag', '--json'], { git: {} });
    expect(r.code, r.all).toBe(0);
    expect(
      w.exec
        .argv()
        .filter((a) => a[0] === 'git')
        .slice(-7),
    ).toEqual([
      ['git', 'tag', 'deploy/production/v4', '0123456789abcdef0123456789abcdef01234567'],
      ['git', 'push', 'origin', 'refs/tags/deploy/production/v4'],
      // the tag and the release record are pushed under the lock
      ...recordArgv('production', 4),
      ...releaseLockArgv('production'),
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      kind: 'live',
      tag: 'deploy/production/v4',
      commit: '0123456789abcdef0123456789abcdef01234567',
      release: { version: 4 },
    });
  });

  test('a failed tag push: the release is live, the run exits 1 saying so', async () => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production', '--yes', '--tag'], {
      git: { pushFails: 'fatal: could not read from remote' },
    });
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(/^error: v4 is live and healthy, but tagging it failed: git push origin .* failed/);
    expect(w.deploys()).toHaveLength(1);
  });

  test('a release record that cannot be pushed: the release is live, a warning-level exit 1 naming the remote', async () => {
    const w = await world();
    w.exec.on(['git', 'push', '--quiet', '--no-verify', '--force-with-lease=refs/kotadb/releases/staging/v4:'], {
      exitCode: 1,
      stderr: 'remote: Permission to kotadb/kotadb-ops.git denied\n',
    });
    const r = await deploy(w, ['staging', '--json']);
    expect(r.code, r.all).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      kind: 'live',
      release: { version: 4 },
      record: null,
      failure: expect.stringContaining(
        'could not push the release record refs/kotadb/releases/staging/v4 on origin (https://github.com/kotadb/kotadb-ops.git) (git exit 1): remote: Permission to kotadb/kotadb-ops.git denied',
      ),
    });
    expect(r.stderr).toContain('error: v4 is live and healthy, but recording its provenance failed: could not push');
    expect(r.stderr).toContain('in CI: contents: write');
    // the release stays: no rollback over a healthy release
    expect(w.deploys()).toHaveLength(1);
    expect(w.exec.argv().slice(-1)).toEqual(releaseLockArgv('staging'));
  });

  test('--json prints one result object on stdout; GITHUB_STEP_SUMMARY gets the Markdown table', async () => {
    const w = await world();
    const summaryFile = path.join(scratch(), 'summary.md');
    const r = await deploy(w, ['staging', '--json'], { env: { GITHUB_STEP_SUMMARY: summaryFile } });
    expect(r.code, r.all).toBe(0);
    const result = JSON.parse(r.stdout) as {
      release: { imageRef: string };
      previous: { version: number };
      steps: Array<{ name: string }>;
      smoke: Array<{ status: string }>;
    };
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      kind: 'live',
      dryRun: false,
      environment: 'staging',
      app: 'kotadb-api-staging',
      outcome: 'v4 is live and healthy',
      failure: null,
      rollback: null,
      health: { healthy: true, attempts: 1, lastReason: null },
    });
    expect(result.release.imageRef).toBe(w.image);
    expect(result.previous.version).toBe(3);
    expect(result.steps.map((s) => s.name)).toEqual([
      'Validate',
      'Preflight',
      'Snapshot releases',
      'Baseline smoke checks',
      'Confirm',
      'Deploy',
      'Health check',
      'Smoke checks',
      'Verify release',
    ]);
    expect(result.smoke.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
    const markdown = readFileSync(summaryFile, 'utf8');
    expect(markdown).toContain('### ✅ Deploy to staging: v4 is live and healthy');
    expect(markdown).toContain('| environment | staging |');
    expect(markdown).toContain('| release | v4 |');
    expect(markdown).toMatch(/\| Deploy \| ✓ \| [\d.m]+s \|/);
  });

  test('without the smoke key the authenticated check is skipped, with one warning; staged secrets are named', async () => {
    const w = await world({ staged: ['SUPABASE_URL'] });
    const r = await deploy(w, ['staging'], { env: { SAAS_STAGING_API_KEY: undefined } });
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain('staged secrets take effect with this deploy: SUPABASE_URL');
    const skipped =
      'warning: GET /api/v1/repositories with X-API-Key: SAAS_STAGING_API_KEY is not set: authenticated check skipped';
    expect(r.stderr.split(skipped).length).toBe(2);
    expect(r.stdout).toContain('  smoke        2 passed, 1 skipped');
  });

  test('a first deploy: no baseline to compare, no rollback target, and it still goes live', async () => {
    const w = await world({ releases: 0 });
    const r = await deploy(w, ['staging']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain('nothing serves yet: the smoke checks run after the deploy only');
    expect(r.stdout).toContain('  previous     none (first deploy)');
    expect(r.stdout).toContain('✓ Deploy to staging: v1 is live and healthy');
  });
});

describe.concurrent('deploy: refusals before anything changes (exit 3)', () => {
  test('production without --yes and no TTY', async () => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production'], { git: {} });
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe(
      'error: refusing to deploy to production without confirmation: nobody can answer a prompt here (no TTY or CI=true)',
    );
    expect(r.stderr).toContain('re-run with --yes to confirm');
    expect(w.deploys()).toEqual([]);
  });

  test('not logged in', async () => {
    const w = await world({ loggedIn: false });
    const r = await deploy(w, ['staging']);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe('error: not logged in to Fly.io');
    expect(r.stderr).toContain('flyctl auth login');
    expect(w.flyArgv()).toEqual([['version'], ['auth', 'whoami', '--json']]);
  });

  test('app missing: flyctl status --app <exact name> says so; exit 3 naming it and the token that can see it', async () => {
    const w = await world({ appMissing: true });
    const r = await deploy(w, ['staging']);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe(
      'error: Fly app kotadb-api-staging (staging) does not exist or this Fly token cannot see it',
    );
    expect(r.stderr).toContain('`fly tokens create deploy --app kotadb-api-staging`');
    // asked app-scoped, with the exact name (never `apps list`, which a deploy token may not call)
    expect(w.flyArgv().slice(0, 4)).toEqual(preflightArgv('kotadb-api-staging').slice(0, 4));
    expect(w.flyArgv().some((a) => a[0] === 'apps')).toBe(false);
    expect(w.deploys()).toEqual([]);
  });

  test('a required secret missing; --json still gets its one object', async () => {
    const w = await world({ missingSecrets: ['SUPABASE_ANON_KEY'] });
    const r = await deploy(w, ['staging', '--json']);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe('error: required secrets missing on kotadb-api-staging: SUPABASE_ANON_KEY');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 3,
      kind: 'stopped',
      failure: 'required secrets missing on kotadb-api-staging: SUPABASE_ANON_KEY',
      release: null,
    });
    expect(w.deploys()).toEqual([]);
  });

  test.for([
    [{ status: ' M README.md\0' }, 'error: the work tree is not clean: README.md'],
    [{ status: '?? new file.txt\0R  b.txt\0a.txt\0' }, 'error: the work tree is not clean: new file.txt, b.txt'],
    [
      { branch: 'feature/x' },
      'error: production deploys come from branch "main"; this checkout is on branch "feature/x"',
    ],
    [{ branch: 'HEAD' }, 'error: production deploys come from branch "main"; this checkout is on a detached HEAD'],
    [{ notARepo: true }, 'error: /checkout is not a git checkout'],
  ] as Array<[GitState, string]>)('production git guard: %j', async ([git, message]) => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production', '--yes'], { git, cwd: '/checkout' });
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe(message);
    expect(w.deploys()).toEqual([]);
  });

  test("--force skips the git guard (no git call but the lock's), with a warning", async () => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production', '--yes', '--force'], { git: { status: ' M README.md\0' } });
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain('warning: --force: the git guard is skipped');
    expect(w.exec.argv().filter((a) => a[0] === 'git')).toEqual([
      ...takeLockArgv('production'),
      ...recordArgv('production', 4),
      ...releaseLockArgv('production'),
    ]);
  });

  test('no image source: refused in preflight with the fix, nothing deployed', async () => {
    const w = await world();
    const r = await deploy(w, ['staging'], { noImage: true });
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe(
      "error: no image source: this repository does not hold the service's code, so there is nothing to build here",
    );
    expect(r.stderr).toContain(
      "  pass --image <ref> (a built image), or --source <dir> / KOTADB_SERVICE_DIR=<dir> (the service's checkout with Dockerfile.production)",
    );
    expect(w.deploys()).toEqual([]);
  });

  test('the release serving now cannot be reached at all: refused, blaming the network, not the key', async () => {
    const w = await world({ oldMode: 'refused' });
    const r = await deploy(w, ['staging']);
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toMatch(
      /^error: http:\/\/127\.0\.0\.1:\d+ cannot be reached from here \(connection (reset|refused)\): the smoke checks got no answer from v3, the release serving now$/,
    );
    expect(r.stderr).toContain(
      '  check the URL (--url), DNS and the network from this machine; neither the app nor SAAS_STAGING_API_KEY is to blame yet',
    );
    expect(w.deploys()).toEqual([]);
  });

  test('a smoke check that fails against the release serving now (wrong key): refused, naming it; --skip-smoke deploys', async () => {
    const w = await world();
    const r = await deploy(w, ['staging'], { env: { SAAS_STAGING_API_KEY: 'kdb_wrong_key_000' } });
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe(
      'error: 1 smoke check fails already against v3, the release serving now: GET /api/v1/repositories with X-API-Key: HTTP 403 (expected 200): the key in SAAS_STAGING_API_KEY was rejected',
    );
    expect(r.stderr).toContain(
      '  the check or its key is wrong, not a new release: fix SAAS_STAGING_API_KEY or the app, or deploy with --skip-smoke',
    );
    expect(r.stderr).toContain('✗ Baseline smoke checks (');
    expect(w.deploys()).toEqual([]);
    const skipped = await deploy(w, ['staging', '--skip-smoke'], {
      env: { SAAS_STAGING_API_KEY: 'kdb_wrong_key_000' },
    });
    expect(skipped.code, skipped.all).toBe(0);
    expect(w.deploys()).toHaveLength(1);
  });
});

describe.concurrent('deploy: dry runs', () => {
  test('a newcomer without flyctl or an image sees the whole plan and exit 0', async () => {
    const w = await world();
    w.exec.on(['flyctl'], { missing: true });
    const r = await deploy(w, ['staging', '--dry-run'], { noImage: true });
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain('warning: flyctl not found or not executable');
    expect(r.stderr).toContain('warning: no image source:');
    expect(r.stdout).toContain(
      '$ FLY_EMIT_RELEASE_JSON=1 flyctl deploy --config fly.staging.toml --app kotadb-api-staging --ha=false --strategy immediate --wait-timeout 5m --image <ref>   # or a build: --source <service checkout>\n',
    );
    expect(r.stdout).toContain('# then poll ' + w.app.url + '/health until healthy (up to 120s)');
    expect(r.stdout).toContain('· Deploy to staging: dry run: nothing was changed');
    expect(w.app.requests()).toEqual([]);
  });

  test('logged out: a warning, the plan with --image, the tag plan; no mutating call', async () => {
    const w = await world({ env: 'production', loggedIn: false });
    const r = await deploy(w, ['production', '--dry-run', '--tag'], { git: {} });
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(
      'warning: not logged in to Fly.io (run `flyctl auth login` (CI: set FLY_API_TOKEN)); the dry run goes on without asking Fly',
    );
    expect(r.stderr).toContain(
      'dry run: a real run would ask you to type "kotadb-api" to confirm deploy to production',
    );
    expect(r.stdout).toContain(`$ FLY_EMIT_RELEASE_JSON=1 flyctl ${withImage('production', w.image).join(' ')}\n`);
    expect(r.stdout).toContain('# then tag the commit deploy/production/v<new release> and push the tag to origin');
    expect(w.deploys()).toEqual([]);
  });

  test('logged in: read-only queries run, the plan names the rollback command and the tag', async () => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production', '--dry-run', '--tag'], { git: {} });
    expect(r.code, r.all).toBe(0);
    expect(w.flyArgv()).toEqual(preflightArgv('kotadb-api'));
    expect(r.stdout).toContain(
      `# on failure: redeploy v3: FLY_EMIT_RELEASE_JSON=1 flyctl ${rollbackArgv(w, 'production').join(' ')}`,
    );
    expect(r.stdout).toContain(
      '# then: git tag deploy/production/v4 <deployed commit> && git push origin refs/tags/deploy/production/v4',
    );
    expect(r.stdout).toContain(`# smoke-check the release serving now at ${w.app.url} (with SAAS_PRODUCTION_API_KEY)`);
    // the lock is only checked (read-only calls); its pushes are printed
    expect(w.exec.argv().filter((a) => a[0] === 'git' && a[1] !== 'rev-parse' && a[1] !== 'status')).toEqual(
      checkLockArgv('production'),
    );
    expect(r.stderr).toContain('dry run: the production deploy lock is free; a real run takes it here');
    expect(r.stdout).toContain(
      '$ GIT_TERMINAL_PROMPT=0 git push --quiet --no-verify --force-with-lease=refs/kotadb/locks/production: origin c0ffee0000000000000000000000000000000001:refs/kotadb/locks/production\n',
    );
    expect(w.app.requests()).toEqual([]);
  });

  test('production --dry-run on a dirty tree: the git guard is a warning and the whole plan is shown', async () => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production', '--dry-run'], { git: { status: ' M fly.toml\0' } });
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(
      'warning: git guard: the work tree is not clean: fly.toml; a real run would refuse (commit or stash the changes, or pass --force to skip the git guard)',
    );
    expect(r.stdout).toContain(`$ FLY_EMIT_RELEASE_JSON=1 flyctl ${withImage('production', w.image).join(' ')}\n`);
    expect(r.stdout).toContain('· Deploy to production: dry run: nothing was changed');
  });
});

describe.concurrent('deploy: invalid input (exit 2, nothing runs)', () => {
  test.for([
    [
      ['staging', '--health-timeout', 'soon'],
      'error: --health-timeout: expected a number of seconds, got "soon". Run with --help for usage.',
    ],
    [['staging', '--tag'], 'error: --tag applies to production deploys only, not staging. Run with --help for usage.'],
    [['prod'], 'error: unknown environment "prod": expected one of staging, production. Run with --help for usage.'],
    [['staging', '--rollback'], 'error: unknown option --rollback. Run with --help for usage.'],
    [
      ['staging', '--deploy-timeout', 'forever'],
      'error: --deploy-timeout: expected a duration such as "30m" or "1h", got "forever". Run with --help for usage.',
    ],
    [
      ['staging', '--source', '/tmp'],
      'error: --image and --source both say where the image comes from: give one of them. Run with --help for usage.',
    ],
    [
      ['staging', '--wait-timeout', 'ten'],
      'error: --wait-timeout: expected a duration such as "5m" or "90s" (or "none"), got "ten". Run with --help for usage.',
    ],
  ] as const)('%j', async ([args, message]) => {
    const w = await world();
    const r = await deploy(w, [...args]);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(message);
    expect(w.exec.calls).toEqual([]);
  });

  test('--url with credentials is refused before anything runs, without printing the password', async () => {
    const w = await world();
    const r = await runInProcess(
      script,
      ['staging', '--image', w.image, '--url', 'https://deployer:hunter2secret@kotadb.example'],
      {},
      { exec: w.exec },
    );
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(
      'error: --url: a URL with a user name or password is refused (it would be printed and sent with every check); give the bare base URL. Run with --help for usage.',
    );
    expect(r.all).not.toContain('hunter2secret');
    expect(w.exec.calls).toEqual([]);
  });

  test('--source that is not a service checkout: exit 2 naming what is missing', async () => {
    const w = await world();
    const empty = scratch();
    const r = await deploy(w, ['staging', '--source', empty], { noImage: true });
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(`error: --source: ${empty} has no Dockerfile.production`);
    const fromEnv = await deploy(w, ['staging'], {
      noImage: true,
      env: { KOTADB_SERVICE_DIR: path.join(empty, 'nope') },
    });
    expect(fromEnv.code).toBe(2);
    expect(errorLine(fromEnv)).toBe(`error: KOTADB_SERVICE_DIR: ${path.join(empty, 'nope')} is not a folder`);
    expect(w.exec.calls).toEqual([]);
  });
});

describe.concurrent('deploy: a new release that fails is rolled back (without its release command)', () => {
  test('smoke 500 with the smoke key: only that regression is named', async () => {
    const w = await world({ newMode: 'smoke-500' });
    const r = await deploy(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: smoke checks failed: GET /api/v1/repositories with X-API-Key: HTTP 500 (expected 200); rolled back to v3 (healthy)',
    );
    expect(w.deploys()).toEqual([withImage('staging', w.image), rollbackArgv(w)]);
    expect(r.stderr).toContain('✗ GET /api/v1/repositories with X-API-Key: HTTP 500 (expected 200)');
    expect(r.stderr).toContain('✗ Smoke checks (');
  });

  test('recently failed jobs fail the smoke checks too', async () => {
    const w = await world({ newMode: 'failed-recent' });
    const r = await deploy(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: smoke checks failed: GET /health job queue: saas.job_queue.failed_recent is 4 (expected 0); rolled back to v3 (healthy)',
    );
  });

  test('flyctl fails before creating a release: nothing changed, so nothing is redeployed', async () => {
    const w = await world();
    w.nextDeploy({
      kind: 'fail-early',
      stderr: 'Error: failed to fetch an image or build from source: dockerfile not found\n\n',
    });
    const r = await deploy(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: flyctl deploy failed (exit 1): failed to fetch an image or build from source: dockerfile not found; nothing was deployed (no new release), so v3 still serves',
    );
    expect(w.deploys()).toEqual([withImage('staging', w.image)]);
  });

  test("flyctl's error is kept whole: the Error line, the lines after it and the ✘ reasons (some on stdout)", async () => {
    const w = await world();
    w.nextDeploy({
      kind: 'fail-early',
      // as flyctl prints it: the reason plainly after "Validating", then the ✘ line (on stdout)
      stdout:
        'Validating /srv/fly.staging.toml\nunsupported deployment strategy \u001b[31m"fast"\u001b[0m\n   ✘invalid app configuration\n',
      stderr:
        '✘ checks: interval too short\nError: App configuration is not valid\nrun `fly config validate` for details\n',
    });
    const r = await deploy(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: flyctl deploy failed (exit 1): App configuration is not valid: unsupported deployment strategy \\x1b[31m"fast"\\x1b[0m; ✘invalid app configuration; ✘ checks: interval too short | run `fly config validate` for details; nothing was deployed (no new release), so v3 still serves',
    );
  });

  test('--no-rollback leaves the new release and prints the rollback command', async () => {
    const w = await world({ newMode: 'status-503' });
    const r = await deploy(w, ['staging', '--no-rollback', '--health-timeout', '1']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: health check failed: HTTP 503 after 1.0s (2 attempts); not rolled back (--no-rollback): v4 stays deployed',
    );
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(w.deploys()).toEqual([withImage('staging', w.image)]);
    expect(w.currentImage()).toBe(w.image);
  });

  test('a rollback that is not healthy either: ✗ in the step line, the summary and --json; exit 1', async () => {
    const w = await world();
    const nothing = await startAppServer({ mode: 'refused' });
    const r = await runInProcess(
      script,
      ['staging', '--image', w.image, '--url', nothing.url, '--health-timeout', '1', '--json'],
      { SAAS_STAGING_API_KEY: SMOKE_KEY },
      { exec: w.exec, clock: manualClock().clock },
    );
    await nothing.close();
    expect(r.code, r.all).toBe(3); // the baseline already fails: nothing answers
    const skipped = await runInProcess(
      script,
      ['staging', '--image', w.image, '--url', nothing.url, '--health-timeout', '1', '--json', '--skip-smoke'],
      {},
      { exec: w.exec, clock: manualClock().clock },
    );
    expect(skipped.code, skipped.all).toBe(1);
    expect(errorLine(skipped)).toBe(
      'error: health check failed: connection refused after 1.0s (2 attempts); rollback to v3 FAILED: health check: connection refused after 1.0s (2 attempts)',
    );
    expect(skipped.stderr).toContain('✗ Roll back to v3 (');
    expect(skipped.stderr).not.toContain('✓ Roll back to v3');
    expect(skipped.stderr).toContain('the app may be down: retry with `npx just rollback staging --to 3`');
    expect(JSON.parse(skipped.stdout)).toMatchObject({
      kind: 'failed',
      rollback: { status: 'failed', failure: 'health check: connection refused after 1.0s (2 attempts)' },
      steps: expect.arrayContaining([{ name: 'Roll back to v3', ok: false, durationMs: expect.any(Number) }]),
    });
    expect(w.deploys()).toEqual([withImage('staging', w.image), rollbackArgv(w)]);
  });

  test('a first deploy has nothing to roll back to', async () => {
    const w = await world({ releases: 0, newMode: 'status-503' });
    const r = await deploy(w, ['staging', '--health-timeout', '1']);
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toContain(
      'warning: no complete release yet (first deploy): a failed deploy cannot be rolled back',
    );
    expect(errorLine(r)).toBe(
      'error: health check failed: HTTP 503 after 1.0s (2 attempts); no earlier complete release to roll back to (first deploy)',
    );
    expect(w.deploys()).toEqual([withImage('staging', w.image)]);
  });
});

describe.concurrent('deploy: bounded waits (--deploy-timeout)', () => {
  test('a hung flyctl deploy is stopped (SIGINT first) at the deadline, called failed and rolled back', async () => {
    const w = await world();
    w.nextDeploy({ kind: 'hang' });
    const r = await deploy(w, ['staging', '--deploy-timeout', '300ms']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      `error: flyctl deploy did not finish within 300ms (--deploy-timeout): it was stopped (interrupted release v4, image ${w.image}); rolled back to v3 (healthy)`,
    );
    const hung = w.exec.calls.find((c) => c.argv[1] === 'deploy')!;
    expect(hung.timeoutMs).toBe(300);
    expect(w.deploys()).toEqual([withImage('staging', w.image), rollbackArgv(w)]);
    expect(w.releases()[1]).toMatchObject({ version: 4, status: 'interrupted' });
  });

  test('the same with --no-rollback: exit 1, the rollback command', async () => {
    const w = await world();
    w.nextDeploy({ kind: 'hang' });
    const r = await deploy(w, ['staging', '--deploy-timeout', '200ms', '--no-rollback']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      /^error: flyctl deploy did not finish within 200ms .*; not rolled back \(--no-rollback\): v4 stays deployed$/,
    );
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(w.deploys()).toHaveLength(1);
  });

  test("the rollback's own deploy has a deadline too", async () => {
    const w = await world({ newMode: 'status-503' });
    w.nextDeploy({ kind: 'ok' });
    w.nextDeploy({ kind: 'hang' });
    const r = await deploy(w, ['staging', '--deploy-timeout', '200ms', '--health-timeout', '1']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      /rollback to v3 FAILED: flyctl deploy did not finish within 200ms \(--deploy-timeout\): it was stopped$/,
    );
    expect(r.stderr).toContain('✗ Roll back to v3 (');
  });
});

describe.concurrent('deploy: the release serving at the end must be ours', () => {
  test('another release appeared meanwhile: said so, exit 1, and NOT rolled back over it', async () => {
    const w = await world();
    const other = 'registry.fly.io/kotadb-api-staging:deployment-01OTHER00000000000000000';
    w.nextDeploy({ kind: 'then-other', image: other });
    const r = await deploy(w, ['staging', '--json']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: v4 was deployed and healthy, but it is not what serves now: v5 (complete by other@example.com) was created after v4: another deploy or secrets change ran meanwhile; not rolled back over it',
    );
    expect(r.stderr).toContain('✗ Verify release (');
    expect(w.deploys()).toEqual([withImage('staging', w.image)]);
    expect(w.currentImage()).toBe(other);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, kind: 'superseded', release: { version: 4 } });
  });

  test('after a failure, a newer release than ours is not rolled back over either', async () => {
    const w = await world({ newMode: 'status-503' });
    const other = 'registry.fly.io/kotadb-api-staging:deployment-01OTHER00000000000000000';
    w.nextDeploy({ kind: 'then-other', image: other });
    const r = await runInProcess(
      script,
      ['staging', '--image', w.image, '--url', w.app.url, '--health-timeout', '1', '--skip-smoke'],
      {},
      { exec: w.exec, clock: manualClock().clock },
    );
    // The other image answers healthy, so this run's /health poll passes; what serves is not ours.
    expect(r.code, r.all).toBe(1);
    expect(w.deploys()).toHaveLength(1);
  });

  test('machines that run another image than the new release: exit 1, not rolled back', async () => {
    const w = await world({ env: 'production' });
    const machine = (id: string, tag: string, state = 'started') => ({
      id,
      state,
      image_ref: { registry: 'registry.fly.io', repository: 'kotadb-api', tag },
    });
    const seededTag = w.seeded[0]!.image.split(':')[1]!;
    // The first status is preflight's (the app exists), the second the verification after the deploy.
    w.exec.once(['flyctl', 'status'], {
      stdout: JSON.stringify({ Name: 'kotadb-api', Machines: [machine('m1', seededTag), machine('m2', seededTag)] }),
    });
    w.exec.once(['flyctl', 'status'], {
      stdout: JSON.stringify({
        Name: 'kotadb-api',
        Machines: [
          machine('m1', w.image.split(':')[1]!),
          machine('m2', 'deployment-01OLD'),
          machine('m3', 'x', 'destroyed'),
        ],
      }),
    });
    const r = await deploy(w, ['production', '--yes'], { git: {} });
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      "error: v4 was deployed and healthy, but it is not what serves now: machines m2 (registry.fly.io/kotadb-api:deployment-01OLD) do not run v4's image; not rolled back over it",
    );
    expect(w.deploys()).toHaveLength(1);
  });
});

describe.concurrent('deploy: Ctrl-C', () => {
  const interrupt = () => {
    const controller = new AbortController();
    return { controller, signal: controller.signal };
  };

  test('during flyctl deploy: the half-deployed release and the rollback command are named; --json too; exit 130', async () => {
    const w = await world();
    w.nextDeploy({ kind: 'hang' });
    const { controller, signal } = interrupt();
    const running = deploy(w, ['staging', '--json'], { signal });
    await waitFor(() => w.exec.calls.some((c) => c.argv[1] === 'deploy'));
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted during flyctl deploy: v4 of kotadb-api-staging may be half-deployed (some machines may run its image); the staging deploy lock was released',
    );
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, exitCode: 130, kind: 'interrupted' });
    expect(w.deploys()).toEqual([withImage('staging', w.image)]);
    // released after Ctrl-C, by a runner Ctrl-C has not stopped
    expect(w.exec.argv().slice(-1)).toEqual(releaseLockArgv('staging'));
    expect(w.releases()[0]).toMatchObject({ version: 4, status: 'interrupted' });
  });

  test('while waiting for /health: stops at once', async () => {
    const w = await world({ newMode: 'hang' });
    const { controller, signal } = interrupt();
    const running = deploy(w, ['staging', '--health-timeout', '60'], { signal, clock: undefined });
    await waitFor(() => w.app.requests().some((q) => q.image === w.image));
    const signalled = performance.now();
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(performance.now() - signalled).toBeLessThan(1000);
    expect(errorLine(r)).toBe(
      'error: interrupted before v4 of kotadb-api-staging was verified: it is deployed but not known to be healthy; the staging deploy lock was released',
    );
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(w.deploys()).toEqual([withImage('staging', w.image)]);
  });

  test('during the smoke checks: they stop, exit 130 with the state (never "live and healthy")', async () => {
    const w = await world({ newMode: 'smoke-hang' });
    const { controller, signal } = interrupt();
    const running = deploy(w, ['staging'], { signal });
    await waitFor(() => w.app.requests().some((q) => q.image === w.image && q.apiKey === 'valid'));
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted before v4 of kotadb-api-staging was verified: it is deployed but not known to be healthy; the staging deploy lock was released',
    );
    expect(r.all).not.toContain('live and healthy');
    expect(w.deploys()).toHaveLength(1);
  });

  test('during the rollback: the command that finishes it', async () => {
    const w = await world({ newMode: 'status-503' });
    w.nextDeploy({ kind: 'ok' });
    w.nextDeploy({ kind: 'hang' });
    const { controller, signal } = interrupt();
    const running = deploy(w, ['staging', '--health-timeout', '1'], { signal });
    await waitFor(() => w.deploys().length === 2);
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted while rolling back kotadb-api-staging to v3: machines may run either image; the staging deploy lock was released',
    );
    expect(r.stderr).toContain('  finish with: npx just rollback staging --to 3');
  });

  test('before deploying (during the baseline smoke checks): nothing was changed', async () => {
    const w = await world({ oldMode: 'smoke-hang' });
    const { controller, signal } = interrupt();
    const running = deploy(w, ['staging'], { signal });
    await waitFor(() => w.app.requests().some((q) => q.apiKey === 'valid'));
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe('error: interrupted before deploying: nothing was changed');
    expect(w.deploys()).toEqual([]);
  });
});

describe.concurrent('deploy: what it prints', () => {
  test('on a terminal the health wait ticks every second (elapsed, attempt, last reason); in CI one line per attempt', async () => {
    const w = await world({ newMode: 'status-503' });
    const tty = await deploy(w, ['staging', '--health-timeout', '3', '--no-rollback', '--skip-smoke'], { tty: true });
    const progress = tty.stderr.split('\r\x1b[K').filter((s) => s.startsWith('waiting for'));
    expect(progress).toEqual([
      `waiting for ${w.app.url}/health: HTTP 503 (attempt 1, 0ms of 3.0s)`,
      `waiting for ${w.app.url}/health: HTTP 503 (attempt 2, 1.0s of 3.0s)`,
      `waiting for ${w.app.url}/health: HTTP 503 (attempt 2, 2.0s of 3.0s)`,
    ]);
    const ci = await deploy(w, ['staging', '--health-timeout', '3', '--no-rollback', '--skip-smoke']);
    expect(ci.stderr.split('\n').filter((line) => line.startsWith('waiting for'))).toEqual([
      `waiting for ${w.app.url}/health: HTTP 503 (attempt 1, 0ms of 3.0s)`,
      `waiting for ${w.app.url}/health: HTTP 503 (attempt 2, 1.0s of 3.0s)`,
    ]);
    expect(ci.stderr).not.toContain('\x1b[K');
  });

  test('a redirect is a failure naming the Location; the smoke key never goes to the other origin', async () => {
    const elsewhere = await startAppServer({ apiKey: SMOKE_KEY });
    const w = await world({ oldMode: 'healthy' });
    const redirecting = await startAppServer({ mode: 'redirect', redirectTo: elsewhere.url, apiKey: SMOKE_KEY });
    const r = await runInProcess(
      script,
      ['staging', '--image', w.image, '--url', redirecting.url],
      { SAAS_STAGING_API_KEY: SMOKE_KEY },
      { exec: w.exec, clock: manualClock().clock },
    );
    await redirecting.close();
    await elsewhere.close();
    expect(r.code, r.all).toBe(3);
    expect(r.stderr).toContain(
      `GET /api/v1/repositories with X-API-Key: HTTP 302 redirect to ${elsewhere.url}/api/v1/repositories (redirects are not followed)`,
    );
    expect(elsewhere.requests()).toEqual([]);
    expect(redirecting.requests().map((q) => q.apiKey)).toEqual(['absent', 'absent', 'valid']);
  });

  test('/health text with control characters is printed escaped', async () => {
    const w = await world();
    const evil = await startHealthServer('{"status":"\\u001b[2Kdown\\r"}');
    const r = await runInProcess(
      script,
      ['staging', '--image', w.image, '--url', evil.url, '--health-timeout', '1', '--skip-smoke', '--no-rollback'],
      {},
      { exec: w.exec, clock: manualClock().clock },
    );
    await evil.close();
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toContain('health check failed: status: \\x1b[2Kdown\\x0d after');
    expect(r.all).not.toContain('\x1b[2K');
  });

  test('secrets are never printed: smoke key and app secrets, even with " \\ | in them, in no output, argv, stdin or step summary', async () => {
    const w = await world({ newMode: 'smoke-500' });
    const tricky = 'kdb_"odd\\key|value_77';
    secrets.add(tricky);
    const summaryFile = path.join(scratch(), 'summary.md');
    const env = { SAAS_STAGING_API_KEY: SMOKE_KEY, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_ACTIONS: 'true' };
    const failed = await deploy(w, ['staging', '--json', '--health-timeout', '2', '--url', `${w.app.url}/${tricky}`], {
      env,
    });
    const ok = await deploy(w, ['staging', '--json'], { env });
    expect(ok.code, ok.all).toBe(1); // the new image fails smoke again
    const recorded = JSON.stringify(w.exec.calls);
    const everything = [failed.all, ok.all, readFileSync(summaryFile, 'utf8'), recorded].join('\n');
    expect(everything).not.toContain(SMOKE_KEY);
    expect(everything).not.toContain(tricky);
    expect(everything).not.toContain(JSON.stringify(tricky).slice(1, -1));
    expect(everything).not.toContain(tricky.replace(/\|/g, '\\|'));
    expect(w.app.requests().filter((q) => q.apiKey === 'valid').length).toBeGreaterThanOrEqual(2);
  });
});

/** Polls (real time) until `done` holds; the run being tested goes on meanwhile. */
async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A server whose /health answers `body` (HTTP 200) and nothing else. */
async function startHealthServer(body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const http = await import('node:http');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.concurrent('deploy against the fake flyctl, in-process (the faithful model of flyctl)', () => {
  const { world: fakeWorld } = worldsForFile({ apiKey: SMOKE_KEY });
  const IMAGE = 'registry.fly.io/kotadb-api-staging:deployment-01JFAKE0000000000000000000';
  const onFake = (
    w: DeployWorld,
    args: string[],
    env: Record<string, string | undefined> = {},
    io: InProcessOptions = {},
  ) =>
    runInProcess(
      script,
      [...args, '--url', w.app.url],
      { ...w.fly.env, SAAS_STAGING_API_KEY: SMOKE_KEY, SAAS_PRODUCTION_API_KEY: SMOKE_KEY, ...env },
      // git (the deploy lock) answered as a free lock; the lock itself: deploy-lock-scripts.test.ts
      { exec: fakeWorldExec(w), clock: manualClock().clock, ...io },
    );
  const flyctlCall = (argv: readonly string[]) => ['flyctl', ...argv];
  const backTo = (env: 'staging' | 'production', image: string) => [...withImage(env, image), '--skip-release-command'];

  test('staging: exact calls, the fake records v4 complete and its machines run the image', async () => {
    const w = await fakeWorld();
    const r = await onFake(w, ['staging', '--image', IMAGE]);
    expect(r.code, r.all).toBe(0);
    expect(w.argv()).toEqual([
      ...preflightArgv('kotadb-api-staging'),
      ...recheckArgv('kotadb-api-staging'),
      withImage('staging', IMAGE),
      ...verifyArgv('kotadb-api-staging'),
    ]);
    expect(w.fly.calls().find((c) => c.argv[0] === 'deploy')?.env.FLY_EMIT_RELEASE_JSON).toBe('1');
    expect(w.fly.releases('kotadb-api-staging')[0]).toMatchObject({ version: 4, status: 'complete', image: IMAGE });
    expect(w.fly.app('kotadb-api-staging').machines.every((m) => m.image === IMAGE)).toBe(true);
    expect(r.stdout).toContain('✓ Deploy to staging: v4 is live and healthy');
  });

  test('look-alike apps and the old secrets JSON shape do not fool preflight: the exact --app name is asked', async () => {
    const w = await fakeWorld({ fly: { decoys: true, secretsJsonShape: 'old' } });
    w.fly.update((state) => {
      delete state.apps.find((a) => a.name === 'kotadb-api-staging')!.secrets.SUPABASE_ANON_KEY;
    });
    const r = await onFake(w, ['staging', '--image', IMAGE]);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe('error: required secrets missing on kotadb-api-staging: SUPABASE_ANON_KEY');
    expect(w.argv()).toEqual(preflightArgv('kotadb-api-staging').slice(0, 4));
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('an app-scoped deploy token: its own app deploys; the other environment is exit 3 naming the token it needs', async () => {
    const w = await fakeWorld({ fly: { deployToken: 'kotadb-api-staging' } });
    const ok = await onFake(w, ['staging', '--image', IMAGE]);
    expect(ok.code, ok.all).toBe(0);
    expect(w.argv().some((a) => a[0] === 'apps')).toBe(false);
    const refused = await onFake(w, ['production', '--yes', '--force', '--image', IMAGE.replace('-staging', '')]);
    expect(refused.code, refused.all).toBe(3);
    expect(errorLine(refused)).toBe(
      'error: Fly app kotadb-api (production) does not exist or this Fly token cannot see it',
    );
    expect(refused.stderr).toContain('`fly tokens create deploy --app kotadb-api`');
    expect(w.fly.mutatingCalls().map((c) => c.argv[4])).toEqual(['kotadb-api-staging']);
  });

  test('a first production deploy with [[mounts]] leaves ONE machine (whatever --ha): the next deploy warns that rolling takes it down', async () => {
    const w = await fakeWorld({ env: 'production' });
    const volume = { name: 'kotadb_data', sizeGb: 10 };
    w.fly.seedApp('kotadb-api', { releases: 0, volumes: [volume, volume], secrets: KOTADB_SECRETS['kotadb-api'] });
    const image = (n: number) => `registry.fly.io/kotadb-api:deployment-01JFIRST${n}000000000000000000`;
    const first = await onFake(w, ['production', '--yes', '--force', '--image', image(1)]);
    expect(first.code, first.all).toBe(0);
    expect(first.stderr).not.toContain('runs one machine'); // nothing ran yet: nothing is taken down
    expect(w.fly.app('kotadb-api').machines).toHaveLength(1);
    const second = await onFake(w, ['production', '--yes', '--force', '--image', image(2)]);
    expect(second.code, second.all).toBe(0);
    expect(second.stderr).toContain(
      'warning: kotadb-api runs one machine, so this rolling deploy takes the only machine down until the new one is healthy; production should run 2: `flyctl scale count 2 --app kotadb-api --yes`',
    );
  });

  test.for([
    ['status-503', 'HTTP 503'],
    ['unhealthy', 'status: degraded'],
    ['supabase-error', 'supabase_status: error'],
    ['bad-json', 'bad JSON: /health did not return JSON'],
    // the app's proxy resets connections to a machine that does not listen
    ['refused', 'connection reset'],
  ] as const)(
    'staging (immediate: flyctl exits 0 with the machines unhealthy), /health %s: the toolkit gates it and rolls back',
    async ([mode, reason]) => {
      const w = await fakeWorld({ newMode: mode });
      // immediate does not wait for health checks: exit 0, release complete, checks critical
      w.fly.fault('deploy', { healthTimeout: true, times: 1 });
      const exec = fakeWorldExec(w);
      const r = await onFake(w, ['staging', '--image', IMAGE, '--health-timeout', '3'], {}, { exec });
      expect(r.code, r.all).toBe(1);
      expect(errorLine(r)).toBe(
        `error: health check failed: ${reason} after 3.0s (3 attempts); rolled back to v3 (healthy)`,
      );
      // the rollback runs under the deploy's lock, released once it is verified
      expect(exec.argv()).toEqual([
        ...preflightArgv('kotadb-api-staging').map(flyctlCall),
        ...takeLockArgv('staging'),
        ...[
          ...recheckArgv('kotadb-api-staging'),
          withImage('staging', IMAGE),
          ['releases', '--app', 'kotadb-api-staging', '--json'],
          backTo('staging', w.running.image),
          ...verifyArgv('kotadb-api-staging'),
        ].map(flyctlCall),
        ...releaseLockArgv('staging'),
      ]);
      expect(
        w.fly.releases('kotadb-api-staging').map((rel) => [rel.version, rel.status, rel.image === w.running.image]),
      ).toEqual([
        [5, 'complete', true],
        [4, 'complete', false],
        [3, 'complete', true],
        [2, 'complete', false],
        [1, 'complete', false],
      ]);
      expect(w.fly.currentImage('kotadb-api-staging')).toBe(w.running.image);
      // the rollback was verified against the old image
      expect(w.app.requests().at(-1)).toMatchObject({ path: '/health', image: w.running.image, status: 200 });
      expect(r.stdout).toContain('✗ Deploy to staging: health check failed');
      expect(r.stdout).toContain('  rollback     ✓ v3 redeployed as v5');
      expect(r.stdout).toContain(
        "  config       fly.toml and secrets are today's, not those of v3 (a rollback redeploys only the image)",
      );
      expect(r.stderr).toContain('✗ Health check (');
      expect(r.stderr).toContain('✓ Roll back to v3 (');
    },
  );

  test('production (rolling): flyctl itself fails on health checks; the failed release and its image are named; rolled back', async () => {
    const w = await fakeWorld({ env: 'production', newMode: 'status-503' });
    w.fly.fault('deploy', { healthTimeout: true, times: 1 });
    const image = IMAGE.replace('-staging', '');
    const exec = fakeWorldExec(w, (e) => gitAnswers(e));
    const r = await onFake(w, ['production', '--yes', '--json', '--image', image], {}, { exec });
    expect(r.code, r.all).toBe(1);
    expect(w.deploys()).toEqual([withImage('production', image), backTo('production', w.running.image)]);
    expect(errorLine(r)).toMatch(
      new RegExp(
        `^error: flyctl deploy failed \\(exit 1\\): timeout reached waiting for health checks to pass for machine [0-9a-f]{14}: context deadline exceeded \\(failed release v4, image ${image}\\); rolled back to v3 \\(healthy\\)$`,
      ),
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 1,
      kind: 'failed',
      release: { version: 4, imageRef: image },
      previous: { version: 3, imageRef: w.running.image },
      rollback: {
        status: 'healthy',
        target: { version: 3, imageRef: w.running.image },
        release: { version: 5, imageRef: w.running.image },
        failure: null,
        configAndSecrets: 'current',
      },
    });
    expect(w.fly.releases('kotadb-api').map((rel) => [rel.version, rel.status])).toEqual([
      [5, 'complete'],
      [4, 'failed'],
      [3, 'complete'],
      [2, 'complete'],
      [1, 'complete'],
    ]);
    expect(w.fly.app('kotadb-api').machines.map((m) => m.image)).toEqual([w.running.image, w.running.image]);
  });

  test('a pruned rollback image: one line saying how to rebuild it', async () => {
    const w = await fakeWorld({ newMode: 'status-503' });
    w.fly.pruneImage(w.running.image);
    const r = await onFake(w, ['staging', '--image', IMAGE, '--health-timeout', '1']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      `error: health check failed: HTTP 503 after 1.0s (2 attempts); rollback to v3 FAILED: the image ${w.running.image} is no longer in the registry (pruned): rebuild it from its commit (--source <checkout of that commit>) or deploy another image (--image <ref>)`,
    );
    expect(w.deploys()).toEqual([withImage('staging', IMAGE), backTo('staging', w.running.image)]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(IMAGE);
  });

  test("production (rolling): flyctl's own health-check failure names the failed release and its image (from releases --json)", async () => {
    const w = await fakeWorld({ env: 'production' });
    const image = IMAGE.replace('-staging', '');
    w.fly.fault('deploy', { healthTimeout: true, times: 1 });
    const r = await onFake(w, ['production', '--yes', '--force', '--image', image, '--no-rollback']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      new RegExp(
        `^error: flyctl deploy failed \\(exit 1\\): timeout reached waiting for health checks to pass for machine \\w+: context deadline exceeded.* \\(failed release v4, image ${image}\\); not rolled back \\(--no-rollback\\): v4 stays deployed$`,
      ),
    );
    expect(w.fly.releases('kotadb-api')[0]).toMatchObject({ version: 4, status: 'failed' });
  });

  test('Ctrl-C while flyctl deploy hangs: flyctl records its release as interrupted; exit 130', async () => {
    const w = await fakeWorld();
    w.fly.fault('deploy', { hang: true, times: 1 });
    const controller = new AbortController();
    const running = onFake(w, ['staging', '--image', IMAGE, '--skip-smoke'], {}, { signal: controller.signal });
    await w.fly.waitForCall((c) => c.argv[0] === 'deploy', 10_000);
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted during flyctl deploy: v4 of kotadb-api-staging may be half-deployed (some machines may run its image); the staging deploy lock was released',
    );
    expect(w.fly.releases('kotadb-api-staging')[0]).toMatchObject({ version: 4, status: 'interrupted' });
  });

  test('a hung flyctl deploy past --deploy-timeout is stopped with SIGINT: the fake marks its release interrupted', async () => {
    const w = await fakeWorld();
    w.fly.fault('deploy', { hang: true, times: 1 });
    const r = await onFake(w, [
      'staging',
      '--image',
      IMAGE,
      '--skip-smoke',
      '--deploy-timeout',
      '300ms',
      '--no-rollback',
    ]);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      `error: flyctl deploy did not finish within 300ms (--deploy-timeout): it was stopped (interrupted release v4, image ${IMAGE}); not rolled back (--no-rollback): v4 stays deployed`,
    );
    expect(w.fly.releases('kotadb-api-staging')[0]).toMatchObject({ version: 4, status: 'interrupted' });
  });
});
