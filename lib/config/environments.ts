/**
 * The deployment environments, as data. Nothing else in the toolkit hard-codes an app name,
 * URL, region or config file: scripts look them up here. Facts: shared kotadb-api reference.
 */
import { UsageError } from '../core/errors.ts';

export const ENVIRONMENT_NAMES = ['staging', 'production'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export type DeployStrategy = 'rolling' | 'immediate' | 'canary' | 'bluegreen';

export interface Environment {
  readonly name: EnvironmentName;
  /** Fly app name. */
  readonly app: string;
  /** Public base URL (no trailing slash). */
  readonly url: string;
  readonly region: string;
  /** fly.toml path relative to the repo root. */
  readonly configFile: string;
  readonly ha: boolean;
  /**
   * Machines the app runs. Each mounts its own volume, and with [[mounts]] flyctl's first deploy
   * creates one machine whatever --ha says: fly-setup creates one volume per machine, doctor
   * checks both counts, and the second machine comes from `flyctl scale count`.
   */
  readonly machines: number;
  readonly strategy: DeployStrategy;
  readonly vm: { readonly memoryMb: number; readonly cpus: number; readonly cpuKind: 'shared' | 'performance' };
  readonly volume: { readonly name: string; readonly sizeGb: number; readonly destination: string };
  /** Env var holding the direct (non-pooler) Postgres URL migrations run against. */
  readonly migrationsUrlVar: string;
  /** Env var holding the API key the smoke checks use. */
  readonly smokeApiKeyVar: string;
  /** Mutations need the user to type the app name (or --yes). */
  readonly requiresConfirmation: boolean;
  /** Deploys must come from this branch with a clean work tree (unless --force). */
  readonly releaseBranch: string | null;
}

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, Environment>> = {
  staging: {
    name: 'staging',
    app: 'kotadb-api-staging',
    url: 'https://kotadb-api-staging.fly.dev',
    region: 'iad',
    configFile: 'fly.staging.toml',
    ha: false,
    machines: 1,
    strategy: 'immediate',
    vm: { memoryMb: 256, cpus: 1, cpuKind: 'shared' },
    volume: { name: 'kotadb_staging_data', sizeGb: 5, destination: '/data' },
    migrationsUrlVar: 'SUPABASE_DB_URL_STAGING',
    smokeApiKeyVar: 'SAAS_STAGING_API_KEY',
    requiresConfirmation: false,
    releaseBranch: null,
  },
  production: {
    name: 'production',
    app: 'kotadb-api',
    url: 'https://kotadb-api.fly.dev',
    region: 'iad',
    configFile: 'fly.toml',
    ha: true,
    machines: 2,
    strategy: 'rolling',
    vm: { memoryMb: 512, cpus: 1, cpuKind: 'shared' },
    volume: { name: 'kotadb_data', sizeGb: 10, destination: '/data' },
    migrationsUrlVar: 'SUPABASE_DB_URL_PRODUCTION',
    smokeApiKeyVar: 'SAAS_PRODUCTION_API_KEY',
    requiresConfirmation: true,
    releaseBranch: 'main',
  },
};

export function environmentList(): Environment[] {
  return ENVIRONMENT_NAMES.map((name) => ENVIRONMENTS[name]);
}

/** Parses a user-supplied environment name (exit 2 with the choices when it is not one). */
export function parseEnvironment(value: string | undefined): Environment {
  if (!isEnvironmentName(value)) {
    const got = value === undefined ? 'missing environment' : `unknown environment "${value}"`;
    throw new UsageError(`${got}: expected one of ${ENVIRONMENT_NAMES.join(', ')}`);
  }
  return ENVIRONMENTS[value];
}

function isEnvironmentName(value: string | undefined): value is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly (string | undefined)[]).includes(value);
}
