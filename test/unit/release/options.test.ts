import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import {
  BaseUrl,
  deploySource,
  DeployTimeout,
  healthTarget,
  HealthTimeout,
  ImageRef,
  optionalFlag,
  parseFlag,
  ReleaseVersion,
  WaitTimeout,
  waitTimeoutMs,
} from '../../../lib/release/options.ts';
import { InvalidInput, UsageError } from '../../../lib/core/errors.ts';

describe('deploy and rollback flags', () => {
  it.each([
    'registry.fly.io/kotadb-api:deployment-01J6ABCD',
    'registry.fly.io/kotadb-api-staging:deployment-01JABCDEFGHJKMNPQRSTVWXYZ0',
    'ghcr.io/kotadb/api:1.2.3',
    'localhost:5000/api@sha256:' + 'a'.repeat(64),
    'nginx',
  ])('accepts the image %s', (image) => {
    expect(parseFlag('image', ImageRef, image)).toBe(image);
  });

  it.each(['', 'has space:1', '--detach', 'registry.fly.io/Api:1', 'a:b:c:d'])('rejects the image "%s"', (image) => {
    expect(() => parseFlag('image', ImageRef, image)).toThrow(UsageError);
  });

  it('normalises base URLs and rejects what is not one', () => {
    expect(parseFlag('url', BaseUrl, 'http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(parseFlag('url', BaseUrl, 'https://kotadb-api.fly.dev')).toBe('https://kotadb-api.fly.dev');
    expect(() => parseFlag('url', BaseUrl, 'kotadb-api.fly.dev')).toThrow('--url: expected an http(s) base URL');
    expect(() => parseFlag('url', BaseUrl, 'ftp://x')).toThrow(UsageError);
    expect(() => parseFlag('url', BaseUrl, 'https://x/?a=1')).toThrow(UsageError);
  });

  it('reads --health-timeout as seconds (fractions allowed) into milliseconds', () => {
    expect(parseFlag('health-timeout', HealthTimeout, '120')).toBe(120_000);
    expect(parseFlag('health-timeout', HealthTimeout, '1.5')).toBe(1500);
    expect(() => parseFlag('health-timeout', HealthTimeout, '0')).toThrow(
      '--health-timeout: expected more than 0 and at most 3600 seconds, got "0"',
    );
    expect(() => parseFlag('health-timeout', HealthTimeout, '2m')).toThrow(
      '--health-timeout: expected a number of seconds, got "2m"',
    );
    expect(() => parseFlag('health-timeout', HealthTimeout, '9999')).toThrow(UsageError);
  });

  it('takes what flyctl takes for --wait-timeout (Go duration, bare seconds, "none") and release numbers for --to', () => {
    expect(parseFlag('wait-timeout', WaitTimeout, '1m30s')).toBe('1m30s');
    expect(parseFlag('wait-timeout', WaitTimeout, '90')).toBe('90');
    expect(parseFlag('wait-timeout', WaitTimeout, 'none')).toBe('none');
    expect([waitTimeoutMs('1m30s'), waitTimeoutMs('90'), waitTimeoutMs('none')]).toEqual([90_000, 90_000, null]);
    expect(() => parseFlag('wait-timeout', WaitTimeout, 'soon')).toThrow(
      '--wait-timeout: expected a duration such as "5m" or "90s" (or "none"), got "soon"',
    );
    expect(parseFlag('to', ReleaseVersion, '12')).toBe(12);
    expect(parseFlag('to', ReleaseVersion, 'v12')).toBe(12);
    expect(() => parseFlag('to', ReleaseVersion, '0')).toThrow(UsageError);
    expect(() => parseFlag('to', ReleaseVersion, 'latest')).toThrow(
      '--to: expected a release number such as 12 (or v12), got "latest"',
    );
  });

  it('reads --deploy-timeout as a Go duration above zero', () => {
    expect(parseFlag('deploy-timeout', DeployTimeout, '25m')).toBe(25 * 60_000);
    expect(parseFlag('deploy-timeout', DeployTimeout, '1h30m')).toBe(90 * 60_000);
    expect(() => parseFlag('deploy-timeout', DeployTimeout, '25')).toThrow(UsageError);
    expect(() => parseFlag('deploy-timeout', DeployTimeout, '0s')).toThrow('expected a duration above zero');
  });

  it('refuses a --url with credentials without echoing them', () => {
    const error = (() => {
      try {
        healthTarget(ENVIRONMENTS.staging, { url: 'https://ci:p4ss-w0rd@kotadb.example', 'health-timeout': undefined });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).not.toContain('p4ss-w0rd');
    expect(() =>
      healthTarget(ENVIRONMENTS.staging, { url: 'https://user@kotadb.example', 'health-timeout': undefined }),
    ).toThrow('a URL with a user name or password is refused');
    expect(healthTarget(ENVIRONMENTS.staging, { url: undefined, 'health-timeout': undefined })).toEqual({
      baseUrl: 'https://kotadb-api-staging.fly.dev',
      healthTimeoutMs: 120_000,
    });
  });

  it('finds the image source: --image, --source, KOTADB_SERVICE_DIR (relative to cwd), or none', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'source-'));
    try {
      mkdirSync(path.join(dir, 'svc'));
      writeFileSync(path.join(dir, 'svc', 'Dockerfile.production'), 'FROM scratch\n');
      const none = { image: undefined, source: undefined };
      expect(deploySource({ ...none, image: 'nginx' }, {}, dir)).toEqual({ kind: 'image', ref: 'nginx' });
      expect(deploySource({ ...none, source: 'svc' }, {}, dir)).toEqual({ kind: 'build', dir: path.join(dir, 'svc') });
      expect(deploySource(none, { KOTADB_SERVICE_DIR: path.join(dir, 'svc') }, '/')).toEqual({
        kind: 'build',
        dir: path.join(dir, 'svc'),
      });
      expect(deploySource(none, { KOTADB_SERVICE_DIR: '' }, dir)).toBeNull();
      expect(() => deploySource({ image: 'nginx', source: 'svc' }, {}, dir)).toThrow(UsageError);
      expect(() => deploySource({ ...none, source: '.' }, {}, dir)).toThrow(
        `--source: ${dir} has no Dockerfile.production`,
      );
      expect(() => deploySource(none, { KOTADB_SERVICE_DIR: 'gone' }, dir)).toThrow(InvalidInput);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves absent flags undefined', () => {
    expect(optionalFlag('to', ReleaseVersion, undefined)).toBeUndefined();
  });
});
