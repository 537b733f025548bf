/**
 * The everyday recipes (scripts/fly.ts) in-process against the fake flyctl (fakeFlyExec):
 * each recipe's exact flyctl call (app and config from the environment table, run in the
 * toolkit root), what flyctl printed to "the terminal" (output: 'inherit'), the production
 * guard, dry runs, invalid input, failures and Ctrl-C. test/e2e/fly-recipes.test.ts keeps what
 * needs processes: logs streaming until a real SIGINT, and the justfile recipes.
 */
import { describe, test } from 'vitest';
import { fromRoot, repoRoot } from '../../lib/core/paths.ts';
import { script } from '../../scripts/fly.ts';
import { fakeFlyExec, type FakeFly, type FakeFlyExec } from '../helpers/fake-fly.ts';
import { fakeFlyFactory } from '../helpers/per-test.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const fake = fakeFlyFactory();

async function recipe(args: string[], fly: FakeFly, o: { signal?: AbortSignal; cwd?: string } = {}) {
  const exec: FakeFlyExec = fakeFlyExec(fly);
  const result = await runInProcess(script, args, fly.env, { exec, ...o });
  return { ...result, terminal: exec.terminal() };
}
const argv = (fly: FakeFly) => fly.calls().map((c) => c.argv);

describe.concurrent('fly recipes (in-process)', () => {
  test('machines, releases, certs and open pass the environment app and config, run from the toolkit root', async ({
    expect,
  }) => {
    const f = fake();
    const status = await recipe(['machines', 'staging'], f, { cwd: fromRoot('supabase') });
    const releases = await recipe(['releases', 'production'], f);
    const certs = await recipe(['certs', 'staging'], f);
    const open = await recipe(['open', 'production'], f);
    for (const r of [status, releases, certs, open]) expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(status.terminal.stdout).toContain('Name     = kotadb-api-staging');
    expect(releases.terminal.stdout).toMatch(/^VERSION\tSTATUS/);
    expect(releases.terminal.stdout).toContain('v3     \tcomplete');
    expect(certs.terminal).toEqual({ stdout: 'HOST NAME\tADDED\tSTATUS\n\n', stderr: '' });
    expect(open.terminal).toEqual({ stdout: 'opening https://kotadb-api.fly.dev/ ...\n', stderr: '' });
    expect(argv(f)).toEqual([
      ['status', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'],
      ['releases', '--app', 'kotadb-api', '--config', 'fly.toml'],
      ['certs', 'list', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'],
      ['apps', 'open', '--app', 'kotadb-api', '--config', 'fly.toml'],
    ]);
    // --config is relative: flyctl runs in the toolkit root whatever the caller's directory.
    expect(f.calls().every((c) => c.cwd === repoRoot)).toBe(true);
  });

  test('logs --no-tail prints the buffered lines; --lines keeps only the last n (flyctl -n is not a count)', async ({
    expect,
  }) => {
    const f = fake();
    const all = await recipe(['logs', 'production', '--no-tail'], f);
    const last = await recipe(['logs', 'production', '--lines', '2'], f);
    expect(all.code).toBe(0);
    const lines = all.terminal.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(last).toMatchObject({ code: 0, stdout: lines.slice(-2).join('\n') + '\n' });
    expect(argv(f)).toEqual([1, 2].map(() => ['logs', '--app', 'kotadb-api', '--config', 'fly.toml', '--no-tail']));
  });

  test('ssh in a dry run is printed, not opened', async ({ expect }) => {
    const f = fake();
    const result = await recipe(['ssh', 'production', '--dry-run'], f);
    expect(result).toMatchObject({ code: 0, stdout: '$ flyctl ssh console --app kotadb-api --config fly.toml\n' });
    expect(f.calls()).toEqual([]);
  });

  test('scale-memory: production refuses without --yes before calling flyctl; with --yes every machine is resized', async ({
    expect,
  }) => {
    const f = fake();
    const refused = await recipe(['scale-memory', 'production', '1024'], f);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('re-run with --yes to confirm');
    expect(f.calls()).toEqual([]);

    const done = await recipe(['scale-memory', 'production', '1024', '--yes'], f);
    expect(done.code).toBe(0);
    expect(done.terminal.stdout).toContain('Memory: 1024 MB');
    expect(done.stderr).toContain('warning: the next deploy sets memory back to 512 MB ([[vm]] memory_mb in fly.toml)');
    expect(f.app('kotadb-api').machines.map((m) => m.memoryMb)).toEqual([1024, 1024]);
    expect(f.app('kotadb-api-staging').machines.map((m) => m.memoryMb)).toEqual([undefined]);
    expect(argv(f)).toEqual([['scale', 'memory', '1024', '--app', 'kotadb-api', '--config', 'fly.toml']]);
  });

  test('scale-memory --dry-run prints the command and changes nothing', async ({ expect }) => {
    const f = fake();
    const result = await recipe(['scale-memory', 'production', '1024', '--dry-run'], f);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('$ flyctl scale memory 1024 --app kotadb-api --config fly.toml\n');
    expect(f.calls()).toEqual([]);
  });

  test.for([
    [['scale-memory', 'staging', '300'], 'error: <mb> must be a multiple of 256, got 300. Run with --help for usage.'],
    [['scale-memory', 'staging'], 'error: missing <mb>'],
    [
      ['machines', 'prod'],
      'error: unknown environment "prod": expected one of staging, production. Run with --help for usage.',
    ],
    [['tail', 'staging'], 'error: unknown action "tail"'],
    [['machines', 'staging', '512'], 'error: unexpected argument "512". Run with --help for usage.'],
    [
      ['releases', 'staging', '--no-tail'],
      'error: --no-tail and --lines only apply to logs. Run with --help for usage.',
    ],
    [
      ['logs', 'staging', '--lines', 'ten'],
      'error: --lines needs a positive whole number, got "ten". Run with --help for usage.',
    ],
  ] as const)('%j is invalid input (exit 2) and calls nothing', async ([args, message], { expect }) => {
    const f = fake();
    const result = await recipe([...args], f);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(f.calls()).toEqual([]);
  });

  test("a flyctl failure is exit 1 (flyctl's own error reaches the terminal)", async ({ expect }) => {
    const f = fake();
    f.fault('status', { exit: 1, stderr: 'Error: failed to get app: unauthorized\n' });
    const result = await recipe(['machines', 'production'], f);
    expect(result.code).toBe(1);
    expect(result.terminal.stderr).toBe('Error: failed to get app: unauthorized\n');
    expect(result.stderr).toContain('error: flyctl status --app kotadb-api --config fly.toml failed (exit 1)');
  });

  test('Ctrl-C: following logs stops quietly (exit 130); interrupted scaling says machines may be resized', async ({
    expect,
  }) => {
    const f = fake();
    f.fault('scale memory', { hang: true });
    const stopLogs = new AbortController();
    const stopScale = new AbortController();
    const logs = recipe(['logs', 'staging'], f, { signal: stopLogs.signal });
    const scale = recipe(['scale-memory', 'staging', '512'], f, { signal: stopScale.signal });
    await f.waitForCall((c) => c.command === 'logs');
    await f.waitForCall((c) => c.command === 'scale memory');
    stopLogs.abort();
    stopScale.abort();
    const [followed, scaled] = await Promise.all([logs, scale]);
    expect(followed.code).toBe(130);
    expect(followed.stderr.trim()).toBe('stopped (Ctrl-C); logs changes nothing');
    expect(followed.terminal.stdout).toContain('Pulling container image');
    expect(scaled.code).toBe(130);
    expect(scaled.stderr).toContain(
      'error: interrupted while scaling kotadb-api-staging to 512 MB: some machines may already run with the new size\n  check with `npx just machines staging`, then run `npx just scale-memory staging 512` again',
    );
  });
});
