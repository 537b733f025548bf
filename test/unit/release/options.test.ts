import { describe, expect, it } from 'vitest';
import {
  BaseUrl,
  HealthTimeout,
  ImageRef,
  optionalFlag,
  parseFlag,
  ReleaseVersion,
  WaitTimeout,
} from '../../../lib/release/options.ts';
import { UsageError } from '../../../lib/core/errors.ts';

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

  it('takes Go durations for --wait-timeout and release numbers for --to', () => {
    expect(parseFlag('wait-timeout', WaitTimeout, '1m30s')).toBe('1m30s');
    expect(() => parseFlag('wait-timeout', WaitTimeout, '10')).toThrow(
      '--wait-timeout: expected a duration such as "5m" or "90s", got "10"',
    );
    expect(parseFlag('to', ReleaseVersion, '12')).toBe(12);
    expect(parseFlag('to', ReleaseVersion, 'v12')).toBe(12);
    expect(() => parseFlag('to', ReleaseVersion, '0')).toThrow(UsageError);
    expect(() => parseFlag('to', ReleaseVersion, 'latest')).toThrow(
      '--to: expected a release number such as 12 (or v12), got "latest"',
    );
  });

  it('leaves absent flags undefined', () => {
    expect(optionalFlag('to', ReleaseVersion, undefined)).toBeUndefined();
  });
});
