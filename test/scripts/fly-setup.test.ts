/**
 * fly-setup in-process against the fake flyctl (fakeFlyExec): the exact flyctl calls of the
 * success path and of each failure, one volume per machine the environment runs, idempotent
 * re-runs, and the one-line errors for what Fly refuses. test/e2e/fly-setup.test.ts keeps the
 * Ctrl-C run through the entry.
 */
import { describe, test } from 'vitest';
import { script } from '../../scripts/fly-setup.ts';
import { fakeFlyExec, KOTADB_SECRETS, type CreateFakeFlyOptions, type FakeFly } from '../helpers/fake-fly.ts';
import { fakeFlyFactory } from '../helpers/per-test.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const fake = fakeFlyFactory();
const world = (opts?: CreateFakeFlyOptions) => fake(opts);
const setup = (args: string[], fly: FakeFly, signal?: AbortSignal) =>
  runInProcess(script, args, fly.env, { exec: fakeFlyExec(fly), ...(signal ? { signal } : {}) });
const argv = (fly: FakeFly) => fly.calls().map((c) => c.argv);
const mutating = (fly: FakeFly) => fly.mutatingCalls().map((c) => c.argv);

const STAGING = 'kotadb-api-staging';
const PROD = 'kotadb-api';
const preamble = [['version'], ['auth', 'whoami', '--json'], ['apps', 'list', '--json']];
const lookUp = (app: string) => [
  ['volumes', 'list', '--app', app, '--json'],
  ['status', '--app', app, '--json'],
];
const stagingVolume = [
  'volumes',
  'create',
  'kotadb_staging_data',
  '--size',
  '5',
  '--app',
  STAGING,
  '--region',
  'iad',
  '--yes',
];
const prodVolumes = (count: number) => [
  'volumes',
  'create',
  'kotadb_data',
  '--size',
  '10',
  '--app',
  PROD,
  '--region',
  'iad',
  ...(count > 1 ? ['--count', String(count)] : []),
  '--yes',
];

describe.concurrent('fly-setup (in-process)', () => {
  test('a fresh account: creates the app and the volume, lists the missing secrets; a second run changes nothing and says so', async ({
    expect,
  }) => {
    const fly = world({ world: 'empty' });
    const first = await setup(['staging'], fly);
    expect(first.code, first.stderr).toBe(0);
    expect(argv(fly)).toEqual([...preamble, ['apps', 'create', STAGING], stagingVolume]);
    expect(fly.app(STAGING).volumes).toMatchObject([{ name: 'kotadb_staging_data', sizeGb: 5, region: 'iad' }]);
    expect(first.stdout).toContain('Created app kotadb-api-staging and volume kotadb_staging_data (5 GB, iad).');
    expect(first.stdout).toContain(
      '  secrets  missing 4 of 4 required: DATABASE_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY',
    );
    expect(first.stdout).toMatch(
      /^Next:\n {2}npx just secrets staging set {2}# sets DATABASE_URL, .* from \.env\.staging\n {2}npx just deploy staging {7}# the first deploy/m,
    );

    const callsBefore = fly.calls().length;
    const second = await setup(['staging'], fly);
    expect(second.code).toBe(0);
    expect(argv(fly).slice(callsBefore)).toEqual([
      ...preamble,
      ...lookUp(STAGING),
      ['secrets', 'list', '--app', STAGING, '--json'],
    ]);
    expect(mutating(fly)).toHaveLength(2);
    expect(second.stdout).toContain('Nothing changed: kotadb-api-staging and its volumes already exist.');
    expect(second.stdout).toMatch(
      /volumes {2}kotadb_staging_data: 1 exists \(5 GB in iad, vol_\w+\) \(one per machine: staging runs 1\)/,
    );
    expect(fly.app(STAGING).volumes).toHaveLength(1);
  });

  test('production gets one volume per machine (2, one command with --count), and the second machine is left to scale count', async ({
    expect,
  }) => {
    const fly = world({ world: 'empty' });
    const result = await setup(['production', '--yes'], fly);
    expect(result.code, result.stderr).toBe(0);
    expect(mutating(fly)).toEqual([['apps', 'create', PROD], prodVolumes(2)]);
    expect(fly.app(PROD).volumes.map((v) => [v.name, v.sizeGb, v.region])).toEqual([
      ['kotadb_data', 10, 'iad'],
      ['kotadb_data', 10, 'iad'],
    ]);
    expect(result.stdout).toContain('Created app kotadb-api and 2 volumes kotadb_data (10 GB each, iad).');
    expect(result.stdout).toContain(
      '  flyctl scale count 2 --app kotadb-api --yes  # production runs 2 machines, each on its own volume; adds the missing one\n',
    );
  });

  test('counts what exists: production with one volume (one machine) gets exactly one more; then nothing', async ({
    expect,
  }) => {
    const fly = world();
    fly.seedApp(PROD, { machines: 1, volumes: [{ name: 'kotadb_data', sizeGb: 10 }], secrets: KOTADB_SECRETS[PROD] });
    const result = await setup(['production', '--yes'], fly);
    expect(result.code, result.stderr).toBe(0);
    expect(argv(fly)).toEqual([
      ...preamble,
      ...lookUp(PROD),
      prodVolumes(1),
      ['secrets', 'list', '--app', PROD, '--json'],
    ]);
    expect(fly.app(PROD).volumes).toHaveLength(2);
    expect(result.stdout).toContain(
      'Next:\n  flyctl scale count 2 --app kotadb-api --yes  # production runs 2 machines, each on its own volume; adds the missing one\n',
    );
    const again = await setup(['production'], fly);
    expect(again.code).toBe(0);
    expect(mutating(fly)).toEqual([prodVolumes(1)]);
  });

  test('creates kotadb-api even though kotadb-api-staging and kotadb-api-old exist (exact name match)', async ({
    expect,
  }) => {
    const fly = world({ decoys: true });
    fly.update((state) => {
      state.apps = state.apps.filter((a) => a.name !== PROD);
    });
    const result = await setup(['production', '--yes'], fly);
    expect(result.code).toBe(0);
    expect(mutating(fly)).toEqual([['apps', 'create', PROD], prodVolumes(2)]);
    expect(fly.state().apps.map((a) => a.name)).toEqual(['kotadb-api-old', 'kotadb-api-staging-old', STAGING, PROD]);
    expect(fly.app(STAGING).volumes).toHaveLength(1);
  });

  test('production: refuses to create without --yes (exit 3, nothing created); nothing to create needs no confirmation', async ({
    expect,
  }) => {
    const empty = world({ world: 'empty' });
    const refused = await setup(['production'], empty);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      'error: refusing to create app kotadb-api and 2 volumes kotadb_data (10 GB each, iad) without confirmation',
    );
    expect(argv(empty)).toEqual(preamble);
    expect(empty.state().apps).toEqual([]);

    const ready = world();
    const noop = await setup(['production'], ready);
    expect(noop.code).toBe(0);
    expect(noop.stdout).toContain('  secrets  all 4 required set\n');
    expect(noop.stdout).toContain(
      'Nothing changed: kotadb-api and its volumes already exist.\nNothing left to do: production is set up.\n',
    );
    expect(mutating(ready)).toEqual([]);
    for (const value of Object.values(KOTADB_SECRETS[PROD])) expect(noop.all).not.toContain(value);
  });

  test('--dry-run prints the commands it would run and creates nothing', async ({ expect }) => {
    const fly = world({ world: 'empty' });
    const result = await setup(['production', '--dry-run', '--org', 'personal'], fly);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^\$ flyctl apps create kotadb-api --org personal\n\$ flyctl volumes create kotadb_data --size 10 --app kotadb-api --region iad --count 2 --yes\n/,
    );
    expect(result.stdout).toContain('Dry run: nothing was changed.');
    expect(result.stderr).toContain('dry run: a real run would ask you to type "kotadb-api"');
    expect(argv(fly)).toEqual(preamble);
    expect(fly.state().apps).toEqual([]);
  });

  test('--org creates the app in that organization; an invalid slug is exit 2 before any call', async ({ expect }) => {
    const fly = world({ world: 'empty' });
    fly.update((state) => {
      state.orgs.push({ id: 'org_kotadb', slug: 'kotadb', name: 'KotaDB', type: 'SHARED' });
    });
    const result = await setup(['staging', '--org', 'kotadb'], fly);
    expect(result.code).toBe(0);
    expect(mutating(fly)[0]).toEqual(['apps', 'create', STAGING, '--org', 'kotadb']);
    expect(fly.app(STAGING).org).toBe('kotadb');

    const other = world({ world: 'empty' });
    const bad = await setup(['staging', '--org', 'Not A Slug'], other);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--org must be an organization slug');
    expect(other.calls()).toEqual([]);
  });

  test('an existing app without its volume gets only the volume; staged secrets are reported with the command that applies them', async ({
    expect,
  }) => {
    const fly = world();
    fly.update((state) => {
      const app = state.apps.find((a) => a.name === STAGING)!;
      app.volumes = [];
      app.secrets.SUPABASE_SERVICE_KEY!.status = 'Staged';
    });
    const result = await setup(['staging'], fly);
    expect(result.code).toBe(0);
    expect(mutating(fly)).toEqual([stagingVolume]);
    expect(result.stdout).toContain('  secrets  all 4 required set; staged, not deployed yet: SUPABASE_SERVICE_KEY\n');
    expect(result.stdout).toContain(
      'Created volume kotadb_staging_data (5 GB, iad).\nNext:\n  npx just secrets staging deploy  # applies the staged secrets (restarts the machines)\n',
    );
  });

  test('every secret Staged on a running app: flyctl cannot tell, so nothing is claimed staged', async ({ expect }) => {
    const fly = world();
    fly.update((state) => void (state.apps.find((a) => a.name === STAGING)!.releaseTimestampsUnavailable = true));
    const result = await setup(['staging'], fly);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  secrets  all 4 required set; flyctl cannot tell whether they are deployed\n');
    expect(result.stdout).toContain('Nothing left to do: staging is set up.');
  });

  test('a failed volume creation says what was already created; re-running finishes the job', async ({ expect }) => {
    const fly = world({ world: 'empty' });
    fly.fault('volumes create', {
      exit: 1,
      stderr: 'Error: failed to create volume: capacity exceeded in iad\n',
      times: 1,
    });
    const failed = await setup(['staging'], fly);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'error: flyctl volumes create kotadb_staging_data --size 5 --app kotadb-api-staging --region iad --yes failed (exit 1): Error: failed to create volume: capacity exceeded in iad',
    );
    expect(failed.stderr).toContain(
      'already created: app kotadb-api-staging; fix the cause, then re-run `npx just fly-setup staging` (it skips what exists)',
    );

    const again = await setup(['staging'], fly);
    expect(again.code).toBe(0);
    expect(mutating(fly).map((a) => a.slice(0, 2).join(' '))).toEqual([
      'apps create',
      'volumes create',
      'volumes create',
    ]);
    expect(again.stdout).toContain('Created volume kotadb_staging_data (5 GB, iad).');
  });

  test('Ctrl-C while the volume is being created: exit 130 saying the app exists and a re-run finishes', async ({
    expect,
  }) => {
    const fly = world({ world: 'empty' });
    fly.fault('volumes create', { hang: true });
    const controller = new AbortController();
    const running = setup(['staging'], fly, controller.signal);
    await fly.waitForCall((c) => c.command === 'volumes create');
    controller.abort();
    const result = await running;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(
      'error: interrupted while creating volume kotadb_staging_data (5 GB, iad) (flyctl volumes create kotadb_staging_data --size 5 --app kotadb-api-staging --region iad --yes); already created: app kotadb-api-staging\n  re-run `npx just fly-setup staging` (it skips what exists)',
    );
    expect(fly.state().apps.map((a) => a.name)).toEqual([STAGING]);
  });

  test('an app-scoped deploy token: apps list is refused, and fly-setup says it needs an org token (exit 3)', async ({
    expect,
  }) => {
    const fly = world({ deployToken: STAGING, loggedIn: false });
    const result = await setup(['staging'], fly);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'error: this Fly token may not list or create apps (an app-scoped deploy token?): fly-setup needs an org token; nothing was created\n  log in with `flyctl auth login`, or create one with `fly tokens create org --org <slug>` and set FLY_API_TOKEN\n',
    );
    expect(argv(fly)).toEqual(preamble);
  });

  test.for([
    {
      name: 'several organizations and no --org',
      prepare: (fly: FakeFly) =>
        fly.update((state) => void state.orgs.push({ id: 'org_k', slug: 'kotadb', name: 'KotaDB', type: 'SHARED' })),
      args: [] as string[],
      error:
        'error: flyctl apps create kotadb-api-staging: this account has several organizations\n  pass --org <slug> (see `flyctl orgs list`); nothing was created\n',
    },
    {
      name: 'an unknown --org',
      prepare: () => undefined,
      args: ['--org', 'nope'],
      error:
        'error: flyctl apps create kotadb-api-staging --org nope: organization nope not found\n  check --org against `flyctl orgs list`; nothing was created\n',
    },
    {
      name: 'a name held by an app this account cannot see',
      prepare: (fly: FakeFly) => fly.update((state) => void (state.takenAppNames = [STAGING])),
      args: [],
      error:
        'error: flyctl apps create kotadb-api-staging: Fly app names are global and kotadb-api-staging is taken by an app this account cannot see\n  log in with an account of the organization that owns it (nothing was created)\n',
    },
  ])('$name: one clear line, exit 1, no volume attempted', async ({ prepare, args, error }, { expect }) => {
    const fly = world({ world: 'empty' });
    prepare(fly);
    const result = await setup(['staging', ...args], fly);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(error);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(fly.calls().map((c) => c.command)).not.toContain('volumes create');
  });

  test('a region Fly does not know: one line naming the environment table', async ({ expect }) => {
    const fly = world({ world: 'empty' });
    fly.fault('volumes create', { exit: 1, stderr: 'Error: region iad not found\n' });
    const result = await setup(['staging'], fly);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "error: flyctl volumes create kotadb_staging_data --size 5 --app kotadb-api-staging --region iad --yes: region iad not found\n  fix staging's region in lib/config/environments.ts",
    );
  });

  test('not logged in: exit 3 with the login command, nothing created', async ({ expect }) => {
    const fly = world({ world: 'empty', loggedIn: false });
    const result = await setup(['staging'], fly);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'error: not logged in to Fly.io\n  run `flyctl auth login` (CI: set FLY_API_TOKEN)',
    );
    expect(argv(fly)).toEqual([['version'], ['auth', 'whoami', '--json']]);
  });
});
