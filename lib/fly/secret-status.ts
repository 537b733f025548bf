/**
 * What `secrets list` says about whether secrets are live. flyctl shows every secret as
 * Staged when it cannot read the release timestamps, and on an app without machines: so unless
 * the app is known to have no machines, "every secret Staged" means flyctl does not know, not
 * that they are staged. Older flyctl prints no status at all. doctor, fly-setup and fly-secrets
 * read it through here.
 */
import type { FlySecret } from './json.ts';

/** Why flyctl's statuses say nothing about what is staged. */
export type UnknownStaged = 'all-staged' | 'no-status' | 'some-unknown';

export interface StagedSecrets {
  /** Set but not live yet (Staged or Partial): the next deploy or `secrets deploy` applies them. Empty when unknown. */
  readonly staged: string[];
  /** Null when flyctl's word can be taken; else why it cannot (nothing is claimed staged then). */
  readonly unknown: UnknownStaged | null;
}

/**
 * `app.hasMachines` when the caller asked (`status`); without it the app may have machines, so
 * an all-Staged list is unknown. On an app known to have no machines, Staged is the truth: no
 * machine runs them, the first deploy applies them.
 */
export function stagedSecrets(secrets: readonly FlySecret[], app: { hasMachines?: boolean } = {}): StagedSecrets {
  const unknown = (why: UnknownStaged): StagedSecrets => ({ staged: [], unknown: why });
  if (secrets.length === 0) return { staged: [], unknown: null };
  if (secrets.some((s) => s.status === null)) return unknown('no-status');
  if (app.hasMachines !== false && secrets.every((s) => s.status === 'Staged')) return unknown('all-staged');
  if (secrets.some((s) => s.status === 'Unknown')) return unknown('some-unknown');
  return {
    staged: secrets.filter((s) => s.status === 'Staged' || s.status === 'Partial').map((s) => s.name),
    unknown: null,
  };
}

/** The reason, in words (after "status unknown: "). */
export function describeUnknownStaged(why: UnknownStaged): string {
  switch (why) {
    case 'all-staged':
      return 'flyctl shows every secret as Staged, as it does when it cannot read the release times or the app has no machines';
    case 'no-status':
      return 'this flyctl does not report the deployment status of secrets';
    case 'some-unknown':
      return 'flyctl reports the status of some secrets as Unknown';
  }
}
