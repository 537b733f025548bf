/**
 * `fly-secrets <env> set` as a user runs it, against the fake flyctl. Every test asserts the
 * exact flyctl argv recorded, and that neither argv nor any output holds a value.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeFly, KOTADB_SECRETS, type FakeFly } from '../helpers/fake-fly.ts';
import { runScript } from '../helpers/run-script.ts';
import {
  expectNamesAndFlagsOnly,
  expectNoValueIn,
  flyArgv,
  PEM,
  PRODUCTION,
  RICH_ENV_FILE,
  RICH_VALUES,
  runSecrets,
  STAGING,
  tempFolder,
} from '../helpers/fly-secrets.ts';

let fake: FakeFly;
let folder: ReturnType<typeof tempFolder>;
let values: string[];

beforeEach(() => {
  fake = createFakeFly();
  folder = tempFolder();
  values = [
    ...Object.values(RICH_VALUES),
    ...Object.values(KOTADB_SECRETS[STAGING]),
    ...Object.values(KOTADB_SECRETS[PRODUCTION]),
  ];
});
afterEach(() => {
  expectNamesAndFlagsOnly(fake, values);
  fake.cleanup();
  folder.cleanup();
});

const IMPORT_STAGING = ['secrets', 'import', '--app', STAGING];
const REQUIRED_LINES = Object.entries(RICH_VALUES)
  .filter(([name]) => ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'].includes(name))
  .map(([name, value]) => `${name}='${value}'`);

describe('fly-secrets set', () => {
  it('sends every value byte for byte in ONE secrets import, printing names only', async () => {
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    const result = await runSecrets(fake, ['staging', 'set', '--file', file]);

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
    const all = await runSecrets(fake, ['staging', 'set', '--file', file, '--stage']);
    expect(all.code, all.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([[...IMPORT_STAGING, '--stage']]);
    expect(fake.secretValues(STAGING).EXTRA_59).toBe('v#59==');
    expect(fake.app(STAGING).secrets.EXTRA_0?.status).toBe('Staged');
    expect(all.stderr).toContain('apply with `npx just secrets staging deploy`');

    const only = await runSecrets(fake, ['staging', 'set', '--file', file, '--only', 'EXTRA_1, EXTRA_2']);
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
    const failed = await runSecrets(fake, ['staging', 'set', '--file', file]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('; GITHUB_APP_PRIVATE_KEY staged (not yet applied); nothing else was applied');
    expect(flyArgv(fake)).toEqual([
      setFromStdin,
      IMPORT_STAGING,
      ['auth', 'whoami', '--json'],
      ['apps', 'list', '--json'],
    ]);

    const result = await runSecrets(fake, ['staging', 'set', '--file', file]);
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
    const result = await runSecrets(fake, ['staging', 'set', '--file', file]);
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
    const result = await runSecrets(fake, ['staging', 'set', '--file', file]);

    expect(result.code).toBe(1);
    // flyctl failed although logged in and the app exists: the failure is reported as is.
    expect(flyArgv(fake)).toEqual([IMPORT_STAGING, ['auth', 'whoami', '--json'], ['apps', 'list', '--json']]);
    expect(result.stderr).toContain(
      `error: flyctl secrets import --app ${STAGING} failed (exit 1): Error: Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs (*** *** is invalid)`,
    );
    expect(fake.secretValues(STAGING)).toEqual(KOTADB_SECRETS[STAGING]);
    expectNoValueIn(result.all, values);
  });

  it('says what state it left when interrupted during the import (exit 130)', async () => {
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    fake.fault('secrets import', { hang: true });
    const result = await runScript('fly-secrets', ['staging', 'set', '--file', file], {
      env: fake.env,
      onSpawn: (child) => {
        void fake.waitForCall((call) => call.command === 'secrets import', 20_000).then(() => child.kill('SIGINT'));
      },
    });
    expect(result.code).toBe(130);
    expect(flyArgv(fake)).toEqual([IMPORT_STAGING]);
    expect(result.stderr).toContain(
      `error: interrupted while running: flyctl secrets import --app ${STAGING}; the import of 10 secrets may or may not have been applied: check with \`npx just secrets staging list\``,
    );
    expectNoValueIn(result.all, values);
  });

  it('turns a failure into "not logged in" (exit 3) when that is why flyctl failed', async () => {
    fake.cleanup();
    fake = createFakeFly({ loggedIn: false });
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    const result = await runSecrets(fake, ['staging', 'set', '--file', file]);
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
    const result = await runSecrets(fake, ['staging', 'set', '--file', file]);

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
    const result = await runSecrets(fake, ['staging', 'set', '--file', file]);
    expect(result.code).toBe(2);
    expect(flyArgv(fake)).toEqual([]);
    expect(result.stderr).toContain(`error: ${file}${message}`);
    expectNoValueIn(result.all, values);
  });

  it('production: refused without --yes when nobody can answer (exit 3), done with --yes', async () => {
    const file = folder.write('.env.prod', [...REQUIRED_LINES, ''].join('\n'));
    const refused = await runSecrets(fake, ['production', 'set', '--file', file]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('error: refusing to set 4 secrets without confirmation');
    expect(flyArgv(fake)).toEqual([]);

    const done = await runSecrets(fake, ['production', 'set', '--file', file, '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([['secrets', 'import', '--app', PRODUCTION]]);
    expect(fake.secretValues(PRODUCTION).SUPABASE_SERVICE_KEY).toBe(RICH_VALUES.SUPABASE_SERVICE_KEY);
  });

  it('refuses a .env.<other environment> file (exit 3) and warns about a file others can read', async () => {
    const stagingFile = folder.write('.env.staging', [...REQUIRED_LINES, ''].join('\n'), 0o644);
    const wrongEnv = await runSecrets(fake, ['production', 'set', '--file', stagingFile, '--yes']);
    expect(wrongEnv.code).toBe(3);
    expect(wrongEnv.stderr).toContain(
      `error: refusing to use ${stagingFile} for production: its name says it holds staging values`,
    );
    expect(flyArgv(fake)).toEqual([]);

    const dryRun = await runSecrets(fake, ['staging', 'set', '--file', stagingFile, '--dry-run']);
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
