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
/** One line per changed or untracked file (ignored files excluded): empty means clean. */
export const statusPorcelain = (): Command => read('status', '--porcelain');
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
/** The names in folder `dir` of `ref`'s tree, one per line, relative to the cwd (the migrations a release had). */
export const filesAt = (ref: string, dir: string): Command =>
  read('ls-tree', '--name-only', ref, '--', `${dir.replace(/\/+$/, '')}/`);
