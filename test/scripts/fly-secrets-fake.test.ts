/**
 * fly-secrets in-process against the faithful fake flyctl (fakeFlyExec: the fake's own code,
 * its port of flyctl's `secrets import` parser, its state and call log — no process started).
 * Where only the fake can say it: what flyctl stores from what the script sends, byte for byte,
 * and what each action leaves in the world. Every test asserts the exact flyctl argv recorded,
 * and that neither argv nor any output holds a value.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { script } from '../../scripts/fly-secrets.ts';
import {
  createFakeFly,
  fakeFlyExec,
  KOTADB_SECRETS,
  type CreateFakeFlyOptions,
  type FakeFly,
} from '../helpers/fake-fly.ts';
import {
  expectNamesAndFlagsOnly,
  expectNoValueIn,
  flyArgv,
  PEM,
  PRODUCTION,
  RICH_ENV_FILE,
  RICH_VALUES,
  STAGING,
  tempFolder,
} from '../helpers/fly-secrets.ts';
import { recordingExec } from '../helpers/recording-exec.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { freeLock } from '../helpers/scripted-lock.ts';

let fake: FakeFly;
let folder: ReturnType<typeof tempFolder>;
let values: string[];

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
  values = [
    ...Object.values(RICH_VALUES),
    ...Object.values(KOTADB_SECRETS[STAGING]),
    ...Object.values(KOTADB_SECRETS[PRODUCTION]),
    'only-in-file-value-42',
  ];
});
afterEach(() => {
  expectNamesAndFlagsOnly(fake, values);
  fake.cleanup();
  folder.cleanup();
});

/** git (the deploy lock) is answered as a free lock; the lock itself: deploy-lock-scripts.test.ts. */
const run = (args: readonly string[], signal?: AbortSignal) =>
  runInProcess(script, args, fake.env, {
    exec: fakeFlyExec(fake, { fallback: freeLock(recordingExec()) }),
    cwd: folder.dir,
    ...(signal ? { signal } : {}),
  });

const LIST_STAGING = ['secrets', 'list', '--app', STAGING, '--json'];
const IMPORT_STAGING = ['secrets', 'import', '--app', STAGING];
const EXPLAIN = [
  ['auth', 'whoami', '--json'],
  ['apps', 'list', '--json'],
];
const REQUIRED_LINES = Object.entries(RICH_VALUES)
  .filter(([name]) => ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'].includes(name))
  .map(([name, value]) => `${name}='${value}'`);

describe('fly-secrets set', () => {
  it('sends every value byte for byte in ONE secrets import, printing names only', async () => {
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    const result = await run(['staging', 'set', '--file', file]);

    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([IMPORT_STAGING]);
    expect(fake.secretValues(STAGING)).toEqual(RICH_VALUES);
    expect(result.stdout.trim().split('\n')).toEqual(Object.keys(RICH_VALUES));
    expect(result.stderr).toContain('warning: not read by the KotaDB API (typo?), set anyway: EXTRA_TOOL_TOKEN');
    expect(result.stderr).toContain(`✓ set on ${STAGING}: 10 secrets`);
    expect(fake.app(STAGING).secrets.DATABASE_URL?.status).toBe('Deployed');
    expectNoValueIn(result.all, values);
  });

  it('makes one call for 60 secrets, passes --stage through, and honours --only', async () => {
    const many = Array.from({ length: 60 }, (_, i) => `EXTRA_${i}="v#${i}=="`);
    const file = folder.write('.env.many', [...REQUIRED_LINES, ...many, ''].join('\n'));
    const all = await run(['staging', 'set', '--file', file, '--stage']);
    expect(all.code, all.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([[...IMPORT_STAGING, '--stage']]);
    expect(fake.secretValues(STAGING).EXTRA_59).toBe('v#59==');
    expect(fake.app(STAGING).secrets.EXTRA_0?.status).toBe('Staged');
    expect(all.stderr).toContain('apply with `npx just secrets staging deploy`');

    const only = await run(['staging', 'set', '--file', file, '--only', 'EXTRA_1, EXTRA_2']);
    expect(only.code, only.stderr).toBe(0);
    expect(flyArgv(fake).slice(1)).toEqual([IMPORT_STAGING]);
    expect(fake.calls()[1]?.stdin).toBe('EXTRA_1="v#1=="\nEXTRA_2="v#2=="\n');
  });

  it('sends a value the import syntax cannot carry (a CRLF PEM) through set NAME=- --stage, then imports the rest (and says so when the import fails)', async () => {
    const crlfPem = PEM.replace(/\n/g, '\r\n').trimEnd();
    const file = folder.write(
      '.env.crlf',
      [...REQUIRED_LINES, `GITHUB_APP_PRIVATE_KEY="${crlfPem.replace(/\r\n/g, '\\r\\n')}"`, ''].join('\n'),
    );
    values.push(crlfPem);
    const setFromStdin = ['secrets', 'set', 'GITHUB_APP_PRIVATE_KEY=-', '--app', STAGING, '--stage'];
    fake.fault('secrets import', { exit: 1, times: 1 });
    const failed = await run(['staging', 'set', '--file', file]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('; GITHUB_APP_PRIVATE_KEY staged (not yet applied); nothing else was applied');
    expect(flyArgv(fake)).toEqual([setFromStdin, IMPORT_STAGING, ...EXPLAIN]);

    const result = await run(['staging', 'set', '--file', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake).slice(4)).toEqual([setFromStdin, IMPORT_STAGING]);
    expect(fake.secretValues(STAGING).GITHUB_APP_PRIVATE_KEY).toBe(crlfPem);
    expect(fake.app(STAGING).secrets.GITHUB_APP_PRIVATE_KEY?.status).toBe('Deployed');
    expectNoValueIn(result.all, values);
  });

  it('refuses, naming key and line, a value neither flyctl path can carry; nothing is sent', async () => {
    const file = folder.write(
      '.env.bad',
      [...REQUIRED_LINES, 'GITHUB_APP_PRIVATE_KEY=" line one\\r\\nline two\\r\\n"', ''].join('\n'),
    );
    const result = await run(['staging', 'set', '--file', file]);
    expect(result.code).toBe(2);
    expect(flyArgv(fake)).toEqual([]);
    expect(result.stderr).toContain(`error: cannot send ${file}:5: GITHUB_APP_PRIVATE_KEY mixes quotes, #, \\r or """`);
    expect(result.stderr).not.toContain('line one');
  });

  it('never prints a value when flyctl fails and echoes the input', async () => {
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    fake.fault('secrets import', {
      stderr: `Error: Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs (${RICH_VALUES.SUPABASE_ANON_KEY} ${PEM.split('\n')[1]} is invalid)\n\n`,
      times: 1,
    });
    const result = await run(['staging', 'set', '--file', file]);

    expect(result.code).toBe(1);
    // flyctl failed although logged in and the app exists: the failure is reported as is.
    expect(flyArgv(fake)).toEqual([IMPORT_STAGING, ...EXPLAIN]);
    expect(result.stderr).toContain(
      `error: flyctl secrets import --app ${STAGING} failed (exit 1): Error: Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs (*** *** is invalid)`,
    );
    expect(fake.secretValues(STAGING)).toEqual(KOTADB_SECRETS[STAGING]);
    expectNoValueIn(result.all, values);
  });

  it('says what state it left when interrupted during the import (exit 130)', async () => {
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    fake.fault('secrets import', { hang: true });
    const controller = new AbortController();
    void fake.waitForCall((call) => call.command === 'secrets import', 20_000).then(() => controller.abort());
    const result = await run(['staging', 'set', '--file', file], controller.signal);
    expect(result.code).toBe(130);
    expect(flyArgv(fake)).toEqual([IMPORT_STAGING]);
    expect(result.stderr).toContain(
      `error: interrupted while running: flyctl secrets import --app ${STAGING}; the import of 10 secrets may or may not have been applied: check with \`npx just secrets staging list\`; the staging deploy lock was released\n`,
    );
    expectNoValueIn(result.all, values);
  });

  it('turns a failure into "not logged in" (exit 3) when that is why flyctl failed', async () => {
    world({ loggedIn: false });
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    const result = await run(['staging', 'set', '--file', file]);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([IMPORT_STAGING, ['auth', 'whoami', '--json']]);
    expect(result.stderr).toContain('error: not logged in to Fly.io');
    expectNoValueIn(result.all, values);
  });

  it('validates the whole file first: every problem named by file, line and key, no value, nothing sent', async () => {
    const secretish = 'leaky-s3cret-value-1234';
    values.push(secretish, 'http://insecure.supabase.co', 'mysql://u:pw-secret-9876@h/db');
    const file = folder.write(
      '.env.invalid',
      [
        'DATABASE_URL=mysql://u:pw-secret-9876@h/db',
        'SUPABASE_URL=http://insecure.supabase.co',
        'SUPABASE_ANON_KEY=<your-anon-key>',
        `DEFAULT_RATE_LIMIT=${secretish}`,
        '',
      ].join('\n'),
    );
    const result = await run(['staging', 'set', '--file', file]);

    expect(result.code).toBe(2);
    expect(flyArgv(fake)).toEqual([]);
    expect(result.stderr).toContain(
      [
        `error: ${file}: 5 problems:`,
        `  ${file}: required secret missing: SUPABASE_SERVICE_KEY`,
        `  ${file}:1: DATABASE_URL must be a postgres:// or postgresql:// URL`,
        `  ${file}:2: SUPABASE_URL must be an https:// URL`,
        `  ${file}:3: SUPABASE_ANON_KEY is required but a <placeholder>`,
        `  ${file}:4: DEFAULT_RATE_LIMIT must be a positive whole number`,
      ].join('\n'),
    );
    expectNoValueIn(result.all, values);
  });

  it.each([
    [
      'a malformed line',
      (f: ReturnType<typeof tempFolder>) =>
        f.write('.env.malformed', [...REQUIRED_LINES, 'JWT_SECRET abc-secret-value', ''].join('\n')),
      ':5: not a NAME=VALUE line',
    ],
    [
      'a missing file',
      (f: ReturnType<typeof tempFolder>) => path.join(f.dir, '.env.absent'),
      ': cannot read the env file (ENOENT)',
    ],
    [
      'an unreadable file (a directory: root reads any file, so chmod 000 would not do)',
      (f: ReturnType<typeof tempFolder>) => {
        const dir = path.join(f.dir, 'env-dir');
        mkdirSync(dir);
        return dir;
      },
      ': cannot read the env file (it is a directory)',
    ],
  ])('exits 2 on %s, naming the file, sending nothing', async (_what, make, message) => {
    const file = make(folder);
    values.push('abc-secret-value');
    const result = await run(['staging', 'set', '--file', file]);
    expect(result.code).toBe(2);
    expect(flyArgv(fake)).toEqual([]);
    expect(result.stderr).toContain(`error: ${file}${message}`);
    expectNoValueIn(result.all, values);
  });

  it('production: refused without --yes when nobody can answer (exit 3), done with --yes', async () => {
    const file = folder.write('.env.prod', [...REQUIRED_LINES, ''].join('\n'));
    const refused = await run(['production', 'set', '--file', file]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('error: refusing to set 4 secrets without confirmation');
    expect(flyArgv(fake)).toEqual([]);

    const done = await run(['production', 'set', '--file', file, '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([['secrets', 'import', '--app', PRODUCTION]]);
    expect(fake.secretValues(PRODUCTION).SUPABASE_SERVICE_KEY).toBe(RICH_VALUES.SUPABASE_SERVICE_KEY);
  });

  it('refuses a .env.<other environment> file (exit 3) and warns about a file others can read', async () => {
    const stagingFile = folder.write('.env.staging', [...REQUIRED_LINES, ''].join('\n'), 0o644);
    const wrongEnv = await run(['production', 'set', '--file', stagingFile, '--yes']);
    expect(wrongEnv.code).toBe(3);
    expect(wrongEnv.stderr).toContain(
      `error: refusing to use ${stagingFile} for production: its name says it holds staging values`,
    );
    expect(flyArgv(fake)).toEqual([]);

    const dryRun = await run(['staging', 'set', '--file', stagingFile, '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([]);
    expect(dryRun.stderr).toContain(
      `warning: ${stagingFile} is accessible to other users (mode 644): run chmod 600 ${stagingFile}`,
    );
    expect(dryRun.stdout).toContain(`$ flyctl secrets import --app ${STAGING}  # + stdin (4 lines, values hidden)`);
    expect(dryRun.stderr).toContain(
      'dry run: nothing was sent (set: DATABASE_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY)',
    );
    expectNoValueIn(wrongEnv.all + dryRun.all, values);
  });
});

describe('fly-secrets list', () => {
  it.each([
    ['new', /^DATABASE_URL +[0-9a-f]{16} +Deployed +required$/m],
    ['mid', /^DATABASE_URL +[0-9a-f]{16} +- +required$/m],
    ['old', /^DATABASE_URL +[0-9a-f]{16} +- +required$/m],
  ] as const)('reads the %s JSON shape: names, digests, status, missing required marked', async (shape, row) => {
    world({ secretsJsonShape: shape });
    removeSecret(STAGING, 'SUPABASE_SERVICE_KEY');
    const result = await run(['staging', 'list']);

    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
    expect(result.stdout.split('\n')[0]).toMatch(/^NAME +DIGEST +STATUS +NOTE$/);
    expect(result.stdout).toMatch(row);
    expect(result.stdout).toMatch(/^SUPABASE_SERVICE_KEY +- +MISSING +required$/m);
    expect(result.stderr).toContain(`warning: required secrets missing on ${STAGING}: SUPABASE_SERVICE_KEY`);
    if (shape !== 'new') expect(result.stderr).toContain('deployment status unknown: this flyctl does not report');
    expectNoValueIn(result.all, values);
  });

  it('--json prints one document with the required names that are missing', async () => {
    removeSecret(PRODUCTION, 'DATABASE_URL');
    const result = await run(['production', 'list', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([['secrets', 'list', '--app', PRODUCTION, '--json']]);
    const doc = JSON.parse(result.stdout) as {
      app: string;
      secrets: Array<{ name: string; digest: string; status: string; required: boolean }>;
      missingRequired: string[];
      staged: string[] | null;
    };
    expect(doc.app).toBe(PRODUCTION);
    expect(doc.missingRequired).toEqual(['DATABASE_URL']);
    expect(doc.staged).toEqual([]);
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
    const result = await run(['staging', 'check']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
    expect(result.stderr).toContain(`✓ all 4 required secrets are set on ${STAGING}`);
    expect(result.stderr).toContain('warning: staged but not deployed yet: SUPABASE_URL');
  });

  it('exits 3 naming the missing secrets', async () => {
    removeSecret(STAGING, 'SUPABASE_ANON_KEY');
    removeSecret(STAGING, 'DATABASE_URL');
    const result = await run(['staging', 'check']);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
    expect(result.stderr).toContain(`error: required secrets missing on ${STAGING}: DATABASE_URL, SUPABASE_ANON_KEY`);
    expect(result.stderr).toContain('npx just secrets staging set');
  });

  it('exits 3 with the fix when the app does not exist (flyctl fails, then the cause is found)', async () => {
    world({ world: 'empty' });
    const result = await run(['staging', 'check']);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([LIST_STAGING, ...EXPLAIN]);
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
    const result = await run(['staging', 'diff', '--file', file]);
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
    const result = await run(['staging', 'unset', 'DATABASE_URL', 'JWT_SECRET']);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([]);
    expect(result.stderr).toContain('error: refusing to unset DATABASE_URL: the API cannot start without it');
  });

  it('unsets with --force (staged), skipping names that are not set', async () => {
    const result = await run(['staging', 'unset', 'DATABASE_URL', 'NOT_THERE', '--force', '--stage']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING, ['secrets', 'unset', 'DATABASE_URL', '--app', STAGING, '--stage']]);
    expect(fake.secretValues(STAGING)).not.toHaveProperty('DATABASE_URL');
    expect(result.stderr).toContain(`warning: not set on ${STAGING}, nothing to remove: NOT_THERE`);
    expect(result.stdout).toBe('DATABASE_URL\n');
  });

  it('makes no mutating call when none of the names is set', async () => {
    const result = await run(['staging', 'unset', 'REDIS_URL']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
  });

  it('production: refused without --yes (exit 3) after only a read', async () => {
    fake.update((state) => {
      state.apps.find((a) => a.name === PRODUCTION)!.secrets.REDIS_URL = {
        ...state.apps.find((a) => a.name === PRODUCTION)!.secrets.DATABASE_URL!,
      };
    });
    const result = await run(['production', 'unset', 'REDIS_URL']);
    expect(result.code).toBe(3);
    expect(flyArgv(fake)).toEqual([['secrets', 'list', '--app', PRODUCTION, '--json']]);
    expect(result.stderr).toContain('error: refusing to unset 1 secret without confirmation');
    expect(fake.secretValues(PRODUCTION)).toHaveProperty('REDIS_URL');
  });
});

describe('fly-secrets deploy', () => {
  it('applies what set --stage staged: one secrets deploy, one release, then nothing is staged', async () => {
    const file = folder.write('.env.jwt', 'JWT_SECRET="jwt#staged=="\n');
    const staged = await run(['staging', 'set', '--file', file, '--only', 'JWT_SECRET', '--stage']);
    expect(staged.code, staged.stderr).toBe(0);
    const releases = fake.releases(STAGING).length;

    const result = await run(['staging', 'deploy']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake).slice(1)).toEqual([LIST_STAGING, ['secrets', 'deploy', '--app', STAGING]]);
    expect(fake.releases(STAGING)[0]?.description).toBe('Deploy staged secrets');
    expect(fake.releases(STAGING)).toHaveLength(releases + 1);
    expect(fake.app(STAGING).secrets.JWT_SECRET?.status).toBe('Deployed');
    expect(result.stderr).toContain(`✓ staged secrets applied on ${STAGING}: 1 secret`);
  });

  it('nothing staged: says so, no secrets deploy, no new release (no restart)', async () => {
    const releases = fake.releases(STAGING).length;
    const result = await run(['staging', 'deploy']);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([LIST_STAGING]);
    expect(fake.releases(STAGING)).toHaveLength(releases);
    expect(result.stderr).toContain(`nothing is staged on ${STAGING}: nothing to deploy, no machine restarted`);
  });

  it('production: refused without --yes (exit 3) after only the read; runs with --yes', async () => {
    fake.update((state) => {
      state.apps.find((a) => a.name === PRODUCTION)!.secrets.SUPABASE_URL!.status = 'Staged';
    });
    const listProduction = ['secrets', 'list', '--app', PRODUCTION, '--json'];
    const refused = await run(['production', 'deploy']);
    expect(refused.code).toBe(3);
    expect(flyArgv(fake)).toEqual([listProduction]);
    const done = await run(['production', 'deploy', '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(flyArgv(fake).slice(1)).toEqual([listProduction, ['secrets', 'deploy', '--app', PRODUCTION]]);
  });
});
