/**
 * deploy: ship the KotaDB API to staging or production and prove it works — the team's deploy
 * runbook as code. `run` reads as the steps, in order: validate, preflight, snapshot releases,
 * smoke checks against the release serving now, confirm, then under the environment's deploy
 * lock: re-check the releases, deploy, health, smoke, verify that the release serving is ours,
 * roll back (when deploy, health or smoke failed), tag; then report.
 * Each step returns what it learnt; the run ends in one outcome (lib/release/deploy-report.ts)
 * that the summary, --json, GitHub's step summary and Ctrl-C's state line all render.
 */
import { hostname } from 'node:os';
import { deployTagName, pushWithLease, releaseRecordRef } from '../lib/commands/git.ts';
import { loadFlyConfig, waitTimeoutOf } from '../lib/config/fly-toml.ts';
import { environmentList, parseEnvironment, type Environment } from '../lib/config/environments.ts';
import type { OptionValues } from '../lib/core/cli.ts';
import { Interrupted, PreconditionFailed, ToolkitError, UsageError } from '../lib/core/errors.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { secrets } from '../lib/core/redact.ts';
import { describeCommand, Runner } from '../lib/core/runner.ts';
import { defineScript, isEntryPoint, runEntry, type RunContext, type ScriptIO } from '../lib/core/script.ts';
import type { Output } from '../lib/core/output.ts';
import { formatDuration, plural } from '../lib/core/text.ts';
import { requireFlyAccess } from '../lib/fly/access.ts';
import { lockWaitSeconds } from '../lib/lock/deploy-lock.ts';
import { identityFrom } from '../lib/lock/holder.ts';
import { resolveLockRemote } from '../lib/lock/remote.ts';
import { RunLock } from '../lib/lock/run-lock.ts';
import { FlyClient, runningRelease, sortReleases } from '../lib/fly/client.ts';
import {
  defaultDeployTimeoutMs,
  deployCommand,
  DeployFailed,
  RELEASE_JSON_ENV,
  runFlyBuild,
  runFlyDeploy,
  type DeploySettings,
  type DeploySource,
} from '../lib/fly/deploy.ts';
import type { DeployedRelease, FlyRelease } from '../lib/fly/json.ts';
import { requireApp, requireSecrets, singleMachineRollingWarning } from '../lib/fly/preflight.ts';
import {
  deployExitCode,
  deployHint,
  deployJson,
  deployOutcomeLine,
  deploySummary,
  interruptedError,
  rollbackTargetOf,
  type DeployFacts,
  type DeployFailure,
  type DeployOutcome,
  type Phase,
  type RollbackReport,
  type Snapshot,
} from '../lib/release/deploy-report.ts';
import { GitClient, requireReleaseCheckout, type ReleaseCheckout } from '../lib/release/git-guard.ts';
import { waitForHealthy } from '../lib/release/health-poll.ts';
import {
  deploySource,
  DeployTimeout,
  healthTarget,
  optionalFlag,
  SERVICE_DIR_VAR,
  WaitTimeout,
  waitTimeoutMs,
  type HealthTarget,
} from '../lib/release/options.ts';
import { DEPLOY_OPTIONS } from '../lib/release/deploy-options.ts';
import { describeAppeared, recheckReleases } from '../lib/release/recheck.ts';
import { commitLabel, commitOfImage } from '../lib/release/image-label.ts';
import type { Promotion } from '../lib/release/promotion.ts';
import { recordedBy, writeReleaseRecord, type ReleaseRecord } from '../lib/release/provenance.ts';
import { healthPlan, rollBackTo } from '../lib/release/rollback.ts';
import { checkSchemaBeforeRollback } from '../lib/release/rollback-schema.ts';
import { whoServes, type ReleaseRef } from '../lib/release/serving.ts';
import {
  allUnreachable,
  describeSmokeFailures,
  failedChecks,
  failingChecks,
  regressions,
  runSmokeChecks,
  type SmokeCheck,
} from '../lib/release/smoke.ts';
import { judgedStep } from '../lib/release/step.ts';
import { publishSummary, resultEnvelope } from '../lib/release/summary.ts';

export const script = defineScript({
  usage: 'npx just deploy <staging|production> (--image <ref> | --source <dir>) [options]',
  summary:
    'Deploy the KotaDB API to Fly.io: preflight, smoke checks on the running release, deploy, health check, smoke checks, a check that the new release is the one serving, and a rollback to the previous image when deploy, health or smoke failed.',
  positionals: [{ name: 'environment', description: 'staging or production', required: true }],
  options: DEPLOY_OPTIONS,
  notes: [
    `Image source: --image <ref>, or a build of the service's checkout (--source <dir> or ${SERVICE_DIR_VAR}); without one, exit 3.`,
    'Steps: validate, preflight (flyctl, login, app, required secrets, image source; production: branch main and a clean tree),',
    'snapshot releases, smoke checks against the release serving now (a failure there is a wrong check or key: exit 3),',
    'confirm (production), flyctl deploy (stopped after --deploy-timeout), /health until healthy, smoke checks,',
    'verify that the new release serves, rollback on failure (with --skip-release-command), summary.',
    'Every build is labelled git-<full sha> (HEAD of the service checkout, which must be a git checkout: exit 3 otherwise);',
    'a dirty service checkout is refused for production (exit 3; --force builds it anyway, with a warning) and warned about on staging.',
    '--build-only: build and push registry.fly.io/<app>:git-<sha> and print it (--json: {image, label, commit}); no release is created.',
    "After a verified deploy the release's provenance record (image, digest, commit, health, smoke, who) is pushed as",
    "refs/kotadb/releases/<env>/v<N> to the deploy lock's remote; failing to write it is exit 1 (the release stays).",
    "From the deploy to the tag the run holds the environment's deploy lock (taken after the confirmation; the releases",
    'are read again under it). Another run holding it: wait up to --lock-wait, then exit 3 naming the holder.',
    'Healthy = HTTP 200 with JSON status "healthy" and, in SaaS mode, saas.supabase_status "ok"; redirects are not followed.',
    'Smoke: saas.job_queue.failed_recent = 0; /api/v1/repositories is 401 without a key and 200 with',
    'SAAS_STAGING_API_KEY / SAAS_PRODUCTION_API_KEY (skipped, with a warning, when that variable is not set).',
    'After the deploy only a check that passed before and fails now rolls back.',
    'Before that rollback the schema is checked as rollback does: migrations applied after the previous release that are',
    'known not to be expand-only leave the new release in place (reported, exit 1) unless --force-schema; a schema that',
    'cannot be checked (no URL, database unreadable, release commit unknown) is a warning and the rollback goes on.',
    'Exit 1 when the deploy failed (even when the rollback then succeeded) or another release serves at the end (not rolled back).',
    'Ctrl-C stops flyctl and prints the state and the rollback command; a second Ctrl-C kills it at once.',
  ],
  examples: [
    'npm run deploy:staging -- --image registry.fly.io/kotadb-api-staging:deployment-01J6ABCD',
    'npx just deploy staging --source ../kotadb --dry-run',
    'npx just deploy staging --source ../kotadb --build-only --json',
    'KOTADB_SERVICE_DIR=../kotadb npx just deploy production --yes --tag',
    'npm run deploy:production -- --yes --image registry.fly.io/kotadb-api:deployment-01J6ABCD',
  ],
  run: (context) => deployRun(context, null),
});

/**
 * The deploy itself, for `deploy` and for `promote` (which has chosen the image and its commit
 * already: a promotion deploys that image, records its commit and the release it came from).
 */
export async function deployRun(
  { options, positionals, io, out, dryRun, onInterrupt }: RunContext<typeof DEPLOY_OPTIONS>,
  promotion: Promotion | null,
): Promise<number> {
  out.json = options.json;
  const started = io.clock.now();
  const validated = await out.step('Validate', async () =>
    promoted(validate(options, positionals, io, dryRun), promotion),
  );
  // The smoke keys are for this process's own HTTP checks: no child (flyctl, git) gets them.
  const env = { ...io.env };
  for (const e of environmentList()) delete env[e.smokeApiKeyVar];
  const runner = new Runner({ dryRun, output: out, env, exec: io.exec, signal: io.signal });
  const plan =
    validated.source?.kind === 'build'
      ? await out.step('Source commit', () => labelBuild(validated, runner, out))
      : validated;
  const ctx: Ctx = { plan, io, out, runner, fly: new FlyClient(runner), git: new GitClient(runner, io.cwd) };
  const lock = new RunLock({
    runner,
    io,
    env: plan.env,
    command: `${promotion ? 'promote' : 'deploy'} ${plan.env.name}`,
    waitSeconds: plan.lockWait,
  });
  // What is known so far and where the run is: the only two values that change as it goes,
  // read by the Ctrl-C explanation and by the report of a run stopped by an error.
  let known: Omit<DeployFacts, 'steps' | 'durationMs'> = {
    env: plan.env,
    url: plan.health.baseUrl,
    dryRun,
    source: plan.source,
    snapshot: null,
    checkout: null,
    promotion,
  };
  let at: Phase = { phase: 'preparing' };
  const facts = (): DeployFacts => ({ ...known, steps: out.timings, durationMs: io.clock.now() - started });
  onInterrupt(() => lock.explain(interruptedError(at, facts())));

  let outcome: DeployOutcome;
  try {
    const access = await out.step('Preflight', () => preflight(ctx));
    known = { ...known, checkout: access.checkout };
    if (plan.buildOnly) return await out.step('Build', () => buildOnly(ctx), { group: true });
    let snapshot = await out.step('Snapshot releases', () => snapshotReleases(ctx, access.canAskFly));
    known = { ...known, snapshot };
    let baseline = await out.step('Baseline smoke checks', () => baselineSmoke(ctx, snapshot));
    await out.step('Confirm', () => confirm(ctx));

    // The deploy lock: taken after the confirmation (never held while a person types), held
    // until the outcome is known — rollback, verify and tag included.
    outcome = await lock.hold(async () => {
      ({ snapshot, baseline } = await recheckUnderLock(ctx, snapshot, baseline));
      known = { ...known, snapshot };
      return deployAndVerify(ctx, snapshot, baseline, access.checkout, (phase) => (at = phase));
    });
  } catch (error) {
    throw stopped(
      ctx,
      error instanceof Interrupted ? { kind: 'interrupted', at } : { kind: 'stopped', error: error as Error, at },
      facts(),
      error,
    );
  }
  return report(ctx, outcome, facts());
}

type Options = OptionValues<typeof DEPLOY_OPTIONS>;

/** Everything validation decided; the steps only read it. */
interface Plan {
  readonly env: Environment;
  readonly settings: DeploySettings;
  /** A rollback deploys an existing image: its default deadline has no build margin. */
  readonly rollbackSettings: DeploySettings;
  readonly source: DeploySource | null;
  readonly health: HealthTarget;
  readonly rollback: boolean;
  readonly forceSchema: boolean;
  readonly smoke: boolean;
  readonly force: boolean;
  readonly tag: boolean;
  /** --build-only: build and push the image, deploy nothing. */
  readonly buildOnly: boolean;
  /** The commit a build is made from (HEAD of the service checkout), or a promoted image's; null: unknown. */
  readonly buildCommit: string | null;
  /** promote: the image, its commit, the release it came from (the record's promotedFrom) and its digest. */
  readonly promotion: Promotion | null;
  readonly yes: boolean;
  readonly dryRun: boolean;
  readonly smokeApiKey: string | undefined;
  /** --lock-wait, in seconds. */
  readonly lockWait: number;
}

/** What every step works with (nothing in it changes during the run). */
interface Ctx {
  readonly plan: Plan;
  readonly io: ScriptIO;
  readonly out: Output;
  readonly runner: Runner;
  readonly fly: FlyClient;
  readonly git: GitClient;
}

// Validate ---------------------------------------------------------------------------------

/**
 * promote checks deploy's flags before it reads staging (the same exit-2 lines): everything
 * validate checks except the image source, which promote chooses.
 */
export function validateDeployFlags(options: Options, environment: string, io: ScriptIO, dryRun: boolean): void {
  const chosenLater = 'registry.fly.io/promoted:placeholder';
  validate({ ...options, image: chosenLater, source: undefined, 'build-only': false }, [environment], io, dryRun);
}

/** Arguments, image source, environment and its fly config (exit 2 on any problem). */
function validate(options: Options, positionals: string[], io: ScriptIO, dryRun: boolean): Plan {
  const env = parseEnvironment(positionals[0]);
  const source = deploySource({ image: options.image, source: options.source }, io.env, io.cwd);
  const health = healthTarget(env, options);
  const waitTimeout = optionalFlag('wait-timeout', WaitTimeout, options['wait-timeout']);
  const deployTimeout = optionalFlag('deploy-timeout', DeployTimeout, options['deploy-timeout']);
  if (options.tag && env.releaseBranch === null)
    throw new UsageError(`--tag applies to production deploys only, not ${env.name}`);
  if (options['build-only'] && source?.kind === 'image')
    throw new UsageError(
      '--build-only builds the service checkout: give --source <dir> (or KOTADB_SERVICE_DIR), not --image',
    );
  if (options['build-only'] && options.tag)
    throw new UsageError('--build-only deploys nothing, so there is nothing to --tag');
  const config = loadFlyConfig(env);
  const wait = waitTimeout ?? waitTimeoutOf(config);
  const timeout = (builds: boolean) => deployTimeout ?? defaultDeployTimeoutMs(env, waitTimeoutMs(wait), builds);
  const smokeApiKey = io.env[env.smokeApiKeyVar] || undefined;
  secrets.add(smokeApiKey);
  const lockWait = lockWaitSeconds(options['lock-wait'], io.env);
  return {
    env,
    settings: { env, waitTimeout: wait, timeoutMs: timeout(source?.kind !== 'image') },
    rollbackSettings: { env, waitTimeout: wait, timeoutMs: timeout(false) },
    source,
    health,
    rollback: !options['no-rollback'],
    forceSchema: options['force-schema'],
    smoke: !options['skip-smoke'],
    force: options.force,
    tag: options.tag,
    buildOnly: options['build-only'],
    buildCommit: null,
    promotion: null,
    yes: options.yes,
    dryRun,
    smokeApiKey,
    lockWait,
  };
}

/** A promotion deploys the image promote chose, with the commit and staging release it came from. */
function promoted(plan: Plan, promotion: Promotion | null): Plan {
  if (promotion === null) return plan;
  return {
    ...plan,
    source: { kind: 'image', ref: promotion.image },
    buildCommit: promotion.commit,
    promotion,
  };
}

// Source commit ----------------------------------------------------------------------------

/**
 * A build from the service's checkout is labelled `git-<HEAD>`, so the image says which commit
 * it is wherever it goes (staging, a promotion to production, a rollback). The checkout must be
 * a git checkout (exit 3); uncommitted changes would ship under a commit that does not hold
 * them: refused for production (exit 3, --force overrides with a warning), a warning on staging.
 */
async function labelBuild(plan: Plan, runner: Runner, out: Output): Promise<Plan> {
  if (plan.source?.kind !== 'build') return plan;
  const { dir } = plan.source;
  const service = new GitClient(runner, dir);
  let commit: string;
  let changed: string[];
  try {
    commit = await service.head();
    changed = await service.changedFiles();
  } catch (error) {
    if (!(error instanceof PreconditionFailed)) throw error;
    throw new PreconditionFailed(`the service checkout ${dir} is not a git checkout: its image could not be labelled`, {
      hint: 'build from a clone of the service repository (every image is labelled git-<commit>), or deploy a built image with --image <ref>',
      cause: error,
    });
  }
  if (changed.length > 0) {
    const problem = `the service checkout ${dir} has uncommitted changes (${plural(changed.length, 'file')}): the image labelled git-${commit.slice(0, 12)} would not be that commit`;
    if (plan.env.releaseBranch === null) out.warn(problem);
    else if (plan.force) out.warn(`--force: building anyway; ${problem}`);
    else if (plan.dryRun) out.warn(`${problem}; a real run would refuse (commit or stash them, or pass --force)`);
    else
      throw new PreconditionFailed(problem, {
        hint: 'commit or stash the changes, or pass --force to build them anyway',
      });
  }
  const label = commitLabel(commit);
  out.dim(`building ${dir} at ${commit.slice(0, 12)}: image label ${label}`);
  return { ...plan, source: { ...plan.source, label }, buildCommit: commit };
}

// Preflight --------------------------------------------------------------------------------

/**
 * flyctl, login, the exact app, every required secret, an image source; production: branch
 * and clean tree (exit 3). A dry run reports what a real run would refuse, and goes on. A
 * rolling deploy against the app's only machine is a warning (it takes the app down meanwhile).
 */
async function preflight(ctx: Ctx): Promise<{ canAskFly: boolean; checkout: ReleaseCheckout | null }> {
  const { plan, out, io } = ctx;
  const { env } = plan;
  const canAskFly = await requireFlyAccess(ctx.fly, { dryRun: plan.dryRun, out, env: io.env });
  if (canAskFly) {
    // Asked together (each is a flyctl round trip); a missing app explains a failed secrets list.
    const [app, required] = await Promise.allSettled([requireApp(ctx.fly, env), requireSecrets(ctx.fly, env)]);
    if (app.status === 'rejected') throw app.reason;
    if (required.status === 'rejected') throw required.reason;
    out.dim(`app ${env.app} exists; required secrets are set`);
    const onlyMachine = singleMachineRollingWarning(env, app.value);
    if (onlyMachine) out.warn(onlyMachine);
    const staged = required.value.filter((secret) => secret.status === 'Staged').map((secret) => secret.name);
    if (staged.length > 0) out.info(`staged secrets take effect with this deploy: ${staged.join(', ')}`);
  }
  const checkout = await gitGuard(ctx);
  requireImageSource(ctx);
  return { canAskFly, checkout };
}

async function gitGuard(ctx: Ctx): Promise<ReleaseCheckout | null> {
  const { plan, out } = ctx;
  if (plan.env.releaseBranch === null) return null;
  if (plan.force) {
    out.warn(`--force: the git guard is skipped (branch ${plan.env.releaseBranch}, clean work tree)`);
    return null;
  }
  try {
    const checkout = await requireReleaseCheckout(ctx.git, plan.env);
    if (checkout) out.dim(`on ${checkout.branch} at ${checkout.commit.slice(0, 12)}, work tree clean`);
    return checkout;
  } catch (error) {
    if (!(plan.dryRun && error instanceof PreconditionFailed)) throw error;
    out.warn(`git guard: ${error.message}; a real run would refuse (${error.hint ?? 'fix it first'})`);
    return null;
  }
}

function requireImageSource(ctx: Ctx): void {
  const { plan, out } = ctx;
  if (plan.source?.kind === 'build') out.dim(`building from ${plan.source.dir}`);
  if (plan.source !== null) return;
  const problem = `no image source: this repository does not hold the service's code, so there is nothing to build here`;
  const fix = `pass --image <ref> (a built image), or --source <dir> / ${SERVICE_DIR_VAR}=<dir> (the service's checkout with Dockerfile.production)`;
  if (!plan.dryRun) throw new PreconditionFailed(problem, { hint: fix });
  out.warn(`${problem}; a real run would refuse: ${fix}`);
}

// Build only -------------------------------------------------------------------------------

/**
 * --build-only: `flyctl deploy --build-only --push --image-label git-<sha>`; prints the image
 * ref and its label (and --json), creates no release. A dry run prints the command.
 */
async function buildOnly(ctx: Ctx): Promise<number> {
  const { plan, out } = ctx;
  const { source, buildCommit: commit } = plan;
  if (source?.kind !== 'build' || !source.label || commit === null) {
    // Only a dry run without a source gets here (preflight refuses a real one).
    out.plan('# flyctl deploy --build-only --push --image-label git-<sha>   # with --source <service checkout>');
    return 0;
  }
  const label = source.label;
  const built = await runFlyBuild(ctx.runner, plan.settings, { ...source, label });
  const image = built?.image ?? null;
  if (image) out.success(`built and pushed ${image} (label ${label}, commit ${commit.slice(0, 12)})`);
  if (out.json) {
    out.jsonResult({
      ...resultEnvelope(0, built ? 'built' : 'planned', {
        dryRun: plan.dryRun,
        env: plan.env,
        url: plan.health.baseUrl,
      }),
      image,
      label,
      commit,
    });
  } else if (image) out.result(image);
  return 0;
}

// Snapshot ---------------------------------------------------------------------------------

/** Remembers the release serving now: what a failed deploy rolls back to. */
async function snapshotReleases(ctx: Ctx, canAskFly: boolean): Promise<Snapshot | null> {
  if (!canAskFly) {
    ctx.out.warn(
      'releases not read (Fly unavailable): a real run would remember the running release as the rollback target',
    );
    return null;
  }
  return snapshotOf(ctx, sortReleases(await ctx.fly.releases(ctx.plan.env.app)));
}

function snapshotOf(ctx: Ctx, releases: readonly FlyRelease[]): Snapshot {
  const { out } = ctx;
  const running = runningRelease(releases) ?? null;
  const newest = releases[0] ?? null;
  if (running) out.dim(`running: v${running.version} (${running.imageRef}), the rollback target`);
  else out.warn('no complete release yet (first deploy): a failed deploy cannot be rolled back');
  if (newest && running && newest.version !== running.version) {
    out.warn(`the newest release v${newest.version} is ${newest.status}: its image may still run on some machines`);
  }
  return { running, newest };
}

/**
 * Under the lock, the releases again. When one appeared since the snapshot (this run waited for
 * another deploy, or one ran while the prompt waited), the snapshot and the baseline smoke checks
 * are taken again: the rollback target and the checks' reference must be what serves now.
 */
async function recheckUnderLock(
  ctx: Ctx,
  snapshot: Snapshot | null,
  baseline: SmokeCheck[] | null,
): Promise<{ snapshot: Snapshot | null; baseline: SmokeCheck[] | null }> {
  const { plan, out } = ctx;
  if (plan.dryRun || snapshot === null) return { snapshot, baseline };
  const before = snapshot.newest?.version ?? null;
  const { releases, appeared } = await recheckReleases(ctx.fly, plan.env.app, before);
  if (appeared === null) return { snapshot, baseline };
  out.warn(`${describeAppeared(appeared, before)}: taking the snapshot and the baseline smoke checks again`);
  const again = await out.step('Snapshot releases', async () => snapshotOf(ctx, releases));
  return { snapshot: again, baseline: await out.step('Baseline smoke checks', () => baselineSmoke(ctx, again)) };
}

// Baseline smoke checks ----------------------------------------------------------------------

/**
 * The smoke checks against the release serving now. A check that fails there is a wrong check
 * or key, not a bad new release: refused (exit 3) before anything changes.
 */
async function baselineSmoke(ctx: Ctx, snapshot: Snapshot | null): Promise<SmokeCheck[] | null> {
  const { plan, out } = ctx;
  if (!plan.smoke) {
    out.warn('smoke checks skipped (--skip-smoke)');
    return null;
  }
  if (plan.dryRun) {
    out.plan(`# smoke-check the release serving now at ${plan.health.baseUrl} (${smokeKeyPlan(plan)})`);
    return null;
  }
  if (!snapshot?.running) {
    out.dim('nothing serves yet: the smoke checks run after the deploy only');
    return null;
  }
  const checks = await runSmokeChecks(smokeOptions(ctx));
  printChecks(out, checks);
  const failed = failedChecks(checks);
  if (allUnreachable(failed))
    throw new PreconditionFailed(
      `${plan.health.baseUrl} cannot be reached from here (${failed[0]!.detail}): the smoke checks got no answer from v${snapshot.running.version}, the release serving now`,
      {
        hint: `check the URL (--url), DNS and the network from this machine; neither the app nor ${plan.env.smokeApiKeyVar} is to blame yet`,
      },
    );
  if (failed.length > 0) {
    throw new PreconditionFailed(
      `${failingChecks(failed.length)} already against v${snapshot.running.version}, the release serving now: ${describeSmokeFailures(failed)}`,
      {
        hint: `the check or its key is wrong, not a new release: fix ${plan.env.smokeApiKeyVar} or the app, or deploy with --skip-smoke`,
      },
    );
  }
  return checks;
}

function smokeOptions(ctx: Ctx) {
  const { plan, io } = ctx;
  return {
    baseUrl: plan.health.baseUrl,
    apiKey: plan.smokeApiKey,
    apiKeyVar: plan.env.smokeApiKeyVar,
    signal: io.signal,
  };
}

function smokeKeyPlan(plan: Plan): string {
  return plan.smokeApiKey
    ? `with ${plan.env.smokeApiKeyVar}`
    : `keyed check skipped: ${plan.env.smokeApiKeyVar} is not set`;
}

/** One line per check; a skipped check warns once (the baseline already said so). */
function printChecks(out: Output, checks: readonly SmokeCheck[], warnSkipped = true): void {
  for (const check of checks) {
    if (check.status === 'skipped') {
      if (warnSkipped) out.warn(`${check.name}: ${check.detail}`);
    } else out.info(`  ${check.status === 'passed' ? '✓' : '✗'} ${check.name}: ${check.detail}`);
  }
}

// Confirm ----------------------------------------------------------------------------------

/** Production: the user types the app name, unless --yes; refused without a TTY (exit 3). */
async function confirm(ctx: Ctx): Promise<void> {
  const { plan, out, io } = ctx;
  await confirmDangerousAction({
    env: plan.env,
    action: `deploy to ${plan.env.name}`,
    yes: plan.yes,
    dryRun: plan.dryRun,
    out,
    input: io.stdin,
    signal: io.signal,
    processEnv: io.env,
  });
}

// Deploy -----------------------------------------------------------------------------------

/** Deploy, then health, smoke and verify, or the rollback after a failure; then the tag. */
async function deployAndVerify(
  ctx: Ctx,
  snapshot: Snapshot | null,
  baseline: SmokeCheck[] | null,
  checkout: ReleaseCheckout | null,
  enter: (phase: Phase) => void,
): Promise<DeployOutcome> {
  enter({ phase: 'deploying' });
  let outcome: DeployOutcome;
  const deployed = await deployStep(ctx, snapshot);
  if (deployed === 'planned') outcome = planned(ctx, snapshot);
  else if (deployed instanceof DeployFailed) {
    const failure: DeployFailure = { step: 'deploy', kind: deployed.kind, message: deployed.message };
    outcome = await afterFailure(ctx, failure, null, snapshot, enter);
  } else {
    enter({ phase: 'verifying', release: deployed });
    outcome = await verifyRelease(ctx, deployed, baseline, (failure) =>
      afterFailure(ctx, failure, deployed, snapshot, enter),
    );
  }
  if (outcome.kind === 'live' && ctx.plan.tag) {
    enter({ phase: 'reporting', release: outcome.release });
    outcome = await tagRelease(ctx, outcome, checkout);
  }
  if (outcome.kind === 'live') {
    enter({ phase: 'reporting', release: outcome.release });
    outcome = await recordRelease(ctx, outcome);
  }
  return outcome;
}

/** flyctl deploy; the new release, 'planned' in a dry run, or why flyctl failed. */
async function deployStep(ctx: Ctx, snapshot: Snapshot | null): Promise<DeployedRelease | 'planned' | DeployFailed> {
  const { out } = ctx;
  try {
    return await out.step('Deploy', () => deploy(ctx, snapshot), { group: true });
  } catch (error) {
    if (error instanceof DeployFailed) return error;
    throw error;
  }
}

async function deploy(ctx: Ctx, snapshot: Snapshot | null): Promise<DeployedRelease | 'planned'> {
  const { plan, out } = ctx;
  if (plan.source === null) {
    // Only a dry run gets here (preflight refuses a real one).
    const argv = deployCommand(plan.settings, { kind: 'image', ref: '<ref>' }).argv.slice(0, -2);
    out.plan(`$ ${describeCommand(argv, RELEASE_JSON_ENV)} --image <ref>   # or a build: --source <service checkout>`);
    return 'planned';
  }
  out.dim(
    `flyctl deploy is stopped if it runs longer than ${formatDuration(plan.settings.timeoutMs)} (--deploy-timeout)`,
  );
  const result = await runFlyDeploy(ctx.runner, ctx.fly, plan.settings, plan.source, {
    previousVersion: snapshot?.newest?.version ?? null,
  });
  if (result.dryRun) return 'planned';
  if (!result.release) throw new DeployFailed('flyctl', 'flyctl deploy exited 0, but no new release was found');
  out.dim(`new release v${result.release.version} (${result.release.imageRef ?? 'image not reported'})`);
  return result.release;
}

/** A dry run also shows what would follow, and what a failure would trigger. */
function planned(ctx: Ctx, snapshot: Snapshot | null): DeployOutcome {
  const { plan, out } = ctx;
  out.plan(healthPlan(plan.health));
  if (plan.smoke) out.plan(`# then smoke-check ${plan.health.baseUrl} (${smokeKeyPlan(plan)})`);
  out.plan('# then check that the new release is the newest and that every machine runs its image');
  const target = rollbackTargetOf(snapshot);
  if (!plan.rollback) out.plan('# on failure: no rollback (--no-rollback)');
  else if (!target)
    out.plan(
      `# on failure: redeploy the running release's image (${snapshot ? 'none yet: first deploy' : 'unknown until Fly can be asked'})`,
    );
  else
    out.plan(
      `# on failure: redeploy v${target.version}: ${describeCommand(deployCommand(plan.settings, { kind: 'image', ref: target.imageRef }, { rollback: true }).argv, RELEASE_JSON_ENV)}`,
    );
  if (plan.tag) planTag(ctx, snapshot);
  const next = snapshot ? `v${(snapshot.newest?.version ?? 0) + 1}` : 'v<new release>';
  const ref = snapshot
    ? releaseRecordRef(plan.env.name, (snapshot.newest?.version ?? 0) + 1)
    : `refs/kotadb/releases/${plan.env.name}/v<new release>`;
  out.plan(
    `# then record ${next}'s provenance (image, commit${plan.buildCommit ? ` ${plan.buildCommit.slice(0, 12)}` : ''}, health, smoke): ${describeCommand(pushWithLease('<lock remote>', ref, null, '<record commit>').argv)}`,
  );
  return { kind: 'planned' };
}

// Health, smoke, verify --------------------------------------------------------------------

/**
 * The new release's checks, in order: /health until healthy, the smoke checks (a regression
 * against the baseline fails), and that it is the release serving. A failure of the first two
 * goes to `failed` (the rollback); a release that is not serving is reported, never rolled back.
 */
async function verifyRelease(
  ctx: Ctx,
  release: DeployedRelease,
  baseline: SmokeCheck[] | null,
  failed: (failure: DeployFailure) => Promise<DeployOutcome>,
): Promise<DeployOutcome> {
  const { plan, out } = ctx;
  const health = await judgedStep(
    out,
    'Health check',
    () => waitForHealthy(healthOptions(ctx)),
    (h) => !h.healthy,
  );
  if (!health.ok) return failed({ step: 'health', poll: health.value });
  out.dim(`healthy after ${formatDuration(health.value.elapsedMs)} (${plural(health.value.attempts, 'attempt')})`);

  let smoke: SmokeCheck[] | null = null;
  if (plan.smoke) {
    const checked = await judgedStep(
      out,
      'Smoke checks',
      async () => {
        const checks = await runSmokeChecks(smokeOptions(ctx));
        printChecks(out, checks, baseline === null);
        return { checks, regressions: regressions(checks, baseline) };
      },
      (result) => result.regressions.length > 0,
    );
    if (!checked.ok) return failed({ step: 'smoke', ...checked.value });
    smoke = checked.value.checks;
  }

  const serving = await judgedStep(
    out,
    'Verify release',
    () => whoServes(ctx.fly, plan.env.app, release),
    (s) => s.kind !== 'ours' || otherDigest(plan, s.digest) !== null,
  );
  if (serving.value.kind !== 'ours')
    return { kind: 'superseded', release, serving: serving.value, health: health.value, smoke };
  const other = otherDigest(plan, serving.value.digest);
  if (other !== null) return failed(other);
  out.dim(`v${release.version} is the newest release and every machine (${serving.value.machines}) runs its image`);
  if (plan.promotion?.digest) {
    if (serving.value.digest === null)
      out.warn(
        `the machines do not report one digest: that they run ${plan.promotion.digest}, the one ${plan.promotion.from.environment} verified, is not checked`,
      );
    else out.dim(`every machine runs ${serving.value.digest}, the digest ${plan.promotion.from.environment} verified`);
  }
  return {
    kind: 'live',
    release: serving.value.release,
    health: health.value,
    smoke,
    digest: serving.value.digest,
    tag: null,
    tagFailure: null,
    record: null,
    recordFailure: null,
  };
}

/**
 * A promotion must end up on the digest the source environment verified: the same tag may have
 * been pushed again since (a rebuild of the same commit), and then production would run an
 * image nobody checked. The failure rolls back like a failed health check.
 */
function otherDigest(plan: Plan, digest: string | null): Extract<DeployFailure, { step: 'image' }> | null {
  const expected = plan.promotion?.digest ?? null;
  if (expected === null || digest === null || digest === expected) return null;
  const { from } = plan.promotion!;
  return { step: 'image', expected, actual: digest, from: `${from.environment} v${from.version}` };
}

function healthOptions(ctx: Ctx) {
  const { plan, out, io } = ctx;
  return {
    baseUrl: plan.health.baseUrl,
    timeoutMs: plan.health.healthTimeoutMs,
    out,
    clock: io.clock,
    signal: io.signal,
  };
}

// Roll back --------------------------------------------------------------------------------

/**
 * After a failure: read the releases once (the release flyctl left behind is named in the
 * report, never "unknown"), then redeploy the snapshot's image — unless told not to, there is
 * none, nothing new was deployed, or a release newer than ours exists (someone else deployed
 * meanwhile: rolling back would undo their deploy).
 */
async function afterFailure(
  ctx: Ctx,
  failure: DeployFailure,
  deployed: DeployedRelease | null,
  snapshot: Snapshot | null,
  enter: (phase: Phase) => void,
): Promise<DeployOutcome> {
  const { plan, out } = ctx;
  const before = snapshot?.newest?.version ?? null;
  const releases = await releasesAfterFailure(ctx);
  const newest = releases?.[0] ?? null;
  const ours = ourRelease(deployed, releases, before);
  const fail = (rollback: RollbackReport): DeployOutcome => ({ kind: 'failed', failure, release: ours, rollback });
  const target = rollbackTargetOf(snapshot);
  if (!plan.rollback) return fail({ kind: 'off' });
  if (!target) return fail({ kind: 'no-target' });
  if (newest && before !== null && newest.version <= before) return fail({ kind: 'not-needed', target });
  if (newest && ours && newest.version > ours.version) return fail({ kind: 'superseded', target, newest });
  const { io } = ctx;
  const schema = await checkSchemaBeforeRollback(
    {
      runner: ctx.runner,
      env: plan.env,
      processEnv: io.env,
      cwd: io.cwd,
      forceSchema: plan.forceSchema,
      unknown: 'proceed',
    },
    target,
  );
  if (schema.kind === 'incompatible') return fail({ kind: 'schema', target, reason: schema.message });
  if (schema.kind === 'compatible') out.info(schema.message);
  else out.warn(schema.message);
  enter({ phase: 'rolling-back', target });
  const rollback = {
    ...ctx,
    clock: ctx.io.clock,
    signal: ctx.io.signal,
    health: plan.health,
    settings: plan.rollbackSettings,
  };
  const rolled = await judgedStep(
    out,
    `Roll back to v${target.version}`,
    () => rollBackTo(rollback, target, newest?.version ?? before),
    (result) => result.kind === 'failed',
    { group: true },
  );
  // A dry run never deploys, so it never gets here with a plan.
  if (rolled.value.kind === 'planned') throw new Error('deploy: a rollback was planned outside a dry run');
  return fail({ kind: 'done', result: rolled.value });
}

/** Newest first; null when they cannot be read (then the rollback goes ahead, to be safe). */
async function releasesAfterFailure(ctx: Ctx): Promise<FlyRelease[] | null> {
  try {
    return sortReleases(await ctx.fly.releases(ctx.plan.env.app));
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    ctx.out.warn(
      `could not read the releases after the failure (${(error as Error).message}): rolling back to be safe`,
    );
    return null;
  }
}

/** The release this run created, with its status as Fly lists it (flyctl may not have said). */
function ourRelease(
  deployed: DeployedRelease | null,
  releases: readonly FlyRelease[] | null,
  before: number | null,
): (ReleaseRef & { status?: string }) | null {
  const listed = releases?.find((r) =>
    deployed ? r.version === deployed.version : before === null || r.version > before,
  );
  // Without flyctl's word, the oldest release after the snapshot is ours (a newer one is someone else's).
  const created = deployed ? listed : releases?.filter((r) => before === null || r.version > before).at(-1);
  const found = created ?? listed;
  if (found) return { version: found.version, imageRef: found.imageRef, status: found.status };
  return deployed ? { version: deployed.version, imageRef: deployed.imageRef } : null;
}

// Report -----------------------------------------------------------------------------------

/** Production --tag: tag the deployed commit deploy/production/v<release> and push it. */
async function tagRelease(
  ctx: Ctx,
  outcome: Extract<DeployOutcome, { kind: 'live' }>,
  checkout: ReleaseCheckout | null,
): Promise<DeployOutcome> {
  const { out } = ctx;
  const name = deployTagName(ctx.plan.env.name, outcome.release.version);
  try {
    const commit = checkout?.commit ?? (await ctx.git.head());
    await ctx.git.tag(name, commit);
    await ctx.git.pushTag(name);
    out.success(`tagged ${commit.slice(0, 12)} as ${name} and pushed it to origin`);
    return { ...outcome, tag: name };
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    return { ...outcome, tagFailure: (error as Error).message };
  }
}

/**
 * The release's provenance record on the deploy lock's remote: the image (and the digest the
 * machines report), its commit (the build's HEAD, else the image's git-<sha> label), how it
 * was verified, and who deployed. A failure is reported like a failed tag: exit 1, release kept.
 */
async function recordRelease(ctx: Ctx, outcome: Extract<DeployOutcome, { kind: 'live' }>): Promise<DeployOutcome> {
  const { plan, io, out } = ctx;
  const image = outcome.release.imageRef ?? (plan.source?.kind === 'image' ? plan.source.ref : null);
  if (image === null) return { ...outcome, recordFailure: 'flyctl did not report the image of the release' };
  const record: ReleaseRecord = {
    environment: plan.env.name,
    version: outcome.release.version,
    app: plan.env.app,
    image,
    digest: outcome.digest,
    commit: plan.buildCommit ?? commitOfImage(image),
    // Only a live release gets here: healthy, and no smoke check failed. Say only what ran:
    // `partial` when a check was skipped (no API key), `skipped` with --skip-smoke.
    verified: { health: true, smoke: smokeVerdict(outcome.smoke), at: new Date(io.clock.now()).toISOString() },
    by: recordedBy(identityFrom(io.env, hostname(), process.pid)),
    promotedFrom: plan.promotion?.from ?? null,
  };
  try {
    const remote = await resolveLockRemote(ctx.runner, io.env, io.cwd);
    const ref = await writeReleaseRecord(ctx.runner, remote, io.cwd, record);
    out.success(
      `recorded v${record.version} (commit ${record.commit?.slice(0, 12) ?? 'unknown'}) as ${ref} on ${remote.shown}`,
    );
    return { ...outcome, record: ref };
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    return { ...outcome, recordFailure: (error as Error).message };
  }
}

function smokeVerdict(checks: readonly SmokeCheck[] | null): ReleaseRecord['verified']['smoke'] {
  if (checks === null) return 'skipped';
  return checks.some((check) => check.status === 'skipped') ? 'partial' : 'passed';
}

/** The dry run's tag lines: the real commands when the next release number is known. */
function planTag(ctx: Ctx, snapshot: Snapshot | null): void {
  const { plan, out } = ctx;
  if (!snapshot) {
    out.plan(`# then tag the commit deploy/${plan.env.name}/v<new release> and push the tag to origin`);
    return;
  }
  const name = deployTagName(plan.env.name, (snapshot.newest?.version ?? 0) + 1);
  out.plan(`# then: git tag ${name} <deployed commit> && git push origin refs/tags/${name}`);
}

/**
 * A run stopped by Ctrl-C or an error: --json still gets its one object, and the error says
 * what state was left (a refusal before deploying is reported as it is).
 */
function stopped(
  ctx: Ctx,
  outcome: Extract<DeployOutcome, { kind: 'interrupted' | 'stopped' }>,
  facts: DeployFacts,
  error: unknown,
): unknown {
  if (ctx.out.json) ctx.out.jsonResult(deployJson(outcome, facts));
  if (outcome.kind === 'interrupted') return interruptedError(outcome.at, facts);
  if (outcome.at.phase === 'preparing') return error;
  const hint = deployHint(outcome, facts);
  return new ToolkitError(deployOutcomeLine(outcome, facts), deployExitCode(outcome) as ToolkitError['exitCode'], {
    cause: error,
    ...(hint === undefined ? {} : { hint }),
  });
}

/** Summary (text, GitHub), --json, and the exit code; a failure is one error line with its fix. */
function report(ctx: Ctx, outcome: DeployOutcome, facts: DeployFacts): number {
  const { out, io } = ctx;
  const summary = deploySummary(outcome, facts);
  publishSummary(summary, out, io.env);
  if (out.json) out.jsonResult(deployJson(outcome, facts));
  const code = deployExitCode(outcome);
  if (code === 0) return code;
  const hint = deployHint(outcome, facts);
  throw new ToolkitError(summary.outcome, code as ToolkitError['exitCode'], hint === undefined ? {} : { hint });
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
