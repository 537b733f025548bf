/**
 * What deploy and rollback read again once they hold the deploy lock. They read the releases
 * before taking it (the rollback target, rollback's default target, the baseline smoke checks
 * all come from them), and the lock is taken only after the confirmation, never while a person
 * types: meanwhile — or while this run waited for the lock — another deploy, rollback or
 * secrets change may have created a release.
 */
import { sortReleases, type FlyClient } from '../fly/client.ts';
import type { FlyRelease } from '../fly/json.ts';

export interface Recheck {
  /** Newest first, as read under the lock. */
  readonly releases: FlyRelease[];
  /** The newest release now, when it is not the one read before (null: nothing changed). */
  readonly appeared: FlyRelease | null;
}

export async function recheckReleases(fly: FlyClient, app: string, newestBefore: number | null): Promise<Recheck> {
  const releases = sortReleases(await fly.releases(app));
  const newest = releases[0] ?? null;
  return { releases, appeared: newest !== null && newest.version !== newestBefore ? newest : null };
}

/** `v5 (complete by alice@example.com) was created since the releases were read (newest: v4)`. */
export function describeAppeared(appeared: FlyRelease, newestBefore: number | null): string {
  const by = appeared.user ? ` by ${appeared.user}` : '';
  const before = newestBefore === null ? 'none' : `v${newestBefore}`;
  return `v${appeared.version} (${appeared.status}${by}) was created since the releases were read (newest then: ${before})`;
}
