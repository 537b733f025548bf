/**
 * deploy and rollback as child processes, only for what needs one: the real exit code through
 * the entry (one run per script, against the fake flyctl as a process and a real HTTP server),
 * SIGINT once and twice (the second kills flyctl at once and leaves the deploy lock held, saying
 * how to free it — which then works), and the production prompt on a real
 * pseudo-terminal (`script`): Ctrl-C typed there, SIGTERM sent meanwhile, keys typed before it
 * appeared. Everything else is tested in-process (test/scripts/deploy.test.ts, rollback.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../../lib/core/paths.ts';
import { script as lockScript } from '../../scripts/lock.ts';
import { worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import { FAKE_FLYCTL_BIN } from '../helpers/fake-fly.ts';
import { createLockRemote } from '../helpers/lock-remote.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { baseEnv, runScript } from '../helpers/run-script.ts';

const { world, track } = worldsForFile();
/** A checkout whose origin is a bare remote on disk: where the child's deploy lock lives. */
const lockCheckout = () => {
  const remote = track(createLockRemote());
  return { remote, cwd: remote.checkout('laptop') };
};
const IMAGE = 'registry.fly.io/kotadb-api-staging:deployment-01JE2E00000000000000000000';
const errorLines = (text: string) => text.split(/\r?\n/).filter((line) => line.startsWith('error: '));

describe.concurrent('deploy and rollback through the entry (real exit codes)', () => {
  test('deploy staging against the fake flyctl: exit 0, the release is live', async () => {
    const w = await world();
    const { remote, cwd } = lockCheckout();
    const r = await runScript('deploy-fly', ['staging', '--image', IMAGE, '--url', w.app.url], {
      env: w.fly.env,
      cwd,
    });
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain('✓ Deploy to staging: v4 is live and healthy');
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(IMAGE);
    expect(r.stderr).toContain('✓ released the staging deploy lock');
    expect(remote.refSha('staging')).toBeNull();
  });

  test('rollback to a release that does not exist: exit 2, nothing deployed', async () => {
    const w = await world();
    const r = await runScript('rollback', ['staging', '--to', '9', '--url', w.app.url], { env: w.fly.env });
    expect(r.code, r.all).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      'error: release v9 is not among the last 3 releases: choose one of v3, v2, v1',
    ]);
    expect(w.fly.mutatingCalls()).toEqual([]);
  });
});

describe.concurrent('deploy: Ctrl-C', () => {
  test('once, while flyctl deploy runs: flyctl gets SIGINT and marks its release interrupted; exit 130 with the state', async () => {
    const w = await world();
    const { remote, cwd } = lockCheckout();
    w.fly.fault('deploy', { hang: true, times: 1 });
    let child: ChildProcess | undefined;
    const running = runScript('deploy-fly', ['staging', '--image', IMAGE, '--skip-smoke', '--url', w.app.url], {
      env: w.fly.env,
      cwd,
      onSpawn: (c) => (child = c),
    });
    await w.fly.waitForCall((c) => c.argv[0] === 'deploy', 30_000);
    child!.kill('SIGINT');
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLines(r.stderr)).toEqual([
      'error: interrupted during flyctl deploy: v4 of kotadb-api-staging may be half-deployed (some machines may run its image); the staging deploy lock was released',
    ]);
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(w.fly.releases('kotadb-api-staging')[0]).toMatchObject({ version: 4, status: 'interrupted' });
    expect(remote.refSha('staging')).toBeNull();
  });

  test('twice, while a flyctl that ignores SIGINT hangs: it is killed at once and the same state is printed', async () => {
    const w = await world();
    const pidFile = path.join(w.fly.dir, 'deploy.pid');
    const stubborn = path.join(w.fly.dir, 'flyctl-stubborn.sh');
    writeFileSync(
      stubborn,
      `#!/bin/sh\nif [ "$1" = deploy ]; then\n  trap '' INT TERM\n  echo $$ > "${pidFile}"\n  exec sleep 600\nfi\nexec "${FAKE_FLYCTL_BIN}" "$@"\n`,
    );
    chmodSync(stubborn, 0o755);
    const { remote, cwd } = lockCheckout();
    let child: ChildProcess | undefined;
    const running = runScript('deploy-fly', ['staging', '--image', IMAGE, '--skip-smoke', '--url', w.app.url], {
      env: { ...w.fly.env, FLYCTL: stubborn },
      cwd,
      onSpawn: (c) => (child = c),
    });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const flyctl = Number(readFileSync(pidFile, 'utf8'));
    child!.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300)); // flyctl ignores it; the run waits
    expect(alive(flyctl)).toBe(true);
    child!.kill('SIGINT');
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLines(r.stderr)).toEqual([
      'error: interrupted again: every child process was killed. interrupted during flyctl deploy: v4 of kotadb-api-staging may be half-deployed (some machines may run its image); the staging deploy lock stays held by this run',
    ]);
    // the lock first: the rollback would wait for it
    expect(r.stderr).toContain(
      '  free the lock first: npx just lock staging release; then roll back with: npx just rollback staging --to 3',
    );
    await until(() => !alive(flyctl), 3000);
    expect(remote.record('staging')).toMatchObject({ command: 'deploy staging', pid: child!.pid });
    // ...and the command it names frees it: same user and machine, and that process has ended
    const released = await runInProcess(lockScript, ['staging', 'release'], {}, { cwd });
    expect(released.code, released.all).toBe(0);
    expect(remote.refSha('staging')).toBeNull();
  });
});

describe.concurrent('the production prompt on a terminal', () => {
  const QUESTION = 'Type the app name (kotadb-api) and press Enter to deploy to production, or Ctrl-C to stop:';

  test('Ctrl-C typed at the prompt: exit 130, nothing was changed, ✗ Confirm on its own line', async () => {
    const w = await world({ env: 'production' });
    const t = onTerminal(w);
    await t.waitFor(QUESTION);
    t.type('kot\u0003');
    const r = await t.done;
    expect(r.code, r.output).toBe(130);
    expect(r.output).toContain('error: interrupted before deploying: nothing was changed');
    expect(r.output).toMatch(/\n✗ Confirm \(/);
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('SIGTERM sent while it waits: exit 130, nothing was changed', async () => {
    const w = await world({ env: 'production' });
    const t = onTerminal(w);
    await t.waitFor(QUESTION);
    process.kill(t.scriptPid(), 'SIGTERM');
    const r = await t.done;
    expect(r.code, r.output).toBe(130);
    expect(r.output).toContain('error: interrupted before deploying: nothing was changed');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('keys typed before the prompt appeared do not answer it', async () => {
    const w = await world({ env: 'production' });
    const t = onTerminal(w);
    t.type('kotadb-api\r'); // typed ahead, during preflight
    await t.waitFor(QUESTION);
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.type('nope\r');
    const r = await t.done;
    expect(r.code, r.output).toBe(3);
    expect(r.output).toContain('error: confirmation did not match "kotadb-api": nothing was changed');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });
});

/** A production deploy on a pseudo-terminal (util-linux `script`), stopped at the prompt by the test. */
function onTerminal(w: DeployWorld) {
  const script = path.join(repoRoot, 'scripts', 'deploy-fly.ts');
  const args = ['production', '--image', IMAGE.replace('-staging', ''), '--force', '--skip-smoke', '--url', w.app.url];
  // `exec`: without it dash (script's shell when SHELL is unset, as in CI) stays as node's parent
  const command = `exec ${[process.execPath, '--import', import.meta.resolve('tsx'), script, ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ')}`;
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: repoRoot,
    env: baseEnv({ ...w.fly.env, TERM: 'dumb', SHELL: undefined }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  track({ cleanup: () => child.kill('SIGKILL') });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output: output.replace(/\r\n/g, '\n') })),
  );
  return {
    done,
    type: (keys: string) => child.stdin.write(keys),
    waitFor: (text: string) => until(() => output.includes(text), 30_000),
    /** The deploy script's own process: node itself, never a shell whose command line names the script. */
    scriptPid: () =>
      descendants(child.pid!).find((pid) => {
        const line = cmdline(pid);
        return line.startsWith(`${process.execPath} `) && line.includes('deploy-fly.ts');
      })!,
  };
}

function descendants(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Running (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('until: timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
