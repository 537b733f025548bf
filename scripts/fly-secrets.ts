/**
 * fly-secrets: the Fly secrets of staging|production, managed from `.env.<env>` files.
 * Values travel only on flyctl's stdin and are never printed; names are.
 *
 * Every action reads top to bottom as: prepare (read the file and Fly, validate, confirm —
 * changes nothing) → change (the one mutating step: applyChange) → report. Read-only actions
 * and no-ops end after prepare. The environment's deploy lock is held around applyChange alone,
 * so a confirmation prompt never holds it and read-only actions never take it.
 */
import * as flyctl from '../lib/commands/flyctl.ts';
import { ENVIRONMENT_NAMES, parseEnvironment, type Environment } from '../lib/config/environments.ts';
import { caseVariantOf, isKnownSecret, REQUIRED_SECRET_NAMES } from '../lib/config/service-secrets.ts';
import { DRY_RUN_OPTION, HELP_OPTION, YES_OPTION, type OptionValues } from '../lib/core/cli.ts';
import { ExitCode, Interrupted, InvalidInput, PreconditionFailed, UsageError } from '../lib/core/errors.ts';
import type { Output } from '../lib/core/output.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { CommandFailed, describeCommand, type Command, type Runner } from '../lib/core/runner.ts';
import { defineScript, isEntryPoint, runEntry, type ScriptIO } from '../lib/core/script.ts';
import { alignTable, plural } from '../lib/core/text.ts';
import { FlyClient } from '../lib/fly/client.ts';
import { LOCK_WAIT_OPTION, lockWaitSeconds } from '../lib/lock/deploy-lock.ts';
import { RunLock } from '../lib/lock/run-lock.ts';
import { checkRequiredSecrets, requireApp, requireLogin, requireSecrets } from '../lib/fly/preflight.ts';
import { isValidSecretName, problemsError, readEnvFile, type EnvFile } from '../lib/secrets/env-file.ts';
import { assertFileIsFor, envFileFor } from '../lib/secrets/environment-file.ts';
import { planUpload, type UploadPlan } from '../lib/secrets/import-encoding.ts';
import { stagedState } from '../lib/secrets/staged.ts';
import { selectSecrets, skipReason, type SecretsSelection } from '../lib/secrets/validation.ts';

const ACTIONS = ['set', 'list', 'unset', 'check', 'diff', 'deploy'] as const;
type Action = (typeof ACTIONS)[number];

const OPTIONS = {
  ...HELP_OPTION,
  ...DRY_RUN_OPTION,
  ...YES_OPTION,
  file: {
    type: 'string',
    value: '<path>',
    description: 'set, diff: env file to read (default .env.<environment> at the toolkit root)',
  },
  stage: { type: 'boolean', description: 'set, unset: stage the change; nothing restarts until `deploy`' },
  only: { type: 'string', value: '<A,B>', description: 'set: send only these names from the file' },
  force: { type: 'boolean', description: 'unset: allow unsetting a secret the API requires' },
  json: { type: 'boolean', description: 'list: print one JSON document' },
  ...LOCK_WAIT_OPTION,
} as const;

type Options = OptionValues<typeof OPTIONS>;

/** Options beyond --help/--dry-run/--yes that each action accepts. */
const ACTION_OPTIONS: Readonly<Record<Action, ReadonlyArray<keyof Options>>> = {
  set: ['file', 'stage', 'only', 'lock-wait'],
  list: ['json'],
  unset: ['stage', 'force', 'lock-wait'],
  check: [],
  diff: ['file'],
  deploy: ['lock-wait'],
};
const ACTION_SPECIFIC: ReadonlyArray<keyof Options> = ['file', 'stage', 'only', 'force', 'json', 'lock-wait'];

/** flyctl's secret calls restart every machine unless staged; give a rolling restart room. */
const MUTATION_TIMEOUT_MS = 10 * 60_000;

export const script = defineScript({
  usage: `npx just secrets <${ENVIRONMENT_NAMES.join('|')}> <${ACTIONS.join('|')}> [NAME…] [options]`,
  summary:
    'Manage the Fly secrets of an environment from its env file. Values go to flyctl on stdin only and are never printed.',
  positionals: [
    { name: 'environment', description: 'staging or production', required: true },
    { name: 'action', description: ACTIONS.join(', '), required: true },
    { name: 'NAME', description: 'secret names (unset only)', variadic: true },
  ],
  options: OPTIONS,
  notes: [
    'Actions:',
    '  set     validate the env file, then ONE `flyctl secrets import` with the values on stdin',
    '  list    names, digests and status on Fly; missing required secrets marked',
    '  unset   remove secrets (required ones only with --force)',
    '  check   exit 0 when every required secret is set on Fly, else exit 3 naming the missing',
    '  diff    names only in the file, only on Fly, and in both (values cannot be compared)',
    '  deploy  apply staged secrets (`flyctl secrets deploy`; restarts the machines); nothing staged: no-op',
    'list, check and diff change nothing. set, unset and deploy ask for confirmation in production, then hold the',
    "environment's deploy lock while they send (another run holding it: wait up to --lock-wait, then exit 3).",
  ],
  examples: [
    'npx just secrets staging set',
    'npm run secrets -- production set --stage --yes && npm run secrets -- production deploy --yes',
    'npx just secrets staging set --only JWT_SECRET,SENTRY_DSN',
    'npx just secrets production diff',
    'npx just secrets staging unset REDIS_URL',
  ],
  async run({ options, positionals, io, out, runner, dryRun, onInterrupt }) {
    const [envName, actionName, ...names] = positionals;
    const env = parseEnvironment(envName);
    const action = parseAction(actionName, options, names);
    const only = options.only === undefined ? null : parseOnly(options.only);
    const lock = new RunLock({
      runner,
      io,
      env,
      command: `secrets ${env.name} ${action}`,
      waitSeconds: lockWaitSeconds(options['lock-wait'], io.env),
    });
    out.json = options.json;
    const session: Session = { env, options, names, only, io, out, runner, dryRun, fly: new FlyClient(runner) };
    // Every Ctrl-C explanation ends with the state of the deploy lock.
    const explain: Explain = (fn) => onInterrupt(() => lock.explain(fn()));
    explain(() => new Interrupted(`interrupted before anything was sent to ${env.app}: nothing was changed`));
    try {
      const prepared = await PREPARE[action](session);
      if (prepared.kind === 'done') return ExitCode.ok;
      await lock.hold(() => applyChange(session, prepared.change, explain));
      reportChange(session, prepared.change);
      return ExitCode.ok;
    } catch (error) {
      throw await explainFlyFailure(session, error);
    }
  },
});

interface Session {
  readonly env: Environment;
  readonly options: Options;
  /** The NAME arguments (unset). */
  readonly names: readonly string[];
  /** --only, parsed (null: every name in the file). */
  readonly only: readonly string[] | null;
  readonly io: ScriptIO;
  readonly out: Output;
  readonly runner: Runner;
  readonly dryRun: boolean;
  readonly fly: FlyClient;
}

/** Registers what Ctrl-C says if it stops the run now. */
type Explain = (explain: () => Interrupted) => void;

/** What a mutating action will change, decided (and confirmed) before anything is sent. */
type Change =
  | {
      readonly kind: 'set';
      readonly names: readonly string[];
      readonly plan: UploadPlan;
      readonly values: ReadonlyMap<string, string>;
      readonly stage: boolean;
    }
  | { readonly kind: 'unset'; readonly names: readonly string[]; readonly stage: boolean }
  /** `staged` null: flyctl cannot tell which secrets are staged. */
  | { readonly kind: 'deploy'; readonly staged: readonly string[] | null };

/** `done`: nothing to send (a read-only action, or a change that turned out empty). */
type Prepared = { readonly kind: 'done' } | { readonly kind: 'change'; readonly change: Change };

const done = (): Prepared => ({ kind: 'done' });
const change = (what: Change): Prepared => ({ kind: 'change', change: what });

const PREPARE: Readonly<Record<Action, (session: Session) => Promise<Prepared>>> = {
  set: prepareSet,
  list: listSecrets,
  unset: prepareUnset,
  check: checkSecrets,
  diff: diffSecrets,
  deploy: prepareDeploy,
};

function parseAction(value: string | undefined, options: Options, names: readonly string[]): Action {
  const action = ACTIONS.find((a) => a === value);
  if (!action)
    throw new UsageError(
      `${value === undefined ? 'missing action' : `unknown action "${value}"`}: expected one of ${ACTIONS.join(', ')}`,
    );
  for (const option of ACTION_SPECIFIC) {
    if (options[option] && !ACTION_OPTIONS[action].includes(option))
      throw new UsageError(`--${option} does not apply to ${action}`);
  }
  if (action === 'unset') {
    if (names.length === 0) throw new UsageError('unset needs at least one secret NAME');
    const invalid = names.find((name) => !isValidSecretName(name));
    if (invalid !== undefined) throw new UsageError(`"${invalid}" is not a secret name`);
  } else if (names.length > 0) {
    throw new UsageError(`unexpected argument "${names[0]}"`);
  }
  return action;
}

function parseOnly(value: string): string[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const invalid = names.find((name) => !isValidSecretName(name));
  if (invalid !== undefined) throw new UsageError(`--only: "${invalid}" is not a secret name`);
  if (names.length === 0) throw new UsageError('--only needs at least one name');
  return names;
}

// ---------------------------------------------------------------------------------------------
// set

async function prepareSet(session: Session): Promise<Prepared> {
  const { env, options, out } = session;
  const file = readEnvironmentFile(session);
  for (const warning of file.warnings) out.warn(warning);
  const selection = selectSecrets(file, session.only);
  for (const warning of selection.warnings) out.warn(warning);
  reportSkipped(out, file, selection);
  if (selection.unknown.length > 0) {
    const named = selection.unknown.map((u) => (u.meant ? `${u.name} (did you mean ${u.meant}?)` : u.name));
    out.warn(`not read by the KotaDB API (typo?), set anyway: ${named.join(', ')}`);
  }
  if (selection.toSet.length === 0)
    throw new InvalidInput(`${file.label}: nothing to set (every selected value is empty or a placeholder)`);

  const plan = planUpload(selection.toSet);
  if (plan.unsendable.length > 0) {
    const lineOf = new Map(selection.toSet.map((e) => [e.name, e.line]));
    const reasons = plan.unsendable.map((u) => `${file.label}:${lineOf.get(u.name)}: ${u.name} ${u.reason}`);
    throw new InvalidInput(
      `cannot send ${reasons.length === 1 ? reasons[0] : `these values:\n  ${reasons.join('\n  ')}`}`,
      { hint: 'fix the value (e.g. drop the surrounding whitespace, use \\n line ends); nothing was sent' },
    );
  }

  const names = selection.toSet.map((e) => e.name);
  const count = plural(names.length, 'secret');
  out.info(`${count} from ${file.label} for ${env.app}: ${names.join(', ')}`);
  await confirm(session, `set ${count}${options.stage ? ' (staged)' : ''}`);
  return change({
    kind: 'set',
    names,
    plan,
    values: new Map(selection.toSet.map((e) => [e.name, e.value])),
    stage: options.stage,
  });
}

/**
 * Empty optional names are what a copy of .env.example holds: one line for all of them, not a
 * warning each on every run. A <placeholder> was meant to be filled in: one warning.
 */
function reportSkipped(out: Output, file: EnvFile, selection: SecretsSelection): void {
  const empty = selection.skipped.filter((s) => s.reason === 'empty').map((s) => s.entry.name);
  const placeholders = selection.skipped.filter((s) => s.reason === 'placeholder').map((s) => s.entry.name);
  if (empty.length > 0) out.info(`not set (empty in ${file.label}): ${empty.join(', ')}`);
  if (placeholders.length > 0) out.warn(`still a <placeholder> in ${file.label}, not set: ${placeholders.join(', ')}`);
}

function readEnvironmentFile(session: Session): EnvFile {
  const { env, options, io } = session;
  const choice = envFileFor(env, options.file, io.cwd);
  assertFileIsFor(env, choice);
  return readEnvFile(choice.path, choice.label, `copy .env.example to ${choice.label} and fill in the values`);
}

// ---------------------------------------------------------------------------------------------
// list, check, diff (read-only)

async function listSecrets(session: Session): Promise<Prepared> {
  const { env, out } = session;
  const { secrets, missing } = await checkRequiredSecrets(session.fly, env);
  const staged = stagedState(secrets);
  const required = new Set(REQUIRED_SECRET_NAMES);
  // flyctl's own word is kept unless it cannot be trusted (an all-Staged list); none stays none.
  const statusOf = (status: string | null) => (staged.known || status === null ? status : 'Unknown');
  if (out.json) {
    out.jsonResult({
      environment: env.name,
      app: env.app,
      secrets: secrets.map((s) => ({
        ...s,
        status: statusOf(s.status),
        required: required.has(s.name),
        known: isKnownSecret(s.name),
      })),
      missingRequired: missing,
      staged: staged.known ? staged.staged : null,
    });
    return done();
  }
  const rows = [
    ...secrets.map((s) => [
      s.name,
      s.digest ?? '-',
      statusOf(s.status) ?? '-',
      required.has(s.name) ? 'required' : isKnownSecret(s.name) ? '' : 'not read by the API',
    ]),
    ...missing.map((name) => [name, '-', 'MISSING', 'required']),
  ];
  for (const line of alignTable([['NAME', 'DIGEST', 'STATUS', 'NOTE'], ...rows])) out.result(line);
  if (!staged.known && secrets.length > 0) out.info(`deployment status unknown: ${staged.why}`);
  if (missing.length > 0)
    out.warn(
      `required secrets missing on ${env.app}: ${missing.join(', ')} (set them with \`npx just secrets ${env.name} set\`)`,
    );
  return done();
}

async function checkSecrets(session: Session): Promise<Prepared> {
  const { env, out } = session;
  const secrets = await requireSecrets(session.fly, env);
  out.success(`all ${REQUIRED_SECRET_NAMES.length} required secrets are set on ${env.app}`);
  const staged = stagedState(secrets);
  if (!staged.known) {
    out.info(`whether any of them is staged is unknown: ${staged.why}`);
    return done();
  }
  const waiting = staged.staged.filter((name) => REQUIRED_SECRET_NAMES.includes(name));
  if (waiting.length > 0)
    out.warn(`staged but not deployed yet: ${waiting.join(', ')} (run \`npx just secrets ${env.name} deploy\`)`);
  return done();
}

async function diffSecrets(session: Session): Promise<Prepared> {
  const { env, out } = session;
  const file = readEnvironmentFile(session);
  if (file.problems.length > 0) throw problemsError(file.label, file.problems);
  for (const warning of file.warnings) out.warn(warning);
  const sendable = file.entries.filter((e) => skipReason(e.value) === null);
  const skipped = file.entries.filter((e) => skipReason(e.value) !== null);
  const remote = new Set((await session.fly.secrets(env.app)).map((s) => s.name));
  const local = new Set(sendable.map((e) => e.name));

  const onlyInFile = sendable.filter((e) => !remote.has(e.name)).map((e) => e.name);
  const onlyOnFly = [...remote].filter((name) => !local.has(name)).sort();
  const both = sendable.filter((e) => remote.has(e.name)).map((e) => e.name);
  section(out, `only in ${file.label} (\`set\` would add them)`, onlyInFile);
  section(out, `only on ${env.app} (not in ${file.label})`, onlyOnFly);
  section(out, 'in both (values not compared: Fly keeps only digests that cannot be recomputed locally)', both);
  if (skipped.length > 0)
    out.info(`empty or <placeholder> in ${file.label}, not counted: ${skipped.map((e) => e.name).join(', ')}`);
  const misnamed = onlyInFile.flatMap((name) => {
    const meant = caseVariantOf(name);
    return meant ? [`${name} (the API reads ${meant})`] : [];
  });
  if (misnamed.length > 0) out.warn(`names differ only in case from what the API reads: ${misnamed.join(', ')}`);
  return done();
}

function section(out: Output, title: string, names: readonly string[]): void {
  out.result(`${title}: ${names.length}`);
  for (const name of names) out.result(`  ${name}`);
}

// ---------------------------------------------------------------------------------------------
// unset, deploy

async function prepareUnset(session: Session): Promise<Prepared> {
  const { env, options, names, out } = session;
  const required = names.filter((name) => REQUIRED_SECRET_NAMES.includes(name));
  if (required.length > 0 && !options.force) {
    throw new PreconditionFailed(
      `refusing to unset ${required.join(', ')}: the API cannot start without ${required.length === 1 ? 'it' : 'them'}`,
      { hint: 'pass --force if you really mean it (deploys will then stop at the secrets preflight)' },
    );
  }
  const present = new Set((await session.fly.secrets(env.app)).map((s) => s.name));
  const absent = names.filter((name) => !present.has(name));
  const toUnset = names.filter((name) => present.has(name));
  if (absent.length > 0) out.warn(`not set on ${env.app}, nothing to remove: ${absent.join(', ')}`);
  if (toUnset.length === 0) return done();
  if (required.length > 0) out.warn(`--force: unsetting required ${required.join(', ')}`);
  await confirm(session, `unset ${plural(toUnset.length, 'secret')}${options.stage ? ' (staged)' : ''}`);
  return change({ kind: 'unset', names: toUnset, stage: options.stage });
}

async function prepareDeploy(session: Session): Promise<Prepared> {
  const { env, out } = session;
  const staged = stagedState(await session.fly.secrets(env.app));
  if (staged.known && staged.staged.length === 0) {
    out.success(`nothing is staged on ${env.app}: nothing to deploy, no machine restarted`);
    return done();
  }
  if (!staged.known) out.info(`which secrets are staged is unknown (${staged.why}): deploying anyway`);
  else out.info(`staged on ${env.app}: ${staged.staged.join(', ')}`);
  await confirm(session, 'deploy staged secrets (restarts every machine)');
  return change({ kind: 'deploy', staged: staged.known ? staged.staged : null });
}

// ---------------------------------------------------------------------------------------------
// the change: the one step that sends anything to Fly

/**
 * Sends the change. Everything before it only read and validated; everything after only
 * reports. Ctrl-C here says what may have been applied.
 */
async function applyChange(session: Session, what: Change, onInterrupt: Explain): Promise<void> {
  const { env, out } = session;
  switch (what.kind) {
    case 'set':
      return out.step(
        `${what.stage ? 'stage' : 'set'} ${plural(what.names.length, 'secret')} on ${env.app}`,
        () => upload(session, what, onInterrupt),
        { group: true },
      );
    case 'unset': {
      const command = flyctl.secretsUnset(env.app, what.names, what.stage);
      onInterrupt(() => mayHaveApplied(session, command, 'the unset'));
      return out.step(`unset ${plural(what.names.length, 'secret')} on ${env.app}`, async () => {
        await session.runner.run(command, mutation);
      });
    }
    case 'deploy': {
      const command = flyctl.secretsDeploy(env.app);
      onInterrupt(() => mayHaveApplied(session, command, 'the deploy'));
      return out.step(`deploy staged secrets on ${env.app}`, async () => {
        await session.runner.run(command, mutation);
      });
    }
  }
}

const mutation = { output: 'stream', timeoutMs: MUTATION_TIMEOUT_MS } as const;

function mayHaveApplied(session: Session, command: Command, what: string): Interrupted {
  return new Interrupted(
    `interrupted while running: ${describeCommand(command.argv)}; ${what} may or may not have been applied: check with \`npx just secrets ${session.env.name} list\``,
  );
}

/**
 * Values the import syntax cannot carry go first, one staged `secrets set NAME=-` each; then one
 * `secrets import` (staged or not) applies everything. Without an import and without --stage,
 * `secrets deploy` applies the staged ones.
 */
async function upload(session: Session, what: Extract<Change, { kind: 'set' }>, onInterrupt: Explain): Promise<void> {
  const { env, runner } = session;
  const { plan, values, stage } = what;
  const stagedAlone: string[] = [];
  let running: Command | null = null;
  const stagedNote = () => (stagedAlone.length > 0 ? `${stagedAlone.join(', ')} staged (not yet applied); ` : '');
  const last = plan.importNames.length > 0 ? `the import of ${plural(plan.importNames.length, 'secret')}` : 'the rest';
  onInterrupt(
    () =>
      new Interrupted(
        `interrupted ${running ? `while running: ${describeCommand(running.argv)}` : 'before the upload'}; ${stagedNote()}${last} may or may not have been applied: check with \`npx just secrets ${env.name} list\``,
      ),
  );
  try {
    for (const name of plan.stdinNames) {
      running = flyctl.secretsSetFromStdin(env.app, name, true);
      await runner.run(running, { ...mutation, input: values.get(name)! });
      stagedAlone.push(name);
    }
    if (plan.importNames.length > 0) {
      running = flyctl.secretsImport(env.app, stage);
      await runner.run(running, { ...mutation, input: plan.importInput });
    } else if (!stage) {
      running = flyctl.secretsDeploy(env.app);
      await runner.run(running, mutation);
    }
  } catch (error) {
    if (error instanceof CommandFailed && stagedAlone.length > 0)
      throw new CommandFailed(`${error.message}; ${stagedNote()}nothing else was applied`, error.result);
    throw error;
  }
}

function reportChange(session: Session, what: Change): void {
  const { env, out } = session;
  const verb =
    what.kind === 'set'
      ? what.stage
        ? 'staged'
        : 'set'
      : what.kind === 'unset'
        ? what.stage
          ? 'staged for unset'
          : 'unset'
        : 'deploy';
  const names = what.kind === 'deploy' ? (what.staged ?? []) : what.names;
  if (session.dryRun) {
    out.info(`dry run: nothing was sent (${verb}${names.length > 0 ? `: ${names.join(', ')}` : ''})`);
    return;
  }
  if (what.kind === 'deploy') {
    out.success(
      `staged secrets applied on ${env.app}${what.staged === null ? '' : `: ${plural(what.staged.length, 'secret')}`}`,
    );
    return;
  }
  for (const name of names) out.result(name);
  out.success(`${verb} on ${env.app}: ${plural(names.length, 'secret')}`);
  if (verb.startsWith('staged'))
    out.info(`apply with \`npx just secrets ${env.name} deploy\` (or the next deploy); machines restart then`);
}

// ---------------------------------------------------------------------------------------------
// helpers

function confirm(session: Session, action: string): Promise<void> {
  return confirmDangerousAction({
    env: session.env,
    action,
    yes: session.options.yes,
    dryRun: session.dryRun,
    out: session.out,
    input: session.io.stdin,
    processEnv: session.io.env,
  });
}

/**
 * No preflight on the happy path (each action is one or two flyctl calls). When flyctl fails,
 * ask why: not logged in, or the app missing, is a precondition (exit 3) with its fix.
 */
async function explainFlyFailure(session: Session, error: unknown): Promise<unknown> {
  if (!(error instanceof CommandFailed) || error.result.argv[0] !== 'flyctl') return error;
  try {
    await requireLogin(session.fly);
    await requireApp(session.fly, session.env);
  } catch (precondition) {
    // Keep flyctl's own error next to the diagnosis: it is the evidence (e.g. an API outage).
    if (precondition instanceof PreconditionFailed)
      return new PreconditionFailed(`${precondition.message} (${error.message})`, {
        hint: precondition.hint,
        cause: error,
      });
  }
  return error;
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
