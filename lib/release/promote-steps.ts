/**
 * promote's steps before the deploy, each a read: the release staging serves and its records,
 * the image to promote (lib/release/promotion.ts decides), staging's health now, and whether
 * the commit is on main. A refusal is PreconditionFailed (exit 3); a dry run reports what a
 * real run would refuse and goes on when it still has an image to show the deploy with.
 */
import type { Environment } from '../config/environments.ts';
import { environmentList } from '../config/environments.ts';
import { ExitCode, Interrupted, PreconditionFailed, isToolkitError } from '../core/errors.ts';
import type { Output } from '../core/output.ts';
import { secrets } from '../core/redact.ts';
import { Runner } from '../core/runner.ts';
import type { ScriptIO } from '../core/script.ts';
import { formatDuration, plural } from '../core/text.ts';
import { FlyClient, runningRelease, sortReleases } from '../fly/client.ts';
import type { FlyRelease } from '../fly/json.ts';
import { resolveLockRemote } from '../lock/remote.ts';
import { waitForHealthy } from './health-poll.ts';
import {
  branchRefusal,
  choosePromotion,
  commitOnBranch,
  matchesCommit,
  sameTree,
  type Choice,
  type Promotion,
} from './promotion.ts';
import { readReleaseRecords, type ReleaseRecord } from './provenance.ts';
import { whoServes, type Serving } from './serving.ts';
import { describeSmokeFailures, failedChecks, failingChecks, runSmokeChecks } from './smoke.ts';
import { errorText, publishSummary, resultEnvelope } from './summary.ts';

/** What validation decided. */
export interface PromotePlan {
  readonly target: Environment;
  readonly from: Environment;
  /** The branch the commit must be on: the target's release branch. */
  readonly branch: string;
  readonly image: string | undefined;
  readonly commit: string | undefined;
  /** Where the source environment answers /health. */
  readonly fromUrl: string;
  /** Where the target answers (--url), for the refusal's report. */
  readonly targetUrl: string;
  /** The service checkout the commit's branch is asked in. */
  readonly serviceDir: string;
  readonly force: boolean;
  readonly smoke: boolean;
  readonly dryRun: boolean;
}

export interface PromoteContext {
  readonly plan: PromotePlan;
  readonly io: ScriptIO;
  readonly out: Output;
  /** Reads of the source environment: flyctl with its token, git. No child gets a smoke key. */
  readonly runner: Runner;
  readonly fly: FlyClient;
}

/**
 * The runner of the reads: with `sourceToken` (FLY_STAGING_API_TOKEN) as flyctl's token when
 * given, since an app-scoped production deploy token cannot read the staging app.
 */
export function promoteContext(
  plan: PromotePlan,
  io: ScriptIO,
  out: Output,
  sourceToken: string | undefined,
): PromoteContext {
  const env = { ...io.env };
  for (const e of environmentList()) delete env[e.smokeApiKeyVar];
  delete env[SOURCE_TOKEN_VAR];
  if (sourceToken) {
    secrets.add(sourceToken);
    env.FLY_API_TOKEN = sourceToken;
    delete env.FLY_ACCESS_TOKEN;
  }
  const runner = new Runner({ dryRun: plan.dryRun, output: out, env, exec: io.exec, signal: io.signal });
  return { plan, io, out, runner, fly: new FlyClient(runner) };
}

export const SOURCE_TOKEN_VAR = 'FLY_STAGING_API_TOKEN';

/** The environment a promotion's deploy runs with: deploy's children need no staging token. */
export function withoutSourceToken(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { [SOURCE_TOKEN_VAR]: _token, ...rest } = env;
  return rest;
}

export interface SourceReleases {
  readonly serving: FlyRelease | null;
  readonly machines: Serving | null;
  /** null: the records could not be read (said as a warning). */
  readonly records: ReadonlyMap<number, ReleaseRecord> | null;
}

/** The release the source environment serves, whether every machine runs it, and its records. */
export async function readSource(ctx: PromoteContext): Promise<SourceReleases> {
  const { plan, out } = ctx;
  const { from } = plan;
  const [fly, records] = await Promise.all([readServing(ctx), readRecords(ctx)]);
  if (fly.serving) out.dim(`${from.name} serves v${fly.serving.version} (${fly.serving.imageRef})`);
  if (records) out.dim(`${plural(records.size, `${from.name} release record`)} read`);
  return { ...fly, records };
}

async function readServing(ctx: PromoteContext): Promise<Pick<SourceReleases, 'serving' | 'machines'>> {
  const { from } = ctx.plan;
  try {
    const releases = sortReleases(await ctx.fly.releases(from.app));
    const serving = runningRelease(releases) ?? null;
    const machines = serving ? await whoServes(ctx.fly, from.app, serving, releases) : null;
    return { serving, machines };
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    throw new PreconditionFailed(`could not read what ${from.name} (${from.app}) serves: ${errorText(error)}`, {
      hint: `promote reads ${from.app} with ${SOURCE_TOKEN_VAR} when set, else FLY_API_TOKEN: give it a token that may read ${from.app}`,
      cause: error,
    });
  }
}

async function readRecords(ctx: PromoteContext): Promise<ReadonlyMap<number, ReleaseRecord> | null> {
  const { io, out, plan } = ctx;
  try {
    const remote = await resolveLockRemote(ctx.runner, io.env, io.cwd);
    return await readReleaseRecords(ctx.runner, remote, plan.from.name, io.cwd);
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    out.warn(
      `${plan.from.name}'s release records could not be read (${errorText(error)}): commits come from image labels`,
    );
    return null;
  }
}

/** The image and its commit (choosePromotion), checked against --commit. */
export async function chooseImage(
  ctx: PromoteContext,
  source: SourceReleases,
): Promise<Extract<Choice, { kind: 'chosen' }>> {
  const { plan, out } = ctx;
  const choice = choosePromotion({
    from: plan.from.name,
    serving: source.serving,
    machines: source.machines,
    records: source.records,
    image: plan.image,
    force: plan.force,
  });
  // Nothing to show a deploy with: even a dry run stops here.
  if (choice.kind === 'refused') throw new PreconditionFailed(choice.reason, { hint: choice.hint });
  const { promotion } = choice;
  const from = `${promotion.from.environment} v${promotion.from.version}`;
  if (promotion.commit === null)
    out.warn(`--force: promoting ${promotion.image} (${from}) although nothing says which commit it was built from`);
  else
    out.dim(`promoting ${promotion.image}: ${from}, commit ${promotion.commit.slice(0, 12)} (${choice.commitSource})`);
  if (plan.commit !== undefined) await checkRequestedCommit(ctx, promotion, plan.commit);
  return choice;
}

/**
 * --commit (CI: the service's main HEAD) must be the image's commit — or a commit with the very
 * same tree, which is what merging develop into main with a merge commit gives: the same source,
 * another sha. Anything else is refused, even with --force: production gets what staging ran.
 */
async function checkRequestedCommit(ctx: PromoteContext, promotion: Promotion, requested: string): Promise<void> {
  const { plan, out } = ctx;
  if (matchesCommit(promotion.commit, requested)) return;
  const from = `${promotion.from.environment} v${promotion.from.version}`;
  if (promotion.commit !== null && (await sameTree(ctx.runner, plan.serviceDir, promotion.commit, requested))) {
    out.info(
      `${requested.slice(0, 12)} is not ${from}'s commit ${promotion.commit.slice(0, 12)}, but has the same tree (a merge of it): the same source`,
    );
    return;
  }
  refuse(
    ctx,
    new PreconditionFailed(
      `${from} runs commit ${promotion.commit?.slice(0, 12) ?? 'unknown'}, not ${requested.slice(0, 12)}: production gets only what ${promotion.from.environment} verified`,
      {
        hint: `deploy ${requested.slice(0, 12)} to ${promotion.from.environment} first (push it to develop), then promote again`,
      },
    ),
  );
}

/**
 * The source environment is healthy now, by deploy's rule, and its smoke checks pass. Only
 * when the promoted image is what it serves: for an older verified image (--image) its health
 * now says nothing, and that image's record is the proof.
 */
export async function checkSourceHealth(
  ctx: PromoteContext,
  chosen: Extract<Choice, { kind: 'chosen' }>,
): Promise<void> {
  const { plan, out, io } = ctx;
  const { from } = plan;
  if (!chosen.servingNow) {
    out.info(
      `${chosen.promotion.image} is not what ${from.name} serves now: its proof is v${chosen.promotion.from.version}'s release record, and ${from.name}'s health now is not checked`,
    );
    return;
  }
  const poll = await waitForHealthy({
    baseUrl: plan.fromUrl,
    timeoutMs: SOURCE_HEALTH_TIMEOUT_MS,
    out,
    clock: io.clock,
    signal: io.signal,
  });
  if (!poll.healthy) {
    refuse(
      ctx,
      new PreconditionFailed(
        `${from.name} is not healthy now (${plan.fromUrl}/health after ${formatDuration(poll.elapsedMs)}: ${poll.lastReason ?? 'no answer'})`,
        { hint: `promote copies what ${from.name} proves: fix ${from.name} first (npx just status ${from.name})` },
      ),
    );
    return;
  }
  out.dim(`${from.name} is healthy (${plural(poll.attempts, 'attempt')})`);
  if (!plan.smoke) {
    out.warn(`smoke checks skipped on ${from.name} (--skip-smoke)`);
    return;
  }
  const checks = await runSmokeChecks({
    baseUrl: plan.fromUrl,
    apiKey: io.env[from.smokeApiKeyVar] || undefined,
    apiKeyVar: from.smokeApiKeyVar,
    signal: io.signal,
  });
  for (const check of checks) {
    if (check.status === 'skipped') out.warn(`${from.name}: ${check.name}: ${check.detail}`);
    else out.info(`  ${check.status === 'passed' ? '✓' : '✗'} ${from.name} ${check.name}: ${check.detail}`);
  }
  const failed = failedChecks(checks);
  if (failed.length > 0)
    refuse(
      ctx,
      new PreconditionFailed(`${failingChecks(failed.length)} on ${from.name} now: ${describeSmokeFailures(failed)}`, {
        hint: `fix ${from.name} (or ${from.smokeApiKeyVar}) first, or pass --skip-smoke`,
      }),
    );
}

const SOURCE_HEALTH_TIMEOUT_MS = 30_000;

/** The commit is on origin/<release branch> in the service checkout (--force: a warning). */
export async function checkOnBranch(ctx: PromoteContext, promotion: Promotion): Promise<void> {
  const { plan, out } = ctx;
  if (promotion.commit === null) {
    out.warn(`--force: the commit is unknown, so whether it is on ${plan.branch} is not checked`);
    return;
  }
  const answer = await commitOnBranch(ctx.runner, plan.serviceDir, promotion.commit, plan.branch);
  const refusal = branchRefusal(answer, promotion.commit, plan.branch, plan.serviceDir);
  if (refusal === null) {
    out.dim(`commit ${promotion.commit.slice(0, 12)} is on origin/${plan.branch}`);
    return;
  }
  if (plan.force) out.warn(`--force: promoting anyway; ${refusal.message}`);
  else refuse(ctx, refusal);
}

/** A real run throws; a dry run says what a real run would refuse and goes on. */
function refuse(ctx: PromoteContext, refusal: PreconditionFailed): void {
  if (!ctx.plan.dryRun) throw refusal;
  ctx.out.warn(`${refusal.message}; a real run would refuse (${refusal.hint ?? 'exit 3'})`);
}

/**
 * A run stopped before the deploy: nothing changed. The summary (text, GitHub step summary)
 * and --json say why; the error goes on to be the exit line and code (3 for a refusal).
 */
export function refusalReported(ctx: PromoteContext, error: unknown, promotion: Promotion | null): unknown {
  if (error instanceof Interrupted) return error;
  const { plan, out, io } = ctx;
  const code = isToolkitError(error) ? error.exitCode : ExitCode.failed;
  const refused = code === ExitCode.refused;
  const reason = errorText(error);
  const fields: Array<[string, string]> = [
    ['from', plan.from.name],
    ['to', plan.target.name],
  ];
  if (promotion) {
    fields.push(['image', promotion.image]);
    fields.push(['commit', promotion.commit?.slice(0, 12) ?? 'unknown']);
  }
  fields.push(['deployed', 'nothing']);
  publishSummary(
    {
      title: `Promote ${plan.from.name} to ${plan.target.name}`,
      ok: false,
      dryRun: plan.dryRun,
      outcome: `${refused ? 'refused' : 'stopped'}: ${reason}`,
      fields,
      steps: out.timings,
    },
    out,
    io.env,
  );
  if (out.json)
    out.jsonResult({
      ...resultEnvelope(code, refused ? 'refused' : 'stopped', {
        dryRun: plan.dryRun,
        env: plan.target,
        url: plan.targetUrl,
      }),
      failure: reason,
      hint: isToolkitError(error) ? (error.hint ?? null) : null,
      promotion,
    });
  return error;
}
