/**
 * Promotion: which image production gets, and the reasons to refuse it. Production runs only
 * what staging proved, so the image is the one the *serving* staging release runs (or, with
 * `--image`, one that a staging release record verified), never a new build; its commit must
 * be known and, unless forced, on the release branch. The decisions are pure (choosePromotion,
 * matchesCommit); commitOnBranch asks git. scripts/promote.ts runs them in order and hands the
 * result to deploy's path (scripts/deploy-fly.ts deployRun).
 */
import * as git from '../commands/git.ts';
import { PreconditionFailed } from '../core/errors.ts';
import type { Runner } from '../core/runner.ts';
import type { FlyRelease } from '../fly/json.ts';
import { commitOfImage } from './image-label.ts';
import type { ReleaseRecord } from './provenance.ts';
import { sameImage, type Serving } from './serving.ts';

/** What a promotion deploys: the image, its commit, and the release it was taken from. */
export interface Promotion {
  readonly image: string;
  /** The full sha the image was built from; null only when forced past an unknown commit. */
  readonly commit: string | null;
  readonly from: { readonly environment: string; readonly version: number };
  /**
   * The digest the source's machines run (or its record names): a tag can be pushed again, so
   * the target must end up on this digest, or the promotion failed. null: not reported.
   */
  readonly digest: string | null;
}

export type Choice =
  | {
      readonly kind: 'chosen';
      readonly promotion: Promotion;
      /** Where the commit was read: the staging release record, else the image's git-<sha> label. */
      readonly commitSource: 'release record' | 'image label' | null;
      /** The image is the one the serving staging release runs (so staging's health now speaks for it). */
      readonly servingNow: boolean;
    }
  | { readonly kind: 'refused'; readonly reason: string; readonly hint: string };

export interface ChoiceInput {
  readonly from: string;
  /** The newest complete release of the source environment; null when it has none. */
  readonly serving: FlyRelease | null;
  /** whoServes(serving): whether every machine runs it (null when there was no release to ask about). */
  readonly machines: Serving | null;
  /** The source environment's release records, by version; null when they could not be read. */
  readonly records: ReadonlyMap<number, ReleaseRecord> | null;
  /** --image: an image some source release verified. */
  readonly image?: string | undefined;
  /** --force: an unknown commit is a warning, not a refusal. */
  readonly force: boolean;
}

/** The image to promote and its commit, or why not. Pure. */
export function choosePromotion(input: ChoiceInput): Choice {
  const { from } = input;
  if (input.image !== undefined) return chooseVerifiedImage(input, input.image);
  const serving = input.serving;
  if (serving === null || serving.imageRef === null)
    return refused(`${from} serves no release: there is no image to promote`, `deploy to ${from} first`);
  if (input.machines !== null && input.machines.kind !== 'ours')
    return refused(
      `${from}'s newest complete release v${serving.version} is not what every machine serves (${describeMachines(input.machines)})`,
      `wait for the ${from} deploy in progress to finish, or check npx just status ${from}`,
    );
  const record = input.records?.get(serving.version);
  const recorded = record?.commit ?? null;
  const labelled = commitOfImage(serving.imageRef);
  const commit = recorded ?? labelled;
  const chosen = (c: string | null, source: 'release record' | 'image label' | null): Choice => ({
    kind: 'chosen',
    promotion: {
      image: serving.imageRef!,
      commit: c,
      from: { environment: from, version: serving.version },
      digest: (input.machines?.kind === 'ours' ? input.machines.digest : null) ?? record?.digest ?? null,
    },
    commitSource: source,
    servingNow: true,
  });
  if (commit !== null) return chosen(commit, recorded !== null ? 'release record' : 'image label');
  if (input.force) return chosen(null, null);
  return refused(
    `the image ${from} serves (v${serving.version}, ${serving.imageRef}) has no known commit: no release record names one and it has no git-<sha> label`,
    `deploy a labelled build to ${from} first (npx just build ${from}, then npx just deploy ${from} --image <ref>), or pass --force to promote it anyway`,
  );
}

function chooseVerifiedImage(input: ChoiceInput, image: string): Choice {
  const { from } = input;
  if (input.records === null)
    return refused(
      `--image: ${from}'s release records could not be read, so nothing shows that ${from} verified ${image}`,
      "check that this machine can read the deploy lock's remote (KOTADB_LOCK_REMOTE, else origin), or promote what staging serves (no --image)",
    );
  const versions = [...input.records.keys()].sort((a, b) => b - a);
  const version = versions.find((v) => sameImage(input.records!.get(v)!.image, image));
  if (version === undefined)
    return refused(
      `--image: no ${from} release record names ${image}: only an image ${from} verified can be promoted`,
      `deploy it to ${from} first (npx just deploy ${from} --image <ref>); npx just rollback ${from} --list shows the recorded releases`,
    );
  const record = input.records.get(version)!;
  const commit = record.commit ?? commitOfImage(record.image);
  if (commit === null && !input.force)
    return refused(
      `--image: ${from} v${version}'s record names no commit for ${record.image}`,
      'pass --force to promote it anyway',
    );
  const servingNow =
    input.serving !== null && input.serving.imageRef !== null && sameImage(input.serving.imageRef, record.image);
  return {
    kind: 'chosen',
    promotion: { image: record.image, commit, from: { environment: from, version }, digest: record.digest },
    commitSource: commit === null ? null : record.commit !== null ? 'release record' : 'image label',
    servingNow,
  };
}

/** Whether `--commit <sha>` (7 to 40 hex digits) names `commit`. Pure. */
export function matchesCommit(commit: string | null, requested: string): boolean {
  return commit !== null && commit.startsWith(requested.toLowerCase());
}

/** A commit given on the command line: 7 to 40 hex digits. */
export const COMMIT_PREFIX = /^[0-9a-fA-F]{7,40}$/;

const refused = (reason: string, hint: string): Choice => ({ kind: 'refused', reason, hint });

function describeMachines(serving: Exclude<Serving, { kind: 'ours' }>): string {
  switch (serving.kind) {
    case 'newer-release':
      return `v${serving.newest.version} is ${serving.newest.status}`;
    case 'other-image':
      return `machines ${serving.machines.map((m) => m.id).join(', ')} run another image`;
    case 'missing':
      return 'it is not listed';
  }
}

export type BranchAnswer =
  | { readonly kind: 'on-branch' }
  | { readonly kind: 'not-on-branch' }
  /** The commit is not in that checkout at all (another repository, or a shallow clone). */
  | { readonly kind: 'unknown-commit' }
  /** origin/<branch> could not be fetched (no origin, offline, no such branch). */
  | { readonly kind: 'unreadable'; readonly reason: string };

const GIT_TIMEOUT_MS = 60_000;

/**
 * Whether `commit` is on `origin/<branch>` as the remote has it now: fetch that branch, then
 * `merge-base --is-ancestor`. Runs in `dir` (the service checkout the commit belongs to).
 */
export async function commitOnBranch(
  runner: Runner,
  dir: string,
  commit: string,
  branch: string,
): Promise<BranchAnswer> {
  const fetched = await runner.run(git.fetchBranch('origin', branch), {
    cwd: dir,
    check: false,
    timeoutMs: GIT_TIMEOUT_MS,
  });
  if (fetched.exitCode !== 0)
    return {
      kind: 'unreadable',
      reason: fetched.stderr.trim().split('\n').at(-1) || `git fetch exited ${fetched.exitCode}`,
    };
  const known = await runner.run(git.verifyCommit(commit), { cwd: dir, check: false, timeoutMs: GIT_TIMEOUT_MS });
  if (known.exitCode !== 0) return { kind: 'unknown-commit' };
  const ancestor = await runner.run(git.isAncestor(commit, git.remoteBranchRef('origin', branch)), {
    cwd: dir,
    check: false,
    timeoutMs: GIT_TIMEOUT_MS,
  });
  if (ancestor.exitCode === 0) return { kind: 'on-branch' };
  if (ancestor.exitCode === 1) return { kind: 'not-on-branch' };
  return {
    kind: 'unreadable',
    reason: ancestor.stderr.trim().split('\n').at(-1) || `git merge-base exited ${ancestor.exitCode}`,
  };
}

/** Whether two commits of `dir` have the same tree (false when either is not there). */
export async function sameTree(runner: Runner, dir: string, a: string, b: string): Promise<boolean> {
  const tree = async (ref: string) => {
    const result = await runner.run(git.treeOf(ref), { cwd: dir, check: false, timeoutMs: GIT_TIMEOUT_MS });
    return result.exitCode === 0 ? result.stdout.trim() : null;
  };
  const [x, y] = await Promise.all([tree(a), tree(b)]);
  return x !== null && x === y;
}

/** The refusal for a commit that is not (or cannot be shown to be) on the branch; null when it is. */
export function branchRefusal(
  answer: BranchAnswer,
  commit: string,
  branch: string,
  dir: string,
): PreconditionFailed | null {
  const short = commit.slice(0, 12);
  const force = 'or pass --force to promote it anyway';
  switch (answer.kind) {
    case 'on-branch':
      return null;
    case 'not-on-branch':
      return new PreconditionFailed(`commit ${short} is not on ${branch} (origin/${branch} in ${dir})`, {
        hint: `merge it to ${branch} first, ${force}`,
      });
    case 'unknown-commit':
      return new PreconditionFailed(`commit ${short} is not in ${dir}, so whether it is on ${branch} is unknown`, {
        hint: `give the service checkout with --source <dir> (or KOTADB_SERVICE_DIR; a full clone, not shallow), ${force}`,
      });
    case 'unreadable':
      return new PreconditionFailed(`could not read origin/${branch} in ${dir}: ${answer.reason}`, {
        hint: `check that ${dir} is a clone whose origin has ${branch}, ${force}`,
      });
  }
}
