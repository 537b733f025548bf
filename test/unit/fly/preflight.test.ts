import { afterEach, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { PreconditionFailed } from '../../../lib/core/errors.ts';
import { FlyClient } from '../../../lib/fly/client.ts';
import {
  checkRequiredSecrets,
  requireApp,
  requireFlyctl,
  requireLogin,
  requireSecrets,
  singleMachineRollingWarning,
} from '../../../lib/fly/preflight.ts';
import { Runner } from '../../../lib/core/runner.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { createFakeFly, fakeFlyExec, type CreateFakeFlyOptions, type FakeFly } from '../../helpers/fake-fly.ts';
import { recordingExec } from '../../helpers/recording-exec.ts';

let fake: FakeFly;
/** The fake flyctl in-process (a missing FLYCTL is the recording executor's `missing` answer). */
const client = (extraEnv: Record<string, string> = {}) =>
  new FlyClient(
    new Runner({
      output: captureOutput().out,
      env: { ...process.env, ...fake.env, ...extraEnv },
      exec: fakeFlyExec(fake),
      signal: new AbortController().signal,
    }),
  );
const world = (options?: CreateFakeFlyOptions) => (fake = createFakeFly(options));
afterEach(() => fake.cleanup());

describe('preflight against the fake flyctl', () => {
  it('passes in the kotadb world', async () => {
    world({ decoys: true });
    const fly = client();
    expect(await requireFlyctl(fly)).toMatch(/^flyctl v/);
    expect(await requireLogin(fly)).toBe('dev@example.com');
    expect((await requireApp(fly, ENVIRONMENTS.production)).name).toBe('kotadb-api');
    expect((await requireSecrets(fly, ENVIRONMENTS.staging)).map((s) => s.name).sort()).toEqual([
      'DATABASE_URL',
      'SUPABASE_ANON_KEY',
      'SUPABASE_SERVICE_KEY',
      'SUPABASE_URL',
    ]);
  });

  it('refuses (exit 3) when flyctl is missing', async () => {
    const exec = recordingExec().on(['flyctl'], { missing: true });
    const fly = new FlyClient(
      new Runner({ output: captureOutput().out, env: {}, exec, signal: new AbortController().signal }),
    );
    await expect(requireFlyctl(fly)).rejects.toBeInstanceOf(PreconditionFailed);
    world();
  });

  it('a rolling deploy against a single machine is called out; two machines, or immediate, are not', async () => {
    world();
    const prod = await client().status('kotadb-api');
    expect(singleMachineRollingWarning(ENVIRONMENTS.production, prod)).toBeNull();
    const one = { ...prod, machines: prod.machines.slice(0, 1) };
    expect(singleMachineRollingWarning(ENVIRONMENTS.production, one)).toBe(
      'kotadb-api runs one machine, so this rolling deploy takes the only machine down until the new one is healthy; production should run 2: `flyctl scale count 2 --app kotadb-api --yes`',
    );
    expect(singleMachineRollingWarning(ENVIRONMENTS.staging, one)).toBeNull();
    expect(singleMachineRollingWarning(ENVIRONMENTS.production, { ...prod, machines: [] })).toBeNull();
  });

  it('refuses (exit 3) when not logged in', async () => {
    world({ loggedIn: false });
    const error = await requireLogin(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as PreconditionFailed).hint).toContain('flyctl auth login');
  });

  it('does not take kotadb-api-staging for kotadb-api', async () => {
    world();
    fake.update((state) => {
      state.apps = state.apps.filter((a) => a.name !== 'kotadb-api');
    });
    const error = await requireApp(client(), ENVIRONMENTS.production).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as Error).message).toBe(
      'Fly app kotadb-api (production) does not exist or this account cannot see it',
    );
  });

  it.each(['old', 'mid', 'new'] as const)('names the missing required secrets (%s JSON shape)', async (shape) => {
    world({ secretsJsonShape: shape });
    fake.update((state) => {
      const app = state.apps.find((a) => a.name === 'kotadb-api')!;
      delete app.secrets.SUPABASE_SERVICE_KEY;
      delete app.secrets.DATABASE_URL;
    });
    expect((await checkRequiredSecrets(client(), ENVIRONMENTS.production)).missing).toEqual([
      'DATABASE_URL',
      'SUPABASE_SERVICE_KEY',
    ]);
    await expect(requireSecrets(client(), ENVIRONMENTS.production)).rejects.toThrow(
      'required secrets missing on kotadb-api: DATABASE_URL, SUPABASE_SERVICE_KEY',
    );
  });
});
