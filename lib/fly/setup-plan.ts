/**
 * First-time setup as pure rules: from what Fly reports (apps, volumes, machines, secrets),
 * decide what fly-setup must create, what it must only report, and which commands are left to
 * run. Every machine mounts its own volume: the environment table says how many machines
 * (production 2), so that many volumes are wanted, counting the ones that already exist.
 */
import type { Environment } from '../config/environments.ts';
import { scaleCountCommand } from './capacity.ts';
import { findApp, missingSecrets } from './client.ts';
import type { FlyApp, FlySecret, FlyVolume } from './json.ts';
import { stagedSecrets } from './secret-status.ts';
import { REQUIRED_SECRET_NAMES } from '../config/service-secrets.ts';
import { plural } from '../core/text.ts';

export interface SetupPlan {
  /** The app as Fly lists it (exact name match), or undefined when it must be created. */
  app: FlyApp | undefined;
  createApp: boolean;
  /** Volumes named like the environment's volume, in its region (machines there can mount them). */
  volumes: FlyVolume[];
  /** How many more the machines need: one per machine the environment runs (or runs now, if more). */
  volumesToCreate: number;
  /** What exists but differs from the environment table: reported, never changed. */
  warnings: string[];
}

export function planSetup(
  env: Environment,
  apps: readonly FlyApp[],
  volumes: readonly FlyVolume[],
  options: { org?: string | undefined; machines?: number } = {},
): SetupPlan {
  const app = findApp(apps, env.app);
  const named = app ? volumes.filter((v) => v.name === env.volume.name) : [];
  const usable = named.filter((v) => v.region === env.region);
  const warnings: string[] = [];
  if (app && options.org && app.org && app.org !== options.org) {
    warnings.push(`app ${env.app} already exists in org ${app.org}, not ${options.org}: left as it is`);
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
  const wanted = Math.max(env.machines, options.machines ?? 0);
  return { app, createApp: !app, volumes: usable, volumesToCreate: Math.max(0, wanted - usable.length), warnings };
}

export function hasChanges(plan: SetupPlan): boolean {
  return plan.createApp || plan.volumesToCreate > 0;
}

/** "create app X and 2 volumes Y (10 GB each, iad)" — for the confirmation prompt and the plan line. */
export function describeChanges(plan: SetupPlan, env: Environment): string {
  const parts: string[] = [];
  if (plan.createApp) parts.push(`app ${env.app}`);
  if (plan.volumesToCreate > 0) parts.push(describeVolumes(plan.volumesToCreate, env));
  return parts.length === 0 ? 'nothing' : `create ${parts.join(' and ')}`;
}

export function describeVolumes(count: number, env: Environment): string {
  return count === 1
    ? `volume ${env.volume.name} (${env.volume.sizeGb} GB, ${env.region})`
    : `${count} volumes ${env.volume.name} (${env.volume.sizeGb} GB each, ${env.region})`;
}

export interface SecretsState {
  missing: string[];
  /** Set but not live on the machines yet (Staged or Partial: the next deploy applies them). */
  notLive: string[];
  /** flyctl could not tell what is live (every secret Staged while machines run). */
  unknown: boolean;
}

export function secretsState(secrets: readonly FlySecret[], app: { hasMachines: boolean }): SecretsState {
  const { staged, unknown } = stagedSecrets(secrets, app);
  return { missing: missingSecrets(secrets, REQUIRED_SECRET_NAMES), notLive: staged, unknown };
}

export interface NextCommand {
  command: string;
  why: string;
}

/** The commands left after setup, in the order to run them (empty: nothing left to do). */
export function remainingCommands(
  env: Environment,
  state: SecretsState & { deployed: boolean; machines: number },
): NextCommand[] {
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
      why: 'the first deploy: creates one machine, which mounts a volume',
    });
  } else if (state.missing.length === 0 && state.notLive.length > 0) {
    // `secrets set` (without --stage) restarts the machines with every secret, staged ones too.
    commands.push({
      command: `npx just secrets ${env.name} deploy`,
      why: 'applies the staged secrets (restarts the machines)',
    });
  }
  const missingMachines = env.machines - (state.deployed ? Math.max(state.machines, 1) : 1);
  if (missingMachines > 0) {
    // With [[mounts]], flyctl's first deploy creates one machine whatever --ha says.
    commands.push({
      command: scaleCountCommand(env),
      why: `${env.name} runs ${plural(env.machines, 'machine')}, each on its own volume; adds the ${missingMachines === 1 ? 'missing one' : `${missingMachines} missing`}`,
    });
  }
  return commands;
}
