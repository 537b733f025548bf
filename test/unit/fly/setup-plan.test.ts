import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import type { FlyApp, FlySecret, FlyVolume } from '../../../lib/fly/json.ts';
import {
  describeChanges,
  hasChanges,
  planSetup,
  remainingCommands,
  secretsState,
} from '../../../lib/fly/setup-plan.ts';

const { staging, production } = ENVIRONMENTS;
const app = (name: string, org = 'personal', deployed = true): FlyApp => ({
  name,
  status: 'deployed',
  deployed,
  hostname: `${name}.fly.dev`,
  org,
});
const volume = (name: string, sizeGb: number, region = 'iad'): FlyVolume => ({
  id: `vol_${name}_${region}`,
  name,
  state: 'created',
  sizeGb,
  region,
  attachedMachineId: null,
});
const secret = (name: string, status: FlySecret['status'] = 'Deployed'): FlySecret => ({
  name,
  digest: 'd',
  status,
  updatedAt: null,
});

const running = { hasMachines: true };

describe('planSetup', () => {
  it('creates the app and one volume per machine when only apps whose names start with it exist (exact match)', () => {
    const plan = planSetup(production, [app('kotadb-api-old'), app('kotadb-api-staging')], []);
    expect(plan).toMatchObject({ app: undefined, createApp: true, volumesToCreate: 2, warnings: [] });
    expect(describeChanges(plan, production)).toBe('create app kotadb-api and 2 volumes kotadb_data (10 GB each, iad)');
    expect(describeChanges(planSetup(staging, [], []), staging)).toBe(
      'create app kotadb-api-staging and volume kotadb_staging_data (5 GB, iad)',
    );
  });

  it('changes nothing when the app has a volume of that name for every machine', () => {
    const plan = planSetup(
      staging,
      [app('kotadb-api-staging')],
      [volume('other', 1), volume('kotadb_staging_data', 5)],
      { machines: 1 },
    );
    expect(plan.createApp).toBe(false);
    expect(plan.volumesToCreate).toBe(0);
    expect(hasChanges(plan)).toBe(false);
    expect(plan.volumes.map((v) => v.id)).toEqual(['vol_kotadb_staging_data_iad']);
    expect(describeChanges(plan, staging)).toBe('nothing');
  });

  it('counts what exists: production with one volume gets one more; a third machine would need a third', () => {
    const one = planSetup(production, [app('kotadb-api')], [volume('kotadb_data', 10)], { machines: 1 });
    expect(one).toMatchObject({ createApp: false, volumesToCreate: 1 });
    expect(describeChanges(one, production)).toBe('create volume kotadb_data (10 GB, iad)');
    expect(
      planSetup(production, [app('kotadb-api')], [volume('kotadb_data', 10)], { machines: 3 }).volumesToCreate,
    ).toBe(2);
  });

  it('creates only the volume when the app exists without it', () => {
    const plan = planSetup(staging, [app('kotadb-api-staging')], [volume('kotadb_data', 10)]);
    expect(plan).toMatchObject({ createApp: false, volumesToCreate: 1 });
    expect(describeChanges(plan, staging)).toBe('create volume kotadb_staging_data (5 GB, iad)');
  });

  it('reports, but never changes, a volume in another region (not counted) or smaller than the table says, and another org', () => {
    const plan = planSetup(production, [app('kotadb-api', 'personal')], [volume('kotadb_data', 3, 'ams')], {
      org: 'kotadb',
    });
    expect(plan.volumesToCreate).toBe(2);
    expect(plan.warnings).toEqual([
      'app kotadb-api already exists in org personal, not kotadb: left as it is',
      'volume kotadb_data (vol_kotadb_data_ams) is in ams, not iad: machines in iad cannot mount it',
      'volume kotadb_data (vol_kotadb_data_ams) has 3 GB, less than 10 GB: grow it with `flyctl volumes extend vol_kotadb_data_ams --size 10 --app kotadb-api`',
    ]);
  });
});

describe('what is left to do', () => {
  it('a new app: set the secrets, then the first deploy (and in production the second machine)', () => {
    const next = remainingCommands(staging, { ...secretsState([], running), deployed: false, machines: 0 });
    expect(next.map((n) => n.command)).toEqual(['npx just secrets staging set', 'npx just deploy staging']);
    expect(next[0]?.why).toBe(
      'sets DATABASE_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY from .env.staging',
    );
    expect(
      remainingCommands(production, { ...secretsState([], running), deployed: false, machines: 0 }).map(
        (n) => n.command,
      ),
    ).toEqual([
      'npx just secrets production set',
      'npx just deploy production',
      'flyctl scale count 2 --app kotadb-api --yes',
    ]);
  });

  it('staged secrets on a deployed app: `secrets deploy` applies them', () => {
    const state = secretsState(
      ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY']
        .map((n) => secret(n))
        .concat(secret('SUPABASE_SERVICE_KEY', 'Staged'), secret('REDIS_URL', 'Partial')),
      running,
    );
    expect(state).toEqual({ missing: [], notLive: ['SUPABASE_SERVICE_KEY', 'REDIS_URL'], unknown: false });
    expect(remainingCommands(production, { ...state, deployed: true, machines: 2 })).toEqual([
      { command: 'npx just secrets production deploy', why: 'applies the staged secrets (restarts the machines)' },
    ]);
  });

  it('every secret Staged on an app with machines: flyctl cannot tell, so no `secrets deploy` is suggested', () => {
    const state = secretsState(
      ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'].map((n) => secret(n, 'Staged')),
      running,
    );
    expect(state).toEqual({ missing: [], notLive: [], unknown: true });
    expect(remainingCommands(production, { ...state, deployed: true, machines: 2 })).toEqual([]);
  });

  it('missing secrets on a deployed app: `secrets set` alone (it restarts the machines with them)', () => {
    const state = secretsState([secret('DATABASE_URL'), secret('SUPABASE_URL', 'Staged')], running);
    expect(remainingCommands(production, { ...state, deployed: true, machines: 2 }).map((n) => n.command)).toEqual([
      'npx just secrets production set',
    ]);
  });

  it('one machine in production: `flyctl scale count 2`', () => {
    const state = secretsState(
      ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'].map((n) => secret(n)),
      running,
    );
    expect(remainingCommands(production, { ...state, deployed: true, machines: 1 })).toEqual([
      {
        command: 'flyctl scale count 2 --app kotadb-api --yes',
        why: 'production runs 2 machines, each on its own volume; adds the missing one',
      },
    ]);
  });

  it('nothing when every required secret is live on a deployed app (old JSON shapes have no status)', () => {
    const state = secretsState(
      ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'].map((n) => secret(n, null)),
      running,
    );
    expect(remainingCommands(production, { ...state, deployed: true, machines: 2 })).toEqual([]);
  });
});
