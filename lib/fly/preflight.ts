/**
 * Preflight checks shared by deploy, rollback, fly-secrets, fly-setup and doctor. Each one
 * either returns what it learnt or throws PreconditionFailed (exit 3) with the fix in one line.
 */
import type { Environment } from '../config/environments.ts';
import { PreconditionFailed } from '../core/errors.ts';
import { scaleCountCommand } from './capacity.ts';
import { findApp, missingSecrets, type FlyClient } from './client.ts';
import type { FlyApp, FlySecret, FlyStatus } from './json.ts';
import { REQUIRED_SECRET_NAMES } from '../config/service-secrets.ts';

/** flyctl is installed (the runner maps a missing binary to PreconditionFailed); returns its version line. */
export async function requireFlyctl(fly: FlyClient): Promise<string> {
  return fly.version();
}

/** Logged in to Fly; returns the account's email. */
export async function requireLogin(fly: FlyClient): Promise<string> {
  return fly.whoami();
}

/** The environment's app exists (exact name match, never a prefix). */
export async function requireApp(fly: FlyClient, env: Environment): Promise<FlyApp> {
  const app = findApp(await fly.apps(), env.app);
  if (!app) {
    throw new PreconditionFailed(`Fly app ${env.app} (${env.name}) does not exist or this account cannot see it`, {
      hint: `create it with \`npx just fly-setup ${env.name}\``,
    });
  }
  return app;
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
