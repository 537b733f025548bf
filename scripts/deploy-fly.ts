/**
 * deploy-fly: ship the KotaDB API to staging or production and prove it works — the team's
 * deploy runbook as code. The steps, in order:
 *   1. validate   2. preflight   3. confirm   4. snapshot releases   5. deploy
 *   6. health     7. smoke       8. roll back (when 5, 6 or 7 failed)  9. report (+ tag)
 */
import { existsSync } from 'node:fs';
import { defineCommand, STANDARD_OPTIONS, type OptionValues } from '../lib/core/cli.ts';
import { deployTagName } from '../lib/commands/git.ts';
import { HEALTH_OPTIONS, healthTarget, ImageRef, optionalFlag, WaitTimeout } from '../lib/release/options.ts';
import {
  errorText,
  guardRun,
  publishSummary,
  resultEnvelope,
  stepsJson,
  type RunSummary,
} from '../lib/release/summary.ts';
import { parseEnvironment, type Environment } from '../lib/config/environments.ts';
import { ExitCode, Interrupted, OperationFailed, UsageError } from '../lib/core/errors.ts';
import { FlyClient, runningRelease, sortReleases } from '../lib/fly/client.ts';
import { requireFlyAccess } from '../lib/fly/access.ts';
import { loadFlyConfig, waitTimeoutOf, type FlyConfig } from '../lib/config/fly-toml.ts';
import { deployCommand, RELEASE_JSON_ENV, runFlyDeploy, type DeploySettings } from '../lib/fly/deploy.ts';
import type { DeployedRelease, FlyRelease } from '../lib/fly/json.ts';
import { GitClient, requireReleaseCheckout, type ReleaseCheckout } from '../lib/release/git-guard.ts';
import {
  describePoll,
  describeUnhealthy,
  pollJson,
  waitForHealthy,
  type PollResult,
} from '../lib/release/health-poll.ts';
import { isEntryPoint, runMain, withCli, type Invocation, type ScriptIO } from '../lib/core/main.ts';
import { formatDuration, Output } from '../lib/core/output.ts';
import { fromRoot } from '../lib/core/paths.ts';
import { requireApp, requireSecrets } from '../lib/fly/preflight.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { secrets } from '../lib/core/redact.ts';
import {
  healthPlan,
  rollBackTo,
  rollbackCommand,
  type RollbackResult,
  type RollbackTarget,
} from '../lib/release/rollback.ts';
import { describeCommand, Runner } from '../lib/core/runner.ts';
import { describeSmokeFailures, failedChecks, runSmokeChecks, type SmokeCheck } from '../lib/release/smoke.ts';

export const command = defineCommand({
  usage: 'npx just deploy <staging|production> [options]',
  summary:
    'Deploy the KotaDB API to Fly.io: preflight, deploy, health check, smoke checks, and a rollback to the previous image when any of them fails.',
  positionals: [{ name: 'environment', description: 'staging or production', required: true }],
  options: {
    ...STANDARD_OPTIONS,
    image: {
      type: 'string',
      value: '<ref>',
      description: 'Deploy this prebuilt image instead of building the Dockerfile',
    },
    ...HEALTH_OPTIONS,
    'wait-timeout': {
      type: 'string',
      value: '<duration>',
      description: "flyctl's --wait-timeout (default: [deploy] wait_timeout in the fly config)",
    },
    'no-rollback': {
      type: 'boolean',
      description: 'On failure, leave the new release in place instead of redeploying the previous image',
    },
    'skip-smoke': { type: 'boolean', description: 'Skip the smoke checks (health is still checked)' },
    force: { type: 'boolean', description: 'Skip the git guard (production: branch main, clean work tree)' },
    tag: {
      type: 'boolean',
      description: 'Production: after a healthy deploy, create and push the git tag deploy/production/v<release>',
    },
    json: { type: 'boolean', description: 'Print one JSON result object on stdout instead of the human summary' },
  },
  notes: [
    'Steps: validate, preflight (flyctl, login, app, required secrets; production: branch main and a clean tree),',
    'confirm (production), snapshot releases, flyctl deploy, /health until healthy, smoke checks, rollback on failure, summary.',
    'Healthy = HTTP 200 with JSON status "healthy" and, in SaaS mode, saas.supabase_status "ok".',
    'Smoke: saas.job_queue.failed_recent = 0; /api/v1/repositories is 401 without a key and 200 with',
    'SAAS_STAGING_API_KEY / SAAS_PRODUCTION_API_KEY (skipped, with a warning, when that variable is not set).',
    'Exit 1 when the deploy failed, even when the rollback then succeeded. Ctrl-C prints the rollback command.',
  ],
  examples: [
    'npm run deploy:staging',
    'npx just deploy staging --dry-run',
    'npx just deploy production --yes --tag',
    'npm run deploy:production -- --yes --image registry.fly.io/kotadb-api:deployment-01J6ABCD',
  ],
});

type Options = OptionValues<typeof command.options>;

/** Everything step 1 decided; the later steps only read it. */
interface DeployPlan {
  env: Environment;
  config: FlyConfig;
  settings: DeploySettings;
  image: string | undefined;
  baseUrl: string;
  healthTimeoutMs: number;
  rollback: boolean;
  smoke: boolean;
  force: boolean;
  tag: boolean;
  yes: boolean;
  dryRun: boolean;
  smokeApiKey: string | undefined;
  /** The environment commands run with and variables are read from (tests inject one). */
  processEnv: NodeJS.ProcessEnv;
}

interface Snapshot {
  /** The release serving before this deploy (newest complete): the rollback target. */
  running: FlyRelease | null;
  latestVersion: number | null;
  /** False when Fly could not be asked (a dry run without flyctl or login). */
  known: boolean;
}

type RollbackStatus = 'healthy' | 'failed' | 'not-attempted' | 'impossible' | 'not-needed';

interface RollbackReport {
  status: RollbackStatus;
  target: RollbackTarget | null;
  result: RollbackResult | null;
}

type Stage = 'preparing' | 'deploying' | 'verifying' | 'rolling-back' | 'reporting';

/** What the run has learnt and done so far: the report and the Ctrl-C message read it. */
interface DeployRun {
  readonly plan: DeployPlan;
  readonly out: Output;
  readonly runner: Runner;
  readonly fly: FlyClient;
  readonly git: GitClient;
  readonly started: number;
  stage: Stage;
  canAskFly: boolean;
  checkout: ReleaseCheckout | null;
  snapshot: Snapshot;
  release: DeployedRelease | null;
  deployFailed: boolean;
  health: PollResult | null;
  smoke: SmokeCheck[] | null;
  failure: string | null;
  rollback: RollbackReport | null;
  tag: string | null;
  reported: boolean;
}

export async function main(argv: string[], io: ScriptIO = {}): Promise<number> {
  const out = io.out ?? new Output();
  return withCli(command, argv, (invocation) => deployFly(invocation, out, io.env ?? process.env), out);
}

/** The runbook: steps 1 to 9 in order; a failure of 5, 6 or 7 leads to 8. */
async function deployFly(
  { options, positionals }: Invocation<typeof command.options>,
  out: Output,
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  out.json = options.json;
  const plan = await out.step('Validate', async () => validate(options, positionals, processEnv));
  const run = startRun(plan, out);
  const steps = async () => {
    await out.step('Preflight', () => preflight(run));
    await out.step('Confirm', () => confirm(run));
    run.snapshot = await out.step('Snapshot releases', () => snapshotReleases(run));
    try {
      run.stage = 'deploying';
      run.release = await out.step('Deploy', () => deploy(run), { group: true });
      run.stage = 'verifying';
      run.health = await out.step('Health check', () => checkHealth(run));
      run.smoke = await out.step('Smoke checks', () => smokeTest(run));
    } catch (error) {
      if (error instanceof Interrupted) throw error;
      run.failure = errorText(error);
      run.stage = 'rolling-back';
      run.rollback = await rollBack(run);
    }
    run.stage = 'reporting';
    return report(run);
  };
  return guardRun(out, run, steps, {
    interrupted: () => explainInterrupt(run),
    json: (error) => resultJson(run, error),
  });
}

// 1 ------------------------------------------------------------------------------------------

/** Arguments, environment and its fly config (exit 2 on any problem). */
function validate(options: Options, positionals: string[], processEnv: NodeJS.ProcessEnv): DeployPlan {
  const env = parseEnvironment(positionals[0]);
  const image = optionalFlag('image', ImageRef, options.image);
  const health = healthTarget(env, options);
  const waitTimeout = optionalFlag('wait-timeout', WaitTimeout, options['wait-timeout']);
  if (options.tag && env.releaseBranch === null)
    throw new UsageError(`--tag applies to production deploys only, not ${env.name}`);
  const config = loadFlyConfig(env);
  const smokeApiKey = processEnv[env.smokeApiKeyVar] || undefined;
  secrets.add(smokeApiKey);
  return {
    env,
    config,
    settings: { env, waitTimeout: waitTimeout ?? waitTimeoutOf(config) },
    image,
    ...health,
    rollback: !options['no-rollback'],
    smoke: !options['skip-smoke'],
    force: options.force,
    tag: options.tag,
    yes: options.yes,
    dryRun: options['dry-run'],
    smokeApiKey,
    processEnv,
  };
}

function startRun(plan: DeployPlan, out: Output): DeployRun {
  const runner = new Runner({ dryRun: plan.dryRun, output: out, env: plan.processEnv });
  return {
    plan,
    out,
    runner,
    fly: new FlyClient(runner),
    git: new GitClient(runner),
    started: performance.now(),
    stage: 'preparing',
    canAskFly: false,
    checkout: null,
    snapshot: { running: null, latestVersion: null, known: false },
    release: null,
    deployFailed: false,
    health: null,
    smoke: null,
    failure: null,
    rollback: null,
    tag: null,
    reported: false,
  };
}

// 2 ------------------------------------------------------------------------------------------

/** flyctl, login, the exact app, every required secret; production: branch and clean tree (exit 3). */
async function preflight(run: DeployRun): Promise<void> {
  const { plan, out } = run;
  const { env } = plan;
  run.canAskFly = await requireFlyAccess(run.fly, { dryRun: plan.dryRun, out, env: plan.processEnv });
  if (run.canAskFly) {
    // Asked together (each is a flyctl round trip); a missing app explains a failed secrets list.
    const [app, required] = await Promise.allSettled([requireApp(run.fly, env), requireSecrets(run.fly, env)]);
    if (app.status === 'rejected') throw app.reason;
    if (required.status === 'rejected') throw required.reason;
    out.dim(`app ${env.app} exists; required secrets are set`);
    const staged = required.value.filter((secret) => secret.status === 'Staged').map((secret) => secret.name);
    if (staged.length > 0) out.info(`staged secrets take effect with this deploy: ${staged.join(', ')}`);
  }
  if (env.releaseBranch !== null) {
    if (plan.force) out.warn(`--force: the git guard is skipped (branch ${env.releaseBranch}, clean work tree)`);
    else {
      run.checkout = await requireReleaseCheckout(run.git, env);
      if (run.checkout) out.dim(`on ${run.checkout.branch} at ${run.checkout.commit.slice(0, 12)}, work tree clean`);
    }
  }
  const dockerfile = plan.config.build?.dockerfile;
  if (!plan.image && dockerfile && !plan.config.build?.image && !existsSync(fromRoot(dockerfile))) {
    out.warn(
      `${env.configFile} builds ${dockerfile}, which is not in this folder: flyctl will fail to build unless you run from the service's repository or pass --image <ref>`,
    );
  }
}

// 3 ------------------------------------------------------------------------------------------

/** Production: the user types the app name, unless --yes; refused without a TTY (exit 3). */
async function confirm(run: DeployRun): Promise<void> {
  const { plan, out } = run;
  await confirmDangerousAction({
    env: plan.env,
    action: `deploy to ${plan.env.name}`,
    yes: plan.yes,
    dryRun: plan.dryRun,
    out,
    processEnv: plan.processEnv,
  });
}

// 4 ------------------------------------------------------------------------------------------

/** Remembers the release serving now: what a failed deploy rolls back to. */
async function snapshotReleases(run: DeployRun): Promise<Snapshot> {
  const { out, plan } = run;
  if (!run.canAskFly) {
    out.warn(
      'releases not read (Fly unavailable): a real run would remember the running release as the rollback target',
    );
    return { running: null, latestVersion: null, known: false };
  }
  const releases = sortReleases(await run.fly.releases(plan.env.app));
  const running = runningRelease(releases) ?? null;
  const newest = releases[0];
  if (running) out.dim(`running: v${running.version} (${running.imageRef}), the rollback target`);
  else out.warn('no complete release yet (first deploy): a failed deploy cannot be rolled back');
  if (newest && running && newest.version !== running.version) {
    out.warn(`the newest release v${newest.version} is ${newest.status}: its image may still run on some machines`);
  }
  return { running, latestVersion: newest?.version ?? null, known: true };
}

// 5 ------------------------------------------------------------------------------------------

/** flyctl deploy with the environment's config, strategy and HA setting; returns the new release. */
async function deploy(run: DeployRun): Promise<DeployedRelease | null> {
  const { plan, out } = run;
  try {
    const result = await runFlyDeploy(run.runner, run.fly, plan.settings, {
      ...(plan.image ? { image: plan.image } : {}),
      previousVersion: run.snapshot.latestVersion,
    });
    if (result.dryRun) return null;
    if (result.release)
      out.dim(`new release v${result.release.version} (${result.release.imageRef ?? 'image unknown'})`);
    else
      out.warn(
        'flyctl printed no release and none newer than the snapshot was found: the new release number is unknown',
      );
    return result.release;
  } catch (error) {
    run.deployFailed = true;
    throw error;
  }
}

// 6 ------------------------------------------------------------------------------------------

/** Polls <url>/health until healthy or --health-timeout. */
async function checkHealth(run: DeployRun): Promise<PollResult | null> {
  const { plan, out } = run;
  if (plan.dryRun) {
    out.plan(healthPlan(plan));
    return null;
  }
  const health = await waitForHealthy({ baseUrl: plan.baseUrl, timeoutMs: plan.healthTimeoutMs, out });
  run.health = health;
  if (!health.healthy) throw new OperationFailed(`health check failed: ${describeUnhealthy(health)}`);
  out.dim(
    `healthy after ${formatDuration(health.elapsedMs)} (${health.attempts} attempt${health.attempts === 1 ? '' : 's'})`,
  );
  return health;
}

// 7 ------------------------------------------------------------------------------------------

/** No recently failed jobs; auth rejects a keyless request; the smoke key gets 200 JSON. */
async function smokeTest(run: DeployRun): Promise<SmokeCheck[] | null> {
  const { plan, out } = run;
  if (!plan.smoke) {
    out.warn('smoke checks skipped (--skip-smoke)');
    return null;
  }
  if (plan.dryRun) {
    const key = plan.smokeApiKey ? `with ${plan.env.smokeApiKeyVar}` : `skipped: ${plan.env.smokeApiKeyVar} is not set`;
    out.plan(
      `# then smoke-check ${plan.baseUrl}: /health failed_recent = 0, /api/v1/repositories 401 without a key, 200 with one (${key})`,
    );
    return null;
  }
  const checks = await runSmokeChecks({
    baseUrl: plan.baseUrl,
    apiKey: plan.smokeApiKey,
    apiKeyVar: plan.env.smokeApiKeyVar,
  });
  run.smoke = checks;
  for (const check of checks) {
    if (check.status === 'skipped') out.warn(`${check.name}: ${check.detail}`);
    else out.info(`  ${check.status === 'passed' ? '✓' : '✗'} ${check.name}: ${check.detail}`);
  }
  if (failedChecks(checks).length > 0)
    throw new OperationFailed(`smoke checks failed: ${describeSmokeFailures(checks)}`);
  return checks;
}

// 8 ------------------------------------------------------------------------------------------

/** Redeploys the snapshot's running image and verifies it, unless told not to or there is none. */
async function rollBack(run: DeployRun): Promise<RollbackReport> {
  const { plan, out } = run;
  const running = run.snapshot.running;
  const target: RollbackTarget | null = running?.imageRef
    ? { version: running.version, imageRef: running.imageRef }
    : null;
  if (!plan.rollback) return { status: 'not-attempted', target, result: null };
  if (!target) return { status: 'impossible', target, result: null };
  if (run.deployFailed && (await nothingWasDeployed(run))) return { status: 'not-needed', target, result: null };
  const result = await out.step(
    `Roll back to v${target.version}`,
    () => rollBackTo(run, target, run.snapshot.latestVersion),
    { group: true },
  );
  return { status: result.failure === null ? 'healthy' : 'failed', target, result };
}

/**
 * flyctl creates the release before it touches a machine, so a failed deploy that left no new
 * release changed nothing, and redeploying the old image would only restart the app. When the
 * releases cannot be read, assume something changed.
 */
async function nothingWasDeployed(run: DeployRun): Promise<boolean> {
  try {
    const newest = sortReleases(await run.fly.releases(run.plan.env.app))[0];
    return newest !== undefined && run.snapshot.latestVersion !== null && newest.version <= run.snapshot.latestVersion;
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    run.out.warn(`could not read the releases after the failure (${errorText(error)}): rolling back to be safe`);
    return false;
  }
}

// 9 ------------------------------------------------------------------------------------------

/** Tag (production, --tag), then the summary: human or JSON, plus GitHub's step summary. */
async function report(run: DeployRun): Promise<number> {
  const { plan, out } = run;
  if (plan.dryRun) planRollback(run);
  if (run.failure === null && plan.tag) await tagRelease(run);
  const summary = summarize(run);
  publishSummary(summary, out, plan.processEnv);
  if (out.json) out.jsonResult(resultJson(run, null));
  run.reported = true;
  if (run.failure === null) return ExitCode.ok;
  const hint = failureHint(run);
  throw new OperationFailed(summary.outcome, hint === undefined ? undefined : { hint });
}

/** A dry run also shows what a failure would trigger. */
function planRollback(run: DeployRun): void {
  const { plan, out } = run;
  const running = run.snapshot.running;
  if (!plan.rollback) out.plan('# on failure: no rollback (--no-rollback)');
  else if (!running?.imageRef)
    out.plan(
      `# on failure: redeploy the running release's image (${run.snapshot.known ? 'none yet: first deploy' : 'unknown until Fly can be asked'})`,
    );
  else
    out.plan(
      `# on failure: redeploy v${running.version}: ${describeCommand(deployCommand(plan.settings, running.imageRef).argv, RELEASE_JSON_ENV)}`,
    );
}

async function tagRelease(run: DeployRun): Promise<void> {
  const { plan, out } = run;
  const version =
    run.release?.version ??
    (plan.dryRun && run.snapshot.latestVersion !== null ? run.snapshot.latestVersion + 1 : null);
  if (version === null) {
    run.failure = plan.dryRun
      ? null
      : `${plan.env.app} is deployed and healthy, but the new release number is unknown, so it was not tagged`;
    if (plan.dryRun)
      out.plan(`# then tag the commit deploy/${plan.env.name}/v<new release> and push the tag to origin`);
    return;
  }
  const name = deployTagName(plan.env.name, version);
  try {
    const commit = run.checkout?.commit ?? (plan.dryRun ? 'HEAD' : await run.git.head());
    await run.git.tag(name, commit);
    await run.git.pushTag(name);
    if (!plan.dryRun) {
      run.tag = name;
      out.success(`tagged ${commit.slice(0, 12)} as ${name} and pushed it to origin`);
    }
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    run.failure = `v${version} is deployed and healthy, but tagging it failed: ${errorText(error)}`;
  }
}

// --------------------------------------------------------------------------------------------
// Reporting helpers

function release(version: number | null | undefined): string {
  return version === null || version === undefined ? 'the new release' : `v${version}`;
}

/** The one line a failed run ends with: what failed, and what the rollback did. */
function outcomeLine(run: DeployRun): string {
  const { plan } = run;
  if (run.failure === null)
    return plan.dryRun ? 'dry run: nothing was changed' : `${release(run.release?.version)} is live and healthy`;
  const rollback = run.rollback;
  if (!rollback) return run.failure;
  const target = rollback.target ? `v${rollback.target.version}` : '';
  switch (rollback.status) {
    case 'healthy':
      return `${run.failure}; rolled back to ${target} (healthy)`;
    case 'failed':
      return `${run.failure}; rollback to ${target} FAILED: ${rollback.result?.failure ?? 'unknown'}`;
    case 'not-attempted':
      return `${run.failure}; not rolled back (--no-rollback): ${release(run.release?.version)} stays deployed`;
    case 'impossible':
      return `${run.failure}; no earlier complete release to roll back to (first deploy)`;
    case 'not-needed':
      return `${run.failure}; nothing was deployed (no new release), so ${target} still serves`;
  }
}

function failureHint(run: DeployRun): string | undefined {
  const { env } = run.plan;
  const target = run.rollback?.target;
  switch (run.rollback?.status) {
    case 'failed':
      return target
        ? `the app may be down: retry with \`${rollbackCommand(env, target)}\` or pick another release (\`npx just rollback ${env.name} --list\`)`
        : undefined;
    case 'not-attempted':
      return target ? `roll back with: ${rollbackCommand(env, target)}` : undefined;
    default:
      return undefined;
  }
}

/** Ctrl-C: say what state the app is in and what to run next. */
function explainInterrupt(run: DeployRun): Interrupted {
  const { env } = run.plan;
  const running = run.snapshot.running;
  const target = running?.imageRef ? { version: running.version, imageRef: running.imageRef } : null;
  const back = target
    ? { hint: `roll back with: ${rollbackCommand(env, target)}` }
    : { hint: `check with: flyctl releases --app ${env.app}` };
  const next = run.snapshot.latestVersion === null ? 'the new release' : `v${run.snapshot.latestVersion + 1}`;
  switch (run.stage) {
    case 'preparing':
      return new Interrupted('interrupted before deploying: nothing was changed');
    case 'deploying':
      return new Interrupted(
        `interrupted during flyctl deploy: ${next} of ${env.app} may be half-deployed (some machines may run its image)`,
        back,
      );
    case 'verifying':
      return new Interrupted(
        `interrupted before ${release(run.release?.version)} of ${env.app} was verified: it is deployed but not known to be healthy`,
        back,
      );
    case 'rolling-back':
      return new Interrupted(
        `interrupted while rolling back ${env.app}${target ? ` to v${target.version}` : ''}: machines may run either image`,
        target ? { hint: `finish with: ${rollbackCommand(env, target)}` } : back,
      );
    case 'reporting':
      return new Interrupted(
        `interrupted after ${release(run.release?.version)} of ${env.app} was verified healthy: the git tag may be missing`,
      );
  }
}

function summarize(run: DeployRun): RunSummary {
  const { plan } = run;
  const running = run.snapshot.running;
  const fields: Array<[string, string]> = [
    ['environment', plan.env.name],
    ['app', plan.env.app],
    ['release', run.release ? `v${run.release.version}` : plan.dryRun ? '(dry run)' : 'unknown'],
    ['image', run.release?.imageRef ?? plan.image ?? (plan.dryRun ? '(built from the Dockerfile)' : 'unknown')],
    [
      'previous',
      running
        ? `v${running.version} ${running.imageRef ?? ''}`.trim()
        : run.snapshot.known
          ? 'none (first deploy)'
          : 'unknown',
    ],
    ['url', plan.baseUrl],
  ];
  if (run.health) fields.push(['health', describePoll(run.health)]);
  if (run.smoke) fields.push(['smoke', smokeSummary(run.smoke)]);
  if (run.rollback?.result?.release)
    fields.push(['rollback', `v${run.rollback.target?.version} redeployed as v${run.rollback.result.release.version}`]);
  if (run.checkout) fields.push(['commit', run.checkout.commit.slice(0, 12)]);
  if (run.tag) fields.push(['tag', run.tag]);
  return {
    title: `Deploy to ${plan.env.name}`,
    ok: run.failure === null,
    dryRun: plan.dryRun,
    outcome: outcomeLine(run),
    fields,
    steps: run.out.timings,
  };
}

function smokeSummary(checks: readonly SmokeCheck[]): string {
  const count = (status: SmokeCheck['status']) => checks.filter((c) => c.status === status).length;
  const parts = [`${count('passed')} passed`];
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('skipped')) parts.push(`${count('skipped')} skipped`);
  return parts.join(', ');
}

function resultJson(run: DeployRun, error: unknown) {
  const { plan } = run;
  const running = run.snapshot.running;
  const failure = error === null ? run.failure : errorText(error);
  return {
    ...resultEnvelope({ error, failure, dryRun: plan.dryRun, env: plan.env, url: plan.baseUrl }),
    release: run.release ? { version: run.release.version, imageRef: run.release.imageRef } : null,
    previous: running ? { version: running.version, imageRef: running.imageRef } : null,
    outcome: error === null ? outcomeLine(run) : failure,
    failure,
    health: run.health && pollJson(run.health),
    smoke: run.smoke,
    rollback: run.rollback && {
      status: run.rollback.status,
      target: run.rollback.target,
      release: run.rollback.result?.release ?? null,
      failure: run.rollback.result?.failure ?? null,
    },
    commit: run.checkout?.commit ?? null,
    tag: run.tag,
    steps: stepsJson(run.out.timings),
    durationMs: Math.round(performance.now() - run.started),
  };
}

if (isEntryPoint(import.meta.url)) await runMain(main);
