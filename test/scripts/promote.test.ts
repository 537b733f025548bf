/**
 * promote end to end, in-process: the fake flyctl answers (both apps, one organization, its
 * registry giving staging's images to production), git runs for real (a service checkout with
 * an origin whose main holds the commit, an ops checkout on main whose origin is the lock
 * remote that receives locks, tags and release records), and a real HTTP server plays each
 * app. Staging is first deployed through deploy itself (a labelled build, recorded), then
 * promoted: production must receive exactly staging's serving image, or nothing at all.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { processExecutor, Runner } from '../../lib/core/runner.ts';
import { readReleaseRecords } from '../../lib/release/provenance.ts';
import { script as deploy } from '../../scripts/deploy-fly.ts';
import { script as promote } from '../../scripts/promote.ts';
import { script as rollback } from '../../scripts/rollback.ts';
import { script as status } from '../../scripts/status.ts';
import { startAppServer, type AppServer } from '../helpers/app-server.ts';
import { captureOutput } from '../helpers/capture-output.ts';
import { worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import { fakeFlyExec, type FakeFlyCall } from '../helpers/fake-fly.ts';
import { createGitRepo } from '../helpers/git-repo.ts';
import { createLockRemote, type LockRemote } from '../helpers/lock-remote.ts';
import { manualClock } from '../helpers/manual-clock.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';

const SMOKE_KEY = 'kdb_smoke_Pr0m0teWhatStag1ngPr0ved';
const KEYS = { SAAS_STAGING_API_KEY: SMOKE_KEY, SAAS_PRODUCTION_API_KEY: SMOKE_KEY };
const { world, track } = worldsForFile({ env: 'production', apiKey: SMOKE_KEY });
const IDENTITY = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false'];

interface PromoteWorld {
  w: DeployWorld;
  staging: AppServer;
  remote: LockRemote;
  /** This toolkit's checkout: on main, clean, origin = the lock remote. */
  ops: string;
  service: { dir: string; git(...args: string[]): string; sha: string };
}

/**
 * `onMain: false`: the service's HEAD is a commit of branch `feature` that origin/main lacks.
 */
async function promoteWorld(opts: { onMain?: boolean } = {}): Promise<PromoteWorld> {
  const w = await world();
  const staging = await startAppServer({ fakeFly: w.fly, app: 'kotadb-api-staging', apiKey: SMOKE_KEY });
  track({ cleanup: () => staging.close() });
  const remote = track(createLockRemote());
  const ops = remote.checkout('ops');
  execFileSync('git', [...IDENTITY, 'switch', '-q', '-c', 'main'], { cwd: ops });
  execFileSync('git', [...IDENTITY, 'commit', '-q', '--allow-empty', '-m', 'ops'], { cwd: ops });
  execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: ops });
  const repo = track(createGitRepo({ origin: true }));
  writeFileSync(path.join(repo.dir, 'Dockerfile.production'), 'FROM scratch\n');
  repo.git('add', 'Dockerfile.production');
  repo.git('commit', '-q', '-m', 'the service');
  repo.git('push', '-q', 'origin', 'main');
  if (opts.onMain === false) {
    repo.git('switch', '-q', '-c', 'feature');
    writeFileSync(path.join(repo.dir, 'feature.txt'), 'unreviewed\n');
    repo.git('add', 'feature.txt');
    repo.git('commit', '-q', '-m', 'a feature not merged');
  }
  const service = { dir: repo.dir, git: repo.git, sha: repo.git('rev-parse', 'HEAD') };
  return { w, staging, remote, ops, service };
}

function runIn(p: PromoteWorld, which: typeof deploy | typeof promote | typeof rollback, args: string[], env = {}) {
  return runInProcess(
    which as typeof promote,
    args,
    { ...p.w.fly.env, ...KEYS, ...env },
    { exec: fakeFlyExec(p.w.fly), clock: manualClock().clock, cwd: p.ops },
  );
}

/** deploy staging --source <service>: a build labelled git-<HEAD>, verified and recorded. */
async function deployStaging(p: PromoteWorld): Promise<string> {
  const r = await runIn(p, deploy, ['staging', '--source', p.service.dir, '--url', p.staging.url]);
  expect(r.code, r.all).toBe(0);
  return p.w.fly.currentImage('kotadb-api-staging')!;
}

const promoteArgs = (p: PromoteWorld, ...extra: string[]) => [
  'production',
  '--yes',
  '--url',
  p.w.app.url,
  '--staging-url',
  p.staging.url,
  '--source',
  p.service.dir,
  ...extra,
];

const appOf = (call: FakeFlyCall) => call.argv[call.argv.indexOf('--app') + 1];
const productionChanges = (p: PromoteWorld) => p.w.fly.mutatingCalls().filter((c) => appOf(c) === 'kotadb-api');
const errorLine = (r: { stderr: string }) => r.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';
const gitRunner = () => new Runner({ output: captureOutput().out, exec: processExecutor(), env: process.env });

describe.concurrent('promote production', () => {
  test('deploys exactly the image staging serves, records where it came from; rollback --list and status show the commit', async () => {
    const p = await promoteWorld();
    const image = await deployStaging(p);
    expect(image).toBe(`registry.fly.io/kotadb-api-staging:git-${p.service.sha}`);

    const r = await runIn(p, promote, promoteArgs(p, '--tag', '--json', '--commit', p.service.sha.slice(0, 10)));
    expect(r.code, r.all).toBe(0);
    // the one production deploy: staging's serving image, nothing built
    const deploys = productionChanges(p).filter((c) => c.argv[0] === 'deploy');
    expect(deploys).toHaveLength(1);
    const argv = deploys[0]!.argv;
    expect(argv[argv.indexOf('--image') + 1]).toBe(image);
    expect(argv).not.toContain('--build-only');
    expect(p.w.fly.currentImage('kotadb-api')).toBe(image);
    expect(p.w.fly.images().map((i) => i.ref)).toEqual([image]);

    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      ok: true,
      kind: 'live',
      environment: 'production',
      release: { version: 4, imageRef: image },
      tag: 'deploy/production/v4',
      record: 'refs/kotadb/releases/production/v4',
      promotion: { image, commit: p.service.sha, from: { environment: 'staging', version: 4 } },
    });
    expect(r.stderr).toContain(`promoting ${image}: staging v4, commit ${p.service.sha.slice(0, 12)} (release record)`);
    expect(r.stderr).toContain(`commit ${p.service.sha.slice(0, 12)} is on origin/main`);
    expect(r.stderr).toContain(`every machine runs ${p.w.fly.images()[0]!.digest}, the digest staging verified`);

    const records = await readReleaseRecords(gitRunner(), { target: 'origin', shown: 'origin' }, 'production', p.ops);
    expect(records.get(4)).toMatchObject({
      image,
      commit: p.service.sha,
      verified: { health: true, smoke: 'passed' },
      promotedFrom: { environment: 'staging', version: 4 },
    });

    // the same image by digest, not only by name: what production's machines run is staging's
    const staged = await readReleaseRecords(gitRunner(), { target: 'origin', shown: 'origin' }, 'staging', p.ops);
    expect(records.get(4)?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(records.get(4)?.digest).toBe(staged.get(4)?.digest);

    const listed = await runIn(p, rollback, ['production', '--list', '--json']);
    expect(listed.code, listed.all).toBe(0);
    const rows = (JSON.parse(listed.stdout) as { releases: Array<{ version: number; commit: unknown }> }).releases;
    expect(rows.find((row) => row.version === 4)?.commit).toBe(p.service.sha);

    const shown = await runInProcess(
      status,
      ['--json', '--source', p.service.dir, '--staging-url', p.staging.url, '--production-url', p.w.app.url],
      { ...p.w.fly.env },
      { exec: fakeFlyExec(p.w.fly), cwd: p.ops },
    );
    expect(shown.code, shown.all).toBe(0);
    const report = JSON.parse(shown.stdout) as {
      environments: Array<{ environment: string; commit: unknown }>;
      between: unknown;
    };
    // production's commit is the record's (the image's), not the deploy tag's (this checkout's)
    for (const name of ['staging', 'production'])
      expect(report.environments.find((e) => e.environment === name)?.commit, name).toEqual({
        ok: true,
        value: { sha: p.service.sha, source: 'release record', subject: 'the service' },
      });
    expect(report.between).toMatchObject({ sameImage: { ok: true, value: true } });
  });

  test('the tag was pushed again after staging verified it: production runs another digest, so it is rolled back (exit 1)', async () => {
    const p = await promoteWorld();
    const image = await deployStaging(p);
    const verified = p.w.fly.images()[0]!.digest;
    const rebuilt = await runIn(p, deploy, ['staging', '--build-only', '--source', p.service.dir]);
    expect(rebuilt.code, rebuilt.all).toBe(0);
    const pushedAgain = p.w.fly.images()[0]!.digest;
    expect(pushedAgain).not.toBe(verified);

    const r = await runIn(p, promote, promoteArgs(p));
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      new RegExp(
        `^error: the machines run ${pushedAgain}, not ${verified} that staging v4 verified \\(its tag was pushed again since\\); rolled back to v3 \\(healthy\\)$`,
      ),
    );
    const deploys = productionChanges(p).filter((c) => c.argv[0] === 'deploy');
    expect(deploys.map((c) => c.argv[c.argv.indexOf('--image') + 1])).toEqual([image, p.w.running.image]);
    expect(p.w.fly.currentImage('kotadb-api')).toBe(p.w.running.image);
  });

  test('staging unhealthy now: exit 3 naming it, production untouched', async () => {
    const p = await promoteWorld();
    await deployStaging(p);
    await p.staging.setMode('status-503');
    const summary = path.join(p.ops, 'summary.md');
    const r = await runIn(p, promote, promoteArgs(p, '--json'), { GITHUB_STEP_SUMMARY: summary });
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toMatch(/^error: staging is not healthy now \(http:\/\/127\.0\.0\.1:\d+\/health after /);
    expect(productionChanges(p)).toEqual([]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 3,
      kind: 'refused',
      environment: 'production',
      url: p.w.app.url,
      failure: expect.stringMatching(/^staging is not healthy now/),
      promotion: { commit: p.service.sha, from: { environment: 'staging', version: 4 } },
    });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(summary, 'utf8')).toMatch(
      /^### ❌ Promote staging to production: refused: staging is not healthy now/,
    );
  });

  test('a smoke check failing on staging now: exit 3, production untouched', async () => {
    const p = await promoteWorld();
    await deployStaging(p);
    await p.staging.setMode('failed-recent');
    const r = await runIn(p, promote, promoteArgs(p));
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toMatch(/^error: 1 smoke check fails on staging now: /);
    expect(productionChanges(p)).toEqual([]);
  });

  test("staging's image has no known commit (a seeded deployment-<id> image, no record): exit 3", async () => {
    const p = await promoteWorld();
    const r = await runIn(p, promote, promoteArgs(p));
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toMatch(
      /^error: the image staging serves \(v3, registry\.fly\.io\/kotadb-api-staging:deployment-\w+\) has no known commit/,
    );
    expect(productionChanges(p)).toEqual([]);
  });

  test('the commit is not on main: exit 3; --force promotes it, loudly', async () => {
    const p = await promoteWorld({ onMain: false });
    const image = await deployStaging(p);
    const r = await runIn(p, promote, promoteArgs(p));
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toBe(
      `error: commit ${p.service.sha.slice(0, 12)} is not on main (origin/main in ${p.service.dir})`,
    );
    expect(productionChanges(p)).toEqual([]);

    const forced = await runIn(p, promote, promoteArgs(p, '--force'));
    expect(forced.code, forced.all).toBe(0);
    expect(forced.stderr).toContain(
      `warning: --force: promoting anyway; commit ${p.service.sha.slice(0, 12)} is not on main`,
    );
    expect(p.w.fly.currentImage('kotadb-api')).toBe(image);
  });

  test('a commit not in the checkout asked: exit 3 saying where to look', async () => {
    const p = await promoteWorld();
    await deployStaging(p);
    const r = await runIn(p, promote, [...promoteArgs(p).slice(0, -2), '--source', p.ops]);
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toBe(
      `error: commit ${p.service.sha.slice(0, 12)} is not in ${p.ops}, so whether it is on main is unknown`,
    );
    expect(productionChanges(p)).toEqual([]);
  });

  test('--commit naming another commit than staging runs: exit 3, even with --force', async () => {
    const p = await promoteWorld();
    await deployStaging(p);
    const other = 'abcdef1234567890abcdef1234567890abcdef12';
    for (const extra of [[], ['--force']]) {
      const r = await runIn(p, promote, promoteArgs(p, '--commit', other, ...extra));
      expect(r.code, r.all).toBe(3);
      expect(errorLine(r)).toBe(
        `error: staging v4 runs commit ${p.service.sha.slice(0, 12)}, not abcdef123456: production gets only what staging verified`,
      );
    }
    expect(productionChanges(p)).toEqual([]);
  });

  test("--commit of a merge commit on main with the same tree as staging's commit: the same source, promoted", async () => {
    const p = await promoteWorld();
    p.service.git('switch', '-q', '-c', 'develop');
    writeFileSync(path.join(p.service.dir, 'feature.txt'), 'reviewed\n');
    p.service.git('add', 'feature.txt');
    p.service.git('commit', '-q', '-m', 'a feature');
    const developed = p.service.git('rev-parse', 'HEAD');
    const image = await deployStaging(p);
    expect(image).toBe(`registry.fly.io/kotadb-api-staging:git-${developed}`);
    p.service.git('switch', '-q', 'main');
    p.service.git('merge', '-q', '--no-ff', '-m', 'Merge develop', 'develop');
    p.service.git('push', '-q', 'origin', 'main');
    const merge = p.service.git('rev-parse', 'HEAD');
    expect(merge).not.toBe(developed);
    const r = await runIn(p, promote, promoteArgs(p, '--commit', merge));
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(
      `${merge.slice(0, 12)} is not staging v4's commit ${developed.slice(0, 12)}, but has the same tree (a merge of it): the same source`,
    );
    expect(p.w.fly.currentImage('kotadb-api')).toBe(image);
  });

  test('--image: only an image a staging release record verified', async () => {
    const p = await promoteWorld();
    const image = await deployStaging(p);
    const seeded = p.w.fly.releases('kotadb-api-staging').find((rel) => rel.version === 3)!.image;
    const r = await runIn(p, promote, promoteArgs(p, '--image', seeded));
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toBe(
      `error: --image: no staging release record names ${seeded}: only an image staging verified can be promoted`,
    );
    expect(productionChanges(p)).toEqual([]);
    const ok = await runIn(p, promote, promoteArgs(p, '--image', image));
    expect(ok.code, ok.all).toBe(0);
    expect(p.w.fly.currentImage('kotadb-api')).toBe(image);
  });

  test('--dry-run: every check runs, the deploy of that exact image is printed, nothing changes', async () => {
    const p = await promoteWorld();
    const image = await deployStaging(p);
    const r = await runIn(p, promote, promoteArgs(p, '--dry-run'));
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(`--image ${image}`);
    expect(productionChanges(p)).toEqual([]);
  });

  test('FLY_STAGING_API_TOKEN: the staging reads use it, production calls never see it; no child gets a smoke key', async () => {
    const p = await promoteWorld();
    const image = await deployStaging(p);
    const inner = fakeFlyExec(p.w.fly);
    const seen: Array<{ app: string | undefined; token: string | undefined; leaked: boolean }> = [];
    const exec = {
      ...inner,
      execute: (request: Parameters<typeof inner.execute>[0]) => {
        const env = request.env;
        seen.push({
          app: request.argv[0] === 'flyctl' ? request.argv[request.argv.indexOf('--app') + 1] : request.argv[0],
          token: env.FLY_API_TOKEN,
          leaked: Boolean(env.FLY_STAGING_API_TOKEN || env.SAAS_STAGING_API_KEY || env.SAAS_PRODUCTION_API_KEY),
        });
        return inner.execute(request);
      },
    };
    const r = await runInProcess(
      promote,
      promoteArgs(p),
      {
        ...p.w.fly.env,
        ...KEYS,
        FLY_API_TOKEN: 'fo1_production_deploy_token',
        FLY_STAGING_API_TOKEN: 'fo1_staging_read_token',
      },
      { exec, clock: manualClock().clock, cwd: p.ops },
    );
    expect(r.code, r.all).toBe(0);
    expect(p.w.fly.currentImage('kotadb-api')).toBe(image);
    const tokens = (app: string) => [...new Set(seen.filter((call) => call.app === app).map((call) => call.token))];
    expect(tokens('kotadb-api-staging')).toEqual(['fo1_staging_read_token']);
    expect(tokens('kotadb-api')).toEqual(['fo1_production_deploy_token']);
    expect(seen.filter((call) => call.leaked)).toEqual([]);
    expect(r.all).not.toContain('fo1_staging_read_token');
  });

  test('staging mid-deploy (a machine runs another image): exit 3, production untouched', async () => {
    const p = await promoteWorld();
    await deployStaging(p);
    p.w.fly.update((state) => {
      const app = state.apps.find((a) => a.name === 'kotadb-api-staging')!;
      app.machines[0]!.image = 'registry.fly.io/kotadb-api-staging:deployment-half-way';
    });
    const r = await runIn(p, promote, promoteArgs(p));
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toMatch(
      /^error: staging's newest complete release v4 is not what every machine serves \(machines \w+ run another image\)$/,
    );
    expect(productionChanges(p)).toEqual([]);
  });

  test('bad input: exit 2 before anything is read', async () => {
    const p = await promoteWorld();
    for (const [args, line] of [
      [
        ['staging'],
        'error: promote deploys to production; staging gets its images from npx just deploy. Run with --help for usage.',
      ],
      [
        ['production', '--from', 'production'],
        'error: --from production: an environment cannot be promoted to itself. Run with --help for usage.',
      ],
      [
        ['production', '--commit', 'main'],
        'error: --commit must be a commit sha (7 to 40 hex digits), got "main". Run with --help for usage.',
      ],
    ] as const) {
      const r = await runIn(p, promote, [...args]);
      expect(r.code, r.all).toBe(2);
      expect(errorLine(r)).toBe(line);
    }
    expect(p.w.fly.calls()).toEqual([]);
  });
});

describe.concurrent('promote: through the entry, and Ctrl-C', () => {
  test('a child process against the fake flyctl binary: exit 0, production runs the image staging serves', async () => {
    const p = await promoteWorld();
    const image = await deployStaging(p);
    const r = await runScript('promote', promoteArgs(p), { env: { ...p.w.fly.env, ...KEYS }, cwd: p.ops });
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain('✓ Promote staging v4 to production: v4 is live and healthy');
    expect(p.w.fly.currentImage('kotadb-api')).toBe(image);
  });

  test('Ctrl-C while staging is checked: exit 130, nothing deployed', async () => {
    const p = await promoteWorld();
    await deployStaging(p);
    await p.staging.setMode('hang');
    p.staging.clearRequests();
    const controller = new AbortController();
    const running = runInProcess(
      promote,
      promoteArgs(p),
      { ...p.w.fly.env, ...KEYS },
      { exec: fakeFlyExec(p.w.fly), clock: manualClock().clock, cwd: p.ops, signal: controller.signal },
    );
    while (!p.staging.requests().some((req) => req.path === '/health')) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe('error: interrupted before the production deploy: nothing was changed');
    expect(productionChanges(p)).toEqual([]);
  });
});
