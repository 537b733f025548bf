/**
 * The deploy path: one `flyctl deploy` for an environment (its config, strategy and HA setting)
 * of an image or of a build from the service's checkout, output streamed, bounded by a deadline,
 * and the release it created read back. The deploy step and every rollback go through here, so
 * a rollback is exactly a deploy of an older image (minus the release command).
 */
import path from 'node:path';
import * as flyctl from '../commands/flyctl.ts';
import type { Environment } from '../config/environments.ts';
import { OperationFailed } from '../core/errors.ts';
import { fromRoot, repoRoot } from '../core/paths.ts';
import { CommandFailed, CommandTimedOut, type Command, type Runner } from '../core/runner.ts';
import { formatDuration } from '../core/text.ts';
import { sortReleases, type FlyClient } from './client.ts';
import { flyctlError } from './flyctl-error.ts';
import type { DeployedRelease } from './json.ts';

/** flyctl prints `{"id","version","image_ref"}` after a successful deploy when this is set. */
export const RELEASE_JSON_ENV = { FLY_EMIT_RELEASE_JSON: '1' } as const;

/** The Dockerfile a build from the service's checkout uses (at the checkout's root). */
export const SERVICE_DOCKERFILE = 'Dockerfile.production';

/**
 * What flyctl deploys: a prebuilt image, or a build of the service's checkout (the build
 * context), tagged with `label` in the app's registry (the toolkit's `git-<sha>`) once known.
 */
export type DeploySource =
  | { readonly kind: 'image'; readonly ref: string }
  | { readonly kind: 'build'; readonly dir: string; readonly label?: string };

export interface DeploySettings {
  readonly env: Environment;
  /** Passed to flyctl's --wait-timeout (a Go duration, bare seconds or "none"). */
  readonly waitTimeout: string;
  /** The toolkit's own deadline for the whole flyctl deploy (build, push, machine updates). */
  readonly timeoutMs: number;
}

/**
 * Margins on top of flyctl's own waits (--wait-timeout per machine, machines updated one after
 * another): a remote build and push of the Rust service image, or, without a build, looking the
 * image up and creating the release. "none" (flyctl waits forever) gets a fixed bound.
 */
export const BUILD_MARGIN_MS = 20 * 60_000;
export const IMAGE_MARGIN_MS = 5 * 60_000;
export const UNBOUNDED_WAIT_MS = 60 * 60_000;

/** `--deploy-timeout`'s default: margin + wait-timeout × machines. */
export function defaultDeployTimeoutMs(env: Environment, waitTimeoutMs: number | null, builds: boolean): number {
  const machines = env.ha ? 2 : 1;
  const waits = waitTimeoutMs === null ? UNBOUNDED_WAIT_MS : waitTimeoutMs * machines;
  return (builds ? BUILD_MARGIN_MS : IMAGE_MARGIN_MS) + waits;
}

/** flyctl gets SIGINT first (it marks the release interrupted), then SIGKILL after this long. */
export const FLYCTL_STOP_GRACE_MS = 10_000;

/**
 * The one flyctl deploy of an environment. A build runs with the service's checkout as
 * WORKING_DIRECTORY (the build context), this repository's config by absolute path (flyctl
 * changes into the checkout first) and the checkout's Dockerfile.
 */
export function deployCommand(
  settings: DeploySettings,
  source: DeploySource,
  options: { rollback?: boolean; buildOnly?: boolean } = {},
): Command {
  const { env } = settings;
  const common = {
    app: env.app,
    ha: env.ha,
    strategy: env.strategy,
    waitTimeout: settings.waitTimeout,
    ...(options.rollback ? { skipReleaseCommand: true } : {}),
  };
  if (source.kind === 'image') return flyctl.deploy({ ...common, config: env.configFile, image: source.ref });
  return flyctl.deploy({
    ...common,
    config: fromRoot(env.configFile),
    workingDir: source.dir,
    dockerfile: path.join(source.dir, SERVICE_DOCKERFILE),
    ...(source.label ? { imageLabel: source.label } : {}),
    ...(options.buildOnly ? { buildOnly: true } : {}),
  });
}

/** Where `flyctl deploy --build-only --push --image-label L` puts the image: the app's own registry. */
export function builtImageRef(app: string, label: string): string {
  return `registry.fly.io/${app}:${label}`;
}

/**
 * Builds and pushes the service's image without deploying it (`--build-only --push`): the
 * image that staging then runs and production is promoted to. Throws DeployFailed like a deploy.
 * null in a dry run.
 */
export async function runFlyBuild(
  runner: Runner,
  settings: DeploySettings,
  source: Extract<DeploySource, { kind: 'build' }> & { readonly label: string },
): Promise<{ image: string } | null> {
  try {
    const result = await runner.run(deployCommand(settings, source, { buildOnly: true }), {
      output: 'stream',
      cwd: repoRoot,
      timeoutMs: settings.timeoutMs,
      killSignal: 'SIGINT',
      killGraceMs: FLYCTL_STOP_GRACE_MS,
    });
    if (result.dryRun) return null;
  } catch (error) {
    throw describeDeployError(error, settings, source, 'build');
  }
  return { image: builtImageRef(settings.env.app, source.label) };
}

export interface DeployRun {
  /** The release flyctl created; null in a dry run or when it cannot be found. */
  release: DeployedRelease | null;
  dryRun: boolean;
}

/** Why flyctl deploy did not succeed, as data: callers word their report from the kind. */
export type DeployFailureKind = 'timeout' | 'image-missing' | 'flyctl';

export class DeployFailed extends OperationFailed {
  readonly kind: DeployFailureKind;
  constructor(kind: DeployFailureKind, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.kind = kind;
  }
}

/**
 * Runs flyctl deploy from the toolkit root. Throws DeployFailed when it exits non-zero or runs
 * past settings.timeoutMs (then it is stopped: SIGINT, SIGKILL after a grace period).
 */
export async function runFlyDeploy(
  runner: Runner,
  fly: FlyClient,
  settings: DeploySettings,
  source: DeploySource,
  options: { previousVersion: number | null; rollback?: boolean },
): Promise<DeployRun> {
  const command = deployCommand(settings, source, options);
  let stdout: string;
  try {
    const result = await runner.run(command, {
      env: RELEASE_JSON_ENV,
      output: 'stream',
      cwd: repoRoot,
      timeoutMs: settings.timeoutMs,
      killSignal: 'SIGINT',
      killGraceMs: FLYCTL_STOP_GRACE_MS,
    });
    if (result.dryRun) return { release: null, dryRun: true };
    stdout = result.stdout;
  } catch (error) {
    throw describeDeployError(error, settings, source);
  }
  return {
    release:
      (await import('./json.ts')).findDeployedRelease(stdout) ??
      (await newestReleaseAfter(fly, settings.env.app, options.previousVersion)),
    dryRun: false,
  };
}

function describeDeployError(
  error: unknown,
  settings: DeploySettings,
  source: DeploySource,
  what: 'deploy' | 'build' = 'deploy',
): unknown {
  const name = what === 'build' ? 'flyctl deploy --build-only' : 'flyctl deploy';
  if (error instanceof CommandTimedOut) {
    return new DeployFailed(
      'timeout',
      `${name} did not finish within ${formatDuration(settings.timeoutMs)} (--deploy-timeout): it was stopped`,
      { cause: error },
    );
  }
  if (!(error instanceof CommandFailed)) return error;
  const { exitCode, signal, stderr, stdout } = error.result;
  if (source.kind === 'image' && /could not find image/i.test(stderr)) {
    return new DeployFailed(
      'image-missing',
      `the image ${source.ref} is no longer in the registry (pruned): rebuild it from its commit (--source <checkout of that commit>) or deploy another image (--image <ref>)`,
      { cause: error },
    );
  }
  const how = signal ? `was killed by ${signal}` : `failed (exit ${exitCode})`;
  return new DeployFailed('flyctl', `${name} ${how}: ${flyctlError(stderr, stdout)}`, { cause: error });
}

/** Fallback when flyctl printed no release line (older flyctl): the newest release after ours. */
export async function newestReleaseAfter(
  fly: FlyClient,
  app: string,
  previousVersion: number | null,
): Promise<DeployedRelease | null> {
  const newest = sortReleases(await fly.releases(app))[0];
  if (!newest || (previousVersion !== null && newest.version <= previousVersion)) return null;
  return { id: newest.id, version: newest.version, imageRef: newest.imageRef };
}
