/**
 * rollback: put an earlier release's image back on staging or production and prove it is
 * healthy. flyctl has no rollback command: a rollback is a deploy of the older image through
 * the same deploy path as deploy-fly, with the same health rule. The steps, in order:
 *   1. validate   2. preflight   3. read releases (--list stops here)   4. choose the target
 *   5. confirm    6. roll back (redeploy + health)   7. report
 */
import { defineCommand, STANDARD_OPTIONS, type OptionValues } from '../lib/core/cli.ts';
import { HEALTH_OPTIONS, healthTarget, ImageRef, optionalFlag, ReleaseVersion } from '../lib/release/options.ts';
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
import { loadFlyConfig, waitTimeoutOf } from '../lib/config/fly-toml.ts';
import { deployCommand, RELEASE_JSON_ENV, type DeploySettings } from '../lib/fly/deploy.ts';
import type { FlyRelease } from '../lib/fly/json.ts';
import { describePoll, pollJson } from '../lib/release/health-poll.ts';
import { isEntryPoint, runMain, withCli, type Invocation, type ScriptIO } from '../lib/core/main.ts';
import { Output } from '../lib/core/output.ts';
import { requireApp } from '../lib/fly/preflight.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { formatReleaseTable, listReleases } from '../lib/release/release-table.ts';
import {
  chooseRollbackTarget,
  describeTarget,
  healthPlan,
  rollBackTo,
  rollbackCommand,
  type RollbackResult,
  type RollbackTarget,
} from '../lib/release/rollback.ts';
import { describeCommand, Runner } from '../lib/core/runner.ts';

export const command = defineCommand({
  usage: 'npx just rollback <staging|production> [--to <version> | --image <ref> | --list] [options]',
  summary:
    'Roll staging or production back to an earlier release by redeploying its image, then check that it is healthy.',
  positionals: [{ name: 'environment', description: 'staging or production', required: true }],
  options: {
    ...STANDARD_OPTIONS,
    to: { type: 'string', value: '<version>', description: 'Release to go back to (must be complete, with an image)' },
    image: { type: 'string', value: '<ref>', description: 'Image to redeploy instead of a listed release' },
    list: {
      type: 'boolean',
      description: 'List recent releases (version, status, image, user, date) and exit; changes nothing',
    },
    ...HEALTH_OPTIONS,
    json: { type: 'boolean', description: 'Print one JSON result object (or, with --list, the releases) on stdout' },
  },
  notes: [
    'Default target: the newest complete release older than the running one whose image differs.',
    "The image is redeployed with the environment's fly config, strategy and HA setting (flyctl has no rollback command).",
    'Exit 0 only when the target is running and healthy; 1 when the redeploy or the health check failed.',
  ],
  examples: [
    'npx just rollback staging --list',
    'npm run rollback:staging',
    'npx just rollback production --to 41 --yes',
    'npm run rollback:production -- --yes --json',
  ],
});

type Options = OptionValues<typeof command.options>;

/** The image of a target that a dry run without Fly could not look up. */
const UNKNOWN_IMAGE = '';

function label(target: RollbackTarget): string {
  return target.imageRef === UNKNOWN_IMAGE && target.version === null ? 'the default target' : describeTarget(target);
}

interface RollbackPlan {
  env: Environment;
  settings: DeploySettings;
  to: number | undefined;
  image: string | undefined;
  list: boolean;
  baseUrl: string;
  healthTimeoutMs: number;
  yes: boolean;
  dryRun: boolean;
  /** The environment commands run with and variables are read from (tests inject one). */
  processEnv: NodeJS.ProcessEnv;
}

interface RollbackRun {
  readonly plan: RollbackPlan;
  readonly out: Output;
  readonly runner: Runner;
  readonly fly: FlyClient;
  readonly started: number;
  canAskFly: boolean;
  /** Newest first; null when Fly could not be asked (a dry run without flyctl or login). */
  releases: FlyRelease[] | null;
  target: RollbackTarget | null;
  result: RollbackResult | null;
  /** Set once the redeploy may have started: from then on, Ctrl-C can leave either image running. */
  rollingBack: boolean;
  reported: boolean;
}

export async function main(argv: string[], io: ScriptIO = {}): Promise<number> {
  const out = io.out ?? new Output();
  return withCli(command, argv, (invocation) => rollback(invocation, out, io.env ?? process.env), out);
}

/** Steps 1 to 7 in order (--list stops after reading the releases). */
async function rollback(
  { options, positionals }: Invocation<typeof command.options>,
  out: Output,
  processEnv: NodeJS.ProcessEnv,
): Promise<number> {
  out.json = options.json;
  const run = startRun(validate(options, positionals, processEnv), out);
  if (run.plan.list) return listOnly(run);
  const steps = async () => {
    await out.step('Preflight', () => preflight(run));
    run.releases = await out.step('Read releases', () => readReleases(run));
    const target = await out.step('Choose target', async () => chooseTarget(run));
    run.target = target;
    await out.step('Confirm', () => confirm(run));
    run.rollingBack = true;
    run.result = await out.step(`Roll back to ${label(target)}`, () => rollBack(run, target), { group: true });
    return report(run);
  };
  return guardRun(out, run, steps, {
    interrupted: () => explainInterrupt(run),
    json: (error) => resultJson(run, error),
  });
}

// 1 ------------------------------------------------------------------------------------------

function validate(options: Options, positionals: string[], processEnv: NodeJS.ProcessEnv): RollbackPlan {
  const env = parseEnvironment(positionals[0]);
  const to = optionalFlag('to', ReleaseVersion, options.to);
  const image = optionalFlag('image', ImageRef, options.image);
  if (to !== undefined && image !== undefined)
    throw new UsageError('--to and --image both pick the target: give one of them');
  if (options.list && (to !== undefined || image !== undefined))
    throw new UsageError('--list only lists: drop --to/--image, or drop --list to roll back');
  const config = loadFlyConfig(env);
  return {
    env,
    settings: { env, waitTimeout: waitTimeoutOf(config) },
    to,
    image,
    list: options.list,
    ...healthTarget(env, options),
    yes: options.yes,
    dryRun: options['dry-run'],
    processEnv,
  };
}

function startRun(plan: RollbackPlan, out: Output): RollbackRun {
  const runner = new Runner({ dryRun: plan.dryRun, output: out, env: plan.processEnv });
  return {
    plan,
    out,
    runner,
    fly: new FlyClient(runner),
    started: performance.now(),
    canAskFly: false,
    releases: null,
    target: null,
    result: null,
    rollingBack: false,
    reported: false,
  };
}

/** --list: read-only, no steps, no confirmation. */
async function listOnly(run: RollbackRun): Promise<number> {
  const { plan, out } = run;
  await preflight(run);
  const releases = await readReleases(run);
  if (releases === null) return ExitCode.ok;
  const rows = listReleases(releases);
  if (out.json) out.jsonResult({ environment: plan.env.name, app: plan.env.app, releases: rows });
  else for (const line of formatReleaseTable(rows)) out.result(line);
  return ExitCode.ok;
}

// 2 ------------------------------------------------------------------------------------------

/** flyctl, login and the exact app (exit 3). No secrets or git guard: a rollback is an emergency tool. */
async function preflight(run: RollbackRun): Promise<void> {
  run.canAskFly = await requireFlyAccess(run.fly, { dryRun: run.plan.dryRun, out: run.out, env: run.plan.processEnv });
  if (run.canAskFly) await requireApp(run.fly, run.plan.env);
}

// 3 ------------------------------------------------------------------------------------------

async function readReleases(run: RollbackRun): Promise<FlyRelease[] | null> {
  if (!run.canAskFly) {
    run.out.warn('releases not read (Fly unavailable): the plan shows the target by name only');
    return null;
  }
  return sortReleases(await run.fly.releases(run.plan.env.app));
}

// 4 ------------------------------------------------------------------------------------------

/** --image, --to N (complete, with an image; exit 2 otherwise) or the default target (exit 3 when none). */
function chooseTarget(run: RollbackRun): RollbackTarget {
  const { plan, out } = run;
  const choice = { to: plan.to, image: plan.image };
  if (run.releases === null) {
    // Dry run without Fly: the target is known by name only.
    return plan.image ? { version: null, imageRef: plan.image } : { version: plan.to ?? null, imageRef: UNKNOWN_IMAGE };
  }
  const target = chooseRollbackTarget(run.releases, choice);
  const running = runningRelease(run.releases);
  const newest = run.releases[0];
  if (plan.to === undefined && plan.image === undefined && newest && running && newest.version !== running.version) {
    out.warn(
      `the newest release v${newest.version} is ${newest.status}: its image may still run; \`--to ${running.version}\` redeploys the last complete release`,
    );
  }
  out.dim(`target: ${label(target)} (${target.imageRef})${running ? `; running now: v${running.version}` : ''}`);
  return target;
}

// 5 ------------------------------------------------------------------------------------------

async function confirm(run: RollbackRun): Promise<void> {
  const { plan, out, target } = run;
  const action = `roll ${plan.env.name} back to ${target ? label(target) : 'an earlier release'}`;
  await confirmDangerousAction({
    env: plan.env,
    action,
    yes: plan.yes,
    dryRun: plan.dryRun,
    out,
    processEnv: plan.processEnv,
  });
}

// 6 ------------------------------------------------------------------------------------------

async function rollBack(run: RollbackRun, target: RollbackTarget): Promise<RollbackResult> {
  const { plan, out } = run;
  if (target.imageRef === UNKNOWN_IMAGE) {
    const deploy = describeCommand(deployCommand(plan.settings).argv, RELEASE_JSON_ENV);
    out.plan(`$ ${deploy} --image <ImageRef of ${label(target)}>`);
    out.plan(healthPlan(plan));
    return { target, release: null, dryRun: true, health: null, failure: null };
  }
  return rollBackTo(run, target, run.releases?.[0]?.version ?? null);
}

// 7 ------------------------------------------------------------------------------------------

function report(run: RollbackRun): number {
  const summary = summarize(run);
  publishSummary(summary, run.out, run.plan.processEnv);
  if (run.out.json) run.out.jsonResult(resultJson(run, null));
  run.reported = true;
  if (summary.ok) return ExitCode.ok;
  const target = run.target;
  throw new OperationFailed(
    summary.outcome,
    target
      ? { hint: `retry with \`${rollbackCommand(run.plan.env, target)}\`, or pick another release (--list)` }
      : undefined,
  );
}

function outcomeLine(run: RollbackRun): string {
  const target = run.target ? label(run.target) : 'the target';
  const result = run.result;
  if (!result) return `rollback to ${target} did not run`;
  if (result.dryRun) return 'dry run: nothing was changed';
  if (result.failure !== null) return `rollback to ${target} FAILED: ${result.failure}`;
  return `rolled back to ${target} (healthy)${result.release ? `, now release v${result.release.version}` : ''}`;
}

function summarize(run: RollbackRun): RunSummary {
  const { plan, result, target } = run;
  const fields: Array<[string, string]> = [
    ['environment', plan.env.name],
    ['app', plan.env.app],
    ['target', target ? `${label(target)} ${target.version === null ? '' : target.imageRef}`.trim() : 'unknown'],
    ['release', result?.release ? `v${result.release.version}` : plan.dryRun ? '(dry run)' : 'unknown'],
    ['url', plan.baseUrl],
  ];
  if (result?.health) fields.push(['health', describePoll(result.health)]);
  return {
    title: `Rollback of ${plan.env.name}`,
    ok: result !== null && result.failure === null,
    dryRun: plan.dryRun,
    outcome: outcomeLine(run),
    fields,
    steps: run.out.timings,
  };
}

function explainInterrupt(run: RollbackRun): Interrupted {
  const { env } = run.plan;
  if (run.rollingBack && run.target !== null) {
    return new Interrupted(
      `interrupted while rolling back ${env.app} to ${label(run.target)}: machines may run either image`,
      {
        hint: `finish with: ${rollbackCommand(env, run.target)}`,
      },
    );
  }
  return new Interrupted('interrupted before the rollback started: nothing was changed');
}

function resultJson(run: RollbackRun, error: unknown) {
  const { plan, result } = run;
  const failure = error !== null ? errorText(error) : result === null ? 'the rollback did not run' : result.failure;
  return {
    ...resultEnvelope({ error, failure, dryRun: plan.dryRun, env: plan.env, url: plan.baseUrl }),
    target: run.target,
    release: result?.release ?? null,
    outcome: error === null ? outcomeLine(run) : failure,
    failure,
    health: result?.health ? pollJson(result.health) : null,
    steps: stepsJson(run.out.timings),
    durationMs: Math.round(performance.now() - run.started),
  };
}

if (isEntryPoint(import.meta.url)) await runMain(main);
