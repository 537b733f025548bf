/**
 * Which commit a release was deployed from. One function answers it (releaseCommit) for status,
 * `rollback --list` and the rollback schema check, so a new source of truth plugs in here
 * alone. Today's sources, in order: the production deploy tag `deploy/<env>/v<N>` of this
 * checkout (deploy --tag: a commit known to be here), then the `git-<sha>` label of the
 * release's image (lib/release/image-label.ts: travels with the image).
 */
import * as git from '../commands/git.ts';
import type { Environment } from '../config/environments.ts';
import type { Runner } from '../core/runner.ts';
import { commitOfImage } from './image-label.ts';

export type CommitSource = 'deploy tag' | 'image label';

export interface ReleaseCommit {
  /** The full sha. */
  readonly sha: string;
  readonly source: CommitSource;
}

/** What the toolkit read besides the releases themselves (read once, then asked per release). */
export interface CommitRecords {
  /** Release version -> the commit its deploy tag names. */
  readonly deployTags: ReadonlyMap<number, string>;
  /** Why the deploy tags could not be read (not a git checkout…); null when they were. */
  readonly unreadable: string | null;
}

export const NO_RECORDS: CommitRecords = { deployTags: new Map(), unreadable: null };

/** The commit of a release, or null when nothing records it. Pure. */
export function releaseCommit(
  release: { readonly version: number | null; readonly imageRef: string | null },
  records: CommitRecords,
): ReleaseCommit | null {
  const tagged = release.version === null ? undefined : records.deployTags.get(release.version);
  if (tagged) return { sha: tagged, source: 'deploy tag' };
  const labelled = commitOfImage(release.imageRef);
  return labelled ? { sha: labelled, source: 'image label' } : null;
}

/** `0123abc (deploy tag)`, or the reason it is unknown. */
export function describeCommit(commit: ReleaseCommit | null): string {
  return commit ? `${shortSha(commit.sha)} (${commit.source})` : 'unknown (no deploy tag, no git-<sha> image label)';
}

export const shortSha = (sha: string): string => sha.slice(0, 7);

/** The deploy tags of `env` in the checkout at `cwd` (one git call); never throws. */
export async function readCommitRecords(
  runner: Runner,
  env: Environment,
  cwd: string,
  timeoutMs = 10_000,
): Promise<CommitRecords> {
  try {
    const result = await runner.run(git.deployTags(env.name), { cwd, check: false, timeoutMs });
    if (result.exitCode !== 0)
      return { deployTags: new Map(), unreadable: result.stderr.trim().split('\n')[0] || 'git failed' };
    return { deployTags: parseDeployTags(result.stdout, env.name), unreadable: null };
  } catch (error) {
    return { deployTags: new Map(), unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/** `refs/tags/deploy/<env>/v<N>\t<object>\t<peeled>` lines -> version -> commit. */
export function parseDeployTags(listing: string, environment: string): Map<number, string> {
  const tags = new Map<number, string>();
  const prefix = `refs/tags/deploy/${environment}/v`;
  for (const line of listing.split('\n')) {
    const [ref, object, peeled] = line.trim().split('\t');
    if (!ref?.startsWith(prefix) || !object) continue;
    const version = ref.slice(prefix.length);
    if (!/^\d+$/.test(version)) continue;
    tags.set(Number(version), peeled || object);
  }
  return tags;
}
