/**
 * The everyday recipes where processes matter: flyctl (the fake, as a process) talks to the
 * user's terminal directly (`inherit`), `logs` streams until a real SIGINT, and the justfile
 * recipes pass their arguments through. Each recipe's calls, guards and failures are tested
 * in-process in test/scripts/fly.test.ts.
 */
import { spawn } from 'node:child_process';
import { describe, test } from 'vitest';
import { fromRoot, repoRoot } from '../../lib/core/paths.ts';
import { fakeFlyFactory } from '../helpers/per-test.ts';
import { baseEnv, runScript } from '../helpers/run-script.ts';

const fake = fakeFlyFactory();

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

describe.concurrent('fly recipes (child processes)', () => {
  test('Ctrl-C: logs stream to the terminal until interrupted, then stop quietly (exit 130)', async ({ expect }) => {
    const f = fake();
    let child: import('node:child_process').ChildProcess | undefined;
    const logs = runScript('fly', ['logs', 'staging'], { env: f.env, onSpawn: (c) => (child = c) });
    await f.waitForCall((c) => c.command === 'logs', 20_000);
    child?.kill('SIGINT');
    const followed = await logs;
    expect(followed.code).toBe(130);
    // flyctl wrote to the same terminal (stdout) the script was given.
    expect(followed.stdout).toContain('Pulling container image');
    expect(followed.stderr.trim()).toBe('stopped (Ctrl-C); logs changes nothing');
  });

  test('the justfile recipes pass their arguments through (npx just machines, npx just scale-memory)', async ({
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
