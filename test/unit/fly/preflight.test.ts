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
} from '../../../lib/fly/preflight.ts';
import { Runner } from '../../../lib/core/runner.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { createFakeFly, type FakeFly } from '../../helpers/fake-fly.ts';

let fake: FakeFly;
const client = (extraEnv: Record<string, string> = {}) =>
  new FlyClient(new Runner({ output: captureOutput().out, env: { ...process.env, ...fake.env, ...extraEnv } }));
afterEach(() => fake.cleanup());

describe('preflight against the fake flyctl', () => {
  it('passes in the kotadb world', async () => {
    fake = createFakeFly({ decoys: true });
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
    fake = createFakeFly();
    await expect(requireFlyctl(client({ FLYCTL: '/nonexistent/flyctl' }))).rejects.toBeInstanceOf(PreconditionFailed);
  });

  it('refuses (exit 3) when not logged in', async () => {
    fake = createFakeFly({ loggedIn: false });
    const error = await requireLogin(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as PreconditionFailed).hint).toContain('flyctl auth login');
  });

  it('does not take kotadb-api-staging for kotadb-api', async () => {
    fake = createFakeFly();
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
    fake = createFakeFly({ secretsJsonShape: shape });
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
