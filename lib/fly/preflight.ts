/**
 * Preflight checks shared by deploy, rollback, fly-secrets, fly-setup and doctor. Each one
 * either returns what it learnt or throws PreconditionFailed (exit 3) with the fix in one line.
 */
import type { Environment } from '../config/environments.ts';
import { PreconditionFailed } from '../core/errors.ts';
import { scaleCountCommand } from './capacity.ts';
import { missingSecrets, type FlyClient } from './client.ts';
import type { FlySecret, FlyStatus } from './json.ts';
import { REQUIRED_SECRET_NAMES } from '../config/service-secrets.ts';

/** flyctl is installed (the runner maps a missing binary to PreconditionFailed); returns its version line. */
export async function requireFlyctl(fly: FlyClient): Promise<string> {
  return fly.version();
}

/** Logged in to Fly; returns the account's email. */
export async function requireLogin(fly: FlyClient): Promise<string> {
  return fly.whoami();
}

/**
 * The environment's app exists, asked with `flyctl status --app <app>` (an app-scoped call a
 * deploy token may make; `apps list` is refused to it). Returns what status says: machines,
 * release, organization.
 */
export async function requireApp(fly: FlyClient, env: Environment): Promise<FlyStatus> {
  const status = await fly.appStatus(env.app);
  if (!status) {
    throw new PreconditionFailed(`Fly app ${env.app} (${env.name}) does not exist or this Fly token cannot see it`, {
      hint: `create it with \`npx just fly-setup ${env.name}\` (needs an org token); a deploy token only sees its own app: \`fly tokens create deploy --app ${env.app}\``,
    });
  }
  return status;
}

/**
 * A rolling deploy replaces one machine at a time; when the app has a single machine, that is
 * the whole app down until the new one passes its health checks. Null when it does not apply.
 */
export function singleMachineRollingWarning(env: Environment, status: FlyStatus): string | null {
  if (env.strategy !== 'rolling' || status.machines.length !== 1) return null;
  return `${env.app} runs one machine, so this rolling deploy takes the only machine down until the new one is healthy; ${env.name} should run ${env.machines}: \`${scaleCountCommand(env)}\``;
}

export interface SecretsCheck {
  secrets: FlySecret[];
  missing: string[];
}

/** Which required secrets are not set on the app (staged ones count as set). */
export async function checkRequiredSecrets(fly: FlyClient, env: Environment): Promise<SecretsCheck> {
  const secrets = await fly.secrets(env.app);
  return { secrets, missing: missingSecrets(secrets, REQUIRED_SECRET_NAMES) };
}

/** Every required secret is set; PreconditionFailed naming the missing ones otherwise. */
export async function requireSecrets(fly: FlyClient, env: Environment): Promise<FlySecret[]> {
  const { secrets, missing } = await checkRequiredSecrets(fly, env);
  if (missing.length > 0) {
    throw new PreconditionFailed(`required secrets missing on ${env.app}: ${missing.join(', ')}`, {
      hint: `set them with \`npx just secrets ${env.name} set\` (reads .env.${env.name})`,
    });
  }
  return secrets;
}
