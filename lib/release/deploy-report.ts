/**
 * How a deploy ended, as one value (a discriminated union computed once), and every way it is
 * told: the one-line outcome, the text summary, the GitHub step summary, the --json object, the
 * exit code and — for a run stopped by Ctrl-C — the state line with the command to run next.
 * The deploy script only decides which outcome it reached; the wording lives here.
 */
import type { Environment } from '../config/environments.ts';
import { ExitCode, Interrupted, type ToolkitError } from '../core/errors.ts';
import type { StepTiming } from '../core/output.ts';
import type { DeployFailureKind, DeploySource } from '../fly/deploy.ts';
import type { FlyRelease } from '../fly/json.ts';
import type { ReleaseCheckout } from './git-guard.ts';
import type { Promotion } from './promotion.ts';
import { describePoll, describeUnhealthy, pollJson, type PollResult } from './health-poll.ts';
import { configNote, describeTarget, rollbackCommand, type RollbackResult, type RollbackTarget } from './rollback.ts';
import { describeServing, type ReleaseRef, type Serving } from './serving.ts';
import { describeSmokeFailures, smokeTally, type SmokeCheck } from './smoke.ts';
import { errorText, exitCodeOf, resultEnvelope, stepsJson, type RunSummary } from './summary.ts';

/** The releases read before deploying. */
export interface Snapshot {
  /** The release serving now (newest complete with an image): the rollback target; null on a first deploy. */
  readonly running: FlyRelease | null;
  /** The newest release of any status (a failed or interrupted one may be newer than `running`). */
  readonly newest: FlyRelease | null;
}

/** What the run knew about its surroundings when it ended (each piece once it was learnt). */
export interface DeployFacts {
  readonly env: Environment;
  readonly url: string;
  readonly dryRun: boolean;
  readonly source: DeploySource | null;
  /** null until read (or when a dry run could not ask Fly). */
  readonly snapshot: Snapshot | null;
  /** Production's checked checkout (branch, commit), once the git guard passed. */
  readonly checkout: ReleaseCheckout | null;
  /** promote: the image, its commit and the release it was taken from; null for a deploy. */
  readonly promotion: Promotion | null;
  readonly steps: readonly StepTiming[];
  readonly durationMs: number;
}

/** What went wrong with the new release. */
export type DeployFailure =
  | { readonly step: 'deploy'; readonly kind: DeployFailureKind; readonly message: string }
  | { readonly step: 'health'; readonly poll: PollResult }
  | {
      readonly step: 'smoke';
      readonly checks: readonly SmokeCheck[];
      /** Checks that passed against the release serving before and fail now. */
      readonly regressions: readonly SmokeCheck[];
    }
  /** A promotion whose machines run another digest than the source verified (its tag was pushed again). */
  | { readonly step: 'image'; readonly expected: string; readonly actual: string; readonly from: string };

/** What happened about going back to the previous release after a failure. */
export type RollbackReport =
  | { readonly kind: 'off' }
  | { readonly kind: 'no-target' }
  | { readonly kind: 'not-needed'; readonly target: RollbackTarget }
  | { readonly kind: 'superseded'; readonly target: RollbackTarget; readonly newest: FlyRelease }
  /** Not rolled back: the target cannot work with the schema now applied (lib/release/rollback-schema.ts). */
  | { readonly kind: 'schema'; readonly target: RollbackTarget; readonly reason: string }
  | { readonly kind: 'done'; readonly result: Exclude<RollbackResult, { kind: 'planned' }> };

/** Where the run was when Ctrl-C stopped it. */
export type Phase =
  | { readonly phase: 'preparing' }
  | { readonly phase: 'deploying' }
  | { readonly phase: 'verifying'; readonly release: ReleaseRef | null }
  | { readonly phase: 'rolling-back'; readonly target: RollbackTarget }
  | { readonly phase: 'reporting'; readonly release: ReleaseRef };

export type DeployOutcome =
  | { readonly kind: 'planned' }
  | {
      readonly kind: 'live';
      readonly release: FlyRelease;
      readonly health: PollResult;
      readonly smoke: readonly SmokeCheck[] | null;
      /** The image digest the machines report (null when they do not say, or disagree). */
      readonly digest: string | null;
      /** The git tag pushed (production --tag). */
      readonly tag: string | null;
      /** --tag was asked for and tagging failed: the release is fine, the run is not. */
      readonly tagFailure: string | null;
      /** The provenance record's ref (refs/kotadb/releases/<env>/v<N>), once written. */
      readonly record: string | null;
      /** Writing the provenance record failed: the release is fine, the run is not (like the tag). */
      readonly recordFailure: string | null;
    }
  /** The new release became healthy, but it is not the one serving (and was not rolled back over). */
  | {
      readonly kind: 'superseded';
      readonly release: ReleaseRef;
      readonly serving: Exclude<Serving, { kind: 'ours' }>;
      readonly health: PollResult;
      readonly smoke: readonly SmokeCheck[] | null;
    }
  | {
      readonly kind: 'failed';
      readonly failure: DeployFailure;
      /** The release this run created, as Fly lists it (null when none was created or found). */
      readonly release: (ReleaseRef & { readonly status?: string }) | null;
      readonly rollback: RollbackReport;
    }
  /** Stopped by an error: a refused precondition before deploying, or a failure to ask Fly later. */
  | { readonly kind: 'stopped'; readonly error: ToolkitError | Error; readonly at: Phase }
  | { readonly kind: 'interrupted'; readonly at: Phase };

export function deployExitCode(outcome: DeployOutcome): number {
  switch (outcome.kind) {
    case 'planned':
      return ExitCode.ok;
    case 'live':
      return outcome.tagFailure === null && outcome.recordFailure === null ? ExitCode.ok : ExitCode.failed;
    case 'superseded':
    case 'failed':
      return ExitCode.failed;
    case 'stopped':
      return exitCodeOf(outcome.error);
    case 'interrupted':
      return ExitCode.interrupted;
  }
}

/** The rollback target: the snapshot's running release, when it has an image. */
export function rollbackTargetOf(snapshot: Snapshot | null): RollbackTarget | null {
  const running = snapshot?.running;
  return running?.imageRef ? { version: running.version, imageRef: running.imageRef } : null;
}

const v = (release: { version: number } | null | undefined) => (release ? `v${release.version}` : 'the new release');

/** Why the new release failed, in one line. */
export function describeFailure(failure: DeployFailure): string {
  switch (failure.step) {
    case 'deploy':
      return failure.message;
    case 'health':
      return `health check failed: ${describeUnhealthy(failure.poll)}`;
    case 'smoke':
      return `smoke checks failed: ${describeSmokeFailures(failure.regressions)}`;
    case 'image':
      return `the machines run ${failure.actual}, not ${failure.expected} that ${failure.from} verified (its tag was pushed again since)`;
  }
}

/** The one line a run ends with. */
export function deployOutcomeLine(outcome: DeployOutcome, facts: DeployFacts): string {
  const { app } = facts.env;
  switch (outcome.kind) {
    case 'planned':
      return 'dry run: nothing was changed';
    case 'live': {
      const live = `v${outcome.release.version} is live and healthy`;
      const failures = [
        ...(outcome.tagFailure === null ? [] : [`tagging it failed: ${outcome.tagFailure}`]),
        ...(outcome.recordFailure === null ? [] : [`recording its provenance failed: ${outcome.recordFailure}`]),
      ];
      return failures.length === 0 ? live : `${live}, but ${failures.join('; ')}`;
    }
    case 'superseded':
      return `v${outcome.release.version} was deployed and healthy, but it is not what serves now: ${describeServing(outcome.serving, outcome.release)}; not rolled back over it`;
    case 'failed':
      return `${describeFailure(outcome.failure)}${failedRelease(outcome)}; ${rollbackLine(outcome.rollback, outcome.release)}`;
    case 'stopped':
      return outcome.at.phase === 'preparing'
        ? errorText(outcome.error)
        : `${errorText(outcome.error)}; stopped ${whereAt(outcome.at, app)}: ${stateAt(outcome.at, app, facts.snapshot)}`;
    case 'interrupted':
      return `interrupted ${whereAt(outcome.at, app)}: ${stateAt(outcome.at, app, facts.snapshot)}`;
  }
}

/** `(release v4, image …)` for a flyctl failure: the release it left behind, never "unknown". */
function failedRelease(outcome: Extract<DeployOutcome, { kind: 'failed' }>): string {
  if (outcome.failure.step !== 'deploy' || outcome.release === null) return '';
  const status = outcome.release.status ? `${outcome.release.status} ` : '';
  const image = outcome.release.imageRef ? `, image ${outcome.release.imageRef}` : '';
  return ` (${status}release v${outcome.release.version}${image})`;
}

function rollbackLine(rollback: RollbackReport, release: ReleaseRef | null): string {
  switch (rollback.kind) {
    case 'off':
      return `not rolled back (--no-rollback): ${v(release)} stays deployed`;
    case 'no-target':
      return 'no earlier complete release to roll back to (first deploy)';
    case 'not-needed':
      return `nothing was deployed (no new release), so v${rollback.target.version} still serves`;
    case 'superseded':
      return `not rolled back: v${rollback.newest.version} was created by another deploy meanwhile, and a rollback would undo it`;
    case 'schema':
      return `not rolled back to v${rollback.target.version}: ${rollback.reason}; ${v(release)} stays deployed`;
    case 'done': {
      const target = describeTarget(rollback.result.target);
      return rollback.result.kind === 'healthy'
        ? `rolled back to ${target} (healthy)`
        : `rollback to ${target} FAILED: ${rollback.result.failure}`;
    }
  }
}

/** Where the run stopped, naming the release and app it was working on. */
function whereAt(at: Phase, app: string): string {
  switch (at.phase) {
    case 'preparing':
      return 'before deploying';
    case 'deploying':
      return 'during flyctl deploy';
    case 'verifying':
      return `before ${v(at.release)} of ${app} was verified`;
    case 'rolling-back':
      return `while rolling back ${app} to ${describeTarget(at.target)}`;
    case 'reporting':
      return `after v${at.release.version} of ${app} was verified healthy`;
  }
}

/** The state stopping there leaves the app in. */
function stateAt(at: Phase, app: string, snapshot: Snapshot | null): string {
  switch (at.phase) {
    case 'preparing':
      return 'nothing was changed';
    case 'deploying': {
      const next = snapshot ? `v${(snapshot.newest?.version ?? 0) + 1}` : 'the new release';
      return `${next} of ${app} may be half-deployed (some machines may run its image)`;
    }
    case 'verifying':
      return 'it is deployed but not known to be healthy';
    case 'rolling-back':
      return 'machines may run either image';
    case 'reporting':
      return 'the git tag or the release record may be missing';
  }
}

/** The one command to run next, when there is one. */
export function deployHint(outcome: DeployOutcome, facts: DeployFacts): string | undefined {
  const { env } = facts;
  const target = rollbackTargetOf(facts.snapshot);
  const rollBack = target ? `roll back with: ${rollbackCommand(env, target)}` : undefined;
  switch (outcome.kind) {
    case 'failed':
      if (outcome.rollback.kind === 'off') return rollBack;
      if (outcome.rollback.kind === 'done' && outcome.rollback.result.kind === 'failed') {
        return `the app may be down: retry with \`${rollbackCommand(env, outcome.rollback.result.target)}\` or pick another release (\`npx just rollback ${env.name} --list\`)`;
      }
      if (outcome.rollback.kind === 'schema')
        return `roll forward with a fix, or if v${outcome.rollback.target.version} does not use what changed: ${rollbackCommand(env, outcome.rollback.target)} --force-schema`;
      if (outcome.rollback.kind === 'superseded')
        return `see what runs: npx just releases ${env.name}; if it is bad: ${rollbackCommand(env, outcome.rollback.target)}`;
      return undefined;
    case 'superseded':
      return `see what runs: npx just releases ${env.name}`;
    case 'live':
      return outcome.recordFailure === null
        ? undefined
        : `the release is fine, its provenance record is missing: check that this machine can push to the deploy lock's remote (in CI: contents: write; or set KOTADB_LOCK_REMOTE)`;
    case 'stopped':
    case 'interrupted':
      if (outcome.kind === 'stopped' && outcome.at.phase === 'preparing')
        return 'hint' in outcome.error ? outcome.error.hint : undefined;
      switch (outcome.at.phase) {
        case 'preparing':
        case 'reporting':
          return undefined;
        case 'rolling-back':
          return `finish with: ${rollbackCommand(env, outcome.at.target)}`;
        default:
          return rollBack ?? `check with: flyctl releases --app ${env.app}`;
      }
    default:
      return undefined;
  }
}

/** Ctrl-C's account of the state left (also printed by a second Ctrl-C after killing flyctl). */
export function interruptedError(at: Phase, facts: DeployFacts): Interrupted {
  const outcome: DeployOutcome = { kind: 'interrupted', at };
  const hint = deployHint(outcome, facts);
  return new Interrupted(deployOutcomeLine(outcome, facts), hint === undefined ? undefined : { hint });
}

function releaseOf(outcome: DeployOutcome): ReleaseRef | null {
  switch (outcome.kind) {
    case 'live':
    case 'superseded':
    case 'failed':
      return outcome.release;
    case 'stopped':
    case 'interrupted':
      return 'release' in outcome.at ? outcome.at.release : null;
    default:
      return null;
  }
}

function healthOf(outcome: DeployOutcome): PollResult | null {
  if (outcome.kind === 'live' || outcome.kind === 'superseded') return outcome.health;
  if (outcome.kind === 'failed' && outcome.failure.step === 'health') return outcome.failure.poll;
  if (outcome.kind === 'failed' && outcome.failure.step === 'smoke') return null;
  return null;
}

function smokeOf(outcome: DeployOutcome): readonly SmokeCheck[] | null {
  if (outcome.kind === 'live' || outcome.kind === 'superseded') return outcome.smoke;
  if (outcome.kind === 'failed' && outcome.failure.step === 'smoke') return outcome.failure.checks;
  return null;
}

function rollbackResultOf(outcome: DeployOutcome) {
  return outcome.kind === 'failed' && outcome.rollback.kind === 'done' ? outcome.rollback.result : null;
}

export function deploySummary(outcome: DeployOutcome, facts: DeployFacts): RunSummary {
  const release = releaseOf(outcome);
  const running = facts.snapshot?.running ?? null;
  const fields: Array<[string, string]> = [
    ['environment', facts.env.name],
    ['app', facts.env.app],
  ];
  if (release) fields.push(['release', `v${release.version}`]);
  else if (facts.dryRun) fields.push(['release', '(dry run)']);
  const image = release?.imageRef ?? (facts.source?.kind === 'image' ? facts.source.ref : null);
  if (image) fields.push(['image', image]);
  else if (facts.source?.kind === 'build') fields.push(['image', `built from ${facts.source.dir}`]);
  if (running) fields.push(['previous', `v${running.version} ${running.imageRef ?? ''}`.trim()]);
  else if (facts.snapshot) fields.push(['previous', 'none (first deploy)']);
  fields.push(['url', facts.url]);
  const health = healthOf(outcome);
  if (health) fields.push(['health', describePoll(health)]);
  const smoke = smokeOf(outcome);
  if (smoke) fields.push(['smoke', smokeTally(smoke)]);
  const rollback = rollbackResultOf(outcome);
  if (rollback) {
    const redeployed = rollback.release ? ` redeployed as v${rollback.release.version}` : '';
    fields.push([
      'rollback',
      `${rollback.kind === 'healthy' ? '✓' : '✗'} ${describeTarget(rollback.target)}${redeployed}`,
    ]);
    fields.push(['config', configNote(rollback.target)]);
  }
  if (facts.promotion) {
    // The image's commit (the service's), and this checkout's (fly config, migrations, the tag).
    const { from, commit } = facts.promotion;
    fields.push(['promoted', `from ${from.environment} v${from.version}`]);
    fields.push(['commit', commit?.slice(0, 12) ?? 'unknown']);
    if (facts.checkout) fields.push(['checkout', facts.checkout.commit.slice(0, 12)]);
  } else if (facts.checkout) fields.push(['commit', facts.checkout.commit.slice(0, 12)]);
  if (outcome.kind === 'live' && outcome.tag) fields.push(['tag', outcome.tag]);
  if (outcome.kind === 'live' && outcome.record) fields.push(['record', outcome.record]);
  return {
    title: facts.promotion
      ? `Promote ${facts.promotion.from.environment} v${facts.promotion.from.version} to ${facts.env.name}`
      : `Deploy to ${facts.env.name}`,
    ok: deployExitCode(outcome) === ExitCode.ok,
    dryRun: facts.dryRun,
    outcome: deployOutcomeLine(outcome, facts),
    fields,
    steps: facts.steps,
  };
}

const ROLLBACK_STATUS: Record<RollbackReport['kind'], string> = {
  off: 'not-attempted',
  'no-target': 'impossible',
  'not-needed': 'not-needed',
  superseded: 'superseded',
  schema: 'refused-schema',
  done: 'done',
};

/** The --json result object (Output.jsonResult masks its strings before serialising). */
export function deployJson(outcome: DeployOutcome, facts: DeployFacts) {
  const code = deployExitCode(outcome);
  const release = releaseOf(outcome);
  const running = facts.snapshot?.running ?? null;
  const health = healthOf(outcome);
  const rollback = outcome.kind === 'failed' ? outcome.rollback : null;
  const result = rollbackResultOf(outcome);
  return {
    ...resultEnvelope(code, outcome.kind, facts),
    release: release ? { version: release.version, imageRef: release.imageRef } : null,
    previous: running ? { version: running.version, imageRef: running.imageRef } : null,
    outcome: deployOutcomeLine(outcome, facts),
    failure: code === ExitCode.ok ? null : failureText(outcome, facts),
    health: health && pollJson(health),
    smoke: smokeOf(outcome),
    rollback: rollback && {
      status: result ? result.kind : ROLLBACK_STATUS[rollback.kind],
      target: result?.target ?? ('target' in rollback ? rollback.target : rollbackTargetOf(facts.snapshot)),
      release: result?.release ?? null,
      failure: result?.kind === 'failed' ? result.failure : rollback.kind === 'schema' ? rollback.reason : null,
      configAndSecrets: result ? 'current' : null,
    },
    commit: facts.checkout?.commit ?? null,
    tag: outcome.kind === 'live' ? outcome.tag : null,
    record: outcome.kind === 'live' ? outcome.record : null,
    promotion: facts.promotion,
    steps: stepsJson(facts.steps),
    durationMs: Math.round(facts.durationMs),
  };
}

function failureText(outcome: DeployOutcome, facts: DeployFacts): string {
  switch (outcome.kind) {
    case 'failed':
      return describeFailure(outcome.failure);
    case 'live':
      return [outcome.tagFailure, outcome.recordFailure].filter((f) => f !== null).join('; ');
    default:
      return deployOutcomeLine(outcome, facts);
  }
}
