/**
 * FLY_API_TOKEN / FLY_ACCESS_TOKEN are registered with the redactor by the framework
 * (lib/core/script.ts) for every script:
 * whatever flyctl echoes, a token prints as ***.
 * fly-secrets: its main in-process with a flyctl that echoes both tokens on stdout and stderr,
 * on each action's success path and on a failure. fly-setup, doctor and the recipes: against
 * the fake flyctl echoing a token, in-process when the script is a defineScript, else as a
 * child process (the same assertions either way).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { OptionSpec } from '../../lib/core/cli.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import type { Script } from '../../lib/core/script.ts';
import { createFakeFly, fakeFlyExec, type FakeFly, type FaultCommand } from '../helpers/fake-fly.ts';
import type { FaultSpec } from '../fake-flyctl/types.js';
import { expectNoValueIn, tempFolder } from '../helpers/fly-secrets.ts';
import { recordingExec } from '../helpers/recording-exec.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';
import { freeLock } from '../helpers/scripted-lock.ts';

const API_TOKEN = 'FlyV1 fm2_lJPECAAAAAAAAtoken-api-0123456789abcdef';
const ACCESS_TOKEN = 'fo1_access-token-value-9876543210';
const TOKENS = { FLY_API_TOKEN: API_TOKEN, FLY_ACCESS_TOKEN: ACCESS_TOKEN };
const echo = `using ${API_TOKEN} and ${ACCESS_TOKEN}\n`;
const SECRETS_JSON = JSON.stringify(
  ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY', 'JWT_SECRET'].map((name) => ({
    name,
    digest: '0123456789abcdef',
    status: name === 'JWT_SECRET' ? 'Staged' : 'Deployed',
  })),
);

/**
 * Every flyctl call answers its JSON (or nothing) and echoes both tokens; `fail` makes `failing`
 * exit 1. The deploy lock (git) is free.
 */
function echoingFlyctl(failing?: string) {
  return freeLock(recordingExec()).on(['flyctl'], (call) => {
    const fails = failing !== undefined && call.argv.slice(1, 3).join(' ') === failing;
    const json = call.argv.includes('list') && call.argv.includes('secrets') ? SECRETS_JSON : '';
    return fails ? { exitCode: 1, stderr: `Error: ${echo}` } : { stdout: json || echo, stderr: echo, exitCode: 0 };
  });
}

type AnyScript = Script<Record<string, OptionSpec>>;

async function defined(name: string): Promise<AnyScript | undefined> {
  return ((await import(fromRoot('scripts', `${name}.ts`))) as { script?: AnyScript }).script;
}

async function load(name: string): Promise<AnyScript> {
  const script = await defined(name);
  if (!script) throw new Error(`scripts/${name}.ts is not a defineScript script`);
  return script;
}

/** A script against the fake flyctl: in-process when it is a defineScript, else its entry as a child. */
async function againstFake(name: string, args: readonly string[], fake: FakeFly, env: Record<string, string>) {
  const script = await defined(name);
  const fullEnv = { ...fake.env, ...env };
  if (script) return runInProcess(script, args, fullEnv, { exec: fakeFlyExec(fake) });
  const child = await runScript(name, args, { env: fullEnv });
  return { ...child, code: child.code ?? -1 };
}

const folder = tempFolder();
afterAll(() => folder.cleanup());
const envFile = folder.write(
  '.env.tokens',
  [
    'DATABASE_URL=postgresql://postgres.ref:pw-token-test@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
    'SUPABASE_URL=https://ref.supabase.co',
    'SUPABASE_ANON_KEY=anon-token-test-0123',
    'SUPABASE_SERVICE_KEY=service-token-test-0123',
    '',
  ].join('\n'),
);

// [script, args, the flyctl call that fails in the failure case, whether flyctl's output is streamed on success]
describe.each([
  ['fly-secrets', ['staging', 'set', '--file', envFile], 'secrets import', true],
  ['fly-secrets', ['staging', 'list'], 'secrets list', false],
  ['fly-secrets', ['staging', 'deploy'], 'secrets deploy', true],
  ['fly-secrets', ['staging', 'unset', 'JWT_SECRET'], 'secrets unset', true],
] as const)('%s %j', (name, args, failing, streams) => {
  if (streams)
    it('prints both tokens as *** in the flyctl output it streams (success)', async () => {
      const result = await runInProcess(await load(name), args, TOKENS, { exec: echoingFlyctl() });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('│ using *** and ***');
      expectNoValueIn(result.all, [API_TOKEN, ACCESS_TOKEN]);
    });

  it(`prints both tokens as *** in the error when \`flyctl ${failing}\` fails`, async () => {
    const result = await runInProcess(await load(name), args, TOKENS, { exec: echoingFlyctl(failing) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('using *** and ***');
    expectNoValueIn(result.all, [API_TOKEN, ACCESS_TOKEN]);
  });
});

describe.each([
  // [script, args, flyctl call that echoes the token, how, what the output must then show]
  ['fly-setup', ['staging', '--dry-run'], 'apps list', 'stderr', 'Error: bad token ***'],
  ['doctor', ['staging', '--url', 'http://127.0.0.1:9'], 'status', 'stderr', 'Error: bad token ***'],
  ['fly', ['logs', 'staging', '--lines', '3'], 'logs', 'stdout', 'log line with ***'],
] as const)('%s %j', (name, args, command, stream, shown) => {
  it(`prints the token as *** when \`flyctl ${command}\` echoes it`, async () => {
    const fake = createFakeFly();
    try {
      const fault: FaultSpec =
        stream === 'stderr'
          ? { stderr: `Error: bad token ${API_TOKEN}\n`, exit: 1 }
          : { stdout: `log line with ${API_TOKEN}\n` };
      fake.fault(command as FaultCommand, fault);
      const result = await againstFake(name, args, fake, { FLY_API_TOKEN: API_TOKEN });
      expect(result.all).toContain(shown);
      expectNoValueIn(result.all, [API_TOKEN]);
    } finally {
      fake.cleanup();
    }
  });
});
