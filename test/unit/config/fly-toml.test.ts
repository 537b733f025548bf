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
      'a too-short check interval',
      production.replace('interval = "30s"', 'interval = "1s"'),
      'fly.toml: services[0].http_checks[0].interval: expected at least "2s", got "1s"',
    ],
    [
      'a too-long check timeout',
      production.replace('timeout = "10s"', 'timeout = "90s"'),
      'fly.toml: services[0].http_checks[0].timeout: expected at most "60s", got "90s"',
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
