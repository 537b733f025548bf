/**
 * Validation of the flags deploy and rollback share (image, image source, URL, timeouts,
 * release version). plain rules at the edge (start-up path: no zod); a bad value is one UsageError line naming the flag
 * (never echoing a value that may hold a password).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { OptionSpec } from '../core/cli.ts';
import type { Environment } from '../config/environments.ts';
import { InvalidInput, UsageError } from '../core/errors.ts';
import { durationToMs, isDuration } from '../config/fly-toml.ts';
import { SERVICE_DOCKERFILE, type DeploySource } from '../fly/deploy.ts';

/** A Docker image reference: [registry[:port]/]path[:tag][@sha256:digest]. */
const IMAGE_REF =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * A flag's rule: the value it parses to, or the problem (one phrase; the first check that fails
 * names it). Plain functions, not zod: flags are checked before any step, on the start-up path.
 */
export type FlagRule<T> = (
  value: string,
) => { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const accept = <T>(value: T) => ({ ok: true, value }) as const;
const reject = (message: string) => ({ ok: false, message }) as const;

export const ImageRef: FlagRule<string> = (value) =>
  IMAGE_REF.test(value)
    ? accept(value)
    : reject('expected an image reference such as registry.fly.io/<app>:deployment-<id>');

export const BaseUrl: FlagRule<string> = (value) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // not a URL at all
  }
  const ok = url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
  return ok
    ? accept(value.replace(/\/+$/, ''))
    : reject('expected an http(s) base URL such as https://kotadb-api-staging.fly.dev');
};

export const MAX_HEALTH_TIMEOUT_S = 3600;
export const DEFAULT_HEALTH_TIMEOUT_S = 120;

/** Seconds (fractions allowed, so tests and benchmarks can use short budgets) -> milliseconds. */
export const HealthTimeout: FlagRule<number> = (value) => {
  if (!/^\d+(\.\d+)?$/.test(value)) return reject('expected a number of seconds');
  const s = Number(value);
  if (!(s > 0 && s <= MAX_HEALTH_TIMEOUT_S))
    return reject(`expected more than 0 and at most ${MAX_HEALTH_TIMEOUT_S} seconds`);
  return accept(Math.round(s * 1000));
};

/** flyctl's --wait-timeout: a Go duration, bare seconds, or "none" (wait forever). */
export const WaitTimeout: FlagRule<string> = (value) =>
  value === 'none' || /^\d+$/.test(value) || isDuration(value)
    ? accept(value)
    : reject('expected a duration such as "5m" or "90s" (or "none")');

/** A wait-timeout in milliseconds; null for "none". */
export function waitTimeoutMs(value: string): number | null {
  if (value === 'none') return null;
  return /^\d+$/.test(value) ? Number(value) * 1000 : durationToMs(value);
}

/** The toolkit's deadline for one flyctl deploy (a Go duration) -> milliseconds. */
export const DeployTimeout: FlagRule<number> = (value) => {
  if (!isDuration(value)) return reject('expected a duration such as "30m" or "1h"');
  const ms = durationToMs(value);
  return ms >= 1 ? accept(ms) : reject('expected a duration above zero');
};

export const ReleaseVersion: FlagRule<number> = (value) => {
  if (!/^v?\d+$/.test(value)) return reject('expected a release number such as 12 (or v12)');
  const n = Number(value.replace(/^v/, ''));
  return n > 0 ? accept(n) : reject('release numbers start at 1');
};

/** Parses one flag's value, or throws UsageError `--flag: <problem>, got "<value>"`. */
export function parseFlag<T>(flag: string, rule: FlagRule<T>, value: string): T {
  const parsed = rule(value);
  if (!parsed.ok) throw new UsageError(`--${flag}: ${parsed.message}, got "${value}"`);
  return parsed.value;
}

export function optionalFlag<T>(flag: string, rule: FlagRule<T>, value: string | undefined): T | undefined {
  return value === undefined ? undefined : parseFlag(flag, rule, value);
}

/** The flags that say where and how long to check health (deploy-fly and rollback). */
export const HEALTH_OPTIONS = {
  url: {
    type: 'string',
    value: '<base>',
    description: 'Where the app answers, for health and smoke checks (default: the environment URL)',
  },
  'health-timeout': {
    type: 'string',
    value: '<seconds>',
    description: `Give up on /health after this long (default ${DEFAULT_HEALTH_TIMEOUT_S})`,
  },
} as const satisfies Record<string, OptionSpec>;

/** The deploy deadline flag (deploy and rollback). */
export const DEPLOY_TIMEOUT_OPTION = {
  'deploy-timeout': {
    type: 'string',
    value: '<duration>',
    description:
      'Stop flyctl deploy after this long and treat it as failed (default: --wait-timeout per machine + 20m for a build, + 5m for an image)',
  },
} as const satisfies Record<string, OptionSpec>;

export interface HealthTarget {
  baseUrl: string;
  healthTimeoutMs: number;
}

export function healthTarget(
  env: Environment,
  options: { url: string | undefined; 'health-timeout': string | undefined },
): HealthTarget {
  if (options.url !== undefined && hasCredentials(options.url))
    throw new UsageError(
      '--url: a URL with a user name or password is refused (it would be printed and sent with every check); give the bare base URL',
    );
  return {
    baseUrl: optionalFlag('url', BaseUrl, options.url) ?? env.url,
    healthTimeoutMs:
      optionalFlag('health-timeout', HealthTimeout, options['health-timeout']) ?? DEFAULT_HEALTH_TIMEOUT_S * 1000,
  };
}

function hasCredentials(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}

/** Where a build takes the service from when --source is not given. */
export const SERVICE_DIR_VAR = 'KOTADB_SERVICE_DIR';

/**
 * The image source: `--image <ref>`, or a build from the service's checkout (`--source <dir>`,
 * else KOTADB_SERVICE_DIR), which must hold Dockerfile.production (exit 2 otherwise). null when
 * none is given: preflight refuses that (a dry run only warns).
 */
export function deploySource(
  options: { image: string | undefined; source: string | undefined },
  processEnv: NodeJS.ProcessEnv,
  cwd: string,
): DeploySource | null {
  const image = optionalFlag('image', ImageRef, options.image);
  if (image !== undefined && options.source !== undefined)
    throw new UsageError('--image and --source both say where the image comes from: give one of them');
  if (image !== undefined) return { kind: 'image', ref: image };
  const given = options.source ?? (processEnv[SERVICE_DIR_VAR] || undefined);
  if (given === undefined) return null;
  const origin = options.source !== undefined ? '--source' : SERVICE_DIR_VAR;
  const dir = path.resolve(cwd, given);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InvalidInput(`${origin}: ${dir} is not a folder`, {
      hint: `point it at the service's checkout (the folder holding ${SERVICE_DOCKERFILE})`,
    });
  if (!existsSync(path.join(dir, SERVICE_DOCKERFILE)))
    throw new InvalidInput(`${origin}: ${dir} has no ${SERVICE_DOCKERFILE}`, {
      hint: `point it at the service's checkout (the folder holding ${SERVICE_DOCKERFILE})`,
    });
  return { kind: 'build', dir };
}

/**
 * The service checkout git questions are asked in (status, promote): --source, else
 * KOTADB_SERVICE_DIR, else `cwd` (this checkout). Exit 2 when the one given is no folder.
 */
export function serviceCheckoutDir(source: string | undefined, processEnv: NodeJS.ProcessEnv, cwd: string): string {
  const given = source ?? (processEnv[SERVICE_DIR_VAR] || undefined);
  if (given === undefined) return cwd;
  const dir = path.resolve(cwd, given);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidInput(`${source !== undefined ? '--source' : SERVICE_DIR_VAR}: ${dir} is not a folder`, {
      hint: "point it at the service's git checkout",
    });
  return dir;
}
