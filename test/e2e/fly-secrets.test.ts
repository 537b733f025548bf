/**
 * `fly-secrets <env> list|check|diff|unset|deploy` and its usage errors, against the fake
 * flyctl. Every test asserts the exact flyctl argv recorded and that no value is printed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeFly, KOTADB_SECRETS, type CreateFakeFlyOptions, type FakeFly } from '../helpers/fake-fly.ts';
import {
  expectNamesAndFlagsOnly,
  expectNoValueIn,
  flyArgv,
  PRODUCTION,
  runSecrets,
  STAGING,
  tempFolder,
} from '../helpers/fly-secrets.ts';

let fake: FakeFly;
let folder: ReturnType<typeof tempFolder>;
const values = [
  ...Object.values(KOTADB_SECRETS[STAGING]),
  ...Object.values(KOTADB_SECRETS[PRODUCTION]),
  'only-in-file-value-42',
];

function world(options: CreateFakeFlyOptions = {}): void {
  fake?.cleanup();
  fake = createFakeFly(options);
}
function removeSecret(app: string, name: string): void {
  fake.update((state) => {
    delete state.apps.find((a) => a.name === app)!.secrets[name];
  });
}

beforeEach(() => {
  world();
  folder = tempFolder();
});
afterEach(() => {
  expectNamesAndFlagsOnly(fake, values);
  fake.cleanup();
  folder.cleanup();
});

const LIST_STAGING = ['secrets', 'list', '--app', STAGING, '--json'];

describe('fly-secrets list', () => {
  it.each([
    ['new', /^DATABASE_URL +[0-9a-f]{16} +Deployed +required$/m],
    ['mid', /^DATABASE_URL +[0-9a-f]{16} +- +required$/m],
    ['old', /^DATABASE_URL +[0-9a-f]{16} +- +required$/m],
  ] as const)('reads the %s JSON shape: names, digests, status, missing required marked', async (shape, row) => {
    world({ secretsJsonShape: shape });
    removeSecret(STAGING, 'SUPABASE_SERVICE_KEY');
    const result = await runSecrets(fake, ['staging', 'list']);

    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
    expect(result.stdout.split('\n')[0]).toMatch(/^NAME +DIGEST +STATUS +NOTE$/);
    expect(result.stdout).toMatch(row);
    expect(result.stdout).toMatch(/^SUPABASE_SERVICE_KEY +- +MISSING +required$/m);
    expect(result.stderr).toContain(`warning: required secrets missing on ${STAGING}: SUPABASE_SERVICE_KEY`);
    expectNoValueIn(result.all, values);
  });

  it('--json prints one document with the required names that are missing', async () => {
    removeSecret(PRODUCTION, 'DATABASE_URL');
    const result = await runSecrets(fake, ['production', 'list', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([['secrets', 'list', '--app', PRODUCTION, '--json']]);
    const doc = JSON.parse(result.stdout) as {
      app: string;
      secrets: Array<{ name: string; digest: string; status: string; required: boolean }>;
      missingRequired: string[];
    };
    expect(doc.app).toBe(PRODUCTION);
    expect(doc.missingRequired).toEqual(['DATABASE_URL']);
    expect(doc.secrets.map((s) => [s.name, s.status, s.required])).toEqual([
      ['SUPABASE_ANON_KEY', 'Deployed', true],
      ['SUPABASE_SERVICE_KEY', 'Deployed', true],
      ['SUPABASE_URL', 'Deployed', true],
    ]);
    expect(doc.secrets[0]?.digest).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('fly-secrets check', () => {
  it('exits 0 when every required secret is set, and flags staged ones', async () => {
    fake.update((state) => {
      state.apps.find((a) => a.name === STAGING)!.secrets.SUPABASE_URL!.status = 'Staged';
    });
    const result = await runSecrets(fake, ['staging', 'check']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
    expect(result.stderr).toContain(`✓ all 4 required secrets are set on ${STAGING}`);
    expect(result.stderr).toContain('warning: staged but not deployed yet: SUPABASE_URL');
  });

  it('exits 3 naming the missing secrets', async () => {
    removeSecret(STAGING, 'SUPABASE_ANON_KEY');
    removeSecret(STAGING, 'DATABASE_URL');
    const result = await runSecrets(fake, ['staging', 'check']);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
    expect(result.stderr).toContain(`error: required secrets missing on ${STAGING}: DATABASE_URL, SUPABASE_ANON_KEY`);
    expect(result.stderr).toContain('npx just secrets staging set');
  });

  it('exits 3 with the fix when the app does not exist (flyctl fails, then the cause is found)', async () => {
    world({ world: 'empty' });
    const result = await runSecrets(fake, ['staging', 'check']);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([LIST_STAGING, ['auth', 'whoami', '--json'], ['apps', 'list', '--json']]);
    expect(result.stderr).toContain(`error: Fly app ${STAGING} (staging) does not exist`);
    expect(result.stderr).toContain('npx just fly-setup staging');
  });
});

describe('fly-secrets diff', () => {
  it('lists names only in the file, only on Fly, and in both; values are never compared or shown', async () => {
    removeSecret(STAGING, 'SUPABASE_URL');
    const file = folder.write(
      '.env.diff',
      [
        `DATABASE_URL=${KOTADB_SECRETS[STAGING].DATABASE_URL.replace('#', '%23')}`,
        'SUPABASE_URL=https://x.supabase.co',
        'JWT_SECRET=only-in-file-value-42',
        'SENTRY_DSN=',
        '',
      ].join('\n'),
    );
    const result = await runSecrets(fake, ['staging', 'diff', '--file', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
    expect(result.stdout).toBe(
      [
        `only in ${file} (\`set\` would add them): 2`,
        '  SUPABASE_URL',
        '  JWT_SECRET',
        `only on ${STAGING} (not in ${file}): 2`,
        '  SUPABASE_ANON_KEY',
        '  SUPABASE_SERVICE_KEY',
        'in both (values not compared: Fly keeps only digests that cannot be recomputed locally): 1',
        '  DATABASE_URL',
        '',
      ].join('\n'),
    );
    expect(result.stderr).toContain(`empty or <placeholder> in ${file}, not counted: SENTRY_DSN`);
    expectNoValueIn(result.all, values);
  });
});

describe('fly-secrets unset', () => {
  it('refuses a required secret without --force (exit 3) before any flyctl call', async () => {
    const result = await runSecrets(fake, ['staging', 'unset', 'DATABASE_URL', 'JWT_SECRET']);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([]);
    expect(result.stderr).toContain('error: refusing to unset DATABASE_URL: the API cannot start without it');
  });

  it('unsets with --force (staged), skipping names that are not set', async () => {
    const result = await runSecrets(fake, ['staging', 'unset', 'DATABASE_URL', 'NOT_THERE', '--force', '--stage']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING, ['secrets', 'unset', 'DATABASE_URL', '--app', STAGING, '--stage']]);
    expect(fake.secretValues(STAGING)).not.toHaveProperty('DATABASE_URL');
    expect(result.stderr).toContain(`warning: not set on ${STAGING}, nothing to remove: NOT_THERE`);
    expect(result.stdout).toBe('DATABASE_URL\n');
  });

  it('makes no mutating call when none of the names is set', async () => {
    const result = await runSecrets(fake, ['staging', 'unset', 'REDIS_URL']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
  });

  it('production: refused without --yes (exit 3) after only a read', async () => {
    fake.update((state) => {
      state.apps.find((a) => a.name === PRODUCTION)!.secrets.REDIS_URL = {
        ...state.apps.find((a) => a.name === PRODUCTION)!.secrets.DATABASE_URL!,
      };
    });
    const result = await runSecrets(fake, ['production', 'unset', 'REDIS_URL']);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([['secrets', 'list', '--app', PRODUCTION, '--json']]);
    expect(result.stderr).toContain('error: refusing to unset 1 secret without confirmation');
    expect(fake.secretValues(PRODUCTION)).toHaveProperty('REDIS_URL');
  });
});

describe('fly-secrets deploy', () => {
  it('applies staged secrets with secrets deploy', async () => {
    const result = await runSecrets(fake, ['staging', 'deploy']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([['secrets', 'deploy', '--app', STAGING]]);
    expect(fake.releases(STAGING)[0]?.description).toBe('Deploy staged secrets');
  });

  it('production: refused without --yes (exit 3), nothing called; runs with --yes', async () => {
    const refused = await runSecrets(fake, ['production', 'deploy']);
    expect(refused.code).toBe(3);
    expect(flyArgv(fake)).toEqual([]);
    const done = await runSecrets(fake, ['production', 'deploy', '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([['secrets', 'deploy', '--app', PRODUCTION]]);
  });
});
