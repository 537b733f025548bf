/**
 * fly-setup against the fake flyctl: the main paths as child processes (like users run it), the
 * variations through main() in-process (the fake flyctl is still spawned for every call).
 */
import { describe, test } from 'vitest';
import { KOTADB_SECRETS, type FakeFly } from '../helpers/fake-fly.ts';
import { fakeFlyFactory } from '../helpers/per-test.ts';
import { main } from '../../scripts/fly-setup.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';

const fake = fakeFlyFactory();

const setup = (args: string[], fly: FakeFly) => runScript('fly-setup', args, { env: fly.env });
const setupInProcess = (args: string[], fly: FakeFly) => runInProcess(main, args, fly.env);
const mutating = (fly: FakeFly) => fly.mutatingCalls().map((c) => c.argv);

describe.concurrent('fly-setup', () => {
  test('a fresh account: creates the app and the volume, lists the missing secrets; a second run changes nothing and says so', async ({
    expect,
  }) => {
    const fly = fake({ world: 'empty' });
    const first = await setup(['staging'], fly);
    expect(first.code).toBe(0);
    expect(mutating(fly)).toEqual([
      ['apps', 'create', 'kotadb-api-staging'],
      [
        'volumes',
        'create',
        'kotadb_staging_data',
        '--size',
        '5',
        '--app',
        'kotadb-api-staging',
        '--region',
        'iad',
        '--yes',
      ],
    ]);
    expect(fly.app('kotadb-api-staging').volumes).toMatchObject([
      { name: 'kotadb_staging_data', sizeGb: 5, region: 'iad' },
    ]);
    expect(first.stdout).toContain('Created app kotadb-api-staging and volume kotadb_staging_data.');
    expect(first.stdout).toContain(
      '  secrets  missing 4 of 4 required: DATABASE_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY',
    );
    expect(first.stdout).toMatch(
      /^Next:\n {2}npx just secrets staging set {2}# sets DATABASE_URL, .* from \.env\.staging\n {2}npx just deploy staging {7}# the first deploy/m,
    );

    const callsBefore = fly.calls().length;
    const second = await setup(['staging'], fly);
    expect(second.code).toBe(0);
    expect(mutating(fly)).toHaveLength(2);
    expect(
      fly
        .calls()
        .slice(callsBefore)
        .map((c) => c.command),
    ).toEqual(['version', 'auth whoami', 'apps list', 'volumes list', 'secrets list']);
    expect(second.stdout).toContain('Nothing changed: kotadb-api-staging and its volume already exist.');
    expect(second.stdout).toMatch(/volume {3}kotadb_staging_data exists \(5 GB in iad, vol_\w+\)/);
    expect(fly.app('kotadb-api-staging').volumes).toHaveLength(1);
  });

  test('creates kotadb-api even though kotadb-api-staging and kotadb-api-old exist (exact name match)', async ({
    expect,
  }) => {
    const fly = fake({ decoys: true });
    fly.update((state) => {
      state.apps = state.apps.filter((a) => a.name !== 'kotadb-api');
    });
    const result = await setup(['production', '--yes'], fly);
    expect(result.code).toBe(0);
    expect(mutating(fly)).toEqual([
      ['apps', 'create', 'kotadb-api'],
      ['volumes', 'create', 'kotadb_data', '--size', '10', '--app', 'kotadb-api', '--region', 'iad', '--yes'],
    ]);
    expect(fly.state().apps.map((a) => a.name)).toEqual([
      'kotadb-api-old',
      'kotadb-api-staging-old',
      'kotadb-api-staging',
      'kotadb-api',
    ]);
    expect(fly.app('kotadb-api-staging').volumes).toHaveLength(1);
  });

  test('production: refuses to create without --yes (exit 3, nothing created); nothing to create needs no confirmation', async ({
    expect,
  }) => {
    const empty = fake({ world: 'empty' });
    const refused = await setup(['production'], empty);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      'error: refusing to create app kotadb-api and volume kotadb_data (10 GB, iad) without confirmation',
    );
    expect(mutating(empty)).toEqual([]);
    expect(empty.state().apps).toEqual([]);

    const ready = fake();
    const noop = await setup(['production'], ready);
    expect(noop.code).toBe(0);
    expect(noop.stdout).toContain('  secrets  all 4 required set\n');
    expect(noop.stdout).toContain(
      'Nothing changed: kotadb-api and its volume already exist.\nNothing left to do: production is set up.\n',
    );
    expect(mutating(ready)).toEqual([]);
    for (const value of Object.values(KOTADB_SECRETS['kotadb-api'])) expect(noop.all).not.toContain(value);
  });

  test('--dry-run prints the commands it would run and creates nothing', async ({ expect }) => {
    const fly = fake({ world: 'empty' });
    const result = await setupInProcess(['production', '--dry-run', '--org', 'personal'], fly);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^\$ flyctl apps create kotadb-api --org personal\n\$ flyctl volumes create kotadb_data --size 10 --app kotadb-api --region iad --yes\n/,
    );
    expect(result.stdout).toContain('Dry run: nothing was changed.');
    expect(result.stderr).toContain('dry run: a real run would ask you to type "kotadb-api"');
    expect(fly.calls().map((c) => c.command)).toEqual(['version', 'auth whoami', 'apps list']);
    expect(fly.state().apps).toEqual([]);
  });

  test('--org creates the app in that organization; an invalid slug is exit 2 before any call', async ({ expect }) => {
    const fly = fake({ world: 'empty' });
    fly.update((state) => {
      state.orgs.push({ id: 'org_kotadb', slug: 'kotadb', name: 'KotaDB' });
    });
    const result = await setupInProcess(['staging', '--org', 'kotadb'], fly);
    expect(result.code).toBe(0);
    expect(mutating(fly)[0]).toEqual(['apps', 'create', 'kotadb-api-staging', '--org', 'kotadb']);
    expect(fly.app('kotadb-api-staging').org).toBe('kotadb');

    const other = fake({ world: 'empty' });
    const bad = await setupInProcess(['staging', '--org', 'Not A Slug'], other);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--org must be an organization slug');
    expect(other.calls()).toEqual([]);
  });

  test('an existing app without its volume gets only the volume; staged secrets are reported with the command that applies them', async ({
    expect,
  }) => {
    const fly = fake();
    fly.update((state) => {
      const app = state.apps.find((a) => a.name === 'kotadb-api-staging')!;
      app.volumes = [];
      app.secrets.SUPABASE_SERVICE_KEY!.status = 'Staged';
    });
    const result = await setupInProcess(['staging'], fly);
    expect(result.code).toBe(0);
    expect(mutating(fly)).toEqual([
      [
        'volumes',
        'create',
        'kotadb_staging_data',
        '--size',
        '5',
        '--app',
        'kotadb-api-staging',
        '--region',
        'iad',
        '--yes',
      ],
    ]);
    expect(result.stdout).toContain('  secrets  all 4 required set; staged, not deployed yet: SUPABASE_SERVICE_KEY\n');
    expect(result.stdout).toContain(
      'Created volume kotadb_staging_data.\nNext:\n  npx just secrets staging deploy  # applies the staged secrets (restarts the machines)\n',
    );
  });

  test('a failed volume creation says what was already created; re-running finishes the job', async ({ expect }) => {
    const fly = fake({ world: 'empty' });
    fly.fault('volumes create', {
      exit: 1,
      stderr: 'Error: failed to create volume: capacity exceeded in iad\n\n',
      times: 1,
    });
    const failed = await setupInProcess(['staging'], fly);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'error: flyctl volumes create kotadb_staging_data --size 5 --app kotadb-api-staging --region iad --yes failed (exit 1): Error: failed to create volume: capacity exceeded in iad',
    );
    expect(failed.stderr).toContain(
      'already created: app kotadb-api-staging; fix the cause, then re-run `npx just fly-setup staging` (it skips what exists)',
    );

    const again = await setupInProcess(['staging'], fly);
    expect(again.code).toBe(0);
    expect(mutating(fly).map((argv) => argv.slice(0, 2).join(' '))).toEqual([
      'apps create',
      'volumes create',
      'volumes create',
    ]);
    expect(again.stdout).toContain('Created volume kotadb_staging_data.');
  });

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
      'error: interrupted while running: flyctl volumes create kotadb_staging_data --size 5 --app kotadb-api-staging --region iad --yes; already created: app kotadb-api-staging\n  re-run `npx just fly-setup staging` (it skips what exists)',
    );
    expect(fly.state().apps.map((a) => a.name)).toEqual(['kotadb-api-staging']);
  });

  test('an app name taken by another organization: exit 1 with the reason, and no volume attempted', async ({
    expect,
  }) => {
    const fly = fake({ world: 'empty' });
    fly.fault('apps create', { exit: 1, stderr: 'Error: Validation failed: Name has already been taken\n\n' });
    const result = await setupInProcess(['staging'], fly);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Fly app names are global: kotadb-api-staging belongs to an organization this account cannot see',
    );
    expect(fly.calls().map((c) => c.command)).not.toContain('volumes create');
  });

  test('not logged in: exit 3 with the login command, nothing created', async ({ expect }) => {
    const fly = fake({ world: 'empty', loggedIn: false });
    const result = await setupInProcess(['staging'], fly);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'error: not logged in to Fly.io\n  run `flyctl auth login` (CI: set FLY_API_TOKEN)',
    );
    expect(mutating(fly)).toEqual([]);
  });
});
