/**
 * The everyday flyctl recipes (`npx just logs|machines|releases|ssh|scale-memory|certs|open <env>`) as
 * data: which flyctl command each one runs for an environment, with its --app and --config
 * taken from the environment table. scripts/fly.ts runs them.
 */
import * as fly from '../commands/flyctl.ts';
import type { Environment } from '../config/environments.ts';
import { UsageError } from '../core/errors.ts';
import type { Command } from '../core/runner.ts';

export const RECIPES = {
  logs: 'stream the logs until Ctrl-C (--no-tail: print the recent lines and exit; --lines <n>: only the last n)',
  machines: 'the app, its machines, their state and health checks (flyctl status)',
  releases: 'the releases, newest first',
  ssh: 'a shell on a machine (flyctl ssh console)',
  'scale-memory': 'set every machine to <mb> MB of memory (restarts them; production asks first)',
  certs: 'the TLS certificates of the app',
  open: 'open the app in a browser',
} as const;

export type RecipeName = keyof typeof RECIPES;
export const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];

export function parseRecipe(value: string | undefined): RecipeName {
  if (value !== undefined && Object.hasOwn(RECIPES, value)) return value as RecipeName;
  const got = value === undefined ? 'missing action' : `unknown action "${value}"`;
  throw new UsageError(`${got}: expected one of ${RECIPE_NAMES.join(', ')}`);
}

export interface RecipeOptions {
  /** logs: keep streaming (default) or print the buffered lines and exit. */
  follow?: boolean;
  /** scale-memory: the validated size (parseMemoryMb). */
  memoryMb?: number;
}

export function recipeCommand(name: RecipeName, env: Environment, options: RecipeOptions = {}): Command {
  const { app, configFile: config } = env;
  switch (name) {
    case 'logs':
      return fly.logs(app, { follow: options.follow ?? true, config });
    case 'machines':
      return fly.statusTable(app, config);
    case 'releases':
      return fly.releasesTable(app, config);
    case 'ssh':
      return fly.sshConsole(app, config);
    case 'scale-memory':
      if (options.memoryMb === undefined) throw new UsageError('scale-memory needs <mb>');
      return fly.scaleMemory(app, config, options.memoryMb);
    case 'certs':
      return fly.certsList(app, config);
    case 'open':
      return fly.appsOpen(app, config);
  }
}

const MEMORY_STEP_MB = 256;
/** Fly's per-CPU memory range for each CPU kind (Machines sizing rules). */
const MEMORY_PER_CPU_MB = { shared: { min: 256, max: 2048 }, performance: { min: 2048, max: 8192 } } as const;

/**
 * The memory size for `scale-memory`, checked against Fly's sizing rules for the environment's
 * VM (256 MB steps, per-CPU minimum and maximum) so a typo fails here, not halfway through.
 */
export function parseMemoryMb(value: string | undefined, env: Environment): number {
  if (value === undefined) throw new UsageError('missing <mb> (memory per machine in MB, e.g. 1024)');
  if (!/^\d+$/.test(value)) throw new UsageError(`<mb> must be a whole number of megabytes, got "${value}"`);
  const mb = Number(value);
  if (mb % MEMORY_STEP_MB !== 0) throw new UsageError(`<mb> must be a multiple of ${MEMORY_STEP_MB}, got ${mb}`);
  const range = MEMORY_PER_CPU_MB[env.vm.cpuKind];
  const min = range.min * env.vm.cpus;
  const max = range.max * env.vm.cpus;
  if (mb < min || mb > max) {
    throw new UsageError(`<mb> must be between ${min} and ${max} for ${env.vm.cpus} ${env.vm.cpuKind} CPU, got ${mb}`);
  }
  return mb;
}
