/**
 * Records kept as refs on a git remote (the deploy lock's remote): each ref points at a
 * parentless commit on the empty tree whose message is the record. The deploy lock
 * (lib/lock/store.ts) and the release provenance records (lib/release/provenance.ts) both keep
 * their records this way; this is the git part they share: the commit, the remote's refs, the
 * fetch of their objects, the compare-and-swap push, and one failure wording.
 */
import * as git from '../commands/git.ts';
import { OperationFailed } from '../core/errors.ts';
import { lastLines, type Command, type Runner, type RunResult } from '../core/runner.ts';
import type { LockRemote } from './remote.ts';

const READ_TIMEOUT_MS = 30_000;
const PUSH_TIMEOUT_MS = 60_000;

/** Who a record commit says wrote it: the record itself, not git's identity, says who. */
export interface CommitIdentity {
  readonly name: string;
  readonly email: string;
}

export class RemoteRefs {
  private emptyTreeId: string | null = null;

  constructor(
    private readonly runner: Runner,
    readonly remote: LockRemote,
    /** The checkout git runs in (its object store receives the record commits). */
    readonly cwd: string,
  ) {}

  /** The same refs through another runner (a release after Ctrl-C needs one whose signal is not aborted). */
  withRunner(runner: Runner): RemoteRefs {
    const refs = new RemoteRefs(runner, this.remote, this.cwd);
    refs.emptyTreeId = this.emptyTreeId;
    return refs;
  }

  get dryRun(): boolean {
    return this.runner.dryRun;
  }

  /** A local commit on the empty tree carrying `message`, dated `at` (ISO 8601); its sha. */
  async commit(message: string, identity: CommitIdentity, at: string): Promise<string> {
    this.emptyTreeId ??= (await this.git(git.emptyTree(), { input: '' })).stdout.trim();
    const result = await this.git(git.commitTree(this.emptyTreeId), {
      input: message,
      env: {
        GIT_AUTHOR_NAME: identity.name,
        GIT_AUTHOR_EMAIL: identity.email,
        GIT_COMMITTER_NAME: identity.name,
        GIT_COMMITTER_EMAIL: identity.email,
        GIT_AUTHOR_DATE: at,
        GIT_COMMITTER_DATE: at,
      },
    });
    return result.stdout.trim();
  }

  /** The sha the remote's `ref` points at; null when it has no such ref. */
  async remoteSha(ref: string, what: string): Promise<string | null> {
    const result = await this.git(git.lsRemoteRef(this.remote.target, ref), { check: false });
    if (result.exitCode === 2) return null;
    if (result.exitCode !== 0) throw this.failure(what, result);
    // ls-remote matches patterns by their tail: keep the exact ref only.
    for (const line of result.stdout.split('\n')) {
      const [sha, name] = line.trim().split(/\s+/);
      if (name === ref && sha) return sha;
    }
    return null;
  }

  /** Every `<sha> <ref>` the remote has under `pattern` (an ls-remote glob). */
  async list(pattern: string, what: string): Promise<Array<{ sha: string; ref: string }>> {
    const result = await this.git(git.lsRemoteRefs(this.remote.target, pattern), { check: false });
    if (result.exitCode !== 0) throw this.failure(what, result);
    const refs: Array<{ sha: string; ref: string }> = [];
    for (const line of result.stdout.split('\n')) {
      const [sha, ref] = line.trim().split(/\s+/);
      if (sha && ref) refs.push({ sha, ref });
    }
    return refs;
  }

  /** Brings the refs' objects here without touching any local ref (exit code as git gave it). */
  fetch(refs: readonly string[]): Promise<RunResult> {
    return this.git(git.fetchRefObjects(this.remote.target, ...refs), { check: false });
  }

  /** The raw commit (`git cat-file commit`) when this checkout has it, else null. */
  async localCommit(sha: string): Promise<string | null> {
    const result = await this.git(git.catCommit(sha), { check: false });
    return result.exitCode === 0 ? result.stdout : null;
  }

  /** The compare-and-swap push (`expected` null: create only; `next` null: delete). */
  pushCommand(ref: string, expected: string | null, next: string | null): Command {
    return git.pushWithLease(this.remote.target, ref, expected, next);
  }

  push(ref: string, expected: string | null, next: string | null): Promise<RunResult> {
    return this.git(this.pushCommand(ref, expected, next), { check: false });
  }

  /** `could not <what> on <remote> (git exit N): <git's last lines>`, with the credentials hint. */
  failure(what: string, result: RunResult): OperationFailed {
    const tail = lastLines(result.stderr || result.stdout, 3);
    return new OperationFailed(
      `could not ${what} on ${this.remote.shown} (git exit ${result.exitCode})${tail ? `: ${tail}` : ''}`,
      {
        hint: `check that this machine can push to ${this.remote.shown} (git credentials; in CI: contents: write), or set KOTADB_LOCK_REMOTE`,
      },
    );
  }

  private git(
    command: Command,
    options: { check?: boolean; input?: string; env?: Record<string, string> } = {},
  ): Promise<RunResult> {
    return this.runner.run(command, {
      cwd: this.cwd,
      timeoutMs: command.mutating ? PUSH_TIMEOUT_MS : READ_TIMEOUT_MS,
      ...(options.check === undefined ? {} : { check: options.check }),
      ...(options.input === undefined ? {} : { input: options.input }),
      // Never wait for a credential prompt nobody sees: fail with git's message instead.
      env: { GIT_TERMINAL_PROMPT: '0', ...options.env },
    });
  }
}
