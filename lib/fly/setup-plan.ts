/**
 * First-time setup as pure rules: from what Fly reports (apps, volumes, secrets), decide what
 * fly-setup must create, what it must only report, and which commands are left to run.
 */
import type { Environment } from '../config/environments.ts';
import { findApp, missingSecrets } from './client.ts';
import type { FlyApp, FlySecret, FlyVolume } from './json.ts';
import { REQUIRED_SECRET_NAMES } from '../config/service-secrets.ts';

export interface SetupPlan {
  /** The app as Fly lists it (exact name match), or undefined when it must be created. */
  app: FlyApp | undefined;
  createApp: boolean;
  /** Volumes named like the environment's volume (any region). */
  volumes: FlyVolume[];
  createVolume: boolean;
  /** What exists but differs from the environment table: reported, never changed. */
  warnings: string[];
}

export function planSetup(
  env: Environment,
  apps: readonly FlyApp[],
  volumes: readonly FlyVolume[],
  org?: string,
): SetupPlan {
  const app = findApp(apps, env.app);
  const named = app ? volumes.filter((v) => v.name === env.volume.name) : [];
  const warnings: string[] = [];
  if (app && org && app.org && app.org !== org) {
    warnings.push(`app ${env.app} already exists in org ${app.org}, not ${org}: left as it is`);
  }
  for (const volume of named) {
    if (volume.region !== env.region) {
      warnings.push(
        `volume ${volume.name} (${volume.id}) is in ${volume.region}, not ${env.region}: machines in ${env.region} cannot mount it`,
      );
    }
    if (volume.sizeGb < env.volume.sizeGb) {
      warnings.push(
        `volume ${volume.name} (${volume.id}) has ${volume.sizeGb} GB, less than ${env.volume.sizeGb} GB: grow it with \`flyctl volumes extend ${volume.id} --size ${env.volume.sizeGb} --app ${env.app}\``,
      );
    }
  }
  return { app, createApp: !app, volumes: named, createVolume: named.length === 0, warnings };
}

export function hasChanges(plan: SetupPlan): boolean {
  return plan.createApp || plan.createVolume;
}

/** "create app X and volume Y (10 GB, iad)" — for the confirmation prompt and the plan line. */
export function describeChanges(plan: SetupPlan, env: Environment): string {
  const parts: string[] = [];
  if (plan.createApp) parts.push(`app ${env.app}`);
  if (plan.createVolume) parts.push(`volume ${env.volume.name} (${env.volume.sizeGb} GB, ${env.region})`);
  return parts.length === 0 ? 'nothing' : `create ${parts.join(' and ')}`;
}

export interface SecretsState {
  missing: string[];
  /** Set but not live on the machines yet (Staged or Partial: the next deploy applies them). */
  notLive: string[];
}

export function secretsState(secrets: readonly FlySecret[]): SecretsState {
  return {
    missing: missingSecrets(secrets, REQUIRED_SECRET_NAMES),
    notLive: secrets.filter((s) => s.status === 'Staged' || s.status === 'Partial').map((s) => s.name),
  };
}

export interface NextCommand {
  command: string;
  why: string;
}

/** The commands left after setup, in the order to run them (empty: nothing left to do). */
export function remainingCommands(env: Environment, state: SecretsState & { deployed: boolean }): NextCommand[] {
  const commands: NextCommand[] = [];
  if (state.missing.length > 0) {
    commands.push({
      command: `npx just secrets ${env.name} set`,
      why: `sets ${state.missing.join(', ')} from .env.${env.name}`,
    });
  }
  if (!state.deployed) {
    commands.push({
      command: `npx just deploy ${env.name}`,
      why: 'the first deploy: creates the machines, mounts the volume',
    });
  } else if (state.missing.length === 0 && state.notLive.length > 0) {
    // `secrets set` (without --stage) restarts the machines with every secret, staged ones too.
    commands.push({
      command: `npx just secrets ${env.name} deploy`,
      why: 'applies the staged secrets (restarts the machines)',
    });
  }
  return commands;
}
