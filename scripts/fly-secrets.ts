/**
 * fly-secrets: the Fly secrets of staging|production, managed from `.env.<env>` files.
 * Replaces scripts/fly-secrets.sh, which put every value on flyctl's argv (visible in `ps`),
 * restarted the app on every set and mangled values with `#`, a trailing `=` or newlines.
 * Values travel only on flyctl's stdin and are never printed; names are.
 */
import path from 'node:path';
import { defineCommand, STANDARD_OPTIONS, type OptionValues } from '../lib/core/cli.ts';
import * as flyctl from '../lib/commands/flyctl.ts';
import { isValidSecretName, readEnvFile, type EnvEntry, type EnvFile } from '../lib/secrets/env-file.ts';
import { ENVIRONMENT_NAMES, parseEnvironment, type Environment } from '../lib/config/environments.ts';
import { ExitCode, Interrupted, InvalidInput, PreconditionFailed, UsageError } from '../lib/core/errors.ts';
import { FlyClient } from '../lib/fly/client.ts';
import type { FlySecret } from '../lib/fly/json.ts';
import { isEntryPoint, runMain, withCli } from '../lib/core/main.ts';
import { Output } from '../lib/core/output.ts';
import { fromRoot } from '../lib/core/paths.ts';
import { checkRequiredSecrets, requireApp, requireLogin, requireSecrets } from '../lib/fly/preflight.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { CommandFailed, Runner } from '../lib/core/runner.ts';
import { planUpload } from '../lib/secrets/import-encoding.ts';
import { selectSecrets, skipReason } from '../lib/secrets/validation.ts';
import { isKnownSecret, REQUIRED_SECRET_NAMES } from '../lib/config/service-secrets.ts';

const ACTIONS = ['set', 'list', 'unset', 'check', 'diff', 'deploy'] as const;
type Action = (typeof ACTIONS)[number];

export const command = defineCommand({
  usage: `npx just secrets <${ENVIRONMENT_NAMES.join('|')}> <${ACTIONS.join('|')}> [NAME…] [options]`,
  summary:
    'Manage the Fly secrets of an environment from its env file. Values go to flyctl on stdin only and are never printed.',
  positionals: [
    { name: 'environment', description: 'staging or production', required: true },
    { name: 'action', description: ACTIONS.join(', '), required: true },
    { name: 'NAME', description: 'secret names (unset only)', variadic: true },
  ],
  options: {
    ...STANDARD_OPTIONS,
    file: {
      type: 'string',
      value: '<path>',
      description: 'set, diff: env file to read (default .env.<environment> at the toolkit root)',
    },
    stage: { type: 'boolean', description: 'set, unset: stage the change; nothing restarts until `deploy`' },
    only: { type: 'string', value: '<A,B>', description: 'set: send only these names from the file' },
    force: { type: 'boolean', description: 'unset: allow unsetting a secret the API requires' },
    json: { type: 'boolean', description: 'list: print one JSON document' },
  },
  notes: [
    'Actions:',
    '  set     validate the env file, then ONE `flyctl secrets import` with the values on stdin',
    '  list    names, digests and status on Fly; missing required secrets marked',
    '  unset   remove secrets (required ones only with --force)',
    '  check   exit 0 when every required secret is set on Fly, else exit 3 naming the missing',
    '  diff    names only in the file, only on Fly, and in both (values cannot be compared)',
    '  deploy  apply staged secrets (`flyctl secrets deploy`; restarts the machines)',
    'list, check and diff change nothing. set, unset and deploy ask for confirmation in production.',
  ],
  examples: [
    'npx just secrets staging set',
    'npm run secrets -- production set --stage --yes && npm run secrets -- production deploy --yes',
    'npx just secrets staging set --only JWT_SECRET,SENTRY_DSN',
    'npx just secrets production diff',
    'npx just secrets staging unset REDIS_URL',
  ],
});

type Options = OptionValues<typeof command.options>;

/** Options beyond --help/--dry-run/--yes that each action accepts. */
const ACTION_OPTIONS: Readonly<Record<Action, ReadonlyArray<keyof Options>>> = {
  set: ['file', 'stage', 'only'],
  list: ['json'],
  unset: ['stage', 'force'],
  check: [],
  diff: ['file'],
  deploy: [],
};
const ACTION_SPECIFIC: ReadonlyArray<keyof Options> = ['file', 'stage', 'only', 'force', 'json'];

/** flyctl's secret calls restart every machine unless staged; give a rolling restart room. */
const MUTATION_TIMEOUT_MS = 10 * 60_000;

interface Context {
  env: Environment;
  options: Options;
  names: string[];
  /** --only, parsed (null: every name in the file). */
  only: string[] | null;
  out: Output;
  runner: Runner;
  fly: FlyClient;
}

export async function main(argv: string[]): Promise<number> {
  const out = new Output();
  return withCli(
    command,
    argv,
    async ({ options, positionals }) => {
      const [envName, actionName, ...names] = positionals;
      const env = parseEnvironment(envName);
      const action = parseAction(actionName, options, names);
      const only = options.only === undefined ? null : parseOnly(options.only);
      out.json = options.json;
      const runner = new Runner({ dryRun: options['dry-run'], output: out });
      const ctx: Context = { env, options, names, only, out, runner, fly: new FlyClient(runner) };
      try {
        return await RUN[action](ctx);
      } catch (error) {
        throw await explainFlyFailure(ctx, error);
      }
    },
    out,
  );
}

const RUN: Readonly<Record<Action, (ctx: Context) => Promise<number>>> = {
  set: setSecrets,
  list: listSecrets,
  unset: unsetSecrets,
  check: checkSecrets,
  diff: diffSecrets,
  deploy: deploySecrets,
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

// ---------------------------------------------------------------------------------------------
// set

async function setSecrets(ctx: Context): Promise<number> {
  const { env, options, out } = ctx;
  const file = readEnvironmentFile(ctx);
  for (const warning of file.warnings) out.warn(warning);
  const selection = selectSecrets(file, ctx.only);
  for (const warning of selection.warnings) out.warn(warning);
  for (const { entry, reason } of selection.skipped) {
    out.warn(
      `${file.label}:${entry.line}: ${entry.name} is ${reason === 'empty' ? 'empty' : 'a <placeholder>'}: skipped`,
    );
  }
  if (selection.unknown.length > 0)
    out.warn(`not read by the KotaDB API (typo?), set anyway: ${selection.unknown.join(', ')}`);
  if (selection.toSet.length === 0)
    throw new InvalidInput(`${file.label}: nothing to set (every selected value is empty or a placeholder)`);

  const plan = planUpload(selection.toSet);
  if (plan.unsendable.length > 0) {
    const lineOf = new Map(selection.toSet.map((e) => [e.name, e.line]));
    const reasons = plan.unsendable.map((u) => `${file.label}:${lineOf.get(u.name)}: ${u.name} ${u.reason}`);
    throw new InvalidInput(
      `cannot send ${reasons.length === 1 ? reasons[0] : `these values:\n  ${reasons.join('\n  ')}`}`,
      {
        hint: 'fix the value (e.g. drop the surrounding whitespace, use \\n line ends); nothing was sent',
      },
    );
  }

  const names = selection.toSet.map((e) => e.name);
  const count = plural(names.length, 'secret');
  out.info(`${count} from ${file.label} for ${env.app}: ${names.join(', ')}`);
  await confirmDangerousAction({
    env,
    action: `set ${count}${options.stage ? ' (staged)' : ''}`,
    yes: options.yes,
    dryRun: options['dry-run'],
    out,
  });

  const values = new Map(selection.toSet.map((e) => [e.name, e.value]));
  await out.step(`${options.stage ? 'stage' : 'set'} ${count} on ${env.app}`, () => upload(ctx, plan, values), {
    group: true,
  });
  reportChange(ctx, options.stage ? 'staged' : 'set', names);
  return ExitCode.ok;
}

function readEnvironmentFile(ctx: Context): EnvFile {
  const { env, options } = ctx;
  const filePath = options.file === undefined ? fromRoot(`.env.${env.name}`) : path.resolve(options.file);
  const label = options.file ?? (path.relative(process.cwd(), filePath) || filePath);
  const other = ENVIRONMENT_NAMES.find((name) => name !== env.name && path.basename(filePath) === `.env.${name}`);
  if (other) {
    throw new PreconditionFailed(`refusing to use ${label} for ${env.name}: its name says it holds ${other} values`, {
      hint: `copy it to .env.${env.name} if these values really are meant for ${env.name}`,
    });
  }
  return readEnvFile(filePath, label, `copy .env.example to ${label} and fill in the values`);
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

/**
 * Values the import syntax cannot carry go first, one staged `secrets set NAME=-` each; then one
 * `secrets import` (staged or not) applies everything. Without an import and without --stage,
 * `secrets deploy` applies the staged ones.
 */
async function upload(
  ctx: Context,
  plan: ReturnType<typeof planUpload>,
  values: ReadonlyMap<string, string>,
): Promise<void> {
  const { env, options, runner } = ctx;
  const done: string[] = [];
  const run = { output: 'stream', timeoutMs: MUTATION_TIMEOUT_MS } as const;
  try {
    for (const name of plan.stdinNames) {
      await runner.run(flyctl.secretsSetFromStdin(env.app, name, true), { ...run, input: values.get(name)! });
      done.push(name);
    }
    if (plan.importNames.length > 0)
      await runner.run(flyctl.secretsImport(env.app, options.stage), { ...run, input: plan.importInput });
    else if (!options.stage) await runner.run(flyctl.secretsDeploy(env.app), run);
  } catch (error) {
    const staged = done.length > 0 ? `${done.join(', ')} staged (not yet applied); ` : '';
    const state = `${staged}the import of ${plural(plan.importNames.length, 'secret')} may or may not have been applied: check with \`npx just secrets ${env.name} list\``;
    if (error instanceof Interrupted) throw new Interrupted(`${error.message}; ${state}`, { cause: error });
    if (error instanceof CommandFailed && done.length > 0)
      throw new CommandFailed(`${error.message}; ${staged}nothing else was applied`, error.result);
    throw error;
  }
}

function reportChange(
  ctx: Context,
  verb: 'set' | 'staged' | 'unset' | 'staged for unset',
  names: readonly string[],
): void {
  const { env, options, out } = ctx;
  if (options['dry-run']) {
    out.info(`dry run: nothing was sent (${verb}: ${names.join(', ')})`);
    return;
  }
  for (const name of names) out.result(name);
  out.success(`${verb} on ${env.app}: ${plural(names.length, 'secret')}`);
  if (verb.startsWith('staged'))
    out.info(`apply with \`npx just secrets ${env.name} deploy\` (or the next deploy); machines restart then`);
}

// ---------------------------------------------------------------------------------------------
// list, check, diff (read-only)

async function listSecrets(ctx: Context): Promise<number> {
  const { env, out } = ctx;
  const { secrets, missing } = await checkRequiredSecrets(ctx.fly, env);
  const required = new Set(REQUIRED_SECRET_NAMES);
  if (out.json) {
    out.jsonResult({
      environment: env.name,
      app: env.app,
      secrets: secrets.map((s) => ({ ...s, required: required.has(s.name), known: isKnownSecret(s.name) })),
      missingRequired: missing,
    });
    return ExitCode.ok;
  }
  const rows = [
    ...secrets.map((s) => [
      s.name,
      s.digest ?? '-',
      s.status ?? '-',
      required.has(s.name) ? 'required' : isKnownSecret(s.name) ? '' : 'not read by the API',
    ]),
    ...missing.map((name) => [name, '-', 'MISSING', 'required']),
  ];
  for (const line of table(['NAME', 'DIGEST', 'STATUS', 'NOTE'], rows)) out.result(line);
  if (missing.length > 0)
    out.warn(
      `required secrets missing on ${env.app}: ${missing.join(', ')} (set them with \`npx just secrets ${env.name} set\`)`,
    );
  return ExitCode.ok;
}

async function checkSecrets(ctx: Context): Promise<number> {
  const { env, out } = ctx;
  const secrets = await requireSecrets(ctx.fly, env);
  const staged = stagedRequired(secrets);
  out.success(`all ${REQUIRED_SECRET_NAMES.length} required secrets are set on ${env.app}`);
  if (staged.length > 0)
    out.warn(`staged but not deployed yet: ${staged.join(', ')} (run \`npx just secrets ${env.name} deploy\`)`);
  return ExitCode.ok;
}

function stagedRequired(secrets: readonly FlySecret[]): string[] {
  return secrets.filter((s) => s.status === 'Staged' && REQUIRED_SECRET_NAMES.includes(s.name)).map((s) => s.name);
}

async function diffSecrets(ctx: Context): Promise<number> {
  const { env, out } = ctx;
  const file = readEnvironmentFile(ctx);
  for (const warning of file.warnings) out.warn(warning);
  const sendable = file.entries.filter((e) => skipReason(e.value) === null);
  const skipped = file.entries.filter((e) => skipReason(e.value) !== null);
  const remote = new Set((await ctx.fly.secrets(env.app)).map((s) => s.name));
  const local = new Set(sendable.map((e) => e.name));

  const onlyInFile = sendable.filter((e) => !remote.has(e.name)).map((e) => e.name);
  const onlyOnFly = [...remote].filter((name) => !local.has(name)).sort();
  const both = sendable.filter((e) => remote.has(e.name)).map((e) => e.name);
  section(out, `only in ${file.label} (\`set\` would add them)`, onlyInFile);
  section(out, `only on ${env.app} (not in ${file.label})`, onlyOnFly);
  section(out, 'in both (values not compared: Fly keeps only digests that cannot be recomputed locally)', both);
  if (skipped.length > 0)
    out.info(
      `empty or <placeholder> in ${file.label}, not counted: ${skipped.map((e: EnvEntry) => e.name).join(', ')}`,
    );
  return ExitCode.ok;
}

function section(out: Output, title: string, names: readonly string[]): void {
  out.result(`${title}: ${names.length}`);
  for (const name of names) out.result(`  ${name}`);
}

// ---------------------------------------------------------------------------------------------
// unset, deploy

async function unsetSecrets(ctx: Context): Promise<number> {
  const { env, options, names, out } = ctx;
  const required = names.filter((name) => REQUIRED_SECRET_NAMES.includes(name));
  if (required.length > 0 && !options.force) {
    throw new PreconditionFailed(
      `refusing to unset ${required.join(', ')}: the API cannot start without ${required.length === 1 ? 'it' : 'them'}`,
      {
        hint: 'pass --force if you really mean it (deploys will then stop at the secrets preflight)',
      },
    );
  }
  const present = new Set((await ctx.fly.secrets(env.app)).map((s) => s.name));
  const absent = names.filter((name) => !present.has(name));
  const toUnset = names.filter((name) => present.has(name));
  if (absent.length > 0) out.warn(`not set on ${env.app}, nothing to remove: ${absent.join(', ')}`);
  if (toUnset.length === 0) return ExitCode.ok;
  if (required.length > 0) out.warn(`--force: unsetting required ${required.join(', ')}`);

  const count = plural(toUnset.length, 'secret');
  await confirmDangerousAction({
    env,
    action: `unset ${count}${options.stage ? ' (staged)' : ''}`,
    yes: options.yes,
    dryRun: options['dry-run'],
    out,
  });
  await out.step(`unset ${count} on ${env.app}`, () =>
    ctx.runner.run(flyctl.secretsUnset(env.app, toUnset, options.stage), {
      output: 'stream',
      timeoutMs: MUTATION_TIMEOUT_MS,
    }),
  );
  reportChange(ctx, options.stage ? 'staged for unset' : 'unset', toUnset);
  return ExitCode.ok;
}

async function deploySecrets(ctx: Context): Promise<number> {
  const { env, options, out } = ctx;
  await confirmDangerousAction({
    env,
    action: 'deploy staged secrets (restarts every machine)',
    yes: options.yes,
    dryRun: options['dry-run'],
    out,
  });
  await out.step(`deploy staged secrets on ${env.app}`, () =>
    ctx.runner.run(flyctl.secretsDeploy(env.app), { output: 'stream', timeoutMs: MUTATION_TIMEOUT_MS }),
  );
  if (!options['dry-run']) out.success(`staged secrets applied on ${env.app}`);
  return ExitCode.ok;
}

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * No preflight on the happy path (each action is one or two flyctl calls). When flyctl fails,
 * ask why: not logged in, or the app missing, is a precondition (exit 3) with its fix.
 */
async function explainFlyFailure(ctx: Context, error: unknown): Promise<unknown> {
  if (!(error instanceof CommandFailed)) return error;
  try {
    await requireLogin(ctx.fly);
    await requireApp(ctx.fly, ctx.env);
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

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

if (isEntryPoint(import.meta.url)) await runMain(main);
