/**
 * How a rollback run ended, as one value, and every way it is told: the one-line outcome, the
 * text and GitHub summaries, --json, the exit code and Ctrl-C's state line.
 */
import type { Environment } from '../config/environments.ts';
import { ExitCode, Interrupted, type ToolkitError } from '../core/errors.ts';
import type { StepTiming } from '../core/output.ts';
import { describePoll, pollJson } from './health-poll.ts';
import { configNote, describeTarget, rollbackCommand, type RollbackResult, type RollbackTarget } from './rollback.ts';
import { errorText, exitCodeOf, resultEnvelope, stepsJson, type RunSummary } from './summary.ts';

export interface RollbackFacts {
  readonly env: Environment;
  readonly url: string;
  readonly dryRun: boolean;
  readonly steps: readonly StepTiming[];
  readonly durationMs: number;
  /** What the schema check found (null: not reached, or the target was known by name only). */
  readonly schema?: string | null;
}

export type RollbackOutcome =
  /** A dry run; `target` is null when Fly could not be asked (the target is known by name only). */
  | { readonly kind: 'planned'; readonly label: string; readonly target: RollbackTarget | null }
  | { readonly kind: 'done'; readonly result: Exclude<RollbackResult, { kind: 'planned' }> }
  | { readonly kind: 'refused'; readonly error: ToolkitError | Error }
  /** `target` is set once the redeploy may have started (either image may run from then on). */
  | { readonly kind: 'interrupted'; readonly target: RollbackTarget | null };

export function rollbackExitCode(outcome: RollbackOutcome): number {
  switch (outcome.kind) {
    case 'planned':
      return ExitCode.ok;
    case 'done':
      return outcome.result.kind === 'healthy' ? ExitCode.ok : ExitCode.failed;
    case 'refused':
      return exitCodeOf(outcome.error);
    case 'interrupted':
      return ExitCode.interrupted;
  }
}

export function rollbackOutcomeLine(outcome: RollbackOutcome, facts: RollbackFacts): string {
  switch (outcome.kind) {
    case 'planned':
      return 'dry run: nothing was changed';
    case 'done': {
      const { result } = outcome;
      const target = describeTarget(result.target);
      if (result.kind === 'failed') return `rollback to ${target} FAILED: ${result.failure}`;
      return `rolled back to ${target} (healthy)${result.release ? `, now release v${result.release.version}` : ''}`;
    }
    case 'refused':
      return errorText(outcome.error);
    case 'interrupted':
      return outcome.target
        ? `interrupted while rolling back ${facts.env.app} to ${describeTarget(outcome.target)}: machines may run either image`
        : 'interrupted before the rollback started: nothing was changed';
  }
}

export function rollbackHint(outcome: RollbackOutcome, facts: RollbackFacts): string | undefined {
  switch (outcome.kind) {
    case 'done':
      return outcome.result.kind === 'failed'
        ? `retry with \`${rollbackCommand(facts.env, outcome.result.target)}\`, or pick another release (--list)`
        : undefined;
    case 'refused':
      return 'hint' in outcome.error ? outcome.error.hint : undefined;
    case 'interrupted':
      return outcome.target ? `finish with: ${rollbackCommand(facts.env, outcome.target)}` : undefined;
    default:
      return undefined;
  }
}

export function rollbackInterrupted(target: RollbackTarget | null, facts: RollbackFacts): Interrupted {
  const outcome: RollbackOutcome = { kind: 'interrupted', target };
  const hint = rollbackHint(outcome, facts);
  return new Interrupted(rollbackOutcomeLine(outcome, facts), hint === undefined ? undefined : { hint });
}

function targetOf(outcome: RollbackOutcome): RollbackTarget | null {
  if (outcome.kind === 'planned' || outcome.kind === 'interrupted') return outcome.target;
  if (outcome.kind === 'done') return outcome.result.target;
  return null;
}

export function rollbackSummary(outcome: RollbackOutcome, facts: RollbackFacts): RunSummary {
  const target = targetOf(outcome);
  const result = outcome.kind === 'done' ? outcome.result : null;
  const fields: Array<[string, string]> = [
    ['environment', facts.env.name],
    ['app', facts.env.app],
  ];
  if (target)
    fields.push(['target', `${describeTarget(target)} ${target.version === null ? '' : target.imageRef}`.trim()]);
  else if (outcome.kind === 'planned') fields.push(['target', outcome.label]);
  if (result?.release) fields.push(['release', `v${result.release.version}`]);
  else if (facts.dryRun) fields.push(['release', '(dry run)']);
  fields.push(['url', facts.url]);
  if (result?.health) fields.push(['health', describePoll(result.health)]);
  if (target && (result || outcome.kind === 'planned')) fields.push(['config', configNote(target)]);
  if (facts.schema) fields.push(['schema', facts.schema]);
  return {
    title: `Rollback of ${facts.env.name}`,
    ok: rollbackExitCode(outcome) === ExitCode.ok,
    dryRun: facts.dryRun,
    outcome: rollbackOutcomeLine(outcome, facts),
    fields,
    steps: facts.steps,
  };
}

export function rollbackJson(outcome: RollbackOutcome, facts: RollbackFacts) {
  const code = rollbackExitCode(outcome);
  const result = outcome.kind === 'done' ? outcome.result : null;
  return {
    ...resultEnvelope(code, outcome.kind, facts),
    target: targetOf(outcome),
    release: result?.release ?? null,
    outcome: rollbackOutcomeLine(outcome, facts),
    failure:
      code === ExitCode.ok ? null : result?.kind === 'failed' ? result.failure : rollbackOutcomeLine(outcome, facts),
    health: result?.health ? pollJson(result.health) : null,
    configAndSecrets: result ? 'current' : null,
    schema: facts.schema ?? null,
    steps: stepsJson(facts.steps),
    durationMs: Math.round(facts.durationMs),
  };
}
