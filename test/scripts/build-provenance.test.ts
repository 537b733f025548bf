/**
 * Builds and provenance against the fake flyctl in-process, with real git: a service checkout
 * (test/helpers/git-repo.ts) whose HEAD labels the image, and a bare lock remote
 * (test/helpers/lock-remote.ts) that receives the release records. `deploy --build-only`
 * builds and pushes `git-<sha>` and creates no release; a verified deploy records its release
 * so that readReleaseRecords gives back the image, its commit and how it was verified.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Runner } from '../../lib/core/runner.ts';
import { readReleaseRecords } from '../../lib/release/provenance.ts';
import { script } from '../../scripts/deploy-fly.ts';
import { captureOutput } from '../helpers/capture-output.ts';
import { worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import { fakeFlyExec } from '../helpers/fake-fly.ts';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.ts';
import { createLockRemote } from '../helpers/lock-remote.ts';
import { manualClock } from '../helpers/manual-clock.ts';
import { processExecutor } from '../../lib/core/runner.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const SMOKE_KEY = 'kdb_smoke_Bu1ld0nceProm0te';
const { world, track } = worldsForFile({ apiKey: SMOKE_KEY });

/** A clone of the service: one commit holding Dockerfile.production. */
function serviceRepo(): GitRepo & { sha: string } {
  const repo = track(createGitRepo());
  writeFileSync(path.join(repo.dir, 'Dockerfile.production'), 'FROM scratch\n');
  repo.git('add', 'Dockerfile.production');
  repo.git('commit', '-q', '-m', 'the service');
  return Object.assign(repo, { sha: repo.git('rev-parse', 'HEAD') });
}

function run(w: DeployWorld, args: string[], cwd?: string, keys: Record<string, string | undefined> = {}) {
  return runInProcess(
    script,
    [...args, '--url', w.app.url],
    { ...w.fly.env, SAAS_STAGING_API_KEY: SMOKE_KEY, SAAS_PRODUCTION_API_KEY: SMOKE_KEY, ...keys },
    // flyctl answered by the fake in-process; git runs for real (the service checkout, the lock remote)
    { exec: fakeFlyExec(w.fly), clock: manualClock().clock, ...(cwd ? { cwd } : {}) },
  );
}

const errorLine = (r: { stderr: string }) => r.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';

describe.concurrent('deploy --build-only and the git-<sha> label', () => {
  test('builds and pushes registry.fly.io/<app>:git-<HEAD>, prints ref and label, creates no release', async () => {
    const w = await world();
    const service = serviceRepo();
    const r = await run(w, ['staging', '--build-only', '--source', service.dir, '--json']);
    expect(r.code, r.all).toBe(0);
    const image = `registry.fly.io/kotadb-api-staging:git-${service.sha}`;
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      kind: 'built',
      environment: 'staging',
      image,
      label: `git-${service.sha}`,
      commit: service.sha,
    });
    expect(w.fly.mutatingCalls().map((c) => c.argv)).toEqual([
      [
        'deploy',
        service.dir,
        '--config',
        expect.stringMatching(/fly\.staging\.toml$/),
        '--app',
        'kotadb-api-staging',
        '--ha=false',
        '--strategy',
        'immediate',
        '--wait-timeout',
        '5m',
        '--dockerfile',
        path.join(service.dir, 'Dockerfile.production'),
        '--image-label',
        `git-${service.sha}`,
        '--build-only',
        '--push',
      ],
    ]);
    expect(w.fly.images()).toMatchObject([{ ref: image, tag: `git-${service.sha}`, pushed: true }]);
    expect(w.fly.releases('kotadb-api-staging').map((rel) => rel.version)).toEqual([3, 2, 1]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(w.running.image);
    // human form: the ref alone on stdout, the label on stderr
    const text = await run(w, ['staging', '--build-only', '--source', service.dir]);
    expect(text.code, text.all).toBe(0);
    expect(text.stdout).toBe(`${image}\n`);
    expect(text.stderr).toContain(
      `built and pushed ${image} (label git-${service.sha}, commit ${service.sha.slice(0, 12)})`,
    );
  });

  test('--dry-run shows the labelled build and builds nothing', async () => {
    const w = await world();
    const service = serviceRepo();
    const r = await run(w, ['staging', '--build-only', '--source', service.dir, '--dry-run']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(`--image-label git-${service.sha} --build-only --push`);
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('--build-only with --image, or with --tag: exit 2', async () => {
    const w = await world();
    const r = await run(w, ['staging', '--build-only', '--image', w.running.image]);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(/^error: --build-only builds the service checkout: give --source <dir>/);
    const tag = await run(w, ['production', '--build-only', '--source', serviceRepo().dir, '--tag']);
    expect(tag.code).toBe(2);
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('a service folder that is not a git checkout: exit 3, nothing built', async () => {
    const w = await world();
    const dir = track({ dir: mkdtempSync(path.join(tmpdir(), 'not-git-')), cleanup: () => undefined }).dir;
    writeFileSync(path.join(dir, 'Dockerfile.production'), 'FROM scratch\n');
    const r = await run(w, ['staging', '--build-only', '--source', dir]);
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toBe(
      `error: the service checkout ${dir} is not a git checkout: its image could not be labelled`,
    );
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('a dirty service checkout: production refuses (exit 3) unless --force, loudly; staging warns', async () => {
    const w = await world({ env: 'production' });
    const service = serviceRepo();
    service.dirty();
    const refused = await run(w, ['production', '--build-only', '--source', service.dir]);
    expect(refused.code, refused.all).toBe(3);
    expect(errorLine(refused)).toBe(
      `error: the service checkout ${service.dir} has uncommitted changes (1 file): the image labelled git-${service.sha.slice(0, 12)} would not be that commit`,
    );
    expect(w.fly.mutatingCalls()).toEqual([]);
    const forced = await run(w, ['production', '--build-only', '--source', service.dir, '--force']);
    expect(forced.code, forced.all).toBe(0);
    expect(forced.stderr).toContain('warning: --force: building anyway; the service checkout');
    const staging = await run(w, ['staging', '--build-only', '--source', service.dir]);
    expect(staging.code, staging.all).toBe(0);
    expect(staging.stderr).toContain(`warning: the service checkout ${service.dir} has uncommitted changes`);
  });
});

describe.concurrent('the provenance record of a verified release', () => {
  test('smoke is recorded as it ran: partial when the keyed check was skipped, skipped with --skip-smoke', async () => {
    const runner = new Runner({ output: captureOutput().out, exec: processExecutor(), env: process.env });
    for (const [args, keys, smoke] of [
      [[], { SAAS_STAGING_API_KEY: undefined }, 'partial'],
      [['--skip-smoke'], {}, 'skipped'],
    ] as const) {
      const w = await world();
      const laptop = track(createLockRemote()).checkout('laptop');
      const r = await run(
        w,
        ['staging', '--image', 'registry.fly.io/kotadb-api-staging:deployment-x', ...args],
        laptop,
        keys,
      );
      expect(r.code, r.all).toBe(0);
      const records = await readReleaseRecords(runner, { target: 'origin', shown: 'origin' }, 'staging', laptop);
      expect(records.get(4)?.verified.smoke).toBe(smoke);
    }
  });

  test('build once, deploy that image: the record on the lock remote names image, digest, commit, health, smoke', async () => {
    const w = await world();
    const service = serviceRepo();
    const remote = track(createLockRemote());
    const laptop = remote.checkout('laptop');
    const built = await run(w, ['staging', '--build-only', '--source', service.dir, '--json']);
    expect(built.code, built.all).toBe(0);
    const image = (JSON.parse(built.stdout) as { image: string }).image;
    const r = await run(w, ['staging', '--image', image], laptop);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(
      `recorded v4 (commit ${service.sha.slice(0, 12)}) as refs/kotadb/releases/staging/v4 on origin (${remote.remote})`,
    );
    expect(r.stdout).toContain('  record       refs/kotadb/releases/staging/v4');
    const captured = captureOutput();
    const runner = new Runner({ output: captured.out, exec: processExecutor(), env: process.env });
    const records = await readReleaseRecords(runner, { target: 'origin', shown: 'origin' }, 'staging', laptop);
    expect([...records.keys()]).toEqual([4]);
    expect(records.get(4)).toEqual({
      environment: 'staging',
      version: 4,
      app: 'kotadb-api-staging',
      image,
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      commit: service.sha,
      verified: { health: true, smoke: 'passed', at: '1970-01-01T00:00:00.000Z' },
      by: expect.any(String),
      promotedFrom: null,
    });
    // no record for another environment, and a second reader gets the same
    expect(await readReleaseRecords(runner, { target: 'origin', shown: 'origin' }, 'production', laptop)).toEqual(
      new Map(),
    );
    // rollback --list reads the commit off the record
    const { script: rollback } = await import('../../scripts/rollback.ts');
    const listed = await runInProcess(rollback, ['staging', '--list', '--json'], w.fly.env, {
      exec: fakeFlyExec(w.fly),
      cwd: laptop,
    });
    expect(listed.code, listed.all).toBe(0);
    const rows = (JSON.parse(listed.stdout) as { releases: Array<{ version: number; commit: unknown }> }).releases;
    expect(rows.find((row) => row.version === 4)?.commit).toBe(service.sha);
  });

  test('a remote that refuses the record: the release stays, exit 1 naming the failure (like a failed tag)', async () => {
    const w = await world();
    const service = serviceRepo();
    const remote = track(createLockRemote());
    remote.refuseRefs('refs/kotadb/releases/');
    const laptop = remote.checkout('laptop');
    const r = await run(w, ['staging', '--source', service.dir, '--json'], laptop);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      /^error: v4 is live and healthy, but recording its provenance failed: could not push the release record refs\/kotadb\/releases\/staging\/v4 on origin .*\(pre-receive hook declined\)/,
    );
    // the release is kept (no rollback), and the lock was released all the same
    expect(w.deploys()).toHaveLength(1);
    expect(remote.refSha('staging')).toBeNull();
    const json = JSON.parse(r.stdout) as { ok: boolean; record: unknown };
    expect(json).toMatchObject({ ok: false, record: null });
  });
});
