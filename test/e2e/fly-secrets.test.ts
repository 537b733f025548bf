/**
 * fly-secrets as a user runs it (`node --import tsx scripts/fly-secrets.ts`) against the fake
 * flyctl as a process: only what needs real processes — the entry's exit codes, values piped
 * to a real child's stdin, no TTY meaning no prompt, and a real SIGINT. Everything else runs
 * in-process (test/scripts/fly-secrets*.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeFly, KOTADB_SECRETS, type FakeFly } from '../helpers/fake-fly.ts';
import {
  expectNamesAndFlagsOnly,
  expectNoValueIn,
  flyArgv,
  PRODUCTION,
  RICH_ENV_FILE,
  RICH_VALUES,
  runSecrets,
  STAGING,
  tempFolder,
} from '../helpers/fly-secrets.ts';
import { createLockRemote, type LockRemote } from '../helpers/lock-remote.ts';
import { runScript } from '../helpers/run-script.ts';

let fake: FakeFly;
let folder: ReturnType<typeof tempFolder>;
/** The deploy lock's remote (a bare repository on disk) and the checkout the child runs in. */
let lock: LockRemote;
let checkout: string;
const values = [
  ...Object.values(RICH_VALUES),
  ...Object.values(KOTADB_SECRETS[STAGING]),
  ...Object.values(KOTADB_SECRETS[PRODUCTION]),
];

beforeEach(() => {
  fake = createFakeFly();
  folder = tempFolder();
  lock = createLockRemote();
  checkout = lock.checkout('laptop');
});
afterEach(() => {
  expectNamesAndFlagsOnly(fake, values);
  fake.cleanup();
  folder.cleanup();
  lock.cleanup();
});

const secretsIn = (args: readonly string[]) => runScript('fly-secrets', args, { env: fake.env, cwd: checkout });

describe('fly-secrets through its entry', () => {
  it('set: the values reach the real flyctl child on stdin, byte for byte; exit 0', async () => {
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    const result = await secretsIn(['staging', 'set', '--file', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(flyArgv(fake)).toEqual([['secrets', 'import', '--app', STAGING]]);
    expect(fake.secretValues(STAGING)).toEqual(RICH_VALUES);
    expectNoValueIn(result.all, values);
    expect(result.stderr).toContain('✓ released the staging deploy lock');
    expect(lock.refSha('staging')).toBeNull();
  });

  it('exit codes: 2 for a usage error (one line), 3 for production with no TTY and no --yes', async () => {
    const usage = await runSecrets(fake, ['staging', 'rotate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    const file = folder.write('.env.prod', RICH_ENV_FILE);
    const refused = await runSecrets(fake, ['production', 'set', '--file', file]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('nobody can answer a prompt here (no TTY or CI=true)');
    expect(flyArgv(fake)).toEqual([]);
  });

  it('a real SIGINT during the import: exit 130, saying what state it left', async () => {
    const file = folder.write('.env.rich', RICH_ENV_FILE);
    fake.fault('secrets import', { hang: true });
    const result = await runScript('fly-secrets', ['staging', 'set', '--file', file], {
      env: fake.env,
      cwd: checkout,
      onSpawn: (child) => {
        void fake.waitForCall((call) => call.command === 'secrets import', 20_000).then(() => child.kill('SIGINT'));
      },
    });
    expect(result.code).toBe(130);
    expect(flyArgv(fake)).toEqual([['secrets', 'import', '--app', STAGING]]);
    expect(result.stderr).toContain(
      `error: interrupted while running: flyctl secrets import --app ${STAGING}; the import of 10 secrets may or may not have been applied: check with \`npx just secrets staging list\`; the staging deploy lock was released\n`,
    );
    expectNoValueIn(result.all, values);
    expect(lock.refSha('staging')).toBeNull();
  });
});
