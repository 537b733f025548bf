/**
 * Rolling back = deploying an earlier release's image through the normal deploy path, then
 * checking health with the same rule. Shared by deploy-fly (step 8, after a failed deploy) and
 * the rollback script (which first checks that the target exists and is deployable).
 */
import type { HealthTarget } from './options.ts';
import type { Environment } from '../config/environments.ts';
import { InvalidInput, PreconditionFailed } from '../core/errors.ts';
import { defaultRollbackTarget, runningRelease, sortReleases, type FlyClient } from '../fly/client.ts';
import type { DeployedRelease, FlyRelease } from '../fly/json.ts';
import { DeployFailed, runFlyDeploy, type DeploySettings } from '../fly/deploy.ts';
import { describeUnhealthy, waitForHealthy, type PollResult } from './health-poll.ts';
import { describeServing, whoServes } from './serving.ts';
import type { Clock } from '../core/clock.ts';
import type { Output } from '../core/output.ts';
import type { Runner } from '../core/runner.ts';

export interface RollbackTarget {
  /** Release whose image is redeployed (null for an --image that no listed release ran). */
  readonly version: number | null;
  readonly imageRef: string;
}

export interface TargetChoice {
  to?: number | undefined;
  image?: string | undefined;
}

/** Complete releases with an image: the only ones a rollback can redeploy. */
export function deployableReleases(releases: readonly FlyRelease[]): FlyRelease[] {
  return sortReleases(releases).filter((r) => r.status === 'complete' && r.imageRef !== null);
}

/**
 * `--to N` must name a complete release with an image (exit 2 listing the choices otherwise);
 * `--image` is taken as given; the default is the newest complete release older than the
 * running one whose image differs (exit 3 when there is none).
 */
export function chooseRollbackTarget(releases: readonly FlyRelease[], choice: TargetChoice): RollbackTarget {
  if (choice.image) {
    const known = sortReleases(releases).find((r) => r.imageRef === choice.image);
    return { version: known?.version ?? null, imageRef: choice.image };
  }
  const choices = deployableReleases(releases).map((r) => `v${r.version}`);
  const choicesText =
    choices.length > 0 ? `choose one of ${choices.join(', ')}` : 'no release is complete with an image';
  if (choice.to !== undefined) {
    const release = releases.find((r) => r.version === choice.to);
    if (!release)
      throw new InvalidInput(`release v${choice.to} is not among the last ${releases.length} releases: ${choicesText}`);
    if (release.status !== 'complete' || release.imageRef === null) {
      const why = release.status !== 'complete' ? `is ${release.status}, not complete` : 'has no image';
      throw new InvalidInput(`release v${choice.to} ${why}: ${choicesText}`);
    }
    return { version: release.version, imageRef: release.imageRef };
  }
  const target = defaultRollbackTarget(releases);
  const pick = `--list shows the releases; --to <version> or --image <ref> picks one${choices.length ? ` (${choices.join(', ')})` : ''}`;
  if (!target?.imageRef)
    throw new PreconditionFailed('no earlier complete release with a different image to roll back to', { hint: pick });
  const abandoned = rolledBackFrom(releases);
  if (abandoned.some((r) => r.version === target.version)) {
    const running = runningRelease(releases);
    throw new PreconditionFailed(
      `the default target v${target.version} was rolled back from (v${running?.version} runs an older release's image again): it may be the bad release, so it is not picked by default`,
      { hint: pick },
    );
  }
  return { version: target.version, imageRef: target.imageRef };
}

/**
 * Releases a rollback already replaced: the running image also ran in an older complete
 * release, so the complete releases in between (with other images) were rolled back from.
 * Redeploying one of them by default could put a known-bad image back.
 */
export function rolledBackFrom(releases: readonly FlyRelease[]): FlyRelease[] {
  const running = runningRelease(releases);
  if (!running) return [];
  const older = deployableReleases(releases).filter((r) => r.version < running.version);
  const between: FlyRelease[] = [];
  for (const release of older) {
    if (release.imageRef === running.imageRef) {
      if (between.length > 0) return between;
    } else {
      between.push(release);
    }
  }
  return [];
}

export function describeTarget(target: RollbackTarget): string {
  return target.version === null ? target.imageRef : `v${target.version}`;
}

/** The command a human runs to finish (or redo) a rollback to this release. */
export function rollbackCommand(env: Environment, target: RollbackTarget): string {
  return `npx just rollback ${env.name} ${target.version === null ? `--image ${target.imageRef}` : `--to ${target.version}`}`;
}

/** What a rollback needs from the script running it (deploy's automatic rollback and the rollback script). */
export interface RollbackContext {
  readonly runner: Runner;
  readonly fly: FlyClient;
  readonly out: Output;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly health: HealthTarget;
  readonly settings: DeploySettings;
}

/** How a rollback ended. A dry run only printed what it would do. */
export type RollbackResult =
  | { readonly kind: 'planned'; readonly target: RollbackTarget }
  | {
      readonly kind: 'healthy';
      readonly target: RollbackTarget;
      /** The release the redeploy created (null when flyctl did not say and none was found). */
      readonly release: DeployedRelease | null;
      readonly health: PollResult;
    }
  | {
      readonly kind: 'failed';
      readonly target: RollbackTarget;
      readonly release: DeployedRelease | null;
      readonly health: PollResult | null;
      /** Why, in one line (flyctl's error, the health reason, or who serves instead). */
      readonly failure: string;
    };

/** A rollback redeploys only the image: the report must not suggest the old config came back. */
export function configNote(target: RollbackTarget): string {
  return `fly.toml and secrets are today's, not those of ${describeTarget(target)} (a rollback redeploys only the image)`;
}

/**
 * Redeploys the target's image (same config, strategy and HA; no release command), waits until
 * it is healthy, and checks that the release it created is the one serving.
 * latestVersion: the newest release before the redeploy (finds the new one when flyctl prints none).
 */
export async function rollBackTo(
  ctx: RollbackContext,
  target: RollbackTarget,
  latestVersion: number | null,
): Promise<RollbackResult> {
  const { baseUrl, healthTimeoutMs } = ctx.health;
  let release: DeployedRelease | null;
  try {
    const run = await runFlyDeploy(
      ctx.runner,
      ctx.fly,
      ctx.settings,
      { kind: 'image', ref: target.imageRef },
      { previousVersion: latestVersion, rollback: true },
    );
    if (run.dryRun) {
      ctx.out.plan(healthPlan(ctx.health));
      return { kind: 'planned', target };
    }
    release = run.release;
  } catch (error) {
    if (error instanceof DeployFailed)
      return { kind: 'failed', target, release: null, health: null, failure: error.message };
    throw error;
  }
  ctx.out.dim(
    `redeployed ${describeTarget(target)}${release ? ` as v${release.version}` : ''}; waiting for ${baseUrl}/health`,
  );
  const health = await waitForHealthy({
    baseUrl,
    timeoutMs: healthTimeoutMs,
    out: ctx.out,
    clock: ctx.clock,
    signal: ctx.signal,
  });
  if (!health.healthy)
    return { kind: 'failed', target, release, health, failure: `health check: ${describeUnhealthy(health)}` };
  if (release) {
    const serving = await whoServes(ctx.fly, ctx.settings.env.app, release);
    if (serving.kind !== 'ours')
      return { kind: 'failed', target, release, health, failure: describeServing(serving, release) };
  }
  return { kind: 'healthy', target, release, health };
}

/** The dry-run line standing for a health check. */
export function healthPlan(target: HealthTarget): string {
  return `# then poll ${target.baseUrl}/health until healthy (up to ${target.healthTimeoutMs / 1000}s)`;
}
