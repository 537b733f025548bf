/**
 * The lock store: one ref per environment on the lock remote (`refs/kotadb/locks/<env>`),
 * pointing at a parentless commit whose message is the holder record. Every change is a
 * compare-and-swap push (`--force-with-lease=<ref>:<expected>`): create only if absent,
 * refresh or delete only if the ref is still the commit we saw. The remote checks the old
 * value under its ref lock, so of two racing writers exactly one wins.
 */
import * as git from '../commands/git.ts';
import { OperationFailed } from '../core/errors.ts';
import type { Runner, RunResult } from '../core/runner.ts';
import { encodeHolder, parseHolder, type Holder } from './holder.ts';
import { resolveLockRemote, type LockRemote } from './remote.ts';
import { RemoteRefs } from './remote-refs.ts';

/** What the remote's lock ref holds right now. */
export interface LockEntry {
  readonly sha: string;
  /** null when the commit does not carry a record this toolkit can read. */
  readonly holder: Holder | null;
  /** Why the record could not be read (when holder is null). */
  readonly unreadable?: string;
}

export type WriteResult =
  | { readonly ok: true; readonly sha: string }
  /** The ref was not what we expected: `current` is what it is now (null: absent). */
  | { readonly ok: false; readonly current: LockEntry | null };

/** A push refused while the ref is as expected is tried again once (a release may have raced it). */
const PUSH_ATTEMPTS = 2;
/** A ref that moves between `ls-remote` and `fetch` is read again, this many times at most. */
const READ_ATTEMPTS = 3;
/** The holder commit's author/committer: the record, not git's identity, says who holds the lock. */
const COMMIT_IDENTITY = { name: 'kotadb-ops deploy lock', email: 'deploy-lock@kotadb-ops.invalid' };

/** The store on the lock remote of the checkout at `cwd` (KOTADB_LOCK_REMOTE, else origin). */
export async function openLockStore(runner: Runner, env: NodeJS.ProcessEnv, cwd: string): Promise<GitLockStore> {
  return new GitLockStore(runner, await resolveLockRemote(runner, env, cwd), cwd);
}

export class GitLockStore {
  private refs: RemoteRefs;

  /** `cwd`: the checkout git runs in (its object store holds the holder commits). */
  constructor(runner: Runner, remote: LockRemote, cwd: string) {
    this.refs = new RemoteRefs(runner, remote, cwd);
  }

  get remote(): LockRemote {
    return this.refs.remote;
  }

  /** The same store through another runner (a release after Ctrl-C needs one whose signal is not aborted). */
  withRunner(runner: Runner): GitLockStore {
    const store = new GitLockStore(runner, this.remote, this.refs.cwd);
    store.refs = this.refs.withRunner(runner);
    return store;
  }

  get dryRun(): boolean {
    return this.refs.dryRun;
  }

  ref(environment: string): string {
    return git.deployLockRef(environment);
  }

  /** The lock as the remote has it now; null when nobody holds it. */
  async read(environment: string): Promise<LockEntry | null> {
    const ref = this.ref(environment);
    for (let attempt = 1; ; attempt += 1) {
      const sha = await this.refs.remoteSha(ref, 'read the deploy lock');
      if (sha === null) return null;
      let commit = await this.refs.localCommit(sha);
      if (commit === null) {
        const fetched = await this.refs.fetch([ref]);
        // A fetch that fails because the lock was released meanwhile is answered by reading again.
        if (fetched.exitCode !== 0 && attempt === READ_ATTEMPTS) throw this.failure('read', fetched);
        if (fetched.exitCode === 0) commit = await this.refs.localCommit(sha);
      }
      if (commit !== null) {
        const parsed = parseHolder(commit);
        return parsed.ok ? { sha, holder: parsed.holder } : { sha, holder: null, unreadable: parsed.reason };
      }
      // The ref moved between ls-remote and fetch: ask again.
      if (attempt === READ_ATTEMPTS)
        throw new OperationFailed(`the deploy lock ${ref} kept changing while it was read`);
    }
  }

  /** Writes `holder` if the ref is `expected` (null: only if nobody holds the lock). */
  async write(holder: Holder, expected: string | null): Promise<WriteResult> {
    const sha = await this.refs.commit(encodeHolder(holder), COMMIT_IDENTITY, holder.heartbeatAt);
    const landed = await this.swap(holder.environment, expected, sha);
    return landed ? { ok: true, sha } : { ok: false, current: await this.read(holder.environment) };
  }

  /** Deletes the lock if the ref is still `expected`. */
  async remove(environment: string, expected: string): Promise<WriteResult> {
    const landed = await this.swap(environment, expected, null);
    return landed ? { ok: true, sha: expected } : { ok: false, current: await this.read(environment) };
  }

  /** The push command a write or delete runs (for messages and plans). */
  pushCommand(environment: string, expected: string | null, next: string | null) {
    return this.refs.pushCommand(this.ref(environment), expected, next);
  }

  private async swap(environment: string, expected: string | null, next: string | null): Promise<boolean> {
    const ref = this.ref(environment);
    for (let attempt = 1; ; attempt += 1) {
      const pushed = await this.refs.push(ref, expected, next);
      if (pushed.dryRun || pushed.exitCode === 0) return true;
      // Refused. Whether the lease failed (someone else wrote first) or the remote could not be
      // reached or refused us (credentials, a protected ref) is decided from the ref's value now,
      // not from git's wording (which differs between versions and between client and server).
      let now: string | null;
      try {
        now = await this.refs.remoteSha(ref, 'read the deploy lock');
      } catch {
        throw this.failure('update', pushed);
      }
      if (next !== null && now === next) return true;
      if (now !== expected) return false;
      // The ref is what we expected after all: either the remote refuses us, or it changed and
      // changed back (a holder released the lock between our push and our look). Once more
      // tells them apart: a refusal repeats.
      if (attempt === PUSH_ATTEMPTS) throw this.failure('update', pushed);
    }
  }

  private failure(what: 'read' | 'update', result: RunResult): OperationFailed {
    return this.refs.failure(`${what} the deploy lock`, result);
  }
}
