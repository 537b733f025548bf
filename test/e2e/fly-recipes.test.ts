/**
 * The everyday recipes end to end: scripts/fly.ts (and the justfile recipes that call it) as
 * child processes against the fake flyctl.
 */
import { spawn } from 'node:child_process';
import { describe, test } from 'vitest';
import { fromRoot, repoRoot } from '../../lib/core/paths.ts';
import type { FakeFly } from '../helpers/fake-fly.ts';
import { fakeFlyFactory } from '../helpers/per-test.ts';
import { main } from '../../scripts/fly.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { baseEnv, runScript } from '../helpers/run-script.ts';

const fake = fakeFlyFactory();

const fly = (args: string[], f: FakeFly, cwd?: string) =>
  runScript('fly', args, { env: f.env, ...(cwd ? { cwd } : {}) });

function just(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(fromRoot('node_modules', '.bin', 'just'), args, {
      cwd: repoRoot,
      env: baseEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.concurrent('fly recipes (scripts/fly.ts)', () => {
  test('status, releases, certs and open pass the environment app and config, from any directory', async ({
    expect,
  }) => {
    const f = fake();
    const [status, releases, certs, open] = await Promise.all([
      fly(['machines', 'staging'], f, fromRoot('supabase')),
      fly(['releases', 'production'], f),
      fly(['certs', 'staging'], f),
      fly(['open', 'production'], f),
    ]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Name     = kotadb-api-staging');
    expect(releases.stdout).toMatch(/^VERSION\tSTATUS/);
    expect(releases.stdout).toContain('v3     \tcomplete');
    expect(certs).toMatchObject({ code: 0, stdout: 'HOST NAME\tADDED\tSTATUS\n\n' });
    expect(open).toMatchObject({ code: 0, stdout: 'opening https://kotadb-api.fly.dev/ ...\n' });
    const calls = f.calls();
    expect(calls.map((c) => c.argv).sort()).toEqual(
      [
        ['status', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'],
        ['releases', '--app', 'kotadb-api', '--config', 'fly.toml'],
        ['certs', 'list', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'],
        ['apps', 'open', '--app', 'kotadb-api', '--config', 'fly.toml'],
      ].sort(),
    );
    // --config is relative: flyctl runs in the toolkit root whatever the caller's directory.
    expect(calls.every((c) => c.cwd === repoRoot)).toBe(true);
  });

  test('logs --no-tail prints the buffered lines; --lines keeps only the last n (flyctl -n is not a count)', async ({
    expect,
  }) => {
    const f = fake();
    const [all, last] = await Promise.all([
      fly(['logs', 'production', '--no-tail'], f),
      fly(['logs', 'production', '--lines', '2'], f),
    ]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(last).toMatchObject({ code: 0, stdout: lines.slice(-2).join('\n') + '\n' });
    expect(f.calls().map((c) => c.argv)).toEqual(
      [1, 2].map(() => ['logs', '--app', 'kotadb-api', '--config', 'fly.toml', '--no-tail']),
    );
  });

  test('ssh in a dry run is printed, not opened', async ({ expect }) => {
    const f = fake();
    const result = await fly(['ssh', 'production', '--dry-run'], f);
    expect(result).toMatchObject({ code: 0, stdout: '$ flyctl ssh console --app kotadb-api --config fly.toml\n' });
    expect(f.calls()).toEqual([]);
  });

  test('scale-memory: production refuses without --yes before calling flyctl; with --yes every machine is resized', async ({
    expect,
  }) => {
    const f = fake();
    const refused = await fly(['scale-memory', 'production', '1024'], f);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('re-run with --yes to confirm');
    expect(f.calls()).toEqual([]);

    const done = await fly(['scale-memory', 'production', '1024', '--yes'], f);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Memory: 1024 MB');
    expect(done.stderr).toContain('warning: the next deploy sets memory back to 512 MB ([[vm]] memory_mb in fly.toml)');
    expect(f.app('kotadb-api').machines.map((m) => m.memoryMb)).toEqual([1024, 1024]);
    expect(f.app('kotadb-api-staging').machines.map((m) => m.memoryMb)).toEqual([undefined]);
    expect(f.mutatingCalls().map((c) => c.argv)).toEqual([
      ['scale', 'memory', '1024', '--app', 'kotadb-api', '--config', 'fly.toml'],
    ]);
  });

  test('scale-memory --dry-run prints the command and changes nothing', async ({ expect }) => {
    const f = fake();
    const result = await fly(['scale-memory', 'production', '1024', '--dry-run'], f);
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
    const result = await runInProcess(main, args, f.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(f.calls()).toEqual([]);
  });

  test("a flyctl failure is exit 1 (flyctl's own error reaches the terminal)", async ({ expect }) => {
    const f = fake();
    f.fault('status', { exit: 1, stderr: 'Error: failed to get app: unauthorized\n\n' });
    const result = await fly(['machines', 'production'], f);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: failed to get app: unauthorized');
    expect(result.stderr).toContain('error: flyctl status --app kotadb-api --config fly.toml failed (exit 1)');
  });

  test('Ctrl-C: following logs stops quietly (exit 130); interrupted scaling says machines may be resized', async ({
    expect,
  }) => {
    const f = fake();
    f.fault('scale memory', { hang: true });
    const children: import('node:child_process').ChildProcess[] = [];
    const logs = runScript('fly', ['logs', 'staging'], { env: f.env, onSpawn: (c) => children.push(c) });
    const scale = runScript('fly', ['scale-memory', 'staging', '512'], {
      env: f.env,
      onSpawn: (c) => children.push(c),
    });
    await f.waitForCall((c) => c.command === 'logs', 20_000);
    await f.waitForCall((c) => c.command === 'scale memory', 20_000);
    for (const child of children) child.kill('SIGINT');
    const [followed, scaled] = await Promise.all([logs, scale]);
    expect(followed.code).toBe(130);
    expect(followed.stderr.trim()).toBe('stopped (Ctrl-C); logs changes nothing');
    expect(scaled.code).toBe(130);
    expect(scaled.stderr).toContain(
      'error: interrupted while scaling kotadb-api-staging to 512 MB: some machines may already run with the new size\n  check with `npx just machines staging`, then run `npx just scale-memory staging 512` again',
    );
  });

  test('the justfile recipes pass their arguments through (npx just status, npx just scale-memory)', async ({
    expect,
  }) => {
    const f = fake();
    const [status, scale] = await Promise.all([
      just(['machines', 'staging'], f.env),
      just(['scale-memory', 'staging', '512'], f.env),
    ]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Name     = kotadb-api-staging');
    expect(scale.code).toBe(0);
    expect(f.app('kotadb-api-staging').machines.map((m) => m.memoryMb)).toEqual([512]);
  });

  test('npx just --list describes every recipe of this script in one line', async ({ expect }) => {
    const list = await just(['--list', '--unsorted'], {});
    for (const recipe of [
      'logs',
      'machines',
      'releases',
      'ssh',
      'scale-memory',
      'certs',
      'open',
      'fly-setup',
      'doctor',
    ]) {
      expect(list.stdout).toMatch(new RegExp(`^\\s+${recipe} \\*args\\s+# \\S.+$`, 'm'));
    }
  });
});
