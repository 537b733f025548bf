/**
 * fly.toml loading and validation. flyctl silently ignores unknown keys, so a typo
 * (`stratgy = "rolling"`) would deploy with defaults; we reject unknown keys, bad durations
 * and strategies, and cross-check each file against the environment table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import TOML from '@iarna/toml';
import { z } from 'zod';
import type { Environment } from './environments.ts';
import { parseGoDuration } from '../core/duration.ts';
import { InvalidInput } from '../core/errors.ts';
import { repoRoot } from '../core/paths.ts';

/** Go duration syntax, as flyctl parses it: "30s", "10m", "1m30s", "500ms". */
const Duration = z.string().refine(isDuration, { message: 'expected a duration such as "30s" or "10m"' });
const Port = z.number().int().min(1).max(65535);
export const STRATEGIES = ['rolling', 'immediate', 'canary', 'bluegreen'] as const;

const HttpCheck = z.strictObject({
  interval: Duration,
  timeout: Duration,
  grace_period: Duration.optional(),
  method: z.string(),
  path: z.string(),
  protocol: z.enum(['http', 'https']).optional(),
  tls_skip_verify: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const TcpCheck = z.strictObject({
  interval: Duration,
  timeout: Duration,
  grace_period: Duration.optional(),
});

const ServicePort = z.strictObject({
  port: Port,
  handlers: z.array(z.enum(['http', 'tls', 'proxy_proto', 'pg_tls', 'edge_http'])).optional(),
  force_https: z.boolean().optional(),
});

const Service = z.strictObject({
  protocol: z.enum(['tcp', 'udp']),
  internal_port: Port,
  processes: z.array(z.string()).optional(),
  auto_stop_machines: z.union([z.boolean(), z.enum(['off', 'stop', 'suspend'])]).optional(),
  auto_start_machines: z.boolean().optional(),
  min_machines_running: z.number().int().min(0).optional(),
  ports: z.array(ServicePort).min(1),
  concurrency: z
    .strictObject({
      type: z.enum(['connections', 'requests']),
      hard_limit: z.number().int().positive().optional(),
      soft_limit: z.number().int().positive().optional(),
    })
    .optional(),
  tcp_checks: z.array(TcpCheck).optional(),
  http_checks: z.array(HttpCheck).optional(),
});

const Vm = z.strictObject({
  cpu_kind: z.enum(['shared', 'performance']),
  cpus: z.number().int().positive(),
  memory_mb: z.number().int().positive(),
  processes: z.array(z.string()).optional(),
});

const Mount = z.strictObject({
  source: z.string().regex(/^[a-z0-9_]+$/, { message: 'volume names use lowercase letters, digits and _' }),
  destination: z.string().startsWith('/'),
  initial_size: z
    .string()
    .regex(/^\d+\s*(gb|GB)$/, { message: 'expected a size such as "10gb" (at least 1gb)' })
    .optional(),
  processes: z.array(z.string()).optional(),
});

export const FlyConfigSchema = z.strictObject({
  app: z.string().min(1),
  primary_region: z.string().min(1),
  kill_signal: z.enum(['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGKILL', 'SIGSTOP']).optional(),
  kill_timeout: z.union([Duration, z.number().int().positive()]).optional(),
  swap_size_mb: z.number().int().positive().optional(),
  console_command: z.string().optional(),
  build: z
    .strictObject({
      dockerfile: z.string().optional(),
      image: z.string().optional(),
      'build-target': z.string().optional(),
      args: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  env: z.record(z.string(), z.string({ message: 'env values must be strings: quote them' })).optional(),
  services: z.array(Service).optional(),
  vm: z.array(Vm).optional(),
  mounts: z.union([z.array(Mount), Mount]).optional(),
  deploy: z
    .strictObject({
      strategy: z.enum(STRATEGIES).optional(),
      max_unavailable: z.number().positive().optional(),
      wait_timeout: Duration.optional(),
      release_command: z.string().optional(),
      release_command_timeout: Duration.optional(),
    })
    .optional(),
  metrics: z.strictObject({ port: Port, path: z.string().startsWith('/') }).optional(),
  experimental: z
    .strictObject({
      auto_rollback: z.boolean().optional(),
      cmd: z.array(z.string()).optional(),
      entrypoint: z.array(z.string()).optional(),
    })
    .optional(),
});

export type FlyConfig = z.output<typeof FlyConfigSchema>;

export interface ConfigReport {
  /** The parsed config when it could be parsed at all (even with cross-check problems). */
  config: FlyConfig | null;
  problems: string[];
  warnings: string[];
}

/** flyctl's default when fly.toml has no [deploy] wait_timeout. */
export const DEFAULT_WAIT_TIMEOUT = '5m0s';

/** Parses TOML text and validates it, returning every problem (file, key, expected value). */
export function checkFlyConfigText(text: string, file: string, env?: Environment): ConfigReport {
  let data: unknown;
  try {
    data = TOML.parse(text);
  } catch (error) {
    const e = error as { line?: number; col?: number; message?: string };
    const where = e.line !== undefined ? `line ${e.line + 1}` : 'TOML';
    const first = (e.message ?? String(error)).split('\n')[0];
    return { config: null, problems: [`${file}: ${where}: invalid TOML: ${first}`], warnings: [] };
  }
  const parsed = FlyConfigSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => describeIssue(file, issue, data));
    // Still report mismatches with the environment, so one run lists every problem.
    if (env)
      problems.push(
        ...bestEffortCrossCheck(data, env, file).filter(
          (p) => !problems.some((q) => q.startsWith(p.split(': expected')[0] + ':')),
        ),
      );
    return { config: null, problems, warnings: [] };
  }
  const config = parsed.data;
  const problems = semanticProblems(config, file);
  const warnings: string[] = [];
  if (config.experimental?.auto_rollback !== undefined) {
    warnings.push(`${file}: experimental.auto_rollback: flyctl parses and ignores it; deploy-fly rolls back itself`);
  }
  if (env) problems.push(...crossCheck(config, env, file));
  return { config, problems, warnings };
}

export function checkFlyConfigFile(env: Environment, root: string = repoRoot): ConfigReport {
  const file = env.configFile;
  let text: string;
  try {
    text = readFileSync(path.join(root, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      config: null,
      problems: [`${file}: cannot read it (${code ?? 'error'}): it is the config of ${env.name}`],
      warnings: [],
    };
  }
  return checkFlyConfigText(text, file, env);
}

/** Loads the environment's fly config or throws InvalidInput (exit 2) naming every problem. */
export function loadFlyConfig(env: Environment, root: string = repoRoot): FlyConfig {
  const report = checkFlyConfigFile(env, root);
  if (report.config === null || report.problems.length > 0) {
    throw new InvalidInput(report.problems.join('\n  '), {
      hint: 'fix the config (npm run check lists every problem)',
    });
  }
  return report.config;
}

export function mountsOf(config: FlyConfig): Array<{ source: string; destination: string }> {
  if (!config.mounts) return [];
  return Array.isArray(config.mounts) ? config.mounts : [config.mounts];
}

export function waitTimeoutOf(config: FlyConfig): string {
  return config.deploy?.wait_timeout ?? DEFAULT_WAIT_TIMEOUT;
}

export function isDuration(value: string): boolean {
  return parseGoDuration(value) !== null;
}

/** Go duration -> milliseconds ("1m30s" -> 90000), for a value isDuration accepts (validated first). */
export function durationToMs(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === null) throw new Error(`durationToMs: "${value}" is not a Go duration (validate it first)`);
  return ms;
}

function semanticProblems(config: FlyConfig, file: string): string[] {
  const problems: string[] = [];
  config.services?.forEach((service, s) => {
    service.http_checks?.forEach((check, c) => {
      const key = `services[${s}].http_checks[${c}]`;
      if (check.method.toUpperCase() !== 'GET')
        problems.push(`${file}: ${key}.method: expected "GET", got "${check.method}"`);
      if (check.path !== '/health') problems.push(`${file}: ${key}.path: expected "/health", got "${check.path}"`);
      problems.push(...checkTiming(file, key, check));
    });
    service.tcp_checks?.forEach((check, c) =>
      problems.push(...checkTiming(file, `services[${s}].tcp_checks[${c}]`, check)),
    );
  });
  const strategy = config.deploy?.strategy;
  if ((strategy === 'canary' || strategy === 'bluegreen') && mountsOf(config).length > 0) {
    problems.push(
      `${file}: deploy.strategy: "${strategy}" cannot be used with volumes ([[mounts]]); use "rolling" or "immediate"`,
    );
  }
  mountsOf(config).forEach((mount, m) => {
    const size = (mount as { initial_size?: string }).initial_size;
    if (size !== undefined && Number.parseInt(size, 10) < 1)
      problems.push(`${file}: mounts[${m}].initial_size: expected at least "1gb", got "${size}"`);
  });
  const maxUnavailable = config.deploy?.max_unavailable;
  if (maxUnavailable !== undefined && maxUnavailable > 1 && !Number.isInteger(maxUnavailable)) {
    problems.push(
      `${file}: deploy.max_unavailable: expected a fraction (0-1] or a whole number of machines, got ${maxUnavailable}`,
    );
  }
  return problems;
}

function checkTiming(file: string, key: string, check: { interval: string; timeout: string }): string[] {
  const problems: string[] = [];
  if (durationToMs(check.interval) < 2000)
    problems.push(`${file}: ${key}.interval: expected at least "2s", got "${check.interval}"`);
  if (durationToMs(check.timeout) > 60_000)
    problems.push(`${file}: ${key}.timeout: expected at most "60s", got "${check.timeout}"`);
  return problems;
}

function bestEffortCrossCheck(data: unknown, env: Environment, file: string): string[] {
  try {
    // The shape is invalid somewhere; crossCheck only reads optional fields defensively.
    return crossCheck(data as FlyConfig, env, file).filter((p) => !p.includes('services.http_checks'));
  } catch {
    return [];
  }
}

function crossCheck(config: FlyConfig, env: Environment, file: string): string[] {
  const problems: string[] = [];
  const expect = (key: string, expected: unknown, actual: unknown) => {
    if (expected !== actual) {
      problems.push(
        `${file}: ${key}: expected ${JSON.stringify(expected)} for ${env.name}, got ${actual === undefined ? 'nothing' : JSON.stringify(actual)}`,
      );
    }
  };
  expect('app', env.app, config.app);
  expect('primary_region', env.region, config.primary_region);
  expect('deploy.strategy', env.strategy, config.deploy?.strategy);
  const vm = config.vm?.[0];
  expect('vm[0].memory_mb', env.vm.memoryMb, vm?.memory_mb);
  expect('vm[0].cpus', env.vm.cpus, vm?.cpus);
  expect('vm[0].cpu_kind', env.vm.cpuKind, vm?.cpu_kind);
  const mount = mountsOf(config)[0];
  expect('mounts.source', env.volume.name, mount?.source);
  expect('mounts.destination', env.volume.destination, mount?.destination);
  const hasHealthCheck =
    Array.isArray(config.services) && config.services.some((s) => (s.http_checks?.length ?? 0) > 0);
  if (!hasHealthCheck) problems.push(`${file}: services.http_checks: expected a GET /health check, got none`);
  return problems;
}

const KNOWN_KEYS: Record<string, readonly string[]> = {};
function knownKeysAt(schemaPath: readonly PropertyKey[]): readonly string[] {
  const cacheKey = schemaPath.filter((p) => typeof p === 'string').join('.');
  const cached = KNOWN_KEYS[cacheKey];
  if (cached) return cached;
  let schema: z.ZodType = FlyConfigSchema;
  for (const segment of schemaPath) {
    schema = unwrap(schema);
    if (typeof segment === 'number') {
      if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
      continue;
    }
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)] ?? schema;
  }
  schema = unwrap(schema);
  if (schema instanceof z.ZodArray) schema = unwrap(schema.element as z.ZodType);
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  KNOWN_KEYS[cacheKey] = keys;
  return keys;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodUnion) {
      const options = current.options as readonly z.ZodType[];
      current =
        options.find((o) => unwrap(o) instanceof z.ZodObject || o instanceof z.ZodArray) ?? options[0] ?? current;
      if (current === schema) return current;
      if (!(current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodUnion))
        return current;
    } else return current;
  }
}

function formatPath(issuePath: readonly PropertyKey[]): string {
  return issuePath.reduce<string>(
    (acc, segment) =>
      typeof segment === 'number' ? `${acc}[${segment}]` : acc ? `${acc}.${String(segment)}` : String(segment),
    '',
  );
}

function describeIssue(file: string, issue: z.core.$ZodIssue, data: unknown): string[] {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const suggestion = closest(key, known);
      const full = where ? `${where}.${key}` : key;
      return `${file}: ${full}: unknown key (flyctl would silently ignore it)${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
    });
  }
  const actual = valueAt(data, issue.path);
  const got = actual === undefined ? 'nothing' : JSON.stringify(actual);
  if (issue.code === 'invalid_value') {
    return [`${file}: ${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`];
  }
  if (issue.code === 'invalid_type' && actual === undefined) {
    return [`${file}: ${where}: missing (expected ${issue.expected})`];
  }
  return [`${file}: ${where || '(top level)'}: ${issue.message}, got ${got}`];
}

function valueAt(data: unknown, issuePath: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const segment of issuePath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as string];
  }
  return current;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
