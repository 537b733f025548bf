/**
 * Tests of the fake flyctl itself, of its `secrets import` parser port, and of the fake KotaDB
 * app server. The fake's logic runs in-process (fly.runInProcess, fakeFlyExec); a few tests
 * spawn it like the toolkit does, for what only a process shows (SIGINT/SIGTERM -> 127, piped
 * stdin, calls.jsonl written by a real process), and one block proves both ways answer alike.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { once } from 'node:events';
import {
  GoPanic,
  SecretsParseError,
  parseSecretsImport,
  parseSecretsImportDetailed,
} from './fake-flyctl/parse-secrets-import.mjs';
import { ERR_REQUIRE_APP_NAME, MISSING_TOKEN, STAGED_MESSAGE, seedImage } from './fake-flyctl/flyctl.mjs';
import {
  createFakeFly,
  fakeFlyExec,
  KOTADB_SECRETS,
  type CreateFakeFlyOptions,
  type FakeFly,
  type RunOptions,
  type RunResult,
} from './helpers/fake-fly.ts';
import { SpawnExecutor } from '../lib/core/exec.ts';
import { Output } from '../lib/core/output.ts';
import { Runner } from '../lib/core/runner.ts';
import { recordingExec } from './helpers/recording-exec.ts';
import { baseEnv } from './helpers/run-script.ts';
import { startAppServer, type AppMode } from './helpers/app-server.ts';

const fakes: FakeFly[] = [];
function fake(opts?: CreateFakeFlyOptions): FakeFly {
  const f = createFakeFly(opts);
  fakes.push(f);
  return f;
}
const scratchDirs: string[] = [];
afterAll(async () => {
  for (const f of fakes) f.cleanup();
  const { rmSync } = await import('node:fs');
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

const PROD = 'kotadb-api';
const STAGING = 'kotadb-api-staging';
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';

describe.concurrent('fake flyctl: command line', () => {
  test('version and --version print the version line', async ({ expect }) => {
    const fly = fake({ loggedIn: false });
    const [a, b] = await Promise.all([fly.runInProcess(['version']), fly.runInProcess(['--version'])]);
    const line = 'flyctl v0.4.9 linux/amd64 Commit: fake BuildDate: 2026-01-01T00:00:00Z\n';
    expect(a).toMatchObject({ code: 0, stdout: line, stderr: '' });
    expect(b).toMatchObject({ code: 0, stdout: line, stderr: '' });
    const noState = await fly.runInProcess(['version'], { env: { FAKE_FLYCTL_STATE: undefined } });
    expect(noState.code).toBe(1);
    expect(noState.stderr).toContain('FAKE_FLYCTL_STATE is not set');
  });

  test('unknown command, `releases list`, unknown flags', async ({ expect }) => {
    const fly = fake();
    const [unknown, list, appsList, flag, short, groupOnly] = await Promise.all([
      fly.runInProcess(['nope']),
      fly.runInProcess(['releases', 'list', '--app', PROD]),
      fly.runInProcess(['apps', 'releases', 'list', '--app', PROD]),
      fly.runInProcess(['releases', '--app', PROD, '--bogus']),
      fly.runInProcess(['releases', '-x']),
      fly.runInProcess(['secrets', 'lsit']),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.startsWith('Error: unknown command "nope" for "flyctl"')).toBe(true);
    expect(unknown.stdout).toContain("Run 'flyctl --help' for usage.");
    expect(list).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: unknown command "list" for "flyctl releases"\n',
    });
    expect(appsList.stderr).toBe('Error: unknown command "list" for "flyctl apps releases"\n');
    expect(flag).toMatchObject({ code: 1, stderr: 'Error: unknown flag: --bogus\n' });
    expect(short).toMatchObject({ code: 1, stderr: "Error: unknown shorthand flag: 'x' in -x\n" });
    // cobra: a group without a (known) subcommand prints its help and exits 0.
    expect(groupOnly.code).toBe(0);
    expect(groupOnly.stdout).toContain('flyctl secrets [command]');
  });

  test('--flag value, --flag=value and -a give the same answer; bool flags take no separate value', async ({
    expect,
  }) => {
    const fly = fake();
    const [a, b, c, ha] = await Promise.all([
      fly.runInProcess(['releases', '--app', PROD, '--json']),
      fly.runInProcess(['releases', `--app=${PROD}`, '-j']),
      fly.runInProcess(['-a', PROD, 'releases', '--json']),
      fly.runInProcess(['deploy', '--app', PROD, '--ha', 'false']),
    ]);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
    // `--ha false` makes "false" the WORKING_DIRECTORY argument, like real flyctl.
    expect(ha).toMatchObject({ code: 1, stderr: 'Error: chdir false: no such file or directory\n' });
    const bad = await fly.runInProcess(['deploy', '--app', PROD, '--ha=maybe', '--wait-timeout', '600']);
    expect(bad.stderr).toBe(
      'Error: invalid argument "maybe" for "--ha" flag: strconv.ParseBool: parsing "maybe": invalid syntax\n',
    );
    expect(fly.mutatingCalls()).toHaveLength(2); // recorded, but nothing changed
    expect(fly.releases(PROD)).toHaveLength(3);
  });

  test('not logged in: every command but version fails with the missing-token error; a token logs in', async ({
    expect,
  }) => {
    const fly = fake({ loggedIn: false });
    const [whoami, releases, version, withToken, withAccess] = await Promise.all([
      fly.runInProcess(['auth', 'whoami', '--json']),
      fly.runInProcess(['releases', '--app', PROD, '--json']),
      fly.runInProcess(['version']),
      fly.runInProcess(['auth', 'whoami', '--json'], { env: { FLY_API_TOKEN: 'fo1_secret-token-value' } }),
      fly.runInProcess(['auth', 'whoami'], { env: { FLY_ACCESS_TOKEN: 'fo1_other' } }),
    ]);
    expect(whoami).toMatchObject({ code: 1, stdout: '', stderr: `Error: ${MISSING_TOKEN}\n` });
    expect(MISSING_TOKEN).toBe("no access token available. Please login with 'flyctl auth login'");
    expect(releases.code).toBe(1);
    expect(version.code).toBe(0);
    expect(withToken).toMatchObject({ code: 0, stdout: '{\n    "email": "dev@example.com"\n}\n' });
    expect(withAccess).toMatchObject({ code: 0, stdout: 'dev@example.com\n' });
    const calls = fly.calls();
    expect(calls.filter((c) => c.env.hasToken)).toHaveLength(2);
    expect(JSON.stringify(calls)).not.toContain('secret-token-value');
  });

  test('apps are matched exactly; FLY_APP is the fallback; no app at all is an error', async ({ expect }) => {
    const fly = fake({ decoys: true });
    const [prefix, prod, staging, envApp, none, old] = await Promise.all([
      fly.runInProcess(['releases', '--app', 'kotadb', '--json']),
      fly.runInProcess(['releases', '--app', PROD, '--json']),
      fly.runInProcess(['releases', '--app', STAGING, '--json']),
      fly.runInProcess(['releases', '--json'], { env: { FLY_APP: STAGING } }),
      fly.runInProcess(['status', '--json']),
      fly.runInProcess(['releases', '--app', 'kotadb-api-staging-old', '--json']),
    ]);
    expect(prefix).toMatchObject({
      code: 1,
      stderr: 'Error: failed retrieving app releases kotadb: Could not find App "kotadb"\n',
    });
    const images = (s: string) => (JSON.parse(s) as { ImageRef: string }[]).map((r) => r.ImageRef);
    expect(images(prod.stdout)).toEqual([3, 2, 1].map((v) => seedImage(PROD, v)));
    expect(images(staging.stdout)).toEqual([3, 2, 1].map((v) => seedImage(STAGING, v)));
    expect(envApp.stdout).toBe(staging.stdout);
    expect(none).toMatchObject({ code: 1, stderr: `Error: ${ERR_REQUIRE_APP_NAME}\n` });
    expect(images(old.stdout)).toEqual([seedImage('kotadb-api-staging-old', 1)]);
    expect(fly.calls().find((c) => c.env.FLY_APP === STAGING)?.argv).toEqual(['releases', '--json']);
  });
});

describe.concurrent('fake flyctl: JSON shapes', () => {
  test('whoami, apps list (decoys first), volumes list', async ({ expect }) => {
    const fly = fake({ decoys: true });
    const [who, apps, vols] = await Promise.all([
      fly.runInProcess(['auth', 'whoami', '--json']),
      fly.runInProcess(['apps', 'list', '--json']),
      fly.runInProcess(['volumes', 'list', '--app', PROD, '--json']),
    ]);
    expect(who.stdout).toBe('{\n    "email": "dev@example.com"\n}\n');
    expect(apps.stdout.startsWith('[\n    {\n        "ID": "kotadb-api-old",\n')).toBe(true);
    const list = JSON.parse(apps.stdout) as Record<string, unknown>[];
    expect(list.map((a) => a.Name)).toEqual(['kotadb-api-old', 'kotadb-api-staging-old', STAGING, PROD]);
    expect(list[3]).toMatchObject({
      ID: PROD,
      Name: PROD,
      Status: 'deployed',
      Deployed: true,
      Hostname: 'kotadb-api.fly.dev',
      Organization: { Slug: 'personal', Name: 'Dev' },
      CurrentRelease: { CreatedAt: expect.stringMatching(/^2026-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), Status: 'complete' },
    });
    // One volume per machine, each attached to its own.
    const volumes = JSON.parse(vols.stdout) as Record<string, unknown>[];
    expect(volumes).toEqual(
      fly.app(PROD).machines.map((m) =>
        expect.objectContaining({
          id: expect.stringMatching(/^vol_/),
          name: 'kotadb_data',
          state: 'created',
          size_gb: 10,
          region: 'iad',
          attached_machine_id: m.id,
        }),
      ),
    );
    expect(fly.app(STAGING).volumes.map((v) => v.attachedMachineId)).toEqual(
      fly.app(STAGING).machines.map((m) => m.id),
    );
    const empty = fake({ world: 'empty' });
    expect((await empty.runInProcess(['apps', 'list', '--json'])).stdout).toBe('[]\n');
  });

  test('releases: exact fields, newest first, at most 25, alias `apps releases`', async ({ expect }) => {
    const fly = fake();
    fly.seedApp('many-releases', { releases: 30 });
    const [rel, alias, many] = await Promise.all([
      fly.runInProcess(['releases', '--app', PROD, '--json']),
      fly.runInProcess(['apps', 'releases', '--app', PROD, '--json']),
      fly.runInProcess(['releases', '--app', 'many-releases', '--json']),
    ]);
    expect(alias.stdout).toBe(rel.stdout);
    const releases = JSON.parse(rel.stdout) as Record<string, unknown>[];
    expect(Object.keys(releases[0] ?? {})).toEqual([
      'ID',
      'Version',
      'Stable',
      'InProgress',
      'Reason',
      'Description',
      'Status',
      'DeploymentStrategy',
      'Metadata',
      'User',
      'EvaluationID',
      'CreatedAt',
      'ImageRef',
    ]);
    expect(releases.map((r) => r.Version)).toEqual([3, 2, 1]);
    expect(releases[0]).toMatchObject({
      Stable: true,
      InProgress: false,
      Status: 'complete',
      Description: 'Deploy image',
      Metadata: null,
      User: { ID: 'u1', Name: 'Dev', Email: 'dev@example.com', EnablePaidHobby: false },
      ImageRef: expect.stringMatching(/^registry\.fly\.io\/kotadb-api:deployment-[0-9A-Z]{26}$/),
    });
    expect(rel.stdout).toContain('\n        "Version": 3,\n'); // 4-space indentation, Go style
    const vs = (JSON.parse(many.stdout) as { Version: number }[]).map((r) => r.Version);
    expect(vs).toHaveLength(25);
    expect(vs[0]).toBe(30);
    expect(vs[24]).toBe(6);
  });

  test('status: reference keys, Version = current release, machines with image_ref and checks', async ({ expect }) => {
    const fly = fake();
    const res = await fly.runInProcess(['status', '--app', PROD, '--json']);
    const status = JSON.parse(res.stdout) as { Machines: Record<string, any>[] } & Record<string, unknown>;
    expect(Object.keys(status)).toEqual([
      'AppURL',
      'Deployed',
      'Hostname',
      'ID',
      'Machines',
      'Name',
      'Organization',
      'PlatformVersion',
      'Status',
      'Version',
    ]);
    expect(status).toMatchObject({
      Name: PROD,
      Version: 3,
      Status: 'deployed',
      Hostname: 'kotadb-api.fly.dev',
      Deployed: true,
    });
    expect(status.Machines).toHaveLength(2);
    const m = status.Machines[0] ?? {};
    expect(m).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{14}$/),
      state: 'started',
      region: 'iad',
      checks: [{ name: 'servicecheck-00-http-8080', status: 'passing' }],
    });
    expect(`${m.image_ref.registry}/${m.image_ref.repository}:${m.image_ref.tag}`).toBe(seedImage(PROD, 3));
    // fly-go's MachineImageRef omits empty fields: a seeded image has no labels.
    expect(Object.keys(m.image_ref)).toEqual(['registry', 'repository', 'tag', 'digest']);
    expect(m.image_ref.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(typeof m.version).toBe('string');
    expect(fly.app(STAGING).machines).toHaveLength(1);
  });

  test('secrets list: old, mid and new shapes; never values', async ({ expect }) => {
    const fly = fake();
    const run = async (shape: 'old' | 'mid' | 'new') => {
      fly.update((s) => {
        s.secretsJsonShape = shape;
      });
      return fly.runInProcess(['secrets', 'list', '--app', PROD, '--json']);
    };
    const oldShape = JSON.parse((await run('old')).stdout) as Record<string, unknown>[];
    const mid = JSON.parse((await run('mid')).stdout) as Record<string, unknown>[];
    const res = await run('new');
    const neu = JSON.parse(res.stdout) as Record<string, unknown>[];
    expect(oldShape.map((s) => Object.keys(s))[0]).toEqual(['Name', 'Digest', 'CreatedAt']);
    expect(mid.map((s) => Object.keys(s))[0]).toEqual(['name', 'digest', 'created_at', 'updated_at']);
    expect(neu.map((s) => Object.keys(s))[0]).toEqual(['name', 'digest', 'status']);
    expect(neu.map((s) => s.name)).toEqual([
      'DATABASE_URL',
      'SUPABASE_ANON_KEY',
      'SUPABASE_SERVICE_KEY',
      'SUPABASE_URL',
    ]);
    expect(neu.every((s) => s.status === 'Deployed' && /^[0-9a-f]{16}$/.test(String(s.digest)))).toBe(true);
    for (const value of Object.values(KOTADB_SECRETS[PROD])) expect(res.stdout).not.toContain(value);
  });
});

describe.concurrent('fake flyctl: deploy', () => {
  test('a deploy creates release N+1, moves the machines and prints the release JSON line', async ({ expect }) => {
    const fly = fake();
    const image = `registry.fly.io/${PROD}:deployment-01JNEWIMAGE000000000000001`;
    const res = await fly.runInProcess(
      [
        'deploy',
        '--config',
        'fly.toml',
        '--app',
        PROD,
        '--image',
        image,
        '--strategy',
        'rolling',
        '--ha=true',
        '--wait-timeout',
        '10m',
        '--remote-only',
        '--yes',
      ],
      { env: { FLY_EMIT_RELEASE_JSON: '1' }, cwd: await tomlDir(`app = "${PROD}"\nprimary_region = "iad"\n`) },
    );
    expect(res.code).toBe(0);
    const line = releaseLine(res.stdout);
    expect(line).toEqual({ id: expect.stringMatching(/^rel_/), version: 4, image_ref: image });
    expect(res.stdout.split('\n').filter((l) => l.startsWith('{'))).toHaveLength(1);
    // The release line comes before "Visit …" (FLY_EMIT_RELEASE_JSON).
    expect(lastLine(res.stdout)).toBe('Visit your newly deployed app at https://kotadb-api.fly.dev/');
    expect(fly.releases(PROD)[0]).toMatchObject({ version: 4, status: 'complete', image, id: line.id });
    expect(fly.currentImage(PROD)).toBe(image);
    expect(fly.app(PROD).machines.every((m) => m.image === image && m.releaseVersion === 4)).toBe(true);
    expect(fly.app(STAGING).currentVersion).toBe(3);
    const status = JSON.parse((await fly.runInProcess(['status', '--app', PROD, '--json'])).stdout) as {
      Version: number;
    };
    expect(status.Version).toBe(4);
    // Without the env var: no JSON line; without --image: a build of ./Dockerfile, tagged deployment-<ULID>.
    const plain = await fly.runInProcess(['deploy', '--app', STAGING, '--strategy', 'immediate', '--ha=false'], {
      cwd: await scratch({ Dockerfile: 'FROM scratch\n' }),
    });
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/^\{/m);
    expect(fly.currentImage(STAGING)).toMatch(/^registry\.fly\.io\/kotadb-api-staging:deployment-[0-9A-Z]{26}$/);
    expect(fly.app(STAGING).machines).toHaveLength(1); // --ha never scales down
  });

  test('deploy errors: missing config, bad strategy, bluegreen with volumes', async ({ expect }) => {
    const fly = fake();
    const dir = await tomlDir('');
    const image = ['--image', `registry.fly.io/${PROD}:deployment-01JNEWIMAGE000000000000001`];
    const invalid = await scratch({
      'fly.toml': `app = "${PROD}"\n[deploy]\n  strategy = "sideways"\n`,
      'canary.toml': `app = "${PROD}"\n[deploy]\n  strategy = "canary"\n[[mounts]]\n  source = "kotadb_data"\n  destination = "/data"\n`,
    });
    const [noConfig, strategy, bluegreen, inConfig, canary] = await Promise.all([
      fly.runInProcess(['deploy', '--config', 'missing.toml', '--app', PROD], { cwd: dir }),
      fly.runInProcess(['deploy', '--app', PROD, '--strategy', 'sideways', ...image]),
      fly.runInProcess(['deploy', '--app', PROD, '--strategy', 'bluegreen', ...image]),
      fly.runInProcess(['deploy', '--app', PROD, ...image], { cwd: invalid }),
      fly.runInProcess(['deploy', '--config', 'canary.toml', ...image], { cwd: invalid }),
    ]);
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toBe(
      `Error: failed loading app config from ${dir}/missing.toml: open ${dir}/missing.toml: no such file or directory\n`,
    );
    // --strategy is validated after the image is found (NewMachineDeployment), reasons on stderr.
    expect(strategy.code).toBe(1);
    expect(strategy.stderr).toContain(
      "Validating \nunsupported deployment strategy 'sideways'; Apps v2 supports the following strategies: canary, rolling, immediate, bluegreen\n   ✘invalid app configuration\nError: App configuration is not valid\n",
    );
    // A config's own strategy fails the first check: reasons on stdout, before anything is built.
    expect(inConfig).toMatchObject({
      code: 1,
      stderr: '==> Verifying app config\nError: App configuration is not valid\n',
    });
    expect(inConfig.stdout).toBe(
      `Validating ${invalid}/fly.toml\nunsupported deployment strategy 'sideways'; Apps v2 supports the following strategies: canary, rolling, immediate, bluegreen\n   ✘invalid app configuration\n`,
    );
    expect(canary.code).toBe(1);
    expect(canary.stdout).toContain(
      'error canary deployment strategy is not supported when using mounted volumes\n   ✘',
    );
    expect(bluegreen.stderr).toContain('bluegreen deployment strategy is not supported for apps with volumes');
    expect(fly.releases(PROD)).toHaveLength(3);
  });

  test('healthTimeout: failed release, machines stay on the new image; the fault is consumed; redeploying the old image rolls back', async ({
    expect,
  }) => {
    const fly = fake();
    fly.fault('deploy', { healthTimeout: true, times: 1 });
    const bad = `registry.fly.io/${PROD}:deployment-01JBADIMAGE000000000000001`;
    const res = await fly.runInProcess(['deploy', '--app', PROD, '--image', bad, '--strategy', 'rolling'], {
      env: { FLY_EMIT_RELEASE_JSON: '1' },
    });
    const machine = fly.app(PROD).machines[0]?.id;
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`timeout reached waiting for health checks to pass for machine ${machine}`);
    // That suggestion belongs to machine-state timeouts, not to health checks.
    expect(res.stderr).not.toContain('--wait-timeout');
    expect(res.stdout).not.toMatch(/^\{/m);
    expect(fly.releases(PROD)[0]).toMatchObject({ version: 4, status: 'failed', image: bad });
    expect(fly.currentImage(PROD)).toBe(bad);
    expect(fly.app(PROD).machines.every((m) => m.image === bad && m.checks[0]?.status === 'critical')).toBe(true);
    expect(fly.state().faults).toEqual({});
    const rollback = await fly.runInProcess(['deploy', '--app', PROD, '--image', seedImage(PROD, 3)], {
      env: { FLY_EMIT_RELEASE_JSON: '1' },
    });
    expect(rollback.code).toBe(0);
    expect(
      fly
        .releases(PROD)
        .slice(0, 2)
        .map((r) => [r.version, r.status]),
    ).toEqual([
      [5, 'complete'],
      [4, 'failed'],
    ]);
    expect(fly.currentImage(PROD)).toBe(seedImage(PROD, 3));
  });

  test('healthTimeout with immediate: flyctl does not wait, exits 0 with the release complete and the machines unhealthy', async ({
    expect,
  }) => {
    const fly = fake();
    fly.fault('deploy', { healthTimeout: true, times: 1 });
    const bad = `registry.fly.io/${STAGING}:deployment-01JBADIMAGE000000000000002`;
    const res = await fly.runInProcess(
      ['deploy', '--app', STAGING, '--image', bad, '--strategy', 'immediate', '--ha=false', '--wait-timeout', '300'],
      { env: { FLY_EMIT_RELEASE_JSON: '1' } },
    );
    expect(res.code).toBe(0);
    expect(res.stderr).not.toContain('Error');
    expect(JSON.parse(res.stdout.split('\n').find((l) => l.startsWith('{')) ?? '{}')).toMatchObject({ version: 4 });
    expect(fly.releases(STAGING)[0]).toMatchObject({ version: 4, status: 'complete', image: bad });
    expect(fly.app(STAGING).machines.map((m) => [m.image, m.checks[0]?.status])).toEqual([[bad, 'critical']]);
    // With deploy retries on, a rolling failure is reported as unrecoverable.
    fly.fault('deploy', { healthTimeout: true, times: 1 });
    const retried = await fly.runInProcess(['deploy', '--app', STAGING, '--image', bad, '--deploy-retries', '2']);
    expect(retried.code).toBe(1);
    expect(retried.stderr).toContain(
      `Error: failed to update machine ${fly.app(STAGING).machines[0]?.id}: Unrecoverable error: timeout reached waiting for health checks to pass`,
    );
    const badTimeout = await fly.runInProcess([
      'deploy',
      '--app',
      STAGING,
      '--image',
      bad,
      '--wait-timeout',
      '5 minutes',
    ]);
    expect(badTimeout.stderr).toContain(
      "Error: invalid duration value 5 minutes used for --wait-timeout flag: valid options are a number of seconds, number with time unit (i.e.: 5m, 180s) or 'none'",
    );
  });

  test('healthTimeout with bluegreen keeps the old machines', async ({ expect }) => {
    const fly = fake();
    fly.seedApp('bg-app', { machines: 2, volumes: [] });
    fly.fault('deploy', { healthTimeout: true, app: 'bg-app' });
    const before = fly.app('bg-app').machines.map((m) => m.id);
    const res = await fly.runInProcess([
      'deploy',
      '--app',
      'bg-app',
      '--image',
      'registry.fly.io/bg-app:bad',
      '--strategy',
      'bluegreen',
    ]);
    expect(res.code).toBe(1);
    expect(fly.releases('bg-app')[0]).toMatchObject({ version: 4, status: 'failed' });
    expect(fly.currentImage('bg-app')).toBe(seedImage('bg-app', 3));
    expect(fly.app('bg-app').machines.map((m) => m.id)).toEqual(before);
    expect(fly.app('bg-app').currentVersion).toBe(3);
    // The fault is scoped to bg-app.
    expect((await fly.runInProcess(['deploy', '--app', STAGING, '--image', 'registry.fly.io/x:ok'])).code).toBe(0);
  });

  test('hang: the call is recorded, the release runs; SIGTERM marks it interrupted and exits 127', async ({
    expect,
  }) => {
    const fly = fake();
    fly.fault('deploy', { hang: true, times: 1 });
    const child = fly.spawn(['deploy', '--app', STAGING, '--image', 'registry.fly.io/kotadb-api-staging:hang']);
    await fly.waitForCall((c) => c.command === 'deploy');
    await until(() => fly.currentImage(STAGING) === 'registry.fly.io/kotadb-api-staging:hang');
    expect(fly.releases(STAGING)[0]?.status).toBe('running');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(127);
    expect(fly.releases(STAGING)[0]).toMatchObject({ version: 4, status: 'interrupted' });
  });

  test('apps create, secrets before the first deploy, first deploy creates machines; fly.toml gives app, region, strategy, mounts', async ({
    expect,
  }) => {
    const fly = fake({ world: 'empty' });
    const cwd = await tomlDir(
      'app = "new-app"\nprimary_region = "ord"\n\n[deploy]\n  strategy = "immediate"\n\n[[mounts]]\n  source = "data"\n  destination = "/data"\n',
    );
    const created = await fly.runInProcess(['apps', 'create', 'new-app', '--org', 'personal']);
    expect(created).toMatchObject({ code: 0, stdout: 'New app created: new-app\n' });
    const again = await fly.runInProcess(['apps', 'create', 'new-app']);
    expect(again).toMatchObject({
      code: 1,
      stderr:
        'automatically selected personal organization: Dev\nError: Validation failed: Name has already been taken\nApp names are unique across all of Fly.io, not just your organization, so this name may be held by an app you cannot see. Try a different name.\n\n',
    });
    const early = await fly.runInProcess(['secrets', 'import', '--app', 'new-app'], { input: 'A=1\n' });
    expect(early).toMatchObject({ code: 0, stdout: 'Secrets are staged for the first deployment\n' });
    expect(fly.app('new-app').secrets.A?.status).toBe('Staged');
    const first = await fly.runInProcess(['deploy', '--ha=false', '--image', 'registry.fly.io/new-app:v1'], {
      cwd,
      env: { FLY_EMIT_RELEASE_JSON: '1' },
    });
    expect(first.code).toBe(0);
    expect(releaseLine(first.stdout)).toMatchObject({ version: 1, image_ref: 'registry.fly.io/new-app:v1' });
    const app = fly.app('new-app');
    // [[mounts]]: one machine whatever --ha says, and the first deploy creates its volume.
    expect(app.machines.map((m) => m.region)).toEqual(['ord']);
    expect(first.stdout).toContain(
      "Creating a 1 GB volume named 'data' for process group 'app'. Use 'fly vol extend' to increase its size\n",
    );
    expect(app.volumes.map((v) => [v.name, v.sizeGb, v.region, v.attachedMachineId])).toEqual([
      ['data', 1, 'ord', app.machines[0]?.id],
    ]);
    expect(app.releases[0]).toMatchObject({ version: 1, status: 'complete', strategy: 'immediate' });
    expect(app.secrets.A?.status).toBe('Deployed');
    const canary = await fly.runInProcess(['deploy', '--strategy', 'canary', '--image', 'registry.fly.io/new-app:v1'], {
      cwd,
    });
    expect(canary.stderr).toContain('error canary deployment strategy is not supported when using mounted volumes');
  });

  test('delayMs on deploy: the release is `running` meanwhile', async ({ expect }) => {
    const fly = fake();
    fly.fault('deploy', { delayMs: 600, times: 1 });
    const deploying = fly.runInProcess(['deploy', '--app', PROD, '--image', 'registry.fly.io/kotadb-api:slow']);
    await until(() => fly.releases(PROD)[0]?.status === 'running');
    expect((await deploying).code).toBe(0);
    expect(fly.releases(PROD)[0]).toMatchObject({ version: 4, status: 'complete' });
  });

  test('deploy applies staged secrets', async ({ expect }) => {
    const fly = fake();
    const staged = await fly.runInProcess(['secrets', 'import', '--app', STAGING, '--stage'], {
      input: 'NEW_ONE=value-1\n',
    });
    expect(staged).toMatchObject({ code: 0, stdout: `${STAGED_MESSAGE}\n` });
    expect(fly.app(STAGING).secrets.NEW_ONE).toMatchObject({ value: 'value-1', status: 'Staged' });
    expect(fly.releases(STAGING)).toHaveLength(3);
    await fly.runInProcess(['deploy', '--app', STAGING, '--image', seedImage(STAGING, 3)]);
    expect(fly.app(STAGING).secrets.NEW_ONE?.status).toBe('Deployed');
  });
});

describe.concurrent('fake flyctl: secrets', () => {
  const INPUT = [
    '# comment line',
    '',
    '   ',
    'HASH_IN_VALUE=abc#def',
    'QUOTED_HASH="abc#def"',
    'EQUALS=a=b=c',
    'BASE64=dGVzdA==',
    ' SPACED_KEY = spaced value   ',
    'SINGLE=\'it has "quotes"\'',
    'DOUBLE="double"',
    'CRLF=windows\r',
    'URL=postgresql://u:p%23w@h:6543/db?sslmode=require',
    'PEM="""-----BEGIN PRIVATE KEY-----',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
    'abc+/=',
    '-----END PRIVATE KEY-----"""',
    'ONE_LINE="""triple"""',
    'DROPPED="""never',
    'closed',
  ].join('\n');

  test('import parses exactly like flyctl, creates a release, never prints values, records stdin', async ({
    expect,
  }) => {
    const fly = fake();
    const res = await fly.run(['secrets', 'import', '--app', PROD], { input: INPUT });
    expect(res.code).toBe(0);
    const values = fly.secretValues(PROD);
    expect(values).toMatchObject({
      HASH_IN_VALUE: 'abc',
      QUOTED_HASH: 'abc#def',
      EQUALS: 'a=b=c',
      BASE64: 'dGVzdA==',
      SPACED_KEY: 'spaced value   ',
      SINGLE: 'it has "quotes"',
      DOUBLE: 'double',
      CRLF: 'windows',
      URL: 'postgresql://u:p%23w@h:6543/db?sslmode=require',
      PEM: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nabc+/=\n-----END PRIVATE KEY-----',
      ONE_LINE: 'triple',
    });
    expect(values).not.toHaveProperty('DROPPED');
    const parsed = parseSecretsImport(INPUT);
    for (const [k, v] of Object.entries(parsed)) expect(values[k]).toBe(v);
    expect(fly.releases(PROD)[0]).toMatchObject({
      version: 4,
      description: 'Update secrets',
      image: seedImage(PROD, 3),
    });
    expect(fly.app(PROD).secrets.PEM?.status).toBe('Deployed');
    for (const v of Object.values(parsed)) if (v.length > 3) expect(res.stdout + res.stderr).not.toContain(v);
    const call = fly.calls().find((c) => c.command === 'secrets import');
    expect(call?.stdin).toBe(INPUT);
    expect(fly.mutatingCalls().map((c) => c.command)).toEqual(['secrets import']);
  });

  test('import errors: a line without "=", empty input, a lone quote (Go panic)', async ({ expect }) => {
    const fly = fake();
    const [garbage, empty, panic] = await Promise.all([
      fly.runInProcess(['secrets', 'import', '--app', PROD], { input: 'A=1\ngarbage\n' }),
      fly.runInProcess(['secrets', 'import', '--app', PROD], { input: '# only a comment\n' }),
      fly.runInProcess(['secrets', 'import', '--app', PROD], { input: 'A="\n' }),
    ]);
    expect(garbage).toMatchObject({
      code: 1,
      stderr:
        'Error: Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs (garbage is invalid)\n',
    });
    expect(empty).toMatchObject({ code: 1, stderr: 'Error: requires at least one SECRET=VALUE pair\n' });
    // main.go recovers the panic: "Oops" on stdout, exit 3.
    expect(panic.code).toBe(3);
    expect(panic.stdout).toMatch(
      /^Oops, something went wrong! Could you try that again\?\n\nruntime error: slice bounds out of range \[1:0\]/,
    );
    expect(fly.releases(PROD)).toHaveLength(3);
  });

  test('set NAME=- reads stdin (trimmed) and needs piped stdin; unset --stage then secrets deploy', async ({
    expect,
  }) => {
    const fly = fake();
    const set = await fly.run(['secrets', 'set', 'GITHUB_APP_PRIVATE_KEY=-', 'OTHER=-', '--app', STAGING, '--stage'], {
      input: '\n  line1\nline2  \n\n',
    });
    expect(set.code).toBe(0);
    expect(fly.secretValues(STAGING).GITHUB_APP_PRIVATE_KEY).toBe('line1\nline2');
    expect(fly.secretValues(STAGING).OTHER).toBe(''); // stdin is already consumed
    const noPipe = await fly.run(['secrets', 'set', 'X=-', '--app', STAGING], { stdin: 'ignore' });
    expect(noPipe).toMatchObject({ code: 1, stderr: 'Error: secret `X` expects standard input but none provided\n' });
    const badArg = await fly.run(['secrets', 'set', 'NOEQUALS', '--app', STAGING]);
    expect(badArg.stderr).toBe("Error: could not parse secrets: 'NOEQUALS': must be in the format NAME=VALUE\n");
    const unset = await fly.run(['secrets', 'unset', 'SUPABASE_URL', '--app', STAGING, '--stage']);
    expect(unset.code).toBe(0);
    expect(fly.app(STAGING).secrets).not.toHaveProperty('SUPABASE_URL');
    expect(fly.releases(STAGING)).toHaveLength(3);
    const deploy = await fly.run(['secrets', 'deploy', '--app', STAGING]);
    expect(deploy.code).toBe(0);
    expect(fly.releases(STAGING)[0]).toMatchObject({ version: 4, description: 'Deploy staged secrets' });
    expect(fly.app(STAGING).secrets.GITHUB_APP_PRIVATE_KEY?.status).toBe('Deployed');
    expect(fly.app(STAGING).pendingUnsets).toEqual([]);
    // Not staged: a release per change, like real flyctl.
    await fly.run(['secrets', 'unset', 'GITHUB_APP_PRIVATE_KEY', '--app', STAGING]);
    expect(fly.releases(STAGING)[0]).toMatchObject({ version: 5, description: 'Update secrets' });
    expect(fly.calls().find((c) => c.argv[2] === 'GITHUB_APP_PRIVATE_KEY=-')?.stdin).toBe('\n  line1\nline2  \n\n');
  });

  test('volumes create needs --yes and creates the volume', async ({ expect }) => {
    const fly = fake();
    const [noYes, ok] = await Promise.all([
      fly.runInProcess(['volumes', 'create', 'extra_data', '--size', '3', '--app', STAGING, '--region', 'iad']),
      fly.runInProcess([
        'volumes',
        'create',
        'extra_data',
        '-s',
        '3',
        '--app',
        STAGING,
        '--region',
        'iad',
        '--yes',
        '--json',
      ]),
    ]);
    expect(noYes).toMatchObject({
      code: 1,
      stderr:
        'Warning! Every volume is pinned to a specific physical host. You should create two or more volumes per application to avoid downtime. Learn more at https://fly.io/docs/volumes/overview/\nError: yes flag must be specified when not running interactively\n',
    });
    expect(JSON.parse(ok.stdout)).toMatchObject({
      name: 'extra_data',
      size_gb: 3,
      region: 'iad',
      attached_machine_id: null,
    });
    expect(fly.app(STAGING).volumes.map((v) => v.name)).toEqual(['kotadb_staging_data', 'extra_data']);
  });
});

describe.concurrent('fake flyctl: faults, calls, logs', () => {
  test('exit/stderr faults apply `times` times; stdout-only faults exit 0', async ({ expect }) => {
    const fly = fake();
    fly.fault('apps list', { exit: 2, stderr: 'Error: server returned 502\n', times: 1 });
    fly.fault('auth whoami', { stdout: 'not json' });
    const first = await fly.runInProcess(['apps', 'list', '--json']);
    const second = await fly.runInProcess(['apps', 'list', '--json']);
    const who = await fly.runInProcess(['auth', 'whoami', '--json']);
    expect(first).toMatchObject({ code: 2, stdout: '', stderr: 'Error: server returned 502\n' });
    expect(second.code).toBe(0);
    expect(who).toMatchObject({ code: 0, stdout: 'not json' });
    expect(fly.state().faults['auth whoami']).toHaveLength(1); // no `times`: forever
  });

  test('delayMs delays; a hanging call is recorded and SIGINT exits 127', async ({ expect }) => {
    const fly = fake();
    fly.fault('status', { delayMs: 400, times: 1 });
    fly.fault('volumes list', { hang: true });
    const started = Date.now();
    const slow = await fly.runInProcess(['status', '--app', PROD, '--json']);
    expect(slow.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const child = fly.spawn(['volumes', 'list', '--app', PROD, '--json']);
    const call = await fly.waitForCall((c) => c.command === 'volumes list');
    expect(call.argv).toEqual(['volumes', 'list', '--app', PROD, '--json']);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(127);
  });

  test('logs --no-tail prints and exits; without it logs stream until interrupted', async ({ expect }) => {
    const fly = fake();
    const machine = fly.app(PROD).machines[1]?.id ?? 'missing';
    const [text, json, filtered] = await Promise.all([
      fly.runInProcess(['logs', '--app', PROD, '--no-tail']),
      fly.runInProcess(['logs', '-a', PROD, '-n', '-j']),
      fly.runInProcess(['logs', '--app', PROD, '-n', '-i', machine]),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^2026-\d\d-\d\dT[\d:]+Z app\[[0-9a-f]{14}\] iad \[info\]Pulling container image /m);
    expect(json.stdout).toContain('\n    "message": ');
    expect(
      filtered.stdout
        .trim()
        .split('\n')
        .every((l) => l.includes(`app[${machine}]`)),
    ).toBe(true);

    const child = fly.spawn(['logs', '--app', PROD]);
    let streamed = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (streamed += c));
    await until(() => streamed.includes('Pulling container image'));
    fly.log(PROD, 'a brand new line');
    await until(() => streamed.includes('a brand new line'));
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(127);
  });
});

describe.concurrent('fake flyctl: everyday commands (scale memory, certs list, apps open)', () => {
  test('scale memory updates every machine, is a mutating call, and shows in status', async ({ expect }) => {
    const fly = fake();
    const res = await fly.runInProcess(['scale', 'memory', '1024', '--app', PROD, '--config', 'fly.toml'], {
      cwd: process.cwd(),
    });
    expect(res.code).toBe(0);
    const ids = fly.app(PROD).machines.map((m) => m.id);
    expect(res.stdout).toBe(
      `${ids.map((id) => `Updating machine ${id}\nMachine ${id} updated successfully!\n`).join('')}Scaled VM Type to\n shared-cpu-1x\n      CPU Cores: 1\n         Memory: 1024 MB\n`,
    );
    expect(fly.app(PROD).machines.map((m) => m.memoryMb)).toEqual([1024, 1024]);
    expect(fly.app(STAGING).machines.map((m) => m.memoryMb)).toEqual([undefined]);
    const status = JSON.parse((await fly.runInProcess(['status', '--app', PROD, '--json'])).stdout) as {
      Machines: { config: { guest: unknown } }[];
    };
    expect(status.Machines.map((m) => m.config.guest)).toEqual(
      [1, 2].map(() => ({ cpu_kind: 'shared', cpus: 1, memory_mb: 1024 })),
    );
    expect(fly.mutatingCalls().map((c) => c.argv)).toEqual([
      ['scale', 'memory', '1024', '--app', PROD, '--config', 'fly.toml'],
    ]);
  });

  test('scale memory errors: bad size, no machines, no size', async ({ expect }) => {
    const fly = fake();
    fly.seedApp('kotadb-api-new', { releases: 0 });
    const [bad, empty, none, group] = await Promise.all([
      fly.runInProcess(['scale', 'memory', '1gb', '--app', PROD]),
      fly.runInProcess(['scale', 'memory', '512', '--app', 'kotadb-api-new']),
      fly.runInProcess(['scale', 'memory', '--app', PROD]),
      fly.runInProcess(['scale', '--app', PROD]),
    ]);
    expect(bad).toMatchObject({ code: 1, stderr: 'Error: invalid memory size "1gb"\n' });
    expect(empty).toMatchObject({ code: 1, stderr: 'Error: app kotadb-api-new has no machines to scale\n' });
    expect(none).toMatchObject({ code: 1, stderr: 'Error: accepts 1 arg(s), received 0\n' });
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('flyctl scale [command]');
    expect(fly.app(PROD).machines.every((m) => m.memoryMb === undefined)).toBe(true);
  });

  test('certs list and apps open answer for an existing app only', async ({ expect }) => {
    const fly = fake();
    const [certs, certsJson, open, openPath, missing, ssh] = await Promise.all([
      fly.runInProcess(['certs', 'list', '--app', STAGING]),
      fly.runInProcess(['certs', 'list', '--app', STAGING, '--json']),
      fly.runInProcess(['apps', 'open', '--app', PROD]),
      fly.runInProcess(['apps', 'open', '/health', '--app', PROD]),
      fly.runInProcess(['certs', 'list', '--app', 'kotadb']),
      fly.runInProcess(['ssh', 'console', '--app', PROD]),
    ]);
    expect(certs).toMatchObject({ code: 0, stdout: 'HOST NAME\tADDED\tSTATUS\n\n' });
    expect(certsJson).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(open).toMatchObject({ code: 0, stdout: 'opening https://kotadb-api.fly.dev/ ...\n' });
    expect(openPath.stdout).toBe('opening https://kotadb-api.fly.dev/health ...\n');
    expect(missing).toMatchObject({ code: 1, stderr: 'Error: Could not find App "kotadb"\n' });
    expect(ssh).toMatchObject({ code: 1, stderr: 'Error: fake flyctl does not implement "flyctl ssh"\n' });
    expect(fly.mutatingCalls()).toEqual([]);
  });
});

describe.concurrent('fake flyctl: deploy tokens, images, errors (the corrections section)', () => {
  test('an app-scoped deploy token: org-wide calls refused, its app works, other apps are not found', async ({
    expect,
  }) => {
    const fly = fake({ deployToken: PROD });
    expect(fly.env.FLY_API_TOKEN).toMatch(/^FlyV1 /);
    const [list, create, status, secrets, other, whoami] = await Promise.all([
      fly.runInProcess(['apps', 'list', '--json']),
      fly.runInProcess(['apps', 'create', 'kotadb-api-new', '--org', 'personal']),
      fly.runInProcess(['status', '--app', PROD, '--json']),
      fly.runInProcess(['secrets', 'list', '--app', PROD, '--json']),
      fly.runInProcess(['status', '--app', STAGING, '--json']),
      fly.runInProcess(['auth', 'whoami', '--json']),
    ]);
    expect(list).toMatchObject({ code: 1, stdout: '', stderr: 'Error: Not authorized to access this organization\n' });
    expect(create).toMatchObject({ code: 1, stderr: 'Error: Not authorized to access this organization\n' });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ Name: PROD, Version: 3 });
    expect(secrets.code).toBe(0);
    expect(other).toMatchObject({ code: 1, stderr: `Error: failed to get app: Could not find App "${STAGING}"\n` });
    expect(whoami.code).toBe(0);
    expect(fly.state().apps.map((a) => a.name)).toEqual([STAGING, PROD]);
    // Without the token (a login), the same world answers org-wide calls.
    expect((await fly.runInProcess(['apps', 'list', '--json'], { env: { FLY_API_TOKEN: undefined } })).code).toBe(0);
  });

  test('which Dockerfile: [build] dockerfile is relative to the config folder and wins over --dockerfile; else --dockerfile in the working directory; else ./Dockerfile', async ({
    expect,
  }) => {
    const fly = fake();
    const toolkit = await scratch({
      'fly.toml': `app = "${STAGING}"\n[build]\n  dockerfile = "Dockerfile.production"\n`,
      'Dockerfile.production': 'FROM scratch\n',
      'plain.toml': `app = "${STAGING}"\n`,
    });
    const service = await scratch({ 'Dockerfile.production': 'FROM scratch\n', Dockerfile: 'FROM scratch\n' });
    const deploy = (args: string[], cwd = toolkit) =>
      fly.runInProcess(['deploy', ...args, '--app', STAGING, '--build-only', '--push'], { cwd });
    const fromConfig = await deploy([service, '--config', `${toolkit}/fly.toml`, '--dockerfile', 'Dockerfile']);
    const fromFlag = await deploy([
      service,
      '--config',
      `${toolkit}/plain.toml`,
      '--dockerfile',
      'Dockerfile.production',
    ]);
    const fromContext = await deploy([service, '--config', `${toolkit}/plain.toml`]);
    expect([fromConfig.code, fromFlag.code, fromContext.code]).toEqual([0, 0, 0]);
    expect(fly.images().map((i) => [i.dockerfile, i.context])).toEqual([
      [`${toolkit}/Dockerfile.production`, service],
      [`${service}/Dockerfile.production`, service],
      [`${service}/Dockerfile`, service],
    ]);
    // A named Dockerfile that is missing, or none at all, fails the build: nothing is released.
    const empty = await scratch({ 'plain.toml': `app = "${STAGING}"\n` });
    const missing = await deploy(['--config', 'plain.toml', '--dockerfile', 'Dockerfile.production'], empty);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain(
      `Error: failed to fetch an image or build from source: dockerfile '${empty}/Dockerfile.production' not found\n`,
    );
    const bare = await deploy([], await tomlDir(''));
    expect(bare.stderr).toContain(
      'Error: failed to fetch an image or build from source: app does not have a Dockerfile or buildpacks configured. See https://fly.io/docs/reference/configuration/#the-build-section\n',
    );
    const configMissing = await scratch({
      'fly.toml': `app = "${STAGING}"\n[build]\n  dockerfile = "Dockerfile.production"\n`,
    });
    const named = await fly.runInProcess(['deploy', service, '--config', `${configMissing}/fly.toml`], {
      cwd: configMissing,
    });
    expect(named.stderr).toContain(
      `Error: failed to fetch an image or build from source: dockerfile '${configMissing}/Dockerfile.production' not found\n`,
    );
    expect(fly.releases(STAGING)).toHaveLength(3);
  });

  test('build once, deploy anywhere in the org: --build-only --push --image-label, labels and digests in status, refused across orgs', async ({
    expect,
  }) => {
    const fly = fake();
    fly.update((state) => {
      state.orgs.push({ id: 'org_other', slug: 'other', name: 'Other', type: 'SHARED' });
    });
    fly.seedApp('other-org-app', { org: 'other', releases: 1 });
    const service = await scratch({ Dockerfile: 'FROM scratch\n' });
    const built = await fly.runInProcess(
      ['deploy', '--app', STAGING, '--build-only', '--push', '--image-label', 'git-abc123', '--label', 'commit=abc123'],
      { cwd: service, env: { GITHUB_ACTIONS: 'true', GITHUB_SHA: 'abc123', GITHUB_REPOSITORY: 'kotadb/api' } },
    );
    const ref = `registry.fly.io/${STAGING}:git-abc123`;
    expect(built.code).toBe(0);
    expect(built.stderr).toContain(`image: ${ref}\n`);
    expect(built.stdout).not.toContain('Watch your deployment');
    expect(fly.releases(STAGING)).toHaveLength(3); // built, not deployed
    const [image] = fly.images();
    expect(image).toMatchObject({
      ref,
      repository: STAGING,
      tag: 'git-abc123',
      pushed: true,
      labels: { commit: 'abc123', GH_SHA: 'abc123', GH_REPO: 'kotadb/api' },
    });

    const promoted = await fly.runInProcess(['deploy', '--app', PROD, '--image', ref], {
      env: { FLY_EMIT_RELEASE_JSON: 'yes' },
    });
    expect(promoted.code).toBe(0);
    expect(releaseLine(promoted.stdout)).toMatchObject({ version: 4, image_ref: ref });
    const status = JSON.parse((await fly.runInProcess(['status', '--app', PROD, '--json'])).stdout) as {
      Machines: { image_ref: Record<string, unknown> }[];
    };
    expect(status.Machines[0]?.image_ref).toEqual({
      registry: 'registry.fly.io',
      repository: STAGING,
      tag: 'git-abc123',
      digest: image?.digest,
      labels: image?.labels,
    });
    const releases = JSON.parse((await fly.runInProcess(['releases', '--app', PROD, '--json'])).stdout) as {
      ImageRef: string;
    }[];
    expect(releases[0]?.ImageRef).toBe(ref);

    const foreign = await fly.runInProcess(['deploy', '--app', 'other-org-app', '--image', ref]);
    expect(foreign).toMatchObject({ code: 1 });
    expect(foreign.stderr).toContain(
      `Error: failed to fetch an image or build from source: could not find image "${ref}"\n`,
    );
    // Built without --push, the image never left the builder.
    await fly.runInProcess(['deploy', '--app', STAGING, '--build-only', '--image-label', 'local'], { cwd: service });
    const local = await fly.runInProcess(['deploy', '--app', PROD, '--image', `registry.fly.io/${STAGING}:local`]);
    expect(local.stderr).toContain('could not find image');
  });

  test('a machine keeps the digest it pulled: pushing the same tag again changes what the next deploy gets, not what runs', async ({
    expect,
  }) => {
    const fly = fake();
    const service = await scratch({ Dockerfile: 'FROM scratch\n' });
    const build = () =>
      fly.runInProcess(['deploy', '--app', STAGING, '--build-only', '--push', '--image-label', 'git-abc123'], {
        cwd: service,
      });
    const ref = `registry.fly.io/${STAGING}:git-abc123`;
    const digestOf = async (app: string) =>
      (
        JSON.parse((await fly.runInProcess(['status', '--app', app, '--json'])).stdout) as {
          Machines: { image_ref: { digest: string } }[];
        }
      ).Machines.map((m) => m.image_ref.digest);
    expect((await build()).code).toBe(0);
    const first = fly.images()[0]!.digest;
    expect((await fly.runInProcess(['deploy', '--app', STAGING, '--image', ref])).code).toBe(0);
    expect(await digestOf(STAGING)).toEqual([first]);
    expect((await build()).code).toBe(0); // the tag now points at another build
    const second = fly.images()[0]!.digest;
    expect(second).not.toBe(first);
    expect(await digestOf(STAGING)).toEqual([first]);
    expect((await fly.runInProcess(['deploy', '--app', PROD, '--image', ref])).code).toBe(0);
    expect(await digestOf(PROD)).toEqual([second, second]);
  });

  test('rollback by deploy --image: the release command runs again unless --skip-release-command; a pruned image is not found', async ({
    expect,
  }) => {
    const fly = fake();
    const cwd = await tomlDir(`app = "${PROD}"\n[deploy]\n  release_command = "bin/migrate"\n`);
    const old = seedImage(PROD, 2);
    const again = await fly.runInProcess(['deploy', '--config', 'fly.toml', '--image', old], { cwd });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`Running ${PROD} release_command: bin/migrate\n`);
    const skipped = await fly.runInProcess(
      ['deploy', '--config', 'fly.toml', '--image', old, '--skip-release-command'],
      {
        cwd,
      },
    );
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).not.toContain('release_command');
    expect(fly.app(PROD).releaseCommands).toEqual([
      { command: 'bin/migrate', image: old, releaseVersion: 4, at: expect.any(String) },
    ]);

    fly.fault('deploy', { releaseCommandExit: 2, times: 1 });
    const failing = await fly.runInProcess(['deploy', '--config', 'fly.toml', '--image', seedImage(PROD, 3)], { cwd });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(
      /Error: release command failed - aborting deployment\. machine [0-9a-f]{14} exited with non-zero status of 2\n$/,
    );
    expect(fly.releases(PROD)[0]).toMatchObject({ version: 6, status: 'failed' });
    expect(fly.currentImage(PROD)).toBe(old); // the machines were not touched

    fly.pruneImage(seedImage(PROD, 1));
    const pruned = await fly.runInProcess(['deploy', '--app', PROD, '--image', seedImage(PROD, 1)]);
    expect(pruned).toMatchObject({ code: 1 });
    expect(pruned.stderr).toContain(
      `Error: failed to fetch an image or build from source: could not find image "${seedImage(PROD, 1)}"\n`,
    );
    expect(fly.releases(PROD)).toHaveLength(6);
  });

  test('first deploy with [[mounts]]: one machine whatever --ha says, on an existing unattached volume; without mounts --ha gives two', async ({
    expect,
  }) => {
    const fly = fake({ world: 'empty' });
    fly.seedApp('with-volume', { releases: 0, volumes: [{ name: 'data', sizeGb: 10 }] });
    fly.seedApp('no-volume', { releases: 0 });
    const mounted = await tomlDir(
      'app = "with-volume"\n[[mounts]]\n  source = "data"\n  destination = "/data"\n  initial_size = "10gb"\n',
    );
    const image = ['--image', 'registry.fly.io/with-volume:v1'];
    expect((await fly.runInProcess(['deploy', '--ha=true', ...image], { cwd: mounted })).code).toBe(0);
    const app = fly.app('with-volume');
    expect(app.machines).toHaveLength(1);
    expect(app.volumes.map((v) => [v.sizeGb, v.attachedMachineId])).toEqual([[10, app.machines[0]?.id]]);
    const ha = await fly.runInProcess([
      'deploy',
      '--app',
      'no-volume',
      '--ha=true',
      '--image',
      'registry.fly.io/no-volume:v1',
    ]);
    expect(ha.stdout).toContain('Creating a second machine for high availability and zero downtime deployments.');
    expect(fly.app('no-volume').machines).toHaveLength(2);
  });

  test('scale count N: the second machine and the volume it mounts; --yes when nobody can confirm', async ({
    expect,
  }) => {
    const fly = fake();
    // A production app as flyctl's first deploy leaves it: one machine, one volume.
    fly.seedApp(PROD, { machines: 1, volumes: [{ name: 'kotadb_data', sizeGb: 10 }] });
    const refused = await fly.runInProcess(['scale', 'count', '2', '--app', PROD]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe(
      "App 'kotadb-api' is going to be scaled according to this plan:\n  +1 machines for group 'app' on region 'iad' of size 'shared-cpu-1x'\n  +1 volumes  for group 'app' in region 'iad'\n",
    );
    expect(refused.stderr).toBe('Error: --yes flag must be specified when not running interactively\n');
    const scaled = await fly.runInProcess(['scale', 'count', '2', '--app', PROD, '--yes']);
    expect(scaled.code).toBe(0);
    expect(scaled.stdout).toMatch(
      /Executing scale plan\n  Creating volume kotadb_data region:iad size:10GiB\n  Created [0-9a-f]{14} group:app/,
    );
    const app = fly.app(PROD);
    expect(app.machines).toHaveLength(2);
    expect(app.machines[1]?.image).toBe(app.machines[0]?.image);
    expect(app.volumes.map((v) => [v.name, v.sizeGb, v.attachedMachineId])).toEqual(
      app.machines.map((m) => ['kotadb_data', 10, m.id]),
    );
    expect((await fly.runInProcess(['scale', 'count', '2', '--app', PROD])).stdout).toBe(
      'App already scaled to desired state. No need for changes\n',
    );
  });

  test('secrets: all Staged when flyctl cannot tell (no machines, no release timestamps); secrets deploy needs machines and has no --stage', async ({
    expect,
  }) => {
    const fly = fake();
    fly.seedApp('no-machines', { releases: 2, machines: 0, secrets: { A: '1' } });
    fly.update((state) => {
      state.apps.find((a) => a.name === STAGING)!.releaseTimestampsUnavailable = true;
    });
    const statuses = async (app: string) =>
      (
        JSON.parse((await fly.runInProcess(['secrets', 'list', '--app', app, '--json'])).stdout) as { status: string }[]
      ).map((s) => s.status);
    expect(await statuses('no-machines')).toEqual(['Staged']);
    expect(await statuses(STAGING)).toEqual(['Staged', 'Staged', 'Staged', 'Staged']);
    expect(await statuses(PROD)).toEqual(['Deployed', 'Deployed', 'Deployed', 'Deployed']);
    const [none, stage, nothingStaged] = await Promise.all([
      fly.runInProcess(['secrets', 'deploy', '--app', 'no-machines']),
      fly.runInProcess(['secrets', 'deploy', '--app', PROD, '--stage']),
      fly.runInProcess(['secrets', 'deploy', '--app', PROD], { env: { FLY_EMIT_RELEASE_JSON: '1' } }),
    ]);
    expect(none).toMatchObject({
      code: 1,
      stderr:
        "Error: no machines available to deploy\n'fly secrets deploy' will only work if the app has been deployed and there are machines available\n\nTry 'fly deploy' first\n\n",
    });
    expect(stage).toMatchObject({ code: 1, stderr: 'Error: unknown flag: --stage\n' });
    // Nothing staged: flyctl restarts the machines anyway (a release).
    expect(nothingStaged.code).toBe(0);
    expect(releaseLine(nothingStaged.stdout)).toMatchObject({ version: 4 });
    expect(fly.releases(PROD)[0]).toMatchObject({ version: 4, description: 'Deploy staged secrets' });
  });

  test('apps create: --org needed with several orgs, unknown org, a name held by an app this account cannot see', async ({
    expect,
  }) => {
    const fly = fake({ world: 'empty' });
    fly.update((state) => {
      state.orgs.push({ id: 'org_kotadb', slug: 'kotadb', name: 'KotaDB', type: 'SHARED' });
      state.takenAppNames = ['kotadb-api'];
    });
    const [noOrg, unknown, taken, ok] = await Promise.all([
      fly.runInProcess(['apps', 'create', 'new-app']),
      fly.runInProcess(['apps', 'create', 'new-app', '--org', 'nope']),
      fly.runInProcess(['apps', 'create', 'kotadb-api', '--org', 'kotadb']),
      fly.runInProcess(['apps', 'create', 'new-app', '--org', 'kotadb']),
    ]);
    expect(noOrg).toMatchObject({
      code: 1,
      stderr: 'Error: org slug must be specified when not running interactively\n',
    });
    expect(unknown).toMatchObject({ code: 1, stderr: 'Error: organization nope not found\n' });
    expect(taken.stderr).toBe(
      'Error: Validation failed: Name has already been taken\nApp names are unique across all of Fly.io, not just your organization, so this name may be held by an app you cannot see. Try a different name.\n\n',
    );
    expect(ok.code).toBe(0);
    expect(fly.state().apps.map((a) => [a.name, a.org])).toEqual([['new-app', 'kotadb']]);
  });

  test('volumes create: --yes only when no volume of that name exists, region required and checked, --count N', async ({
    expect,
  }) => {
    const fly = fake();
    const create = (...args: string[]) => fly.runInProcess(['volumes', 'create', ...args, '--app', PROD]);
    const [noRegion, badRegion, existingName, count] = await Promise.all([
      create('kotadb_data', '--yes'),
      create('kotadb_data', '--region', 'xyz', '--yes'),
      create('kotadb_data', '--region', 'iad', '--size', '10'),
      create('extra', '--region', 'iad', '--count', '2'),
    ]);
    expect(noRegion).toMatchObject({
      code: 1,
      stderr: 'Error: region code must be specified when not running interactively\n',
    });
    expect(badRegion).toMatchObject({ code: 1, stderr: 'Error: region xyz not found\n' });
    expect(existingName.code).toBe(0);
    expect(count.code).toBe(0);
    expect(fly.app(PROD).volumes.map((v) => v.name)).toEqual([
      'kotadb_data',
      'kotadb_data',
      'kotadb_data',
      'extra',
      'extra',
    ]);
    const fromEnv = await fly.runInProcess(['volumes', 'create', 'more', '--app', PROD, '--yes'], {
      env: { FLY_REGION: 'ord' },
    });
    expect(fromEnv.code).toBe(0);
    expect(fly.app(PROD).volumes.at(-1)).toMatchObject({ name: 'more', region: 'ord' });
  });

  test('errors as flyctl prints them: description and suggestion after the Error line; deadline 126; a recovered panic 3', async ({
    expect,
  }) => {
    const fly = fake();
    fly.fault('deploy', { stateTimeout: true, times: 1 });
    fly.fault('status', { deadline: true, times: 1 });
    fly.fault('releases', { panic: true, times: 1 });
    const [state, deadline, panic] = await Promise.all([
      fly.runInProcess(['deploy', '--app', PROD, '--image', seedImage(PROD, 2)]),
      fly.runInProcess(['status', '--app', PROD, '--json']),
      fly.runInProcess(['releases', '--app', PROD, '--json']),
    ]);
    expect(state.code).toBe(1);
    expect(state.stderr).toMatch(
      /Error: timeout reached waiting for machine's state to change\nYour machine was created, but never started .*\n[\s\S]*\n\nYou can try deploying to a different region,\nor you can try increasing the timeout with the --wait-timeout flag\n\n$/,
    );
    expect(fly.releases(PROD)[0]).toMatchObject({ version: 4, status: 'failed' });
    expect(deadline).toMatchObject({ code: 126, stderr: 'Error: context deadline exceeded\n' });
    expect(panic.code).toBe(3);
    expect(panic.stdout).toMatch(/^Oops, something went wrong! Could you try that again\?\n/);
  });

  test('status --json: check fields are omitted when empty; releases --json InProgress is never fetched', async ({
    expect,
  }) => {
    const fly = fake();
    fly.fault('deploy', { hang: true, times: 1 });
    fly.update((state) => {
      const m = state.apps.find((a) => a.name === PROD)!.machines[0]!;
      m.checks = [{ name: '', status: '', output: 'booting', updatedAt: '' }];
    });
    const status = JSON.parse((await fly.runInProcess(['status', '--app', PROD, '--json'])).stdout) as {
      Machines: { checks: unknown[] }[];
    };
    expect(status.Machines[0]?.checks).toEqual([{ output: 'booting' }]);
    const controller = new AbortController();
    const deploying = fly.runInProcess(['deploy', '--app', STAGING, '--image', seedImage(STAGING, 2)], {
      signal: controller.signal,
    });
    await until(() => fly.releases(STAGING)[0]?.status === 'running');
    const releases = JSON.parse((await fly.runInProcess(['releases', '--app', STAGING, '--json'])).stdout) as {
      Status: string;
      InProgress: boolean;
    }[];
    expect(releases[0]).toMatchObject({ Status: 'running', InProgress: false });
    controller.abort();
    expect((await deploying).code).toBe(127);
  });
});

describe('secrets import parser (port of flyctl parser.go)', () => {
  const p = parseSecretsImport;
  test.each([
    ['K=a#b', 'a'],
    ['K=a #b', 'a'],
    ['K="a#b"', 'a#b'],
    ['K="a" # comment', 'a'],
    ['K="a#b" # c', '"a#b" # c'], // cut at the FIRST #: `"a` holds one quote, so nothing is cut
    ['K=x"y#z', 'x"y#z'],
    ['K=abc==', 'abc=='],
    ['K=a=b', 'a=b'],
    ['K=   v  ', 'v  '],
    ['K=\tv', '\tv'],
    ['K="double"', 'double'],
    ["K='single'", 'single'],
    ["K='a#b'", "'a"],
    ['K="unbalanced', '"unbalanced'],
    ['K=""', ''],
    ['K=', ''],
    ['K="a\\nb"', 'a\\nb'],
    ['K=""""""', ''],
    ['K="""text"""', 'text'],
    ['K="""a"""#c', 'a'],
    ['K="\'mixed\'"', "'mixed'"],
  ])('%j -> %j', (line, value) => {
    expect(p(line)).toEqual({ K: value });
  });

  test('names are trimmed (Go TrimSpace), values keep a BOM-less name only when trimmed', () => {
    expect(p(' \tNAME\t = v')).toEqual({ NAME: 'v' });
    expect(p('\uFEFFK=v')).toEqual({ '\uFEFFK': 'v' });
    expect(p('=v')).toEqual({ '': 'v' });
    expect(p('__proto__=x')).toEqual(JSON.parse('{"__proto__":"x"}'));
  });

  test('lines: \\n split, one \\r dropped, blank and # lines skipped, an indented # is an error', () => {
    expect(p('A=1\r\nB=2\r\n')).toEqual({ A: '1', B: '2' });
    expect(p('A=1\r\r\n')).toEqual({ A: '1\r' });
    expect(p('# c\n\n \t \nA=1\n#B=2')).toEqual({ A: '1' });
    expect(() => p('  # indented')).toThrow(
      new SecretsParseError('Secrets must be provided as NAME=VALUE pairs (  # indented is invalid)'),
    );
    expect(p('A=1\nA=2')).toEqual({ A: '2' });
  });

  test('multi-line values', () => {
    expect(p('K="""a\nb"""')).toEqual({ K: 'a\nb' });
    expect(p('K="""\nx\n"""')).toEqual({ K: '\nx\n' });
    expect(p('K="""x\n# not a comment\nA=B\n\n"""\nC=3')).toEqual({ K: 'x\n# not a comment\nA=B\n\n', C: '3' });
    expect(p('K="""abc # c\nd"""')).toEqual({ K: 'abc # c\nd' });
    expect(p('K="""a\r\nb"""\r\n')).toEqual({ K: 'a\nb' });
    expect(p('K="""a\nb""" ')).toEqual({}); // the closing line must END with """
    expect(parseSecretsImportDetailed('A=1\nK="""x\ny\n')).toEqual({
      secrets: { A: '1' },
      tooLong: false,
      unterminated: 'K',
    });
    expect(p('K=old\nK="""new')).toEqual({ K: 'old' });
  });

  test('a line of 64 KiB or more silently ends the input', () => {
    const ok = 'K=' + 'x'.repeat(65535 - 2);
    expect(p(`${ok}\nB=2`)).toEqual({ K: 'x'.repeat(65533), B: '2' });
    const long = 'K=' + 'x'.repeat(65536 - 2);
    expect(parseSecretsImportDetailed(`A=1\n${long}\nB=2`)).toEqual({
      secrets: { A: '1' },
      tooLong: true,
      unterminated: null,
    });
    expect(p(`A=1\n${ok}\r\nB=2`)).toEqual({ A: '1' }); // the \r counts
    expect(p(`A=1\n${long}`)).toEqual({ A: '1' }); // last line, no \n
    const multibyte = 'K=' + 'é'.repeat(32767); // 65536 bytes
    expect(p(`A=1\n${multibyte}`)).toEqual({ A: '1' });
  });

  test('a lone quote panics like Go', () => {
    expect(() => p('K="')).toThrow(GoPanic);
    expect(() => p("K='")).toThrow(GoPanic);
  });
});

describe.concurrent('fake KotaDB app server', () => {
  test('health modes', async ({ expect }) => {
    const app = await startAppServer({ apiKey: 'kdb_live_test' });
    try {
      const get = async (mode: AppMode) => {
        await app.setMode(mode);
        const res = await fetch(`${app.url}/health`);
        return { status: res.status, text: await res.text() };
      };
      const healthy = JSON.parse((await get('healthy')).text) as Record<string, any>;
      expect(healthy).toEqual({
        status: 'healthy',
        version: '0.6.0',
        services_enabled: expect.any(Array),
        saas: {
          supabase_status: 'ok',
          supabase_latency_ms: 12,
          job_queue: { queued: 0, in_progress: 0, failed: 3, failed_recent: 0, oldest_queued_seconds: null },
        },
      });
      expect(JSON.parse((await get('no-saas')).text)).not.toHaveProperty('saas');
      expect((await get('status-503')).status).toBe(503);
      expect(JSON.parse((await get('unhealthy')).text).status).toBe('degraded');
      expect(JSON.parse((await get('supabase-error')).text).saas.supabase_status).toBe('error');
      const bad = await get('bad-json');
      expect(bad.status).toBe(200);
      expect(() => JSON.parse(bad.text)).toThrow();
      expect(JSON.parse((await get('failed-recent')).text).saas.job_queue.failed_recent).toBe(4);
      await app.setMode('hang');
      await expect(fetch(`${app.url}/health`, { signal: AbortSignal.timeout(250) })).rejects.toThrow();
      await app.setMode('refused');
      await expect(fetch(`${app.url}/health`)).rejects.toThrow();
      await app.setMode('healthy');
      expect((await fetch(`${app.url}/health`)).status).toBe(200); // same port again
    } finally {
      await app.close();
    }
  });

  test('API key checks; smoke-500; requests never store the key', async ({ expect }) => {
    const key = 'kdb_live_SUPERSECRET';
    const app = await startAppServer({ apiKey: key });
    try {
      const repos = (headers: Record<string, string> = {}) => fetch(`${app.url}/api/v1/repositories`, { headers });
      const none = await repos();
      expect(none.status).toBe(401);
      expect(await none.json()).toHaveProperty('error');
      expect((await repos({ 'X-API-Key': 'wrong' })).status).toBe(403);
      const ok = await repos({ 'X-API-Key': key });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ repositories: [] });
      const mcp = await fetch(`${app.url}/mcp/tools/search_code`, {
        method: 'POST',
        headers: { 'X-API-Key': key, 'content-type': 'application/json' },
        body: '{"query":"async fn","limit":5}',
      });
      expect(await mcp.json()).toEqual({ results: [] });
      await app.setMode('smoke-500');
      expect((await repos({ 'X-API-Key': key })).status).toBe(500);
      expect((await fetch(`${app.url}/health`)).status).toBe(200);
      const recorded = app.requests();
      expect(recorded.map((r) => [r.method, r.path, r.apiKey, r.status])).toEqual([
        ['GET', '/api/v1/repositories', 'absent', 401],
        ['GET', '/api/v1/repositories', 'invalid', 403],
        ['GET', '/api/v1/repositories', 'valid', 200],
        ['POST', '/mcp/tools/search_code', 'valid', 200],
        ['GET', '/api/v1/repositories', 'valid', 500],
        ['GET', '/health', 'absent', 200],
      ]);
      expect(recorded[2]?.headers).toContain('x-api-key');
      expect(JSON.stringify(recorded)).not.toContain('SUPERSECRET');
    } finally {
      await app.close();
    }
  });

  test('modeForImage follows the image the fake flyctl says is running', async ({ expect }) => {
    const fly = fake();
    const bad = `registry.fly.io/${PROD}:deployment-01JBROKEN00000000000000001`;
    const app = await startAppServer({
      fakeFly: fly,
      app: PROD,
      modeForImage: (image) => (image === bad ? 'unhealthy' : 'healthy'),
    });
    try {
      const status = async () => ((await (await fetch(`${app.url}/health`)).json()) as { status: string }).status;
      expect(await status()).toBe('healthy');
      await fly.runInProcess(['deploy', '--app', PROD, '--image', bad]);
      expect(await status()).toBe('degraded');
      await fly.runInProcess(['deploy', '--app', PROD, '--image', seedImage(PROD, 3)]);
      expect(await status()).toBe('healthy');
      expect(app.requests().map((r) => r.image)).toEqual([seedImage(PROD, 3), bad, seedImage(PROD, 3)]);
    } finally {
      await app.close();
    }
  });
});

async function until(pred: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function tomlDir(toml: string): Promise<string> {
  return scratch(toml ? { 'fly.toml': toml } : {});
}

/** A temp folder holding these files (paths may have folders), removed after the file's tests. */
async function scratch(files: Record<string, string>): Promise<string> {
  const { mkdirSync, mkdtempSync, writeFileSync, realpathSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { dirname, join } = await import('node:path');
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fake-fly-toml-')));
  scratchDirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** The FLY_EMIT_RELEASE_JSON line of a deploy's stdout. */
function releaseLine(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.split('\n').find((l) => l.startsWith('{')) ?? 'null') as Record<string, unknown>;
}

/**
 * The in-process fake (runFlyctl, fakeFlyExec) must answer exactly like the process: the same
 * scenario run both ways on two identical worlds gives the same exit codes, output, state and
 * calls.jsonl, once generated ids and clocks are numbered in order of appearance.
 */
describe.concurrent('fake flyctl: in-process and process give the same answers', () => {
  type Step = { args: string[]; opts?: RunOptions };
  type Scenario = { name: string; world?: CreateFakeFlyOptions; setup?: (fly: FakeFly) => void; steps: Step[] };
  const deployToml = `app = "${PROD}"\nprimary_region = "iad"\n`;
  const newAppToml =
    'app = "new-app"\nprimary_region = "ord"\n\n[deploy]\n  strategy = "immediate"\n\n[[mounts]]\n  source = "data"\n  destination = "/data"\n';

  const scenarios: Scenario[] = [
    {
      name: 'command line: version, help, unknown commands and flags, `releases list`, a group without subcommand',
      steps: [
        { args: ['version'] },
        { args: ['--version'] },
        { args: ['version', '--json'] },
        { args: [] },
        { args: ['nope'] },
        { args: ['releases', 'list', '--app', PROD] },
        { args: ['releases', '--app', PROD, '--bogus'] },
        { args: ['secrets', 'lsit'] },
        { args: ['deploy', '--app', PROD, '--ha=maybe'] },
        { args: ['ssh', 'console', '--app', PROD] },
        { args: ['version'], opts: { env: { FAKE_FLYCTL_STATE: undefined } } },
      ],
    },
    {
      name: 'session: logged out, then a token; FLY_APP; exact app names',
      world: { loggedIn: false, decoys: true },
      steps: [
        { args: ['auth', 'whoami', '--json'] },
        { args: ['auth', 'whoami', '--json'], opts: { env: { FLY_API_TOKEN: 'fo1_token' } } },
        { args: ['releases', '--json'], opts: { env: { FLY_ACCESS_TOKEN: 'fo1_token', FLY_APP: STAGING } } },
        { args: ['releases', '--app', 'kotadb', '--json'], opts: { env: { FLY_API_TOKEN: 'fo1_token' } } },
        { args: ['status', '--json'], opts: { env: { FLY_API_TOKEN: 'fo1_token' } } },
      ],
    },
    {
      name: 'read-only JSON: apps, releases, status, secrets (three shapes), volumes, logs, certs, open',
      setup: (fly) => fly.update((s) => void (s.secretsJsonShape = 'mid')),
      steps: [
        { args: ['apps', 'list', '--json'] },
        { args: ['apps', 'list'] },
        { args: ['releases', '--app', PROD, '--json'] },
        { args: ['releases', '--app', PROD, '--image'] },
        { args: ['status', '--app', PROD, '--json'] },
        { args: ['status', '--app', STAGING] },
        { args: ['secrets', 'list', '--app', PROD, '--json'] },
        { args: ['secrets', 'list', '--app', PROD] },
        { args: ['volumes', 'list', '--app', PROD, '--json'] },
        { args: ['logs', '--app', PROD, '--no-tail'] },
        { args: ['logs', '-a', PROD, '-n', '-j'] },
        { args: ['certs', 'list', '--app', STAGING] },
        { args: ['apps', 'open', '/health', '--app', PROD] },
      ],
    },
    {
      name: 'secrets: import from stdin, set NAME=- with and without piped stdin, a Go panic, unset --stage, secrets deploy',
      steps: [
        { args: ['secrets', 'import', '--app', PROD], opts: { input: 'A=1\nB="x#y"\nPEM="""l1\nl2"""\n' } },
        { args: ['secrets', 'import', '--app', PROD], opts: { input: 'A=1\ngarbage\n' } },
        { args: ['secrets', 'import', '--app', PROD], opts: { input: 'A="\n' } },
        { args: ['secrets', 'import', '--app', PROD], opts: { stdin: 'ignore' } },
        { args: ['secrets', 'set', 'K=-', 'L=-', '--app', STAGING, '--stage'], opts: { input: '  v1\n' } },
        { args: ['secrets', 'set', 'K=-', '--app', STAGING], opts: { stdin: 'ignore' } },
        { args: ['secrets', 'unset', 'SUPABASE_URL', '--app', STAGING, '--stage'] },
        { args: ['secrets', 'deploy', '--app', STAGING] },
      ],
    },
    {
      name: 'deploy: success with the release line, a health-check timeout, bluegreen refused, a missing config',
      setup: (fly) => fly.fault('deploy', { healthTimeout: true, times: 1, app: STAGING }),
      steps: [
        {
          args: ['deploy', '--config', 'fly.toml', '--app', PROD, '--image', 'registry.fly.io/kotadb-api:v9'],
          opts: { env: { FLY_EMIT_RELEASE_JSON: '1' }, cwd: 'TOML:deploy' },
        },
        { args: ['deploy', '--app', STAGING, '--image', 'registry.fly.io/kotadb-api-staging:bad'] },
        { args: ['deploy', '--app', PROD, '--strategy', 'bluegreen'] },
        { args: ['deploy', '--app', PROD, '--config', 'missing.toml'], opts: { cwd: 'TOML:deploy' } },
        { args: ['deploy', '--app', STAGING, '--strategy', 'immediate', '--ha=false'] },
      ],
    },
    {
      name: 'a new app: create, stage secrets, first deploy from fly.toml, volumes, scale memory',
      world: { world: 'empty' },
      steps: [
        { args: ['apps', 'create', 'new-app', '--org', 'personal'] },
        { args: ['apps', 'create', 'new-app'] },
        { args: ['secrets', 'import', '--app', 'new-app'], opts: { input: 'A=1\n' } },
        { args: ['scale', 'memory', '512', '--app', 'new-app'] },
        { args: ['deploy', '--ha=false', '--image', 'registry.fly.io/new-app:v1'], opts: { cwd: 'TOML:new' } },
        { args: ['volumes', 'create', 'extra', '--size', '3', '--app', 'new-app', '--region', 'iad'] },
        { args: ['volumes', 'create', 'extra', '--size', '3', '--app', 'new-app', '--region', 'iad', '--yes'] },
        { args: ['scale', 'memory', '512', '--app', 'new-app'] },
      ],
    },
    {
      name: 'faults: exit and stderr, stdout only, times, delays',
      setup: (fly) => {
        fly.fault('apps list', { exit: 2, stderr: 'Error: server returned 502\n', times: 1 });
        fly.fault('auth whoami', { stdout: 'not json' });
        fly.fault('status', { exit: 1 });
        fly.fault('releases', { delayMs: 50, times: 1 });
      },
      steps: [
        { args: ['apps', 'list', '--json'] },
        { args: ['apps', 'list', '--json'] },
        { args: ['auth', 'whoami', '--json'] },
        { args: ['status', '--app', PROD, '--json'] },
        { args: ['releases', '--app', PROD, '--json'] },
      ],
    },
  ];

  test.for(scenarios)('$name', async (scenario, { expect }) => {
    const tomls = { deploy: await tomlDir(deployToml), new: await tomlDir(newAppToml) };
    const play = async (runner: 'run' | 'runInProcess') => {
      const fly = fake(scenario.world);
      scenario.setup?.(fly);
      const results: RunResult[] = [];
      for (const step of scenario.steps) {
        const cwd = step.opts?.cwd?.startsWith('TOML:') ? tomls[step.opts.cwd.slice(5) as 'deploy' | 'new'] : undefined;
        results.push(await fly[runner](step.args, { ...step.opts, ...(cwd ? { cwd } : {}) }));
      }
      const calls = fly.calls().map(({ id: _id, pid: _pid, time: _time, ...call }) => call);
      return normalized({ results, state: fly.state(), calls }, fly.dir);
    };
    const [spawned, inProcess] = await Promise.all([play('run'), play('runInProcess')]);
    expect(inProcess).toEqual(spawned);
  });

  test('Ctrl-C on a hanging deploy: both record the release as interrupted and exit 127', async ({ expect }) => {
    const interrupt = async (inProcess: boolean) => {
      const fly = fake();
      fly.fault('deploy', { hang: true, times: 1 });
      const args = ['deploy', '--app', STAGING, '--image', 'registry.fly.io/kotadb-api-staging:hang'];
      let code: number | null;
      if (inProcess) {
        const controller = new AbortController();
        const running = fly.runInProcess(args, { signal: controller.signal });
        await until(() => fly.releases(STAGING)[0]?.status === 'running');
        controller.abort();
        code = (await running).code;
      } else {
        const child = fly.spawn(args);
        await until(() => fly.releases(STAGING)[0]?.status === 'running');
        child.kill('SIGINT');
        [code] = (await once(child, 'exit')) as [number | null];
      }
      return { code, release: normalized(fly.releases(STAGING)[0], fly.dir) };
    };
    const [spawned, inProcess] = await Promise.all([interrupt(false), interrupt(true)]);
    expect(spawned).toMatchObject({ code: 127, release: { version: 4, status: 'interrupted' } });
    expect(inProcess).toEqual(spawned);
  });

  test('through the Runner: fakeFlyExec and a real spawn give the same results, timeouts and Ctrl-C included', async ({
    expect,
  }) => {
    const through = async (inProcess: boolean) => {
      const fly = fake();
      fly.fault('volumes list', { hang: true });
      fly.fault('deploy', { hang: true, times: 1 });
      // The inherited call below prints nothing: a spawned child would write to this test run's
      // own terminal, in the middle of vitest's report.
      fly.fault('releases', { app: STAGING, stdout: '' });
      const controller = new AbortController();
      const exec = inProcess ? fakeFlyExec(fly) : new SpawnExecutor();
      const runner = new Runner({ env: baseEnv(fly.env), exec, signal: controller.signal, output: new Output() });
      const outcome = async (p: Promise<{ exitCode: number; stdout: string; stderr: string }>) => {
        try {
          const r = await p;
          return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
        } catch (error) {
          const e = error as Error & { result?: { exitCode: number; signal?: unknown } };
          return { error: e.constructor.name, message: e.message, exitCode: e.result?.exitCode ?? null };
        }
      };
      // The trapped SIGTERM needs the spawned fake to have started (its handler is installed
      // before the call is recorded): give it time, even on a loaded machine.
      const results = [
        await outcome(runner.run({ argv: ['flyctl', 'releases', '--app', PROD, '--json'], mutating: false })),
        await outcome(
          runner.run({ argv: ['flyctl', 'secrets', 'import', '--app', PROD], mutating: true }, { input: 'X=1\n' }),
        ),
        await outcome(runner.run({ argv: ['flyctl', 'status', '--app', 'nope', '--json'], mutating: false })),
        await outcome(
          runner.run(
            { argv: ['flyctl', 'volumes', 'list', '--app', PROD, '--json'], mutating: false },
            { timeoutMs: 2500 },
          ),
        ),
        await outcome(
          runner.run(
            { argv: ['flyctl', 'volumes', 'list', '--app', PROD, '--json'], mutating: false },
            { timeoutMs: 2500, killSignal: 'SIGKILL' },
          ),
        ),
        await outcome(
          runner.run(
            { argv: ['flyctl', 'releases', '--app', STAGING], mutating: false },
            { output: 'inherit', check: false },
          ),
        ),
      ];
      const deploying = outcome(
        runner.run({ argv: ['flyctl', 'deploy', '--app', STAGING, '--image', `${STAGING}:v9`], mutating: true }),
      );
      await until(() => fly.releases(STAGING)[0]?.status === 'running');
      expect(exec.running()).toBe(1);
      controller.abort();
      results.push(await deploying);
      const calls = fly.calls().map(({ id: _id, pid: _pid, time: _time, ...call }) => call);
      return normalized({ results, state: fly.state(), calls }, fly.dir);
    };
    const [spawned, inProcess] = await Promise.all([through(false), through(true)]);
    expect(spawned.results).toMatchObject([
      { exitCode: 0 },
      { exitCode: 0 },
      { error: 'CommandFailed', exitCode: 1 },
      { error: 'CommandTimedOut', exitCode: 127 },
      { error: 'CommandTimedOut', exitCode: 137 },
      { exitCode: 0, stdout: '' },
      { error: 'Interrupted' },
    ]);
    expect(inProcess).toEqual(spawned);
  });

  test('fakeFlyExec hands every other tool to its fallback, and killAll reaches both', async ({ expect }) => {
    const fly = fake();
    fly.fault('logs', { hang: true });
    const other = recordingExec().on(['git'], { stdout: 'main\n' }).on(['sleep'], { hang: true });
    const exec = fakeFlyExec(fly, { fallback: other });
    const runner = new Runner({ env: baseEnv(), exec, signal: new AbortController().signal, output: new Output() });
    expect((await runner.run({ argv: ['git', 'branch', '--show-current'], mutating: false })).stdout).toBe('main\n');
    const logs = runner.run({ argv: ['flyctl', 'logs', '--app', PROD], mutating: false }).catch((e: Error) => e);
    const sleeping = runner.run({ argv: ['sleep', '100'], mutating: false }).catch((e: Error) => e);
    await fly.waitForCall((c) => c.command === 'logs');
    expect(exec.running()).toBe(2);
    exec.killAll('SIGKILL');
    expect(String(await logs)).toContain('was killed by SIGKILL');
    expect(String(await sleeping)).toContain('was killed by SIGKILL');
    expect(other.argv()).toEqual([
      ['git', 'branch', '--show-current'],
      ['sleep', '100'],
    ]);
    expect(fly.calls().map((c) => c.command)).toEqual(['logs']);
  });
});

/**
 * Generated ids and digests differ between two runs: number each distinct one in order of first
 * appearance; blank the clock (seconds tick differently) and name the state directory, so two
 * runs of one scenario compare equal.
 */
function normalized<T>(value: T, dir: string): T {
  const seen = new Map<string, string>();
  const text = JSON.stringify(value)
    .split(dir)
    .join('<dir>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>')
    .replace(
      /(?<![0-9A-Z])[0-9A-HJKMNP-TV-Z]{26}(?![0-9A-Z])|(?<![0-9a-z])[0-9a-f]{14,64}(?![0-9a-z])|\bvol_[0-9a-z]{16}\b|fdaa:[0-9a-f:]+|\b[a-z]+-[a-z]+-\d{4}\b|\bapp-[0-9a-f]{8}\b|(?<=zone\\?":\\?"|Zone: )[0-9a-f]{4}/g,
      (token) => {
        if (!seen.has(token)) seen.set(token, `<${seen.size}>`);
        return seen.get(token)!;
      },
    );
  return JSON.parse(text) as T;
}
