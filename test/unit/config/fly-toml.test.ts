import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { InvalidInput } from '../../../lib/core/errors.ts';
import {
  checkFlyConfigText,
  durationToMs,
  loadFlyConfig,
  mountsOf,
  waitTimeoutOf,
} from '../../../lib/config/fly-toml.ts';
import { fromRoot } from '../../../lib/core/paths.ts';

const production = readFileSync(fromRoot('fly.toml'), 'utf8');
const staging = readFileSync(fromRoot('fly.staging.toml'), 'utf8');
const problemsOf = (text: string, env = ENVIRONMENTS.production) => checkFlyConfigText(text, 'fly.toml', env).problems;

describe('the real configs', () => {
  it('are valid and match their environments', () => {
    expect(problemsOf(production)).toEqual([]);
    expect(checkFlyConfigText(staging, 'fly.staging.toml', ENVIRONMENTS.staging).problems).toEqual([]);
  });

  it('load into typed values', () => {
    const config = loadFlyConfig(ENVIRONMENTS.production);
    expect(config.app).toBe('kotadb-api');
    expect(waitTimeoutOf(config)).toBe('10m');
    expect(mountsOf(config)).toEqual([{ source: 'kotadb_data', destination: '/data' }]);
    expect(config.deploy?.max_unavailable).toBe(0.33);
    expect(waitTimeoutOf(loadFlyConfig(ENVIRONMENTS.staging))).toBe('5m');
  });

  it('are not interchangeable: each fails the other environment cross-check', () => {
    const crossed = checkFlyConfigText(staging, 'fly.staging.toml', ENVIRONMENTS.production).problems;
    expect(crossed).toContain('fly.staging.toml: app: expected "kotadb-api" for production, got "kotadb-api-staging"');
    expect(crossed).toContain('fly.staging.toml: deploy.strategy: expected "rolling" for production, got "immediate"');
    expect(crossed).toContain('fly.staging.toml: vm[0].memory_mb: expected 512 for production, got 256');
  });
});

describe('problems are named by file, key and expected value', () => {
  it.each([
    [
      'a typo in a key',
      production.replace('strategy = "rolling"', 'stratgy = "rolling"'),
      'fly.toml: deploy.stratgy: unknown key (flyctl would silently ignore it); did you mean "strategy"?',
    ],
    [
      'an unknown strategy',
      production.replace('strategy = "rolling"', 'strategy = "rollout"'),
      'fly.toml: deploy.strategy: expected one of "rolling", "immediate", "canary", "bluegreen", got "rollout"',
    ],
    [
      'a bad duration',
      production.replace('wait_timeout = "10m"', 'wait_timeout = "10 minutes"'),
      'fly.toml: deploy.wait_timeout: expected a duration such as "30s" or "10m", got "10 minutes"',
    ],
    [
      'a check that is not /health',
      production.replace('path = "/health"', 'path = "/"'),
      'fly.toml: services[0].http_checks[0].path: expected "/health", got "/"',
    ],
    [
      'a check that is not GET',
      production.replace('method = "GET"', 'method = "HEAD"'),
      'fly.toml: services[0].http_checks[0].method: expected "GET", got "HEAD"',
    ],
    [
      'a wrong app',
      production.replace('app = "kotadb-api"', 'app = "kotadb-api-staging"'),
      'fly.toml: app: expected "kotadb-api" for production, got "kotadb-api-staging"',
    ],
    [
      'a wrong region',
      production.replace('primary_region = "iad"', 'primary_region = "ams"'),
      'fly.toml: primary_region: expected "iad" for production, got "ams"',
    ],
    [
      'a wrong VM size',
      production.replace('memory_mb = 512', 'memory_mb = 1024'),
      'fly.toml: vm[0].memory_mb: expected 512 for production, got 1024',
    ],
    [
      'a wrong volume',
      production.replace('source = "kotadb_data"', 'source = "kotadb_staging_data"'),
      'fly.toml: mounts.source: expected "kotadb_data" for production, got "kotadb_staging_data"',
    ],
    [
      'a top-level check interval under 2s (flyctl rejects it)',
      `${production}\n[checks.alive]\n  type = "http"\n  port = 8080\n  path = "/health"\n  interval = "1s"\n  timeout = "90s"\n`,
      'fly.toml: checks.alive.interval: expected at least "2s", got "1s"',
    ],
    [
      'a top-level check timeout over 60s (flyctl rejects it)',
      `${production}\n[checks.alive]\n  type = "http"\n  port = 8080\n  path = "/health"\n  timeout = "90s"\n`,
      'fly.toml: checks.alive.timeout: expected at most "60s", got "90s"',
    ],
    [
      'a typo in a check',
      production.replace('grace_period = "5s"\n  method', 'grace_priod = "5s"\n  method'),
      'fly.toml: services[0].http_checks[0].grace_priod: unknown key (flyctl would silently ignore it); did you mean "grace_period"?',
    ],
    [
      'a typo at the top',
      production.replace('kill_timeout = "30s"', 'kill_timout = "30s"'),
      'fly.toml: kill_timout: unknown key (flyctl would silently ignore it); did you mean "kill_timeout"?',
    ],
    [
      'a mount smaller than 1GB',
      production.replace('destination = "/data"', 'destination = "/data"\ninitial_size = "500mb"'),
      'fly.toml: mounts[0].initial_size: expected at least "1gb", got "500mb"',
    ],
    [
      'bluegreen with a volume',
      production.replace('strategy = "rolling"', 'strategy = "bluegreen"'),
      'fly.toml: deploy.strategy: "bluegreen" cannot be used with volumes ([[mounts]]); use "rolling" or "immediate"',
    ],
    [
      'an unquoted env value',
      production.replace('PORT = "8080"', 'PORT = 8080'),
      'fly.toml: env.PORT: env values must be strings: quote them, got 8080',
    ],
  ])('%s', (_name, text, expected) => {
    expect(problemsOf(text)).toContain(expected);
  });

  it('lists schema problems and environment mismatches together', () => {
    const text = production
      .replace('strategy = "rolling"', 'stratgy = "rolling"')
      .replace('app = "kotadb-api"', 'app = "kotadb"');
    const problems = problemsOf(text);
    expect(problems).toContain('fly.toml: app: expected "kotadb-api" for production, got "kotadb"');
    expect(problems.some((p) => p.includes('deploy.stratgy: unknown key'))).toBe(true);
  });

  it('a service check under 1s or over 1m is a warning (flyctl clamps it), not a problem', () => {
    const text = production
      .replace('interval = "30s"', 'interval = "500ms"')
      .replace('timeout = "10s"', 'timeout = "90s"');
    const report = checkFlyConfigText(text, 'fly.toml', ENVIRONMENTS.production);
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([
      'fly.toml: services[0].http_checks[0].interval: "500ms" is under 1s; flyctl raises it to 1s',
      'fly.toml: services[0].http_checks[0].timeout: "90s" is over 1m; flyctl lowers it to 1m',
    ]);
  });

  it('a table nested thousands deep is one problem, not a crash', () => {
    const deep = `${production}\n[env.${Array.from({ length: 3000 }, () => 'x').join('.')}]\ny = 1\n`;
    expect(problemsOf(deep)).toEqual([
      'fly.toml: tables or arrays nested 33 levels deep: not a fly config (at most 32)',
    ]);
    const array = `${production.replace('app = "kotadb-api"', `app = ${'['.repeat(5000)}${']'.repeat(5000)}`)}`;
    expect(problemsOf(array)).toHaveLength(1);
  });

  it('reports invalid TOML with its line', () => {
    expect(problemsOf('app = "x"\nprimary_region = [')[0]).toMatch(/^fly\.toml: line 2: invalid TOML/);
  });

  it('loadFlyConfig throws InvalidInput (exit 2) for a config with problems', () => {
    expect(() => loadFlyConfig(ENVIRONMENTS.production, '/nonexistent')).toThrow(InvalidInput);
  });
});

describe('durationToMs', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
  ])('%s = %d ms', (value, ms) => expect(durationToMs(value)).toBe(ms));
});

describe('every key flyctl reads is accepted, checked or not', () => {
  const withHttpService = production
    .replace(/\[\[services\.http_checks\]\][\s\S]*?protocol = "http"\n/, '')
    .concat(
      [
        '',
        '[http_service]',
        '  internal_port = 8080',
        '  force_https = true',
        '  auto_stop_machines = "off"',
        '  min_machines_running = 2',
        '  [http_service.http_options]',
        '    h2_backend = true',
        '  [[http_service.checks]]',
        '    interval = "30s"',
        '    timeout = "5s"',
        '    grace_period = "10s"',
        '    method = "GET"',
        '    path = "/health"',
        '',
        '[processes]',
        '  app = "kotadb serve"',
        '',
        '[[restart]]',
        '  policy = "on-failure"',
        '  retries = 3',
        '',
        '[[machine_checks]]',
        '  command = ["curl", "-f", "http://localhost:8080/health"]',
        '',
        '[[statics]]',
        '  guest_path = "/app/public"',
        '  url_prefix = "/static/"',
        '',
        '[[files]]',
        '  guest_path = "/etc/kotadb.toml"',
        '  secret_name = "KOTADB_CONFIG"',
        '',
        '[checks.alive]',
        '  type = "tcp"',
        '  port = 8080',
        '  interval = "15s"',
        '  timeout = "2s"',
        '',
      ].join('\n'),
    )
    .replace(
      '[metrics]\nport = 9091\npath = "/metrics"',
      '[[metrics]]\nport = 9091\npath = "/metrics"\n\n[[metrics]]\nport = 9092\npath = "/admin/metrics"\nhttps = false',
    )
    .replace(
      'destination = "/data"',
      'destination = "/data"\ninitial_size = "10gb"\nsnapshot_retention = 5\nauto_extend_size_threshold = 80',
    )
    .replace('[deploy]\n', '[deploy]\nrelease_command_timeout = "5m"\nseed_command = "kotadb seed"\n')
    .replace('kill_timeout = "30s"', 'kill_timeout = "30s"\nswap_size_mb = 512\nconsole_command = "/bin/sh"');

  it('http_service with [[http_service.checks]], processes, restart, machine_checks, statics, files, checks, [[metrics]], initial_size', () => {
    const report = checkFlyConfigText(withHttpService, 'fly.toml', ENVIRONMENTS.production);
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.config?.http_service?.checks?.[0]?.path).toBe('/health');
  });

  it('a [[http_service.checks]] GET /health is the health check; one that is not /health is named', () => {
    const noCheck = withHttpService.replace(/  \[\[http_service\.checks\]\][\s\S]*?path = "\/health"\n/, '');
    expect(problemsOf(noCheck)).toContain(
      'fly.toml: services.http_checks: expected a GET /health check ([[services.http_checks]] or [[http_service.checks]]), got none',
    );
    expect(problemsOf(withHttpService.replace('    path = "/health"', '    path = "/"'))).toContain(
      'fly.toml: http_service.checks[0].path: expected "/health", got "/"',
    );
  });

  it('a [[vm]] given as size and memory matches the table like cpu_kind, cpus and memory_mb', () => {
    const sized = production
      .replace('cpu_kind = "shared"\ncpus = 1\n', 'size = "shared-cpu-1x"\n')
      .replace('memory_mb = 512', 'memory = "512mb"');
    expect(problemsOf(sized)).toEqual([]);
    expect(problemsOf(sized.replace('memory = "512mb"', 'memory = "1gb"'))).toEqual([
      'fly.toml: vm[0].memory: expected 512 for production, got 1024',
    ]);
  });
});
