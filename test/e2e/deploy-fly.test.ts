/**
 * deploy-fly end to end (the real script as a child process, the fake flyctl, a real HTTP
 * server playing the app): happy paths, exact flyctl argv, preflight refusals, dry runs,
 * output formats, production's git guard and tag, and that no secret is ever printed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'vitest';
import { KOTADB_SECRETS } from '../helpers/fake-fly.ts';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.ts';
import { DEPLOY_ARGV, preflightArgv, worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';
import { main } from '../../scripts/deploy-fly.ts';

const SMOKE_KEY = 'kdb_smoke_Zq8vX3mPp1Lr6Tn0';
const { world, track } = worldsForFile({ apiKey: SMOKE_KEY });

const repo = (options: { branch?: string; origin?: boolean } = {}): GitRepo => track(createGitRepo(options));

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-e2e-'));
  track({ cleanup: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

/** As a user runs it: a child process (needed for a cwd of its own, a real stdin, signals). */
function deploy(
  w: DeployWorld,
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
) {
  return runScript('deploy-fly', [...args, '--url', w.app.url], {
    env: { ...w.fly.env, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
}

/** main() in this process (flyctl is still a child): same code, without Node + tsx start-up. */
function deployHere(w: DeployWorld, args: string[], env: Record<string, string | undefined> = {}) {
  return runInProcess(main, [...args, '--url', w.app.url], { ...w.fly.env, ...env });
}

describe.concurrent('deploy-fly: happy paths', () => {
  test('staging: preflight, snapshot, one deploy, health and smoke, summary; exit 0', async ({ expect }) => {
    const w = await world();
    const r = await deploy(w, ['staging'], { env: { SAAS_STAGING_API_KEY: SMOKE_KEY } });
    expect(r.code, r.all).toBe(0);
    expect(w.argv()).toEqual([...preflightArgv('kotadb-api-staging'), [...DEPLOY_ARGV.staging]]);
    const deployCall = w.fly.calls().find((c) => c.argv[0] === 'deploy')!;
    expect(deployCall.env.FLY_EMIT_RELEASE_JSON).toBe('1');
    const newRelease = w.fly.releases('kotadb-api-staging')[0]!;
    expect(newRelease).toMatchObject({ version: 4, status: 'complete' });
    expect(r.stdout).toContain('✓ Deploy to staging: v4 is live and healthy');
    expect(r.stdout).toContain(`  image        ${newRelease.image}`);
    expect(r.stdout).toContain(`  previous     v3 ${w.running.image}`);
    expect(r.stdout).toMatch(/ {2}steps {8}Validate [\d.m]+s · Preflight .* · Smoke checks [\d.m]+s\n/);
    for (const step of [
      'Validate',
      'Preflight',
      'Confirm',
      'Snapshot releases',
      'Deploy',
      'Health check',
      'Smoke checks',
    ]) {
      expect(r.stderr).toContain(`✓ ${step} (`);
    }
    expect(r.stderr).toContain('running: v3');
    expect(r.stderr).toContain('✓ GET /api/v1/repositories with X-API-Key: HTTP 200 JSON');
    // the deploy's own output is streamed
    expect(r.stderr).toContain('  │ Watch your deployment at https://fly.io/apps/kotadb-api-staging/monitoring');
    expect(w.app.requests().map((q) => `${q.path} ${q.apiKey} ${q.status}`)).toEqual([
      '/health absent 200',
      '/health absent 200',
      '/api/v1/repositories absent 401',
      '/api/v1/repositories valid 200',
    ]);
  });

  test('production with --yes and no TTY, from a clean main; exit 0', async ({ expect }) => {
    const w = await world({ env: 'production' });
    const git = repo();
    const r = await deploy(w, ['production', '--yes'], { cwd: git.dir, env: { SAAS_PRODUCTION_API_KEY: SMOKE_KEY } });
    expect(r.code, r.all).toBe(0);
    expect(w.argv()).toEqual([...preflightArgv('kotadb-api'), [...DEPLOY_ARGV.production]]);
    expect(r.stderr).toContain('--yes: confirmed deploy to production (kotadb-api)');
    expect(r.stderr).toContain(`on main at ${git.git('rev-parse', 'HEAD').slice(0, 12)}, work tree clean`);
    expect(r.stdout).toContain('✓ Deploy to production: v4 is live and healthy');
    expect(w.fly.app('kotadb-api').machines.every((m) => m.image === w.fly.releases('kotadb-api')[0]!.image)).toBe(
      true,
    );
  });

  test('--image deploys the prebuilt image; --wait-timeout overrides the fly config', async ({ expect }) => {
    const w = await world();
    const image = 'registry.fly.io/kotadb-api-staging:deployment-01JPREBUILT0000000000000000';
    const r = await deployHere(w, ['staging', '--image', image, '--wait-timeout', '90s', '--skip-smoke']);
    expect(r.code, r.all).toBe(0);
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging.slice(0, -1), '90s', '--image', image]]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(image);
    expect(r.stderr).toContain('warning: smoke checks skipped (--skip-smoke)');
    expect(w.app.requests().filter((q) => q.path !== '/health')).toEqual([]);
  });

  test('production --tag tags the deployed commit deploy/production/v<release> and pushes it', async ({ expect }) => {
    const w = await world({ env: 'production' });
    const git = repo({ origin: true });
    const head = git.git('rev-parse', 'HEAD');
    const r = await deploy(w, ['production', '--yes', '--tag', '--json'], { cwd: git.dir });
    expect(r.code, r.all).toBe(0);
    expect(git.originTags()).toEqual(['deploy/production/v4']);
    expect(git.git('rev-parse', 'deploy/production/v4^{commit}')).toBe(head);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, tag: 'deploy/production/v4', commit: head, release: { version: 4 } });
  });

  test('--json prints one result object on stdout; GITHUB_STEP_SUMMARY gets the Markdown table', async ({ expect }) => {
    const w = await world();
    const summaryFile = path.join(scratch(), 'summary.md');
    const r = await deployHere(w, ['staging', '--json'], { GITHUB_STEP_SUMMARY: summaryFile });
    expect(r.code, r.all).toBe(0);
    const result = JSON.parse(r.stdout) as {
      ok: boolean;
      release: { version: number; imageRef: string };
      previous: { version: number };
      steps: Array<{ name: string; ok: boolean; durationMs: number }>;
      smoke: Array<{ status: string }>;
    };
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      dryRun: false,
      environment: 'staging',
      app: 'kotadb-api-staging',
      outcome: 'v4 is live and healthy',
      failure: null,
      rollback: null,
    });
    expect(result.release.imageRef).toBe(w.fly.currentImage('kotadb-api-staging'));
    expect(result.previous.version).toBe(3);
    expect(result.steps.map((s) => s.name)).toEqual([
      'Validate',
      'Preflight',
      'Confirm',
      'Snapshot releases',
      'Deploy',
      'Health check',
      'Smoke checks',
    ]);
    expect(result.smoke.map((s) => s.status)).toEqual(['passed', 'passed', 'skipped']);
    const markdown = readFileSync(summaryFile, 'utf8');
    expect(markdown).toContain('### ✅ Deploy to staging: v4 is live and healthy');
    expect(markdown).toContain('| environment | staging |');
    expect(markdown).toContain('| release | v4 |');
    expect(markdown).toMatch(/\| Deploy \| ✓ \| [\d.m]+s \|/);
  });

  test('without the smoke key the authenticated check is skipped, with a warning; staged secrets are named', async ({
    expect,
  }) => {
    const w = await world();
    w.fly.update((state) => {
      state.apps.find((a) => a.name === 'kotadb-api-staging')!.secrets.SUPABASE_URL!.status = 'Staged';
    });
    const r = await deployHere(w, ['staging']);
    expect(r.stderr).toContain('staged secrets take effect with this deploy: SUPABASE_URL');
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(
      'warning: GET /api/v1/repositories with X-API-Key: SAAS_STAGING_API_KEY is not set: authenticated check skipped',
    );
    expect(r.stdout).toContain('  smoke        2 passed, 1 skipped');
  });
});

describe.concurrent('deploy-fly: preflight refusals (exit 3, no deploy)', () => {
  test('production without --yes and no TTY: nothing mutating is called', async ({ expect }) => {
    const w = await world({ env: 'production' });
    const r = await deploy(w, ['production'], { cwd: repo().dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: refusing to deploy to production without confirmation');
    expect(r.stderr).toContain('re-run with --yes to confirm');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('not logged in', async ({ expect }) => {
    const w = await world({ fly: { loggedIn: false } });
    const r = await deployHere(w, ['staging']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: not logged in to Fly.io');
    expect(r.stderr).toContain('flyctl auth login');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('app missing, even with look-alike apps present', async ({ expect }) => {
    const w = await world({ fly: { decoys: true } });
    w.fly.update((state) => {
      state.apps = state.apps.filter((a) => a.name !== 'kotadb-api-staging');
    });
    const r = await deployHere(w, ['staging']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'error: Fly app kotadb-api-staging (staging) does not exist or this account cannot see it',
    );
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('a required secret missing (old secrets JSON shape)', async ({ expect }) => {
    const w = await world({ fly: { secretsJsonShape: 'old' } });
    w.fly.update((state) => {
      delete state.apps.find((a) => a.name === 'kotadb-api-staging')!.secrets.SUPABASE_ANON_KEY;
    });
    const r = await deployHere(w, ['staging', '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: required secrets missing on kotadb-api-staging: SUPABASE_ANON_KEY');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 3,
      failure: 'required secrets missing on kotadb-api-staging: SUPABASE_ANON_KEY',
      release: null,
    });
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('production from a dirty work tree, then from another branch; --force skips the guard', async ({ expect }) => {
    const w = await world({ env: 'production' });
    const dirty = repo();
    dirty.dirty();
    const r1 = await deploy(w, ['production', '--yes'], { cwd: dirty.dir });
    expect(r1.code).toBe(3);
    expect(r1.stderr).toContain('error: the work tree is not clean: README.md');
    const feature = repo({ branch: 'feature/x' });
    const r2 = await deploy(w, ['production', '--yes'], { cwd: feature.dir });
    expect(r2.code).toBe(3);
    expect(r2.stderr).toContain(
      'error: production deploys come from branch "main"; this checkout is on branch "feature/x"',
    );
    const notGit = await deploy(w, ['production', '--yes'], { cwd: scratch() });
    expect(notGit.code).toBe(3);
    expect(notGit.stderr).toMatch(/error: .* is not a git checkout/);
    expect(w.fly.mutatingCalls()).toEqual([]);
    const forced = await deploy(w, ['production', '--yes', '--force'], { cwd: dirty.dir });
    expect(forced.code, forced.all).toBe(0);
    expect(forced.stderr).toContain('warning: --force: the git guard is skipped');
  });
});

describe.concurrent('deploy-fly: dry runs and invalid input', () => {
  test('a newcomer without flyctl sees the whole plan and exit 0', async ({ expect }) => {
    const r = await runScript('deploy-fly', ['staging', '--dry-run'], {
      env: { FLYCTL: path.join(tmpdir(), 'no-such-dir', 'flyctl') },
    });
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain('warning: flyctl not found or not executable');
    expect(r.stdout).toContain(
      '$ FLY_EMIT_RELEASE_JSON=1 flyctl deploy --config fly.staging.toml --app kotadb-api-staging --ha=false --strategy immediate --wait-timeout 5m\n',
    );
    expect(r.stdout).toContain('# then poll https://kotadb-api-staging.fly.dev/health until healthy (up to 120s)');
    expect(r.stdout).toContain('· Deploy to staging: dry run: nothing was changed');
  });

  test('logged out: a warning, the plan, no mutating call', async ({ expect }) => {
    const w = await world({ env: 'production', fly: { loggedIn: false } });
    const r = await deploy(w, ['production', '--dry-run', '--tag'], { cwd: repo().dir });
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(
      'warning: not logged in to Fly.io (run `flyctl auth login` (CI: set FLY_API_TOKEN)); the dry run goes on without asking Fly',
    );
    expect(r.stderr).toContain(
      'dry run: a real run would ask you to type "kotadb-api" to confirm deploy to production',
    );
    expect(r.stdout).toContain(`$ FLY_EMIT_RELEASE_JSON=1 flyctl ${DEPLOY_ARGV.production.join(' ')}\n`);
    expect(r.stdout).toContain('# then tag the commit deploy/production/v<new release> and push the tag to origin');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('logged in: read-only queries run, the plan names the rollback image and the tag', async ({ expect }) => {
    const w = await world({ env: 'production' });
    const git = repo({ origin: true });
    const r = await deploy(w, ['production', '--dry-run', '--tag'], { cwd: git.dir });
    expect(r.code, r.all).toBe(0);
    expect(w.fly.mutatingCalls()).toEqual([]);
    expect(w.argv()).toEqual(preflightArgv('kotadb-api'));
    expect(r.stdout).toContain(
      `# on failure: redeploy v3: FLY_EMIT_RELEASE_JSON=1 flyctl ${DEPLOY_ARGV.production.join(' ')} --image ${w.running.image}`,
    );
    expect(r.stdout).toContain(`$ git tag deploy/production/v4 ${git.git('rev-parse', 'HEAD')}`);
    expect(r.stdout).toContain('$ git push origin refs/tags/deploy/production/v4');
    expect(git.git('tag', '--list')).toBe('');
  });

  test.for([
    [['staging', '--health-timeout', 'soon'], '--health-timeout: expected a number of seconds, got "soon"'],
    [['staging', '--tag'], '--tag applies to production deploys only, not staging'],
    [['prod'], 'unknown environment "prod": expected one of staging, production'],
    [['staging', '--rollback'], 'unknown option --rollback'],
  ] as const)('exit 2 for %j', async ([args, message], { expect }) => {
    const r = await runInProcess(main, [...args], { FLYCTL: '/nonexistent/flyctl' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('--help lists every flag', async ({ expect }) => {
    const r = await runScript('deploy-fly', ['--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--yes',
      '--dry-run',
      '--image <ref>',
      '--url <base>',
      '--health-timeout <seconds>',
      '--wait-timeout <duration>',
      '--no-rollback',
      '--skip-smoke',
      '--force',
      '--tag',
      '--json',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe('deploy-fly: secrets are never printed', () => {
  test('the smoke key and the app secrets appear in no output, argv, stdin or step summary', async ({ expect }) => {
    const w = await world({ newMode: 'smoke-500' });
    const summaryFile = path.join(scratch(), 'summary.md');
    const env = { SAAS_STAGING_API_KEY: SMOKE_KEY, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_ACTIONS: 'true' };
    const failed = await deploy(w, ['staging', '--health-timeout', '2'], { env });
    expect(failed.code, failed.all).toBe(1);
    const ok = await deploy(w, ['staging', '--json'], { env });
    expect(ok.code, ok.all).toBe(1); // the new image fails smoke again
    const recorded = readFileSync(path.join(w.fly.dir, 'calls.jsonl'), 'utf8');
    const everything = [failed.all, ok.all, readFileSync(summaryFile, 'utf8'), recorded].join('\n');
    expect(everything).not.toContain(SMOKE_KEY);
    for (const value of Object.values(KOTADB_SECRETS['kotadb-api-staging'])) expect(everything).not.toContain(value);
    expect(w.app.requests().filter((q) => q.apiKey === 'valid').length).toBeGreaterThanOrEqual(2);
  });
});
