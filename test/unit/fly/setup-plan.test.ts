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

describe('planSetup', () => {
  it('creates the app when only apps whose names start with it exist (exact match)', () => {
    const plan = planSetup(production, [app('kotadb-api-old'), app('kotadb-api-staging')], []);
    expect(plan).toMatchObject({ app: undefined, createApp: true, createVolume: true, warnings: [] });
    expect(describeChanges(plan, production)).toBe('create app kotadb-api and volume kotadb_data (10 GB, iad)');
  });

  it('changes nothing when the app and a volume of that name exist', () => {
    const plan = planSetup(
      staging,
      [app('kotadb-api-staging')],
      [volume('other', 1), volume('kotadb_staging_data', 5)],
    );
    expect(plan.createApp || plan.createVolume).toBe(false);
    expect(hasChanges(plan)).toBe(false);
    expect(plan.volumes.map((v) => v.id)).toEqual(['vol_kotadb_staging_data_iad']);
    expect(describeChanges(plan, staging)).toBe('nothing');
  });

  it('creates only the volume when the app exists without it', () => {
    const plan = planSetup(staging, [app('kotadb-api-staging')], [volume('kotadb_data', 10)]);
    expect(plan).toMatchObject({ createApp: false, createVolume: true });
    expect(describeChanges(plan, staging)).toBe('create volume kotadb_staging_data (5 GB, iad)');
  });

  it('reports, but never changes, a volume in another region or smaller than the table says, and another org', () => {
    const plan = planSetup(production, [app('kotadb-api', 'personal')], [volume('kotadb_data', 3, 'ams')], 'kotadb');
    expect(plan.createVolume).toBe(false);
    expect(plan.warnings).toEqual([
      'app kotadb-api already exists in org personal, not kotadb: left as it is',
      'volume kotadb_data (vol_kotadb_data_ams) is in ams, not iad: machines in iad cannot mount it',
      'volume kotadb_data (vol_kotadb_data_ams) has 3 GB, less than 10 GB: grow it with `flyctl volumes extend vol_kotadb_data_ams --size 10 --app kotadb-api`',
    ]);
  });
});

describe('what is left to do', () => {
  it('a new app: set the secrets, then the first deploy', () => {
    const next = remainingCommands(staging, { ...secretsState([]), deployed: false });
    expect(next.map((n) => n.command)).toEqual(['npx just secrets staging set', 'npx just deploy staging']);
    expect(next[0]?.why).toBe(
      'sets DATABASE_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY from .env.staging',
    );
  });

  it('staged secrets on a deployed app: `secrets deploy` applies them', () => {
    const state = secretsState(
      ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY']
        .map((n) => secret(n))
        .concat(secret('SUPABASE_SERVICE_KEY', 'Staged'), secret('REDIS_URL', 'Partial')),
    );
    expect(state).toEqual({ missing: [], notLive: ['SUPABASE_SERVICE_KEY', 'REDIS_URL'] });
    expect(remainingCommands(production, { ...state, deployed: true })).toEqual([
      { command: 'npx just secrets production deploy', why: 'applies the staged secrets (restarts the machines)' },
    ]);
  });

  it('missing secrets on a deployed app: `secrets set` alone (it restarts the machines with them)', () => {
    const state = secretsState([secret('DATABASE_URL'), secret('SUPABASE_URL', 'Staged')]);
    expect(remainingCommands(production, { ...state, deployed: true }).map((n) => n.command)).toEqual([
      'npx just secrets production set',
    ]);
  });

  it('nothing when every required secret is live on a deployed app (old JSON shapes have no status)', () => {
    const state = secretsState(
      ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'].map((n) => secret(n, null)),
    );
    expect(remainingCommands(production, { ...state, deployed: true })).toEqual([]);
  });
});
