/**
 * Which commit a release was deployed from. One function answers it (releaseCommit) for status,
 * `rollback --list` and the rollback schema check, so a new source of truth plugs in here
 * alone. The sources: the release's provenance record on the deploy lock's remote
 * (lib/release/provenance.ts: written after every verified deploy), the production deploy tag
 * `deploy/<env>/v<N>` of this checkout (deploy --tag: a commit known to be here), and the
 * `git-<sha>` label of the release's image (lib/release/image-label.ts: travels with the
 * image); which answers first depends on the question (IMAGE_COMMIT_FIRST, CHECKOUT_COMMIT_FIRST).
 */
import * as git from '../commands/git.ts';
import type { Environment } from '../config/environments.ts';
import type { Runner } from '../core/runner.ts';
import { resolveLockRemote } from '../lock/remote.ts';
import { commitOfImage } from './image-label.ts';
import { readReleaseRecords } from './provenance.ts';

export type CommitSource = 'deploy tag' | 'release record' | 'image label';

export interface ReleaseCommit {
  /** The full sha. */
  readonly sha: string;
  readonly source: CommitSource;
}

/** What the toolkit read besides the releases themselves (read once, then asked per release). */
export interface CommitRecords {
  /** Release version -> the commit its deploy tag names. */
  readonly deployTags: ReadonlyMap<number, string>;
  /** Release version -> the commit its provenance record names (records naming none are left out). */
  readonly releaseRecords?: ReadonlyMap<number, string>;
  /** Why the deploy tags could not be read (not a git checkout…); null when they were. */
  readonly unreadable: string | null;
}

export const NO_RECORDS: CommitRecords = { deployTags: new Map(), unreadable: null };

/**
 * Which source answers first. The image's commit (what status and `rollback --list` show):
 * the release record, which names what the image was built from, then the deploy tag, then
 * the label. A promoted release's deploy tag names this checkout's commit (where migrations
 * and config live), not the service commit of its image, so the record must win there.
 */
export const IMAGE_COMMIT_FIRST: readonly CommitSource[] = ['release record', 'deploy tag', 'image label'];
/** The commit of this checkout a release ran with (the schema check reads its migrations): the deploy tag first. */
export const CHECKOUT_COMMIT_FIRST: readonly CommitSource[] = ['deploy tag', 'release record', 'image label'];

/** The commit of a release, or null when nothing records it. Pure. */
export function releaseCommit(
  release: { readonly version: number | null; readonly imageRef: string | null },
  records: CommitRecords,
  order: readonly CommitSource[] = IMAGE_COMMIT_FIRST,
): ReleaseCommit | null {
  const found: Record<CommitSource, () => string | null | undefined> = {
    'deploy tag': () => (release.version === null ? undefined : records.deployTags.get(release.version)),
    'release record': () => (release.version === null ? undefined : records.releaseRecords?.get(release.version)),
    'image label': () => commitOfImage(release.imageRef),
  };
  for (const source of order) {
    const sha = found[source]();
    if (sha) return { sha, source };
  }
  return null;
}

/** `0123abc (deploy tag)`, or the reason it is unknown. */
export function describeCommit(commit: ReleaseCommit | null): string {
  return commit
    ? `${shortSha(commit.sha)} (${commit.source})`
    : 'unknown (no deploy tag, release record or git-<sha> image label)';
}

export const shortSha = (sha: string): string => sha.slice(0, 7);

/**
 * The deploy tags of `env` in the checkout at `cwd` (one git call) and, given the process
 * environment (KOTADB_LOCK_REMOTE), the release records on the lock remote; never throws (a
 * remote that cannot be read leaves the records out).
 */
export async function readCommitRecords(
  runner: Runner,
  env: Environment,
  cwd: string,
  timeoutMs = 10_000,
  processEnv?: NodeJS.ProcessEnv,
): Promise<CommitRecords> {
  const [tags, releaseRecords] = await Promise.all([
    readDeployTags(runner, env, cwd, timeoutMs),
    processEnv ? readRecordCommits(runner, env, cwd, processEnv) : Promise.resolve(undefined),
  ]);
  return releaseRecords ? { ...tags, releaseRecords } : tags;
}

async function readRecordCommits(
  runner: Runner,
  env: Environment,
  cwd: string,
  processEnv: NodeJS.ProcessEnv,
): Promise<Map<number, string> | undefined> {
  try {
    const remote = await resolveLockRemote(runner, processEnv, cwd);
    const records = await readReleaseRecords(runner, remote, env.name, cwd);
    const commits = new Map<number, string>();
    for (const [version, record] of records) if (record.commit) commits.set(version, record.commit);
    return commits;
  } catch {
    return undefined;
  }
}

async function readDeployTags(
  runner: Runner,
  env: Environment,
  cwd: string,
  timeoutMs: number,
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
