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
