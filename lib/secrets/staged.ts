/**
 * Which secrets are staged (set on Fly, not yet on the machines), as far as flyctl can tell.
 * flyctl shows every secret as `Staged` when it cannot read the release timestamps or the app
 * has no machines (flyctl reference, "Corrections"), so "all Staged" is not evidence that
 * anything waits for `secrets deploy`: it is unknown. Older flyctl prints no status at all.
 * (Kept here until lib/fly/ has the shared rule; fly-secrets is its only user so far.)
 */
import type { FlySecret } from '../fly/json.ts';

export type StagedState =
  { readonly known: true; readonly staged: readonly string[] } | { readonly known: false; readonly why: string };

export function stagedState(secrets: readonly FlySecret[]): StagedState {
  if (secrets.length === 0) return { known: true, staged: [] };
  if (secrets.some((s) => s.status === null))
    return { known: false, why: 'this flyctl does not report the deployment status of secrets' };
  if (secrets.every((s) => s.status === 'Staged'))
    return {
      known: false,
      why: 'flyctl shows every secret as Staged, as it does when it cannot read the release times or the app has no machines',
    };
  if (secrets.some((s) => s.status === 'Unknown'))
    return { known: false, why: 'flyctl reports the status of some secrets as Unknown' };
  return {
    known: true,
    staged: secrets.filter((s) => s.status === 'Staged' || s.status === 'Partial').map((s) => s.name),
  };
}
