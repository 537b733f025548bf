import { afterEach, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { FlyClient } from '../../../lib/fly/client.ts';
import { deployCommand, flyctlError, newestReleaseAfter } from '../../../lib/fly/deploy.ts';
import { Runner } from '../../../lib/core/runner.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { createFakeFly, type FakeFly } from '../../helpers/fake-fly.ts';

const { staging, production } = ENVIRONMENTS;
const IMAGE = 'registry.fly.io/kotadb-api:deployment-01J6ABCD';

describe('deployCommand: the one flyctl deploy of each environment (exact argv)', () => {
  it.each([
    [
      staging,
      '5m',
      undefined,
      [
        'flyctl',
        'deploy',
        '--config',
        'fly.staging.toml',
        '--app',
        'kotadb-api-staging',
        '--ha=false',
        '--strategy',
        'immediate',
        '--wait-timeout',
        '5m',
      ],
    ],
    [
      staging,
      '90s',
      IMAGE,
      [
        'flyctl',
        'deploy',
        '--config',
        'fly.staging.toml',
        '--app',
        'kotadb-api-staging',
        '--ha=false',
        '--strategy',
        'immediate',
        '--wait-timeout',
        '90s',
        '--image',
        IMAGE,
      ],
    ],
    [
      production,
      '10m',
      undefined,
      [
        'flyctl',
        'deploy',
        '--config',
        'fly.toml',
        '--app',
        'kotadb-api',
        '--ha=true',
        '--strategy',
        'rolling',
        '--wait-timeout',
        '10m',
      ],
    ],
    [
      production,
      '10m',
      IMAGE,
      [
        'flyctl',
        'deploy',
        '--config',
        'fly.toml',
        '--app',
        'kotadb-api',
        '--ha=true',
        '--strategy',
        'rolling',
        '--wait-timeout',
        '10m',
        '--image',
        IMAGE,
      ],
    ],
  ])('%s wait=%s image=%s', (env, waitTimeout, image, argv) => {
    expect(deployCommand({ env, waitTimeout }, image)).toEqual({ argv, mutating: true });
  });
});

describe('flyctlError', () => {
  it("picks flyctl's Error line out of its progress output", () => {
    const stderr = [
      '==> Verifying app config',
      'Error: timeout reached waiting for health checks to pass for machine 1857: context deadline exceeded',
      '',
      'You can try increasing the timeout with the --wait-timeout flag',
    ].join('\n');
    expect(flyctlError(stderr)).toBe(
      'timeout reached waiting for health checks to pass for machine 1857: context deadline exceeded',
    );
  });

  it('falls back to the last line, or says there was no output', () => {
    expect(flyctlError('building\nsegmentation fault\n')).toBe('segmentation fault');
    expect(flyctlError('')).toBe('no output');
  });
});

describe('newestReleaseAfter (when flyctl prints no release line)', () => {
  let fake: FakeFly;
  afterEach(() => fake.cleanup());
  const client = () => new FlyClient(new Runner({ output: captureOutput().out, env: { ...process.env, ...fake.env } }));

  it('finds the release newer than the snapshot, and nothing when there is none', async () => {
    fake = createFakeFly();
    expect(await newestReleaseAfter(client(), 'kotadb-api-staging', 3)).toBeNull();
    const run = await fake.run([
      'deploy',
      '--app',
      'kotadb-api-staging',
      '--image',
      IMAGE.replace('kotadb-api', 'kotadb-api-staging'),
    ]);
    expect(run.code).toBe(0);
    expect(await newestReleaseAfter(client(), 'kotadb-api-staging', 3)).toMatchObject({
      version: 4,
      imageRef: 'registry.fly.io/kotadb-api-staging:deployment-01J6ABCD',
    });
    expect(await newestReleaseAfter(client(), 'kotadb-api-staging', null)).toMatchObject({ version: 4 });
  });
});
