/**
 * The lock store: one ref per environment on the lock remote (`refs/kotadb/locks/<env>`),
 * pointing at a parentless commit whose message is the holder record. Every change is a
 * compare-and-swap push (`--force-with-lease=<ref>:<expected>`): create only if absent,
 * refresh or delete only if the ref is still the commit we saw. The remote checks the old
 * value under its ref lock, so of two racing writers exactly one wins.
 */
import * as git from '../commands/git.ts';
import { OperationFailed } from '../core/errors.ts';
import { lastLines, type Command, type Runner, type RunResult } from '../core/runner.ts';
import { encodeHolder, parseHolder, type Holder } from './holder.ts';
import { resolveLockRemote, type LockRemote } from './remote.ts';

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

const READ_TIMEOUT_MS = 30_000;
const PUSH_TIMEOUT_MS = 60_000;
/** A push refused while the ref is as expected is tried again once (a release may have raced it). */
const PUSH_ATTEMPTS = 2;
/** A ref that moves between `ls-remote` and `fetch` is read again, this many times at most. */
const READ_ATTEMPTS = 3;
/** The holder commit's author/committer: the record, not git's identity, says who holds the lock. */
const COMMIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'kotadb-ops deploy lock',
  GIT_AUTHOR_EMAIL: 'deploy-lock@kotadb-ops.invalid',
  GIT_COMMITTER_NAME: 'kotadb-ops deploy lock',
  GIT_COMMITTER_EMAIL: 'deploy-lock@kotadb-ops.invalid',
};

/** The store on the lock remote of the checkout at `cwd` (KOTADB_LOCK_REMOTE, else origin). */
export async function openLockStore(runner: Runner, env: NodeJS.ProcessEnv, cwd: string): Promise<GitLockStore> {
  return new GitLockStore(runner, await resolveLockRemote(runner, env, cwd), cwd);
}

export class GitLockStore {
  private emptyTreeId: string | null = null;

  constructor(
    private readonly runner: Runner,
    readonly remote: LockRemote,
    /** The checkout git runs in (its object store holds the holder commits). */
    private readonly cwd: string,
  ) {}

  /** The same store through another runner (a release after Ctrl-C needs one whose signal is not aborted). */
  withRunner(runner: Runner): GitLockStore {
    const store = new GitLockStore(runner, this.remote, this.cwd);
    store.emptyTreeId = this.emptyTreeId;
    return store;
  }

  get dryRun(): boolean {
    return this.runner.dryRun;
  }

  ref(environment: string): string {
    return git.deployLockRef(environment);
  }

  /** The lock as the remote has it now; null when nobody holds it. */
  async read(environment: string): Promise<LockEntry | null> {
    const ref = this.ref(environment);
    for (let attempt = 1; ; attempt += 1) {
      const sha = await this.remoteSha(ref);
      if (sha === null) return null;
      let commit = await this.localCommit(sha);
      if (commit === null) {
        const fetched = await this.git(git.fetchRefObjects(this.remote.target, ref), READ_TIMEOUT_MS, { check: false });
        // A fetch that fails because the lock was released meanwhile is answered by reading again.
        if (fetched.exitCode !== 0 && attempt === READ_ATTEMPTS) throw this.failure('read', fetched);
        if (fetched.exitCode === 0) commit = await this.localCommit(sha);
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
    const sha = await this.commit(holder);
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
    return git.pushWithLease(this.remote.target, this.ref(environment), expected, next);
  }

  private async swap(environment: string, expected: string | null, next: string | null): Promise<boolean> {
    const ref = this.ref(environment);
    for (let attempt = 1; ; attempt += 1) {
      const pushed = await this.git(this.pushCommand(environment, expected, next), PUSH_TIMEOUT_MS, { check: false });
      if (pushed.dryRun || pushed.exitCode === 0) return true;
      // Refused. Whether the lease failed (someone else wrote first) or the remote could not be
      // reached or refused us (credentials, a protected ref) is decided from the ref's value now,
      // not from git's wording (which differs between versions and between client and server).
      let now: string | null;
      try {
        now = await this.remoteSha(ref);
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

  private async remoteSha(ref: string): Promise<string | null> {
    const result = await this.git(git.lsRemoteRef(this.remote.target, ref), READ_TIMEOUT_MS, { check: false });
    if (result.exitCode === 2) return null;
    if (result.exitCode !== 0) throw this.failure('read', result);
    // ls-remote matches patterns by their tail: keep the exact ref only.
    for (const line of result.stdout.split('\n')) {
      const [sha, name] = line.trim().split(/\s+/);
      if (name === ref && sha) return sha;
    }
    return null;
  }

  private async localCommit(sha: string): Promise<string | null> {
    const result = await this.git(git.catCommit(sha), READ_TIMEOUT_MS, { check: false });
    return result.exitCode === 0 ? result.stdout : null;
  }

  private async commit(holder: Holder): Promise<string> {
    this.emptyTreeId ??= (await this.git(git.emptyTree(), READ_TIMEOUT_MS, { input: '' })).stdout.trim();
    const at = `${holder.heartbeatAt}`;
    const result = await this.git(git.commitTree(this.emptyTreeId), READ_TIMEOUT_MS, {
      input: encodeHolder(holder),
      env: { ...COMMIT_IDENTITY, GIT_AUTHOR_DATE: at, GIT_COMMITTER_DATE: at },
    });
    return result.stdout.trim();
  }

  private git(
    command: Command,
    timeoutMs: number,
    options: { check?: boolean; input?: string; env?: Record<string, string> } = {},
  ): Promise<RunResult> {
    return this.runner.run(command, {
      cwd: this.cwd,
      timeoutMs,
      ...(options.check === undefined ? {} : { check: options.check }),
      ...(options.input === undefined ? {} : { input: options.input }),
      // Never wait for a credential prompt nobody sees: fail with git's message instead.
      env: { GIT_TERMINAL_PROMPT: '0', ...options.env },
    });
  }

  private failure(what: 'read' | 'update', result: RunResult): OperationFailed {
    const tail = lastLines(result.stderr || result.stdout, 3);
    return new OperationFailed(
      `could not ${what} the deploy lock on ${this.remote.shown} (git exit ${result.exitCode})${tail ? `: ${tail}` : ''}`,
      {
        hint: `check that this machine can push to ${this.remote.shown} (git credentials; in CI: contents: write), or set KOTADB_LOCK_REMOTE`,
      },
    );
  }
}
