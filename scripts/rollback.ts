/**
 * rollback: put an earlier release's image back on staging or production and prove it is
 * healthy. flyctl has no rollback command: a rollback is a deploy of the older image through
 * the same deploy path as deploy (without the release command), with the same health rule and
 * the same check that the release it created is the one serving. `run` reads as the steps:
 * validate, preflight, read releases (--list stops here), choose the target, confirm, then under
 * the environment's deploy lock: re-check the releases, roll back (redeploy + health + verify);
 * then report.
 */
import { loadFlyConfig, waitTimeoutOf } from '../lib/config/fly-toml.ts';
import { parseEnvironment, type Environment } from '../lib/config/environments.ts';
import { DRY_RUN_OPTION, HELP_OPTION, YES_OPTION, type OptionValues } from '../lib/core/cli.ts';
import { ExitCode, Interrupted, PreconditionFailed, ToolkitError, UsageError } from '../lib/core/errors.ts';
import type { Output } from '../lib/core/output.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { describeCommand, type Runner } from '../lib/core/runner.ts';
import { defineScript, isEntryPoint, runEntry, type ScriptIO } from '../lib/core/script.ts';
import { requireFlyAccess } from '../lib/fly/access.ts';
import { FlyClient, runningRelease, sortReleases } from '../lib/fly/client.ts';
import { defaultDeployTimeoutMs, deployCommand, RELEASE_JSON_ENV, type DeploySettings } from '../lib/fly/deploy.ts';
import type { FlyRelease } from '../lib/fly/json.ts';
import { requireApp, singleMachineRollingWarning } from '../lib/fly/preflight.ts';
import { LOCK_WAIT_OPTION, lockWaitSeconds } from '../lib/lock/deploy-lock.ts';
import { RunLock } from '../lib/lock/run-lock.ts';
import {
  DEPLOY_TIMEOUT_OPTION,
  DeployTimeout,
  HEALTH_OPTIONS,
  healthTarget,
  ImageRef,
  optionalFlag,
  ReleaseVersion,
  waitTimeoutMs,
  type HealthTarget,
} from '../lib/release/options.ts';
import { describeAppeared, recheckReleases } from '../lib/release/recheck.ts';
import { readCommitRecords } from '../lib/release/release-commit.ts';
import { formatReleaseTable, listReleases } from '../lib/release/release-table.ts';
import {
  rollbackExitCode,
  rollbackHint,
  rollbackInterrupted,
  rollbackJson,
  rollbackOutcomeLine,
  rollbackSummary,
  type RollbackFacts,
  type RollbackOutcome,
} from '../lib/release/rollback-report.ts';
import {
  chooseRollbackTarget,
  configNote,
  describeTarget,
  healthPlan,
  rollBackTo,
  type RollbackTarget,
} from '../lib/release/rollback.ts';
import { checkSchemaBeforeRollback } from '../lib/release/rollback-schema.ts';
import { judgedStep } from '../lib/release/step.ts';
import { publishSummary } from '../lib/release/summary.ts';

const OPTIONS = {
  ...HELP_OPTION,
  ...DRY_RUN_OPTION,
  ...YES_OPTION,
  to: { type: 'string', value: '<version>', description: 'Release to go back to (must be complete, with an image)' },
  image: { type: 'string', value: '<ref>', description: 'Image to redeploy instead of a listed release' },
  list: {
    type: 'boolean',
    description: 'List recent releases (version, status, image, commit, user, date) and exit; changes nothing',
  },
  'force-schema': {
    type: 'boolean',
    description:
      'Roll back even when migrations applied after the target release are not expand-only (or cannot be checked)',
  },
  ...HEALTH_OPTIONS,
  ...DEPLOY_TIMEOUT_OPTION,
  ...LOCK_WAIT_OPTION,
  json: { type: 'boolean', description: 'Print one JSON result object (or, with --list, the releases) on stdout' },
} as const;

export const script = defineScript({
  usage: 'npx just rollback <staging|production> [--to <version> | --image <ref> | --list] [options]',
  summary:
    'Roll staging or production back to an earlier release by redeploying its image, then check that it is healthy and serving.',
  positionals: [{ name: 'environment', description: 'staging or production', required: true }],
  options: OPTIONS,
  notes: [
    'Default target: the newest complete release older than the running one whose image differs.',
    "The image is redeployed with today's fly config and secrets, strategy and HA setting, without the release command",
    '(flyctl has no rollback command); an image the registry pruned is one error line saying how to rebuild it.',
    'Exit 0 only when the target is running, healthy and serving; 1 when the redeploy, the health check or that check failed.',
    "The rollback holds the environment's deploy lock (--list never takes it): another run holding it means waiting up to",
    '--lock-wait, then exit 3 naming the holder; a release created while this run waited is exit 3, nothing changed.',
    "Schema: with the environment's database URL (SUPABASE_DB_URL_<ENV> or SUPABASE_DB_URL), the migrations applied after",
    'the target release (its commit: deploy tag, release record or git-<sha> image label) must only expand; otherwise exit 3 unless',
    '--force-schema. Without a URL the schema is not checked (a warning). Run it from the checkout holding supabase/.',
  ],
  examples: [
    'npx just rollback staging --list',
    'npm run rollback:staging',
    'npx just rollback production --to 41 --yes',
    'npm run rollback:production -- --yes --json',
  ],
  async run({ options, positionals, io, out, runner, dryRun, onInterrupt }) {
    out.json = options.json;
    const started = io.clock.now();
    const plan = validate(options, positionals, io.env, dryRun);
    const ctx: Ctx = { plan, io, out, runner, fly: new FlyClient(runner) };
    if (plan.list) return listOnly(ctx);
    const lock = new RunLock({
      runner,
      io,
      env: plan.env,
      command: `rollback ${plan.env.name}`,
      waitSeconds: plan.lockWait,
    });
    // Set once the redeploy may start: from then on, Ctrl-C can leave either image running.
    let rollingBack: RollbackTarget | null = null;
    let schema: string | null = null;
    const facts = (): RollbackFacts => ({
      schema,
      env: plan.env,
      url: plan.health.baseUrl,
      dryRun,
      steps: out.timings,
      durationMs: io.clock.now() - started,
    });
    onInterrupt(() => lock.explain(rollbackInterrupted(rollingBack, facts())));

    let outcome: RollbackOutcome;
    try {
      const canAskFly = await out.step('Preflight', () => preflight(ctx));
      const releases = await out.step('Read releases', () => readReleases(ctx, canAskFly));
      const chosen = await out.step('Choose target', async () => chooseTarget(ctx, releases));
      schema = await out.step('Check schema', () => checkSchema(ctx, chosen.target));
      await out.step('Confirm', () => confirm(ctx, chosen.label));
      // The deploy lock: taken after the confirmation (never held while a person types).
      outcome = await lock.hold(async (): Promise<RollbackOutcome> => {
        const target = chosen.target;
        if (target === null) {
          planByName(ctx, chosen.label);
          return { kind: 'planned', label: chosen.label, target: null };
        }
        const newest = await recheckUnderLock(ctx, releases);
        rollingBack = target;
        const context = { ...ctx, clock: io.clock, signal: io.signal, health: plan.health, settings: plan.settings };
        const rolled = await judgedStep(
          out,
          `Roll back to ${chosen.label}`,
          () => rollBackTo(context, target, newest),
          (result) => result.kind === 'failed',
          { group: true },
        );
        return rolled.value.kind === 'planned'
          ? { kind: 'planned', label: chosen.label, target }
          : { kind: 'done', result: rolled.value };
      });
    } catch (error) {
      const stoppedAt: RollbackOutcome =
        error instanceof Interrupted
          ? { kind: 'interrupted', target: rollingBack }
          : { kind: 'refused', error: error as Error };
      if (out.json) out.jsonResult(rollbackJson(stoppedAt, facts()));
      throw stoppedAt.kind === 'interrupted' ? rollbackInterrupted(rollingBack, facts()) : error;
    }
    return report(ctx, outcome, facts());
  },
});

type Options = OptionValues<typeof OPTIONS>;

interface Plan {
  readonly env: Environment;
  readonly settings: DeploySettings;
  readonly to: number | undefined;
  readonly image: string | undefined;
  readonly list: boolean;
  readonly forceSchema: boolean;
  readonly health: HealthTarget;
  readonly yes: boolean;
  readonly dryRun: boolean;
  /** --lock-wait, in seconds. */
  readonly lockWait: number;
}

interface Ctx {
  readonly plan: Plan;
  readonly io: ScriptIO;
  readonly out: Output;
  readonly runner: Runner;
  readonly fly: FlyClient;
}

// Validate ---------------------------------------------------------------------------------

function validate(options: Options, positionals: string[], processEnv: NodeJS.ProcessEnv, dryRun: boolean): Plan {
  const env = parseEnvironment(positionals[0]);
  const to = optionalFlag('to', ReleaseVersion, options.to);
  const image = optionalFlag('image', ImageRef, options.image);
  const deployTimeout = optionalFlag('deploy-timeout', DeployTimeout, options['deploy-timeout']);
  if (to !== undefined && image !== undefined)
    throw new UsageError('--to and --image both pick the target: give one of them');
  if (options.list && (to !== undefined || image !== undefined))
    throw new UsageError('--list only lists: drop --to/--image, or drop --list to roll back');
  if (options.list && options['force-schema'])
    throw new UsageError('--list changes nothing: drop --force-schema, or drop --list to roll back');
  if (options.list && options['lock-wait'] !== undefined)
    throw new UsageError('--list never takes the deploy lock: drop --lock-wait');
  const lockWait = lockWaitSeconds(options['lock-wait'], processEnv);
  const health = healthTarget(env, options);
  const waitTimeout = waitTimeoutOf(loadFlyConfig(env));
  return {
    env,
    settings: {
      env,
      waitTimeout,
      timeoutMs: deployTimeout ?? defaultDeployTimeoutMs(env, waitTimeoutMs(waitTimeout), false),
    },
    to,
    image,
    list: options.list,
    forceSchema: options['force-schema'],
    health,
    yes: options.yes,
    dryRun,
    lockWait,
  };
}

/** --list: read-only, no steps, no confirmation. */
async function listOnly(ctx: Ctx): Promise<number> {
  const { plan, out } = ctx;
  const releases = await readReleases(ctx, await preflight(ctx));
  if (releases === null) return ExitCode.ok;
  const rows = listReleases(releases, await readCommitRecords(ctx.runner, plan.env, ctx.io.cwd, 10_000, ctx.io.env));
  if (out.json) out.jsonResult({ environment: plan.env.name, app: plan.env.app, releases: rows });
  else for (const line of formatReleaseTable(rows)) out.result(line);
  return ExitCode.ok;
}

// Preflight --------------------------------------------------------------------------------

/**
 * flyctl, login and the exact app (exit 3). No secrets or git guard: a rollback is an emergency
 * tool. A rollback is a deploy: a rolling one against the only machine is called out too.
 */
async function preflight(ctx: Ctx): Promise<boolean> {
  const canAskFly = await requireFlyAccess(ctx.fly, { dryRun: ctx.plan.dryRun, out: ctx.out, env: ctx.io.env });
  if (!canAskFly) return false;
  const status = await requireApp(ctx.fly, ctx.plan.env);
  const onlyMachine = ctx.plan.list ? null : singleMachineRollingWarning(ctx.plan.env, status);
  if (onlyMachine) ctx.out.warn(onlyMachine);
  return true;
}

// Read releases ----------------------------------------------------------------------------

/** Newest first; null when Fly could not be asked (a dry run without flyctl or login). */
async function readReleases(ctx: Ctx, canAskFly: boolean): Promise<FlyRelease[] | null> {
  if (!canAskFly) {
    ctx.out.warn('releases not read (Fly unavailable): the plan shows the target by name only');
    return null;
  }
  return sortReleases(await ctx.fly.releases(ctx.plan.env.app));
}

// Choose the target ------------------------------------------------------------------------

/**
 * --image, --to N (complete, with an image; exit 2 otherwise) or the default target (exit 3
 * when none). Without the releases (a dry run without Fly) it is known by name only.
 */
function chooseTarget(ctx: Ctx, releases: FlyRelease[] | null): { label: string; target: RollbackTarget | null } {
  const { plan, out } = ctx;
  if (releases === null) {
    if (plan.image) return { label: plan.image, target: { version: null, imageRef: plan.image } };
    return { label: plan.to === undefined ? 'the default target' : `v${plan.to}`, target: null };
  }
  const target = chooseRollbackTarget(releases, { to: plan.to, image: plan.image });
  const running = runningRelease(releases);
  const newest = releases[0];
  if (plan.to === undefined && plan.image === undefined && newest && running && newest.version !== running.version) {
    out.warn(
      `the newest release v${newest.version} is ${newest.status}: its image may still run; \`--to ${running.version}\` redeploys the last complete release`,
    );
  }
  out.dim(
    `target: ${describeTarget(target)} (${target.imageRef})${running ? `; running now: v${running.version}` : ''}`,
  );
  out.dim(configNote(target));
  return { label: describeTarget(target), target };
}

// Check schema -----------------------------------------------------------------------------

/**
 * The migrations applied since the target release must only expand (lib/release/rollback-schema.ts):
 * refused (exit 3) before the confirmation otherwise, unless --force-schema. Returns what was found.
 */
async function checkSchema(ctx: Ctx, target: RollbackTarget | null): Promise<string | null> {
  const { plan, out, io } = ctx;
  if (target === null) {
    out.dim('schema: checked once the target is known (Fly could not be asked)');
    return null;
  }
  const verdict = await checkSchemaBeforeRollback(
    { runner: ctx.runner, env: plan.env, processEnv: io.env, cwd: io.cwd, forceSchema: plan.forceSchema },
    target,
  );
  if (verdict.kind === 'incompatible') throw verdict.refusal;
  if (verdict.kind === 'compatible') out.info(verdict.message);
  else out.warn(verdict.message);
  return verdict.message;
}

// Confirm ----------------------------------------------------------------------------------

async function confirm(ctx: Ctx, label: string): Promise<void> {
  const { plan, out, io } = ctx;
  await confirmDangerousAction({
    env: plan.env,
    action: `roll ${plan.env.name} back to ${label}`,
    yes: plan.yes,
    dryRun: plan.dryRun,
    out,
    input: io.stdin,
    signal: io.signal,
    processEnv: io.env,
  });
}

// Roll back --------------------------------------------------------------------------------

/**
 * Under the lock, the releases again: the target was chosen from releases read before it was
 * taken. A release created meanwhile (this run waited for a deploy, or one ran while the prompt
 * waited) changes what "back" means: refused, nothing changed. Returns the newest version.
 */
async function recheckUnderLock(ctx: Ctx, releases: FlyRelease[] | null): Promise<number | null> {
  const before = releases?.[0]?.version ?? null;
  if (ctx.plan.dryRun || releases === null) return before;
  const { appeared } = await recheckReleases(ctx.fly, ctx.plan.env.app, before);
  if (appeared === null) return before;
  throw new PreconditionFailed(`${describeAppeared(appeared, before)}: nothing was changed`, {
    hint: `see what runs now (npx just rollback ${ctx.plan.env.name} --list), then choose the rollback again`,
  });
}

// Roll back (dry run without Fly) ----------------------------------------------------------

/** The redeploy a real run would make, with the image it would look up. */
function planByName(ctx: Ctx, label: string): void {
  const { plan, out } = ctx;
  const image = `<ImageRef of ${label}>`;
  const argv = deployCommand(plan.settings, { kind: 'image', ref: image }, { rollback: true }).argv;
  const at = argv.indexOf(image);
  out.plan(`$ ${describeCommand(argv.slice(0, at), RELEASE_JSON_ENV)} ${image} ${describeCommand(argv.slice(at + 1))}`);
  out.plan(healthPlan(plan.health));
}

// Report -----------------------------------------------------------------------------------

function report(ctx: Ctx, outcome: RollbackOutcome, facts: RollbackFacts): number {
  const { out, io } = ctx;
  const summary = rollbackSummary(outcome, facts);
  publishSummary(summary, out, io.env);
  if (out.json) out.jsonResult(rollbackJson(outcome, facts));
  const code = rollbackExitCode(outcome);
  if (code === ExitCode.ok) return code;
  const hint = rollbackHint(outcome, facts);
  throw new ToolkitError(
    rollbackOutcomeLine(outcome, facts),
    code as ToolkitError['exitCode'],
    hint === undefined ? {} : { hint },
  );
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
