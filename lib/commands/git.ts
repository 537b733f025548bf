/**
 * git commands as data, for the production release guard and deploy tags. Pure; unit-tested
 * by exact equality. They run in the caller's working directory (users deploy from the
 * repository root), never through a shell.
 */
import type { Command } from '../core/runner.ts';

const read = (...argv: string[]): Command => ({ argv: ['git', ...argv], mutating: false });
const write = (...argv: string[]): Command => ({ argv: ['git', ...argv], mutating: true });

/** Prints the branch name, or `HEAD` when detached. */
export const currentBranch = (): Command => read('rev-parse', '--abbrev-ref', 'HEAD');
export const headCommit = (): Command => read('rev-parse', 'HEAD');
/**
 * Every changed or untracked file (ignored files excluded), NUL-separated: empty means clean.
 * The flags override the user's config that would hide files (`status.showUntrackedFiles=no`,
 * `submodule.*.ignore`) and `-z` makes paths verbatim whatever `core.quotepath` says.
 */
export const statusPorcelain = (): Command =>
  read('status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=none');
/**
 * A lightweight tag on the commit that was deployed: an annotated tag would need a committer
 * identity, which CI checkouts do not configure.
 */
export const tag = (name: string, commit: string): Command => write('tag', name, commit);
/** The full ref, so a branch that happens to share the tag's name is never pushed instead. */
export const pushTag = (name: string, remote = 'origin'): Command => write('push', remote, `refs/tags/${name}`);

/** The tag a production deploy of release v<version> gets. */
export const deployTagName = (environment: string, version: number): string => `deploy/${environment}/v${version}`;

/** Exit 0 when `ref` names a commit, 1 (quietly) when it does not. */
export const verifyCommit = (ref: string): Command => read('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
/**
 * Every deploy tag of one environment, one per line: `<refname>\t<object>\t<peeled commit>` (the
 * peeled field is empty for a lightweight tag, which deploy --tag makes). One call for all releases.
 */
export const deployTags = (environment: string): Command =>
  read('for-each-ref', '--format=%(refname)%09%(objectname)%09%(*objectname)', `refs/tags/deploy/${environment}/`);
/** A commit's subject line; exit 128 when the commit is not in this repository. */
export const commitSubject = (sha: string): Command => read('log', '-1', '--format=%s', `${sha}^{commit}`, '--');
/** `<only in a>\t<only in b>`: how many commits each side has that the other lacks. */
export const commitsAheadBehind = (a: string, b: string): Command =>
  read('rev-list', '--left-right', '--count', `${a}...${b}`, '--');
/** The names in folder `dir` of `ref`'s tree, one per line, relative to the cwd (the migrations a release had). */
export const filesAt = (ref: string, dir: string): Command =>
  read('ls-tree', '--name-only', ref, '--', `${dir.replace(/\/+$/, '')}/`);

// The deploy lock (lib/lock/): a ref on the remote whose commit carries the holder record,
// created, refreshed and deleted only by compare-and-swap pushes.

/** The empty tree's id in this repository's hash (the holder commit has no files). Reads stdin (empty). */
export const emptyTree = (): Command => read('hash-object', '-t', 'tree', '--stdin');
/**
 * A parentless commit of `tree` whose message comes from stdin. It only adds an unreferenced
 * object to the local object store (nobody else sees it until it is pushed), so a dry run
 * makes it too and can print the exact push. Never signed: signing may prompt for a passphrase.
 */
export const commitTree = (tree: string): Command => read('commit-tree', '--no-gpg-sign', '-F', '-', tree);
/** A commit's raw text (headers, blank line, message); exit non-zero when the object is not here. */
export const catCommit = (sha: string): Command => read('cat-file', 'commit', sha);
/** The URL a remote name stands for (exit 2 when there is no such remote). */
export const remoteUrl = (name: string): Command => read('remote', 'get-url', name);
/** `<sha>\t<ref>` when the remote has the ref; exit 2 when it has none. */
export const lsRemoteRef = (remote: string, ref: string): Command => read('ls-remote', '--exit-code', remote, ref);
/** Brings remote refs' objects into the local store without updating any ref or FETCH_HEAD (no globs). */
export const fetchRefObjects = (remote: string, ...refs: string[]): Command =>
  read('fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote, ...refs);
/**
 * Compare-and-swap on a remote ref: set `ref` to `next` (null: delete it) only if the remote's
 * ref is `expected` right now (null: only if it does not exist). The remote checks the old
 * value under its ref lock, so of two pushes with the same lease at most one lands. One ref,
 * so no `--atomic` (it adds nothing for one ref, and when a lease fails before sending git
 * 2.39 drops the connection with "atomic push failed"); `--no-verify` keeps a local pre-push
 * hook (a test run…) out of every lock operation.
 */
export const pushWithLease = (remote: string, ref: string, expected: string | null, next: string | null): Command =>
  write(
    'push',
    '--quiet',
    '--no-verify',
    `--force-with-lease=${ref}:${expected ?? ''}`,
    remote,
    `${next ?? ''}:${ref}`,
  );

/** The ref holding an environment's deploy lock on the lock remote. */
export const deployLockRef = (environment: string): string => `refs/kotadb/locks/${environment}`;

// Release provenance (lib/release/provenance.ts): one ref per release on the lock remote,
// pointing at a parentless commit on the empty tree whose message is the release's record.

/** The ref holding the provenance record of release v<version> of an environment. */
export const releaseRecordRef = (environment: string, version: number): string =>
  `refs/kotadb/releases/${environment}/v${version}`;
/** The glob that matches every release record of an environment (ls-remote pattern, fetch refspec). */
export const releaseRecordsGlob = (environment: string): string => `refs/kotadb/releases/${environment}/*`;
/** `<sha>\t<ref>` per matching ref; exit 0 with no output when there is none. */
export const lsRemoteRefs = (remote: string, pattern: string): Command => read('ls-remote', remote, pattern);

// promote: is the commit on the release branch, as the remote has it now?

/** The remote-tracking ref of `branch`. */
export const remoteBranchRef = (remote: string, branch: string): string => `refs/remotes/${remote}/${branch}`;
/**
 * Updates the remote-tracking ref of one branch, whatever refspecs the clone has configured
 * (CI checkouts fetch a single ref). It changes no branch or work tree: a read as far as the
 * user is concerned, so a dry run runs it too.
 */
export const fetchBranch = (remote: string, branch: string): Command =>
  read('fetch', '--quiet', '--no-tags', remote, `+refs/heads/${branch}:${remoteBranchRef(remote, branch)}`);
/** Exit 0 when `commit` is an ancestor of (or is) `of`, 1 when it is not, other codes on errors. */
export const isAncestor = (commit: string, of: string): Command => read('merge-base', '--is-ancestor', commit, of);
/** The tree id of a commit; exit non-zero (quietly) when the commit is not here. */
export const treeOf = (ref: string): Command => read('rev-parse', '--verify', '--quiet', `${ref}^{tree}`);
