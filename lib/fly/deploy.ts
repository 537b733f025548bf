/**
 * The deploy path: one `flyctl deploy` for an environment (its config, strategy and HA
 * setting), output streamed, and the release it created read back. Deploy step 5 and every
 * rollback go through here, so a rollback is exactly a deploy of an older image.
 */
import * as flyctl from '../commands/flyctl.ts';
import type { Environment } from '../config/environments.ts';
import { OperationFailed } from '../core/errors.ts';
import { sortReleases, type FlyClient } from './client.ts';
import { findDeployedRelease, type DeployedRelease } from './json.ts';
import { repoRoot } from '../core/paths.ts';
import { CommandFailed, lastLines, type Command, type Runner } from '../core/runner.ts';

/** flyctl prints `{"id","version","image_ref"}` after a successful deploy when this is set. */
export const RELEASE_JSON_ENV = { FLY_EMIT_RELEASE_JSON: '1' } as const;

export interface DeploySettings {
  readonly env: Environment;
  /** Passed to flyctl's --wait-timeout (a Go duration). */
  readonly waitTimeout: string;
}

export function deployCommand(settings: DeploySettings, image?: string): Command {
  const { env } = settings;
  return flyctl.deploy({
    config: env.configFile,
    app: env.app,
    ha: env.ha,
    strategy: env.strategy,
    waitTimeout: settings.waitTimeout,
    ...(image ? { image } : {}),
  });
}

export interface DeployRun {
  /** The release flyctl created; null in a dry run or when it cannot be found. */
  release: DeployedRelease | null;
  dryRun: boolean;
}

/**
 * Runs flyctl deploy from the toolkit root (where the config files and the service's
 * Dockerfile live). Throws OperationFailed naming flyctl's error when it exits non-zero.
 */
export async function runFlyDeploy(
  runner: Runner,
  fly: FlyClient,
  settings: DeploySettings,
  options: { image?: string; previousVersion: number | null },
): Promise<DeployRun> {
  const command = deployCommand(settings, options.image);
  let stdout: string;
  try {
    const result = await runner.run(command, { env: RELEASE_JSON_ENV, output: 'stream', cwd: repoRoot });
    if (result.dryRun) return { release: null, dryRun: true };
    stdout = result.stdout;
  } catch (error) {
    if (error instanceof CommandFailed) {
      const { exitCode, stderr, stdout: out } = error.result;
      throw new OperationFailed(`flyctl deploy failed (exit ${exitCode}): ${flyctlError(stderr || out)}`, {
        cause: error,
      });
    }
    throw error;
  }
  return {
    release: findDeployedRelease(stdout) ?? (await newestReleaseAfter(fly, settings.env.app, options.previousVersion)),
    dryRun: false,
  };
}

/** flyctl's own `Error: …` line (the rest of its stderr is progress), else its last line. */
export function flyctlError(text: string): string {
  const errors = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('Error: '));
  const last = errors[errors.length - 1];
  return last ? last.slice('Error: '.length) : lastLines(text, 1) || 'no output';
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
