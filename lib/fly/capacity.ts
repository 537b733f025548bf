/**
 * Machines and volumes against the environment table: every machine mounts its own volume,
 * and production runs two machines. flyctl's first deploy of an app with [[mounts]] creates
 * one machine whatever --ha says, so the second one (and its volume) must be added on purpose.
 */
import * as flyctl from '../commands/flyctl.ts';
import type { Environment } from '../config/environments.ts';
import type { FlyStatus, FlyVolume } from './json.ts';

export interface CapacityProblem {
  /** What is wrong, in one line. */
  readonly detail: string;
  /** The command that fixes it. */
  readonly fix: string;
}

/** `flyctl scale count N --app X --yes`: adds machines, and the volumes they mount. */
export function scaleCountCommand(env: Environment): string {
  return flyctl.scaleCount(env.app, env.machines).argv.join(' ');
}

/** `flyctl volumes create … --count N`: the volumes `missing` machines need. */
export function volumesCommand(env: Environment, missing: number): string {
  return flyctl.volumesCreate(env.app, env.volume.name, env.volume.sizeGb, env.region, missing).argv.join(' ');
}

/** Fewer machines than the environment runs (none at all is "never deployed", reported elsewhere). */
export function machineShortfall(env: Environment, status: FlyStatus): CapacityProblem | null {
  const count = status.machines.length;
  if (count === 0 || count >= env.machines) return null;
  return {
    detail: `${count} machine${count === 1 ? '' : 's'}, ${env.name} runs ${env.machines}`,
    fix: `\`${scaleCountCommand(env)}\` (creates the machines and the volumes they mount)`,
  };
}

/** Volumes the app's machines (or the machines the environment runs, if more) need but lack. */
export function volumeShortfall(
  env: Environment,
  status: FlyStatus,
  volumes: readonly FlyVolume[],
): CapacityProblem | null {
  const named = volumes.filter((v) => v.name === env.volume.name).length;
  const machines = status.machines.length;
  if (named >= machines) return null;
  const missing = machines - named;
  return {
    detail: `${named} ${env.volume.name} volume${named === 1 ? '' : 's'} for ${machines} machines: every machine needs its own`,
    fix: `\`${volumesCommand(env, missing)}\`, or \`npx just fly-setup ${env.name}\``,
  };
}
