/**
 * Release provenance: what each verified release runs and where it came from, kept on the same
 * git remote as the deploy lock (KOTADB_LOCK_REMOTE, else origin), so anyone who can deploy
 * (a laptop, CI with contents: write) can read it, and nothing else is needed. One ref per
 * release, `refs/kotadb/releases/<env>/v<N>`, pointing at a parentless commit on the empty
 * tree whose message is the JSON record. A record is written once (create-only push): a
 * release number is never reused by Fly, so an existing ref means it was already recorded.
 */
import type { z } from 'zod';
import { deferred, zod } from '../core/deferred.ts';
import * as git from '../commands/git.ts';
import type { Runner } from '../core/runner.ts';
import type { LockRemote } from '../lock/remote.ts';
import { RemoteRefs } from '../lock/remote-refs.ts';

/** The record's schema (zod, built the first time a record is read: not on the start-up path). */
const releaseRecordSchema = deferred(() => {
  const { z } = zod();
  const Sha = z.string().regex(/^[0-9a-f]{40}$/);
  const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a time');

  return z.object({
    environment: z.string().min(1),
    version: z.number().int().positive(),
    app: z.string().min(1),
    /** The image reference flyctl deployed. */
    image: z.string().min(1),
    /** The digest the machines report running (null when flyctl did not say, or they disagree). */
    digest: z.string().nullable(),
    /** The commit the image was built from (the build's HEAD, or its `git-<sha>` label); null when unknown. */
    commit: Sha.nullable(),
    /** Written only after the release was verified: healthy; smoke all passed, `partial` (a check skipped), or `skipped` (--skip-smoke). */
    verified: z.object({
      health: z.literal(true),
      smoke: z.enum(['passed', 'partial', 'skipped']),
      at: isoTime,
    }),
    /** Who deployed: the CI run's URL, else user@host. */
    by: z.string().min(1),
    /** A promotion: the release of the other environment whose image this is; null for a deploy. */
    promotedFrom: z.object({ environment: z.string().min(1), version: z.number().int().positive() }).nullable(),
  });
});
export type ReleaseRecord = z.output<ReturnType<typeof releaseRecordSchema>>;

/** The record commit's author/committer: the record's `by`, not git's identity, says who deployed. */
const COMMIT_IDENTITY = { name: 'kotadb-ops release record', email: 'release-record@kotadb-ops.invalid' };

/** The commit message: a line a human reading `git log` understands, then the record as JSON. */
export function encodeReleaseRecord(record: ReleaseRecord): string {
  return `kotadb release: ${record.environment} v${record.version}, commit ${record.commit ?? 'unknown'}\n\n${JSON.stringify(record)}\n`;
}

/**
 * Writes the record of a release (create-only). Returns the ref. A dry run makes the commit
 * (a local, unreferenced object) and prints the push instead of running it.
 */
export async function writeReleaseRecord(
  runner: Runner,
  remote: LockRemote,
  cwd: string,
  record: ReleaseRecord,
): Promise<string> {
  const refs = new RemoteRefs(runner, remote, cwd);
  const ref = git.releaseRecordRef(record.environment, record.version);
  const sha = await refs.commit(encodeReleaseRecord(record), COMMIT_IDENTITY, record.verified.at);
  const pushed = await refs.push(ref, null, sha);
  if (pushed.dryRun || pushed.exitCode === 0) return ref;
  throw refs.failure(`push the release record ${ref}`, pushed);
}

/**
 * Every readable record of an environment, by release number (ls-remote, one fetch, one
 * cat-file per record). A ref whose commit does not carry a record this toolkit can read is
 * left out: it is not evidence of anything.
 */
export async function readReleaseRecords(
  runner: Runner,
  remote: LockRemote,
  environment: string,
  cwd: string = process.cwd(),
): Promise<Map<number, ReleaseRecord>> {
  const refs = new RemoteRefs(runner, remote, cwd);
  const what = `read the release records of ${environment}`;
  const listed = recordRefs(await refs.list(git.releaseRecordsGlob(environment), what), environment);
  const records = new Map<number, ReleaseRecord>();
  if (listed.length === 0) return records;
  const fetched = await refs.fetch(listed.map((r) => r.ref));
  if (fetched.exitCode !== 0) throw refs.failure(what, fetched);
  for (const { sha, version } of listed) {
    const commit = await refs.localCommit(sha);
    const record = commit === null ? null : parseReleaseRecord(commit);
    if (record && record.environment === environment && record.version === version) records.set(version, record);
  }
  return records;
}

/** Exactly this environment's `v<N>` refs of a listing (ls-remote globs match more). */
export function recordRefs(
  listed: ReadonlyArray<{ sha: string; ref: string }>,
  environment: string,
): Array<{ sha: string; ref: string; version: number }> {
  const prefix = `refs/kotadb/releases/${environment}/v`;
  const refs: Array<{ sha: string; ref: string; version: number }> = [];
  for (const { sha, ref } of listed) {
    if (!ref.startsWith(prefix)) continue;
    const version = ref.slice(prefix.length);
    if (/^[1-9]\d*$/.test(version)) refs.push({ sha, ref, version: Number(version) });
  }
  return refs;
}

/** The record a commit's raw text (`git cat-file commit`) carries after its headers, or null. */
export function parseReleaseRecord(commitText: string): ReleaseRecord | null {
  const blank = commitText.indexOf('\n\n');
  if (blank === -1) return null;
  try {
    const json = commitText
      .slice(blank + 2)
      .split('\n')
      .find((line) => line.startsWith('{'));
    if (json === undefined) return null;
    const parsed = releaseRecordSchema().safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Who runs this deploy, for the record: the CI run's URL, else user@host. */
export function recordedBy(identity: { user: string; host: string; ciRunUrl: string | null }): string {
  return identity.ciRunUrl ?? `${identity.user}@${identity.host}`;
}
