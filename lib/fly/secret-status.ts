/**
 * What `secrets list` says about whether secrets are live. flyctl shows every secret as
 * Staged when it cannot read the release timestamps, and on an app without machines: so on an
 * app with machines, "every secret Staged" means flyctl does not know, not that they are staged.
 * doctor, fly-setup and fly-secrets read it through here.
 */
import type { FlySecret } from './json.ts';

export interface StagedSecrets {
  /** Set but not live yet (Staged or Partial): the next deploy or `secrets deploy` applies them. */
  readonly staged: string[];
  /** flyctl could not tell (every secret Staged while machines run): nothing is claimed staged. */
  readonly unknown: boolean;
}

export function stagedSecrets(secrets: readonly FlySecret[], app: { hasMachines: boolean }): StagedSecrets {
  const allStaged = secrets.length > 0 && secrets.every((s) => s.status === 'Staged');
  if (app.hasMachines && allStaged) return { staged: [], unknown: true };
  return {
    staged: secrets.filter((s) => s.status === 'Staged' || s.status === 'Partial').map((s) => s.name),
    unknown: false,
  };
}
