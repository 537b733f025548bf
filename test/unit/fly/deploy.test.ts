import { afterEach, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { FlyClient } from '../../../lib/fly/client.ts';
import { fromRoot } from '../../../lib/core/paths.ts';
import {
  defaultDeployTimeoutMs,
  deployCommand,
  DeployFailed,
  flyctlError,
  newestReleaseAfter,
  runFlyDeploy,
} from '../../../lib/fly/deploy.ts';
import { recordingExec } from '../../helpers/recording-exec.ts';
import { Runner } from '../../../lib/core/runner.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { createFakeFly, fakeFlyExec, type FakeFly } from '../../helpers/fake-fly.ts';

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
    const settings = { env, waitTimeout, timeoutMs: 60_000 };
    if (image) expect(deployCommand(settings, { kind: 'image', ref: image })).toEqual({ argv, mutating: true });
    else
      expect(deployCommand(settings, { kind: 'build', dir: '/src/kotadb' }).argv).toEqual([
        'flyctl',
        'deploy',
        '/src/kotadb',
        '--config',
        fromRoot(env.configFile),
        ...argv.slice(4),
        '--dockerfile',
        '/src/kotadb/Dockerfile.production',
      ]);
  });

  it('a rollback skips the release command', () => {
    expect(
      deployCommand(
        { env: staging, waitTimeout: '5m', timeoutMs: 1 },
        { kind: 'image', ref: IMAGE },
        { rollback: true },
      ).argv.slice(-3),
    ).toEqual(['--image', IMAGE, '--skip-release-command']);
  });
});

describe('defaultDeployTimeoutMs: wait-timeout per machine + a margin for build/push or image lookup', () => {
  it.each([
    [staging, 5 * 60_000, true, 25 * 60_000],
    [staging, 5 * 60_000, false, 10 * 60_000],
    [production, 10 * 60_000, true, 40 * 60_000],
    [production, 10 * 60_000, false, 25 * 60_000],
    [staging, null, false, 65 * 60_000],
  ])('%s wait=%s build=%s', (env, wait, builds, expected) => {
    expect(defaultDeployTimeoutMs(env, wait, builds)).toBe(expected);
  });
});

describe('runFlyDeploy: how flyctl deploy ended', () => {
  const settings = { env: staging, waitTimeout: '5m', timeoutMs: 200 };
  const run = (exec: ReturnType<typeof recordingExec>) => {
    const runner = new Runner({ output: captureOutput().out, env: {}, exec, signal: new AbortController().signal });
    return runFlyDeploy(runner, new FlyClient(runner), settings, { kind: 'image', ref: IMAGE }, { previousVersion: 3 });
  };

  it('reads the release line, runs from the toolkit root, and stops flyctl with SIGINT at the deadline', async () => {
    const exec = recordingExec().on(['flyctl', 'deploy'], {
      stdout: `Visit …\n{"id":"rel_1","version":4,"image_ref":"${IMAGE}"}\n`,
    });
    expect(await run(exec)).toEqual({ release: { id: 'rel_1', version: 4, imageRef: IMAGE }, dryRun: false });
    expect(exec.calls[0]).toMatchObject({ cwd: fromRoot(), timeoutMs: 200, env: { FLY_EMIT_RELEASE_JSON: '1' } });
  });

  it.each([
    [{ hang: true }, 'timeout', 'flyctl deploy did not finish within 200ms (--deploy-timeout): it was stopped'],
    [
      {
        exitCode: 1,
        stderr: `Error: failed to fetch an image or build from source: could not find image "${IMAGE}"\n`,
      },
      'image-missing',
      `the image ${IMAGE} is no longer in the registry (pruned): rebuild it from its commit (--source <checkout of that commit>) or deploy another image (--image <ref>)`,
    ],
    [{ signal: 'SIGKILL' as const }, 'flyctl', 'flyctl deploy was killed by SIGKILL: no output'],
    [
      { exitCode: 126, stderr: 'Error: context deadline exceeded\n' },
      'flyctl',
      'flyctl deploy failed (exit 126): context deadline exceeded',
    ],
  ])('%j -> %s', async (answer, kind, message) => {
    const error = await run(recordingExec().on(['flyctl', 'deploy'], answer)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployFailed);
    expect([(error as DeployFailed).kind, (error as DeployFailed).message]).toEqual([kind, message]);
  });
});

describe("flyctlError: flyctl's error whole, on one line", () => {
  it('keeps the Error line and what follows it (description, suggestion), not the progress before it', () => {
    const stderr = [
      '==> Verifying app config',
      'Error: timeout reached waiting for machine 1857 to start: context deadline exceeded',
      '',
      'You can try increasing the timeout with the --wait-timeout flag',
    ].join('\n');
    expect(flyctlError(stderr)).toBe(
      'timeout reached waiting for machine 1857 to start: context deadline exceeded | You can try increasing the timeout with the --wait-timeout flag',
    );
  });

  it('adds the ✘ reasons of a config validation failure, from stdout and stderr', () => {
    expect(
      flyctlError(
        '✘ canary deployment strategy is not supported when using mounted volumes\nError: App configuration is not valid\n',
        'Validating fly.toml\n✘ unsupported deployment strategy "fast"\n',
      ),
    ).toBe(
      'App configuration is not valid: ✘ unsupported deployment strategy "fast"; ✘ canary deployment strategy is not supported when using mounted volumes',
    );
  });

  it('escapes control characters and trims a very long error', () => {
    expect(flyctlError('Error: bad \u001b[2Kthing\n')).toBe('bad \\x1b[2Kthing');
    const long = flyctlError(`Error: ${'x'.repeat(2000)}\n`);
    expect(long.length).toBe(500);
    expect(long.endsWith('…')).toBe(true);
  });

  it('falls back to the last lines, or says there was no output', () => {
    expect(flyctlError('building\nsegmentation fault\n')).toBe('building | segmentation fault');
    expect(flyctlError('')).toBe('no output');
  });
});

describe('newestReleaseAfter (when flyctl prints no release line)', () => {
  let fake: FakeFly;
  afterEach(() => fake.cleanup());
  const client = () =>
    new FlyClient(
      new Runner({ output: captureOutput().out, env: { ...process.env, ...fake.env }, exec: fakeFlyExec(fake) }),
    );

  it('finds the release newer than the snapshot, and nothing when there is none', async () => {
    fake = createFakeFly();
    expect(await newestReleaseAfter(client(), 'kotadb-api-staging', 3)).toBeNull();
    const run = await fake.runInProcess([
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
