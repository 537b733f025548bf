/**
 * Validation of the flags deploy-fly and rollback share (image, URL, timeouts, release
 * version). zod schemas at the edge; a bad value is one UsageError line naming the flag.
 */
import { z } from 'zod';
import type { OptionSpec } from '../core/cli.ts';
import type { Environment } from '../config/environments.ts';
import { UsageError } from '../core/errors.ts';
import { isDuration } from '../config/fly-toml.ts';

/** A Docker image reference: [registry[:port]/]path[:tag][@sha256:digest]. */
const IMAGE_REF =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const ImageRef = z
  .string()
  .regex(IMAGE_REF, { message: 'expected an image reference such as registry.fly.io/<app>:deployment-<id>' });

export const BaseUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
    } catch {
      return false;
    }
  }, 'expected an http(s) base URL such as https://kotadb-api-staging.fly.dev')
  .transform((value) => value.replace(/\/+$/, ''));

export const MAX_HEALTH_TIMEOUT_S = 3600;
export const DEFAULT_HEALTH_TIMEOUT_S = 120;

/** Seconds (fractions allowed, so tests and benchmarks can use short budgets) -> milliseconds. */
export const HealthTimeout = z
  .string()
  .regex(/^\d+(\.\d+)?$/, { message: 'expected a number of seconds' })
  .transform(Number)
  .refine((s) => s > 0 && s <= MAX_HEALTH_TIMEOUT_S, {
    message: `expected more than 0 and at most ${MAX_HEALTH_TIMEOUT_S} seconds`,
  })
  .transform((s) => Math.round(s * 1000));

export const WaitTimeout = z.string().refine(isDuration, { message: 'expected a duration such as "5m" or "90s"' });

export const ReleaseVersion = z
  .string()
  .regex(/^v?\d+$/, { message: 'expected a release number such as 12 (or v12)' })
  .transform((s) => Number(s.replace(/^v/, '')))
  .refine((n) => n > 0, { message: 'release numbers start at 1' });

/** Parses one flag's value, or throws UsageError `--flag: <problem>, got "<value>"`. */
export function parseFlag<S extends z.ZodType<unknown, string>>(flag: string, schema: S, value: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new UsageError(`--${flag}: ${parsed.error.issues[0]?.message ?? 'invalid value'}, got "${value}"`);
  return parsed.data;
}

export function optionalFlag<S extends z.ZodType<unknown, string>>(
  flag: string,
  schema: S,
  value: string | undefined,
): z.output<S> | undefined {
  return value === undefined ? undefined : parseFlag(flag, schema, value);
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

export interface HealthTarget {
  baseUrl: string;
  healthTimeoutMs: number;
}

export function healthTarget(
  env: Environment,
  options: { url: string | undefined; 'health-timeout': string | undefined },
): HealthTarget {
  return {
    baseUrl: optionalFlag('url', BaseUrl, options.url) ?? env.url,
    healthTimeoutMs:
      optionalFlag('health-timeout', HealthTimeout, options['health-timeout']) ?? DEFAULT_HEALTH_TIMEOUT_S * 1000,
  };
}
