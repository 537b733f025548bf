/**
 * Scripted answers to the deploy lock's git calls, for in-process tests whose subject is not
 * the lock: the lock on `origin` is free, and the compare-and-swap pushes that take and release
 * it land. The ordered git calls are exported so that a test asserts where the lock is taken and
 * released among the script's other calls. The lock's own behaviour (races, waits, refusals,
 * staleness) is tested against a real bare git remote: test/integration/deploy-lock.test.ts and
 * test/integration/deploy-lock-scripts.test.ts.
 *
 *   const exec = freeLock(recordingExec().on(['flyctl', …], …));
 *   expect(exec.argv()).toEqual([...takeLockArgv('staging'), ['flyctl', …], ...releaseLockArgv('staging')]);
 */
import type { RecordingExec } from './recording-exec.ts';

const LOCK_ORIGIN = 'https://github.com/kotadb/kotadb-ops.git';
/** git's empty tree (SHA-1 repositories). */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** The holder commit every scripted `git commit-tree` answers. */
export const LOCK_COMMIT = 'c0ffee0000000000000000000000000000000001';

const ref = (environment: string) => `refs/kotadb/locks/${environment}`;

/** Answers the lock's git calls (registered last, so that they win over broader `git push` rules). */
export function freeLock(exec: RecordingExec): RecordingExec {
  return exec
    .on(['git', 'remote', 'get-url', 'origin'], { stdout: `${LOCK_ORIGIN}\n` })
    .on(['git', 'ls-remote', '--exit-code', 'origin'], { exitCode: 2 })
    .on(['git', 'hash-object', '-t', 'tree', '--stdin'], { stdout: `${EMPTY_TREE}\n` })
    .on(['git', 'commit-tree'], { stdout: `${LOCK_COMMIT}\n` })
    .on(['git', 'push', '--quiet', '--no-verify'], {});
}

/** What taking the free lock runs: which remote, the holder commit, the push that creates the ref. */
export function takeLockArgv(environment: string): string[][] {
  return [
    ['git', 'remote', 'get-url', 'origin'],
    ['git', 'hash-object', '-t', 'tree', '--stdin'],
    ['git', 'commit-tree', '--no-gpg-sign', '-F', '-', EMPTY_TREE],
    [
      'git',
      'push',
      '--quiet',
      '--no-verify',
      `--force-with-lease=${ref(environment)}:`,
      'origin',
      `${LOCK_COMMIT}:${ref(environment)}`,
    ],
  ];
}

/** What releasing it runs: the push that deletes the ref if it is still our commit. */
export function releaseLockArgv(environment: string): string[][] {
  return [
    [
      'git',
      'push',
      '--quiet',
      '--no-verify',
      `--force-with-lease=${ref(environment)}:${LOCK_COMMIT}`,
      'origin',
      `:${ref(environment)}`,
    ],
  ];
}

/** What a dry run runs to check the lock (the pushes are printed, not run). */
export function checkLockArgv(environment: string): string[][] {
  return [
    ['git', 'remote', 'get-url', 'origin'],
    ['git', 'ls-remote', '--exit-code', 'origin', ref(environment)],
    ['git', 'hash-object', '-t', 'tree', '--stdin'],
    ['git', 'commit-tree', '--no-gpg-sign', '-F', '-', EMPTY_TREE],
  ];
}

/**
 * What recording a verified release runs (lib/release/provenance.ts): the lock remote again, the
 * record commit on the empty tree, the create-only push of refs/kotadb/releases/<env>/v<N>.
 * Runs under the lock, before it is released.
 */
export function recordArgv(environment: string, version: number): string[][] {
  const ref = `refs/kotadb/releases/${environment}/v${version}`;
  return [
    ['git', 'remote', 'get-url', 'origin'],
    ['git', 'hash-object', '-t', 'tree', '--stdin'],
    ['git', 'commit-tree', '--no-gpg-sign', '-F', '-', EMPTY_TREE],
    ['git', 'push', '--quiet', '--no-verify', `--force-with-lease=${ref}:`, 'origin', `${LOCK_COMMIT}:${ref}`],
  ];
}
