/**
 * A real store for the deploy lock: a bare git repository on disk (the "GitHub" remote) and
 * as many checkouts as a test needs (a laptop, CI…), each with `origin` pointing at it. Tests
 * read the remote's refs directly, plant records a dead holder left, and can hold pushes at a
 * barrier in a pre-receive hook to make two of them race on the server.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../lib/core/clock.ts';
import { processExecutor, Runner } from '../../lib/core/runner.ts';
import type { LockIO } from '../../lib/lock/deploy-lock.ts';
import { newHolder, parseHolder, type Holder, type Identity } from '../../lib/lock/holder.ts';
import { GitLockStore } from '../../lib/lock/store.ts';
import { captureOutput, type CapturedOutput } from './capture-output.ts';
import { manualClock } from './manual-clock.ts';
import { baseEnv } from './run-script.ts';

export interface LockRemote {
  /** The bare repository's path (a URL as far as git is concerned). */
  readonly remote: string;
  /** A new checkout whose origin is the remote. */
  checkout(name: string): string;
  /** The sha the remote's lock ref points at, or null. */
  refSha(environment: string): string | null;
  /** The record the remote's lock ref carries, or null. */
  record(environment: string): Holder | null;
  /** Makes the remote unreachable (and back): a network or permission failure. */
  disconnect(): void;
  reconnect(): void;
  /** Pushes wait in the remote's pre-receive hook until `count` of them have arrived. */
  barrier(count: number): { arrived: () => number };
  /**
   * The next push lands, then waits in the remote's post-receive hook (its client still waits
   * for the answer) until `letGo()`: the window where a run's lock push has landed but it does
   * not know yet.
   */
  holdAfterUpdate(): { reached: () => boolean; letGo: () => void };
  /** The remote refuses every push that touches a ref under `prefix` (a protected namespace). */
  refuseRefs(prefix: string): void;
  cleanup(): void;
}

/** A pid no process has (above Linux's pid_max): the holder that left this record is gone. */
export const DEAD_PID = 2 ** 30;

export function createLockRemote(): LockRemote {
  const root = mkdtempSync(path.join(tmpdir(), 'deploy-lock-'));
  const remote = path.join(root, 'remote.git');
  const parked = path.join(root, 'remote.git.away');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git(root, 'init', '-q', '--bare', remote);
  const refSha = (environment: string): string | null => {
    try {
      return git(remote, 'rev-parse', '--verify', '-q', `refs/kotadb/locks/${environment}`).trim() || null;
    } catch {
      return null;
    }
  };
  return {
    remote,
    checkout(name) {
      const dir = path.join(root, name);
      git(root, 'init', '-q', dir);
      git(dir, 'remote', 'add', 'origin', remote);
      return dir;
    },
    refSha,
    record(environment) {
      const sha = refSha(environment);
      if (sha === null) return null;
      const parsed = parseHolder(git(remote, 'cat-file', 'commit', sha));
      return parsed.ok ? parsed.holder : null;
    },
    disconnect: () => renameSync(remote, parked),
    reconnect: () => renameSync(parked, remote),
    barrier(count) {
      const dir = path.join(root, 'barrier');
      mkdirSync(dir, { recursive: true });
      const hook = path.join(remote, 'hooks', 'pre-receive');
      writeFileSync(
        hook,
        `#!/bin/sh\ntouch "${dir}/$$"\nwhile [ "$(ls "${dir}" | wc -l)" -lt ${count} ]; do sleep 0.02; done\nexit 0\n`,
      );
      chmodSync(hook, 0o755);
      return { arrived: () => readdirSync(dir).length };
    },
    holdAfterUpdate() {
      const reached = path.join(root, 'post-receive-reached');
      const letGo = path.join(root, 'post-receive-let-go');
      const hook = path.join(remote, 'hooks', 'post-receive');
      // Only the first push waits: the ones after it (the run taking its lock back) go through.
      writeFileSync(
        hook,
        `#!/bin/sh\n[ -e "${reached}" ] && exit 0\ntouch "${reached}"\nwhile [ ! -e "${letGo}" ]; do sleep 0.02; done\nexit 0\n`,
      );
      chmodSync(hook, 0o755);
      return { reached: () => existsSync(reached), letGo: () => writeFileSync(letGo, '') };
    },
    refuseRefs(prefix) {
      const hook = path.join(remote, 'hooks', 'pre-receive');
      writeFileSync(
        hook,
        `#!/bin/sh\nwhile read old new ref; do case "$ref" in ${prefix}*) echo "refusing $ref" >&2; exit 1;; esac; done\nexit 0\n`,
      );
      chmodSync(hook, 0o755);
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The I/O a script would give the lock, with captured output and (by default) virtual time. */
export interface LockTestIO extends LockIO {
  readonly captured: CapturedOutput;
}

export function lockIO(
  cwd: string,
  options: { env?: Record<string, string | undefined>; clock?: Clock; signal?: AbortSignal } = {},
): LockTestIO {
  const captured = captureOutput();
  return {
    captured,
    out: captured.out,
    env: baseEnv(options.env),
    exec: processExecutor(),
    clock: options.clock ?? manualClock().clock,
    signal: options.signal ?? new AbortController().signal,
    cwd,
  };
}

export function runnerFor(io: LockIO, dryRun = false): Runner {
  return new Runner({ dryRun, output: io.out, env: io.env, exec: io.exec, signal: io.signal });
}

export const identity = (user: string, host = `${user}-laptop`, pid = DEAD_PID): Identity => ({
  user,
  host,
  pid,
  ciRunUrl: null,
});

/** Plants the record a holder left at `since` (and never refreshed): what a killed deploy leaves. */
export async function plantHolder(
  checkout: string,
  environment: string,
  who: Identity,
  since: Date,
  command = `deploy ${environment}`,
): Promise<string> {
  const io = lockIO(checkout);
  const store = new GitLockStore(runnerFor(io), { target: 'origin', shown: 'origin' }, checkout);
  const written = await store.write(newHolder(who, environment, command, since), null);
  if (!written.ok) throw new Error(`plantHolder: the ${environment} lock is already held`);
  return written.sha;
}
