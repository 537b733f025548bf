/**
 * fly.toml loading and validation. flyctl silently ignores unknown keys, so a typo
 * (`stratgy = "rolling"`) would deploy with defaults; we reject keys flyctl does not know
 * (./flyctl-keys.ts), check the values the toolkit relies on (durations, strategy, the /health
 * check), warn where flyctl would clamp a value, and cross-check each file against the
 * environment table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Environment } from './environments.ts';
import { unknownKeys } from './flyctl-keys.ts';
import { parseGoDuration } from '../core/duration.ts';
import { deferred, toml, zod } from '../core/deferred.ts';
import { InvalidInput } from '../core/errors.ts';
import { repoRoot } from '../core/paths.ts';

export const STRATEGIES = ['rolling', 'immediate', 'canary', 'bluegreen'] as const;
const SIZE = /^\s*\d+(\.\d+)?\s*([kmgt]i?b?|b)?\s*$/i;

/** The fly.toml schema, built the first time a config is checked (zod is not on the start-up path). */
const schemas = deferred(() => {
  const { z } = zod();
  /** Go duration syntax, as flyctl parses it: "30s", "10m", "1m30s", "500ms". */
  const Duration = z.string().refine(isDuration, { message: 'expected a duration such as "30s" or "10m"' });
  const Port = z.number().int().min(1).max(65535);

  // The schemas check the values the toolkit relies on. They are loose: which keys exist at all
  // is checked against everything flyctl reads (./flyctl-keys.ts), so a key flyctl knows but the
  // toolkit does not check passes untouched.
  const HttpCheck = z.looseObject({
    interval: Duration.optional(),
    timeout: Duration.optional(),
    grace_period: Duration.optional(),
    method: z.string().optional(),
    path: z.string().optional(),
    protocol: z.enum(['http', 'https']).optional(),
    tls_skip_verify: z.boolean().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  });

  const TcpCheck = z.looseObject({
    interval: Duration.optional(),
    timeout: Duration.optional(),
    grace_period: Duration.optional(),
  });

  const ServicePort = z.looseObject({
    port: Port.optional(),
    handlers: z.array(z.enum(['http', 'tls', 'proxy_proto', 'pg_tls', 'edge_http'])).optional(),
    force_https: z.boolean().optional(),
  });

  const AutoStop = z.union([z.boolean(), z.enum(['off', 'stop', 'suspend'])]);
  const Concurrency = z.looseObject({
    type: z.enum(['connections', 'requests']),
    hard_limit: z.number().int().positive().optional(),
    soft_limit: z.number().int().positive().optional(),
  });

  const Service = z.looseObject({
    protocol: z.enum(['tcp', 'udp']),
    internal_port: Port,
    processes: z.array(z.string()).optional(),
    auto_stop_machines: AutoStop.optional(),
    auto_start_machines: z.boolean().optional(),
    min_machines_running: z.number().int().min(0).optional(),
    ports: z.array(ServicePort).optional(),
    concurrency: Concurrency.optional(),
    tcp_checks: z.array(TcpCheck).optional(),
    http_checks: z.array(HttpCheck).optional(),
  });

  const HttpService = z.looseObject({
    internal_port: Port,
    force_https: z.boolean().optional(),
    auto_stop_machines: AutoStop.optional(),
    auto_start_machines: z.boolean().optional(),
    min_machines_running: z.number().int().min(0).optional(),
    processes: z.array(z.string()).optional(),
    concurrency: Concurrency.optional(),
    checks: z.array(HttpCheck).optional(),
  });

  const Vm = z.looseObject({
    size: z.string().optional(),
    memory: z.union([z.string(), z.number().int().positive()]).optional(),
    cpu_kind: z.enum(['shared', 'performance']).optional(),
    cpus: z.number().int().positive().optional(),
    memory_mb: z.number().int().positive().optional(),
    processes: z.array(z.string()).optional(),
  });

  /** A size as flyctl's units.FromHumanSize reads it: "10gb", "10GB", "10g", 10 (GB). */
  const Mount = z.looseObject({
    source: z.string().regex(/^[a-z0-9_]+$/, { message: 'volume names use lowercase letters, digits and _' }),
    destination: z.string().startsWith('/'),
    initial_size: z
      .union([z.string().regex(SIZE, { message: 'expected a size such as "10gb" (at least 1gb)' }), z.number()])
      .optional(),
    processes: z.array(z.string()).optional(),
  });

  const Metrics = z.looseObject({ port: Port, path: z.string().startsWith('/') });

  const TopLevelCheck = z.looseObject({
    type: z.enum(['http', 'tcp']).optional(),
    port: Port.optional(),
    interval: Duration.optional(),
    timeout: Duration.optional(),
    grace_period: Duration.optional(),
    method: z.string().optional(),
    path: z.string().optional(),
  });

  const FlyConfigSchema = z.looseObject({
    app: z.string().min(1),
    primary_region: z.string().min(1),
    kill_signal: z.enum(['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGKILL', 'SIGSTOP']).optional(),
    kill_timeout: z.union([Duration, z.number().int().positive()]).optional(),
    swap_size_mb: z.number().int().positive().optional(),
    console_command: z.string().optional(),
    build: z
      .looseObject({
        dockerfile: z.string().optional(),
        image: z.string().optional(),
        'build-target': z.string().optional(),
        args: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
    env: z.record(z.string(), z.string({ message: 'env values must be strings: quote them' })).optional(),
    processes: z.record(z.string(), z.string()).optional(),
    http_service: HttpService.optional(),
    services: z.array(Service).optional(),
    checks: z.record(z.string(), TopLevelCheck).optional(),
    vm: z.array(Vm).optional(),
    mounts: z.union([z.array(Mount), Mount]).optional(),
    deploy: z
      .looseObject({
        strategy: z.enum(STRATEGIES).optional(),
        max_unavailable: z.number().positive().optional(),
        wait_timeout: Duration.optional(),
        release_command: z.string().optional(),
        release_command_timeout: Duration.optional(),
      })
      .optional(),
    metrics: z.union([z.array(Metrics), Metrics]).optional(),
    experimental: z
      .looseObject({
        auto_rollback: z.boolean().optional(),
        cmd: z.array(z.string()).optional(),
        entrypoint: z.array(z.string()).optional(),
      })
      .optional(),
  });
  return { HttpCheck, TcpCheck, Vm, FlyConfigSchema };
});
type Schemas = ReturnType<typeof schemas>;

export type FlyConfig = z.output<Schemas['FlyConfigSchema']>;

export interface ConfigReport {
  /** The parsed config when it could be parsed at all (even with cross-check problems). */
  config: FlyConfig | null;
  problems: string[];
  warnings: string[];
}

/** flyctl's default when fly.toml has no [deploy] wait_timeout. */
export const DEFAULT_WAIT_TIMEOUT = '5m0s';

/** Deeper than any fly config (services[0].ports[0].http_options.response.headers is 6). */
const MAX_DEPTH = 32;

/** Parses TOML text and validates it, returning every problem (file, key, expected value). */
export function checkFlyConfigText(text: string, file: string, env?: Environment): ConfigReport {
  let data: unknown;
  try {
    data = toml().parse(text);
  } catch (error) {
    const e = error as { line?: number; col?: number; message?: string };
    const where = e.line !== undefined ? `line ${e.line + 1}` : 'TOML';
    const first = (e.message ?? String(error)).split('\n')[0];
    return { config: null, problems: [`${file}: ${where}: invalid TOML: ${first}`], warnings: [] };
  }
  const depth = nestingDepth(data);
  if (depth > MAX_DEPTH) {
    return {
      config: null,
      problems: [`${file}: tables or arrays nested ${depth} levels deep: not a fly config (at most ${MAX_DEPTH})`],
      warnings: [],
    };
  }
  const problems = unknownKeys(data).map(
    ({ path: key, suggestion }) =>
      `${file}: ${key}: unknown key (flyctl would silently ignore it)${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
  );
  const parsed = schemas().FlyConfigSchema.safeParse(data);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => describeIssue(file, issue, data)));
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
  problems.push(...semanticProblems(config, file));
  const warnings = clampWarnings(config, file);
  if (config.experimental?.auto_rollback !== undefined) {
    warnings.push(
      `${file}: experimental.auto_rollback: flyctl parses and ignores it; \`npx just deploy\` rolls back on its own`,
    );
  }
  if (env) problems.push(...crossCheck(config, env, file));
  return { config, problems, warnings };
}

/** How deep tables and arrays nest (iteratively: a hostile file must not overflow the stack). */
function nestingDepth(data: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[data, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null || value instanceof Date) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
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
  const mounts = Array.isArray(config.mounts) ? config.mounts : [config.mounts];
  return mounts.map(({ source, destination }) => ({ source, destination }));
}

/** Every service health check: [[services.http_checks]] and [[http_service.checks]], with where they are. */
export function httpChecksOf(config: FlyConfig): Array<{ key: string; check: z.output<Schemas['HttpCheck']> }> {
  const checks: Array<{ key: string; check: z.output<Schemas['HttpCheck']> }> = [];
  config.services?.forEach((service, s) =>
    service.http_checks?.forEach((check, c) => checks.push({ key: `services[${s}].http_checks[${c}]`, check })),
  );
  config.http_service?.checks?.forEach((check, c) => checks.push({ key: `http_service.checks[${c}]`, check }));
  return checks;
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
  // flyctl's defaults: method GET, path "/".
  for (const { key, check } of httpChecksOf(config)) {
    const method = check.method ?? 'GET';
    if (method.toUpperCase() !== 'GET') problems.push(`${file}: ${key}.method: expected "GET", got "${method}"`);
    const checkPath = check.path ?? '/';
    if (checkPath !== '/health') problems.push(`${file}: ${key}.path: expected "/health", got "${checkPath}"`);
  }
  // Top-level [checks] are rejected by flyctl outside 2s..60s (the service checks are clamped).
  for (const [name, check] of Object.entries(config.checks ?? {})) {
    if (check.interval !== undefined && durationToMs(check.interval) < 2000)
      problems.push(`${file}: checks.${name}.interval: expected at least "2s", got "${check.interval}"`);
    if (check.timeout !== undefined && durationToMs(check.timeout) > 60_000)
      problems.push(`${file}: checks.${name}.timeout: expected at most "60s", got "${check.timeout}"`);
  }
  const strategy = config.deploy?.strategy;
  if ((strategy === 'canary' || strategy === 'bluegreen') && mountsOf(config).length > 0) {
    problems.push(
      `${file}: deploy.strategy: "${strategy}" cannot be used with volumes ([[mounts]]); use "rolling" or "immediate"`,
    );
  }
  const mounts = config.mounts === undefined ? [] : Array.isArray(config.mounts) ? config.mounts : [config.mounts];
  mounts.forEach((mount, m) => {
    const size = mount.initial_size;
    if (size !== undefined && sizeInGb(size) < 1)
      problems.push(`${file}: mounts[${m}].initial_size: expected at least "1gb", got ${JSON.stringify(size)}`);
  });
  const maxUnavailable = config.deploy?.max_unavailable;
  if (maxUnavailable !== undefined && maxUnavailable > 1 && !Number.isInteger(maxUnavailable)) {
    problems.push(
      `${file}: deploy.max_unavailable: expected a fraction (0-1] or a whole number of machines, got ${maxUnavailable}`,
    );
  }
  return problems;
}

/** Service-check durations flyctl raises to 1 second or lowers to 1 minute, with a warning of its own. */
function clampWarnings(config: FlyConfig, file: string): string[] {
  const warnings: string[] = [];
  const checks: Array<{ key: string; check: z.output<Schemas['TcpCheck']> }> = [...httpChecksOf(config)];
  config.services?.forEach((service, s) =>
    service.tcp_checks?.forEach((check, c) => checks.push({ key: `services[${s}].tcp_checks[${c}]`, check })),
  );
  for (const { key, check } of checks) {
    for (const field of ['interval', 'timeout', 'grace_period'] as const) {
      const value = check[field];
      if (value === undefined) continue;
      const ms = durationToMs(value);
      // A zero grace period means none; a zero interval or timeout is raised too.
      if (ms < 1000 && !(field === 'grace_period' && ms === 0))
        warnings.push(`${file}: ${key}.${field}: "${value}" is under 1s; flyctl raises it to 1s`);
      else if (ms > 60_000) warnings.push(`${file}: ${key}.${field}: "${value}" is over 1m; flyctl lowers it to 1m`);
    }
  }
  return warnings;
}

/** A size in GB, as flyctl's helpers.ParseSize(…, units.FromHumanSize, units.GB) reads it (a number is GB). */
function sizeInGb(size: string | number): number {
  if (typeof size === 'number' || /^\s*\d+\s*$/.test(size)) return Number(size);
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(size);
  if (!match) return 0;
  const factor: Record<string, number> = { '': 1e-9, k: 1e-6, m: 1e-3, g: 1, t: 1e3 };
  return Number(match[1]) * (factor[(match[2] ?? '').toLowerCase()] ?? 0);
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
  const vm = vmOf(config.vm?.[0]);
  expect(vm.memoryKey, env.vm.memoryMb, vm.memoryMb);
  expect(vm.cpusKey, env.vm.cpus, vm.cpus);
  expect(vm.kindKey, env.vm.cpuKind, vm.cpuKind);
  const mount = mountsOf(config)[0];
  expect('mounts.source', env.volume.name, mount?.source);
  expect('mounts.destination', env.volume.destination, mount?.destination);
  if (httpChecksOf(config).length === 0) {
    problems.push(
      `${file}: services.http_checks: expected a GET /health check ([[services.http_checks]] or [[http_service.checks]]), got none`,
    );
  }
  return problems;
}

/**
 * The first [[vm]]'s size, written either way flyctl reads it: cpu_kind / cpus / memory_mb,
 * or size = "shared-cpu-2x" / memory = "512mb" (the explicit keys win, as in flyctl).
 */
function vmOf(vm: z.output<Schemas['Vm']> | undefined) {
  const size = /^(shared|performance)-cpu-(\d+)x$/.exec(vm?.size ?? '');
  const memory = vm?.memory === undefined ? undefined : memoryMb(vm.memory);
  return {
    memoryMb: vm?.memory_mb ?? memory,
    memoryKey: vm?.memory_mb === undefined && memory !== undefined ? 'vm[0].memory' : 'vm[0].memory_mb',
    cpus: vm?.cpus ?? (size ? Number(size[2]) : undefined),
    cpusKey: vm?.cpus === undefined && size ? 'vm[0].size' : 'vm[0].cpus',
    cpuKind: vm?.cpu_kind ?? size?.[1],
    kindKey: vm?.cpu_kind === undefined && size ? 'vm[0].size' : 'vm[0].cpu_kind',
  };
}

/** [[vm]] memory ("512mb", "1gb", 512 = MB) in MB, as flyctl's ParseSize(…, units.RAMInBytes, units.MiB) reads it. */
function memoryMb(memory: string | number): number | undefined {
  if (typeof memory === 'number' || /^\s*\d+\s*$/.test(memory)) return Number(memory);
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt])i?b?\s*$/i.exec(memory);
  if (!match) return undefined;
  const factor: Record<string, number> = { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 };
  return Number(match[1]) * (factor[(match[2] ?? '').toLowerCase()] ?? 0);
}

function formatPath(issuePath: readonly PropertyKey[]): string {
  return issuePath.reduce<string>(
    (acc, segment) =>
      typeof segment === 'number' ? `${acc}[${segment}]` : acc ? `${acc}.${String(segment)}` : String(segment),
    '',
  );
}

function describeIssue(file: string, issue: z.core.$ZodIssue, data: unknown): string {
  const where = formatPath(issue.path);
  const actual = valueAt(data, issue.path);
  const got = actual === undefined ? 'nothing' : shown(actual);
  if (issue.code === 'invalid_value') {
    return `${file}: ${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
  }
  if (issue.code === 'invalid_type' && actual === undefined) {
    return `${file}: ${where}: missing (expected ${issue.expected})`;
  }
  return `${file}: ${where || '(top level)'}: ${issue.message}, got ${got}`;
}

/** A value as it appears in a problem line: JSON, cut short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(data: unknown, issuePath: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const segment of issuePath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as string];
  }
  return current;
}
