/**
 * Which release serves now, checked at the end of a deploy or rollback: the run is only
 * successful if the release it created is the newest one and the app's machines run its image.
 * Even with a deploy lock, someone may deploy from elsewhere (the Fly dashboard, an old
 * checkout); a run that says "v5 is live" while v6 serves would be lying, and a run that rolled
 * back over v6 would undo someone else's deploy.
 */
import type { FlyClient } from '../fly/client.ts';
import { sortReleases } from '../fly/client.ts';
import type { FlyRelease } from '../fly/json.ts';

export interface ReleaseRef {
  readonly version: number;
  /** null when flyctl did not say (an older flyctl without the release line). */
  readonly imageRef: string | null;
}

export type Serving =
  | {
      readonly kind: 'ours';
      readonly release: FlyRelease;
      readonly machines: number;
      /** The image digest every machine reports, when they report one and agree (the provenance record's). */
      readonly digest: string | null;
    }
  /** A release newer than ours exists: someone else deployed (or changed secrets) meanwhile. */
  | { readonly kind: 'newer-release'; readonly newest: FlyRelease }
  /** Ours is the newest release, but machines run another image. */
  | { readonly kind: 'other-image'; readonly machines: ReadonlyArray<{ id: string; image: string }> }
  /** Our release is not listed (it cannot be the one serving). */
  | { readonly kind: 'missing' };

/** Machines in these states no longer serve anything. */
const GONE = new Set(['destroyed', 'destroying', 'replaced']);

/** `listed`: the releases when the caller has just read them (one flyctl round trip fewer). */
export async function whoServes(
  fly: FlyClient,
  app: string,
  ours: ReleaseRef,
  listed?: readonly FlyRelease[],
): Promise<Serving> {
  const releases = sortReleases(listed ?? (await fly.releases(app)));
  const newest = releases[0];
  if (newest && newest.version > ours.version) return { kind: 'newer-release', newest };
  const release = releases.find((r) => r.version === ours.version);
  if (!release) return { kind: 'missing' };
  const image = ours.imageRef ?? release.imageRef;
  const status = await fly.status(app);
  const machines = status.machines.filter((m) => !GONE.has(m.state));
  const others = machines
    .filter((m) => m.image !== null && image !== null && !sameImage(m.image, image))
    .map((m) => ({ id: m.id, image: m.image ?? '' }));
  if (others.length > 0) return { kind: 'other-image', machines: others };
  const digests = new Set(machines.map((m) => m.digest));
  const digest = digests.size === 1 ? ([...digests][0] ?? null) : null;
  return { kind: 'ours', release, machines: machines.length, digest };
}

/** `v6 (complete, image …) was created meanwhile` and the like: what serves instead of ours. */
export function describeServing(serving: Exclude<Serving, { kind: 'ours' }>, ours: ReleaseRef): string {
  switch (serving.kind) {
    case 'newer-release': {
      const by = serving.newest.user ? ` by ${serving.newest.user}` : '';
      return `v${serving.newest.version} (${serving.newest.status}${by}) was created after v${ours.version}: another deploy or secrets change ran meanwhile`;
    }
    case 'other-image':
      return `machines ${serving.machines.map((m) => `${m.id} (${m.image})`).join(', ')} do not run v${ours.version}'s image`;
    case 'missing':
      return `v${ours.version} is not among the app's releases`;
  }
}

/**
 * Fly reports a machine's image split into registry, repository and tag; Docker Hub images come
 * back through Fly's mirror (`docker-hub-mirror.fly.io/library/nginx`). Compare what identifies
 * the image: the repository without registry or `library/`, and the tag or digest both have.
 */
export function sameImage(a: string, b: string): boolean {
  const x = parseImage(a);
  const y = parseImage(b);
  if (x.repository !== y.repository) return false;
  if (x.digest && y.digest) return x.digest === y.digest;
  if (x.tag && y.tag) return x.tag === y.tag;
  return true;
}

function parseImage(ref: string): { repository: string; tag: string | null; digest: string | null } {
  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') rest = rest.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  const tag = colon === -1 ? null : rest.slice(colon + 1);
  const repository = (colon === -1 ? rest : rest.slice(0, colon)).replace(/^library\//, '');
  return { repository, tag, digest };
}
