/**
 * fly-setup: idempotent first-time setup of an environment on Fly. Creates the app (exact name
 * match) and the environment's volume only when they are missing, then reports the required
 * secrets that are still missing and the commands left to run. A second run changes nothing.
 */
import { z } from 'zod';
import { defineCommand, STANDARD_OPTIONS } from '../lib/core/cli.ts';
import * as flyctl from '../lib/commands/flyctl.ts';
import { parseEnvironment, type Environment } from '../lib/config/environments.ts';
import { ExitCode, Interrupted, OperationFailed, UsageError } from '../lib/core/errors.ts';
import { FlyClient, findApp } from '../lib/fly/client.ts';
import { loadFlyConfig } from '../lib/config/fly-toml.ts';
import { isEntryPoint, runMain, withCli, type ScriptIO } from '../lib/core/main.ts';
import { Output } from '../lib/core/output.ts';
import { requireFlyctl, requireLogin } from '../lib/fly/preflight.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { CommandFailed, Runner, type Command } from '../lib/core/runner.ts';
import {
  describeChanges,
  hasChanges,
  planSetup,
  remainingCommands,
  secretsState,
  type SecretsState,
  type SetupPlan,
} from '../lib/fly/setup-plan.ts';
import { REQUIRED_SECRET_NAMES } from '../lib/config/service-secrets.ts';

export const command = defineCommand({
  usage: 'npx just fly-setup <staging|production> [--org <slug>] [--yes] [--dry-run]',
  summary:
    'Create the Fly app and its volume for an environment when they do not exist yet (exact app name match), then list the required secrets still missing and the commands left to run. Safe to run again: it only creates what is missing.',
  positionals: [{ name: 'env', required: true, description: 'staging or production' }],
  options: {
    ...STANDARD_OPTIONS,
    org: {
      type: 'string',
      value: '<slug>',
      description: 'Fly organization for a new app (default: flyctl picks your only one, or asks)',
    },
  },
  notes: [
    'Production asks you to type the app name before creating anything (--yes in CI); nothing to create means nothing to confirm.',
  ],
  examples: [
    'npx just fly-setup staging',
    'npx just fly-setup production --org kotadb --yes',
    'npm run fly-setup -- staging --dry-run',
  ],
});

const OrgSlug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/);

export async function main(argv: string[], io: ScriptIO = {}): Promise<number> {
  const out = io.out ?? new Output();
  return withCli(
    command,
    argv,
    async ({ options, positionals }) => {
      const env = parseEnvironment(positionals[0]);
      const org = options.org === undefined ? undefined : parseOrg(options.org);
      // The volume and region come from the same table the config is checked against: refuse a
      // config that disagrees before creating anything from it.
      loadFlyConfig(env);
      const dryRun = options['dry-run'];
      const runner = new Runner({ dryRun, output: out, env: io.env ?? process.env });
      const fly = new FlyClient(runner);

      const created: string[] = [];
      try {
        await out.step('flyctl and login', async () => {
          await requireFlyctl(fly);
          await requireLogin(fly);
        });
        const plan = await out.step(`look up ${env.app} and its volume`, async () => {
          const apps = await fly.apps();
          return planSetup(env, apps, findApp(apps, env.app) ? await fly.volumes(env.app) : [], org);
        });
        for (const warning of plan.warnings) out.warn(warning);

        if (hasChanges(plan)) {
          await confirmDangerousAction({
            env,
            action: describeChanges(plan, env),
            yes: options.yes,
            dryRun,
            out,
            processEnv: io.env ?? process.env,
          });
          const changes: Array<[string, Command]> = [];
          if (plan.createApp) changes.push([`app ${env.app}`, flyctl.appsCreate(env.app, org)]);
          if (plan.createVolume) {
            changes.push([
              `volume ${env.volume.name}`,
              flyctl.volumesCreate(env.app, env.volume.name, env.volume.sizeGb, env.region),
            ]);
          }
          for (const [what, change] of changes) {
            if (dryRun) {
              await runner.run(change); // prints the command; no step line pretending it ran
              continue;
            }
            await out.step(`create ${what}`, () => runner.run(change));
            created.push(what);
          }
        }

        // A new app has no secrets; a dry run cannot ask Fly about an app it did not create.
        const secrets = plan.createApp
          ? secretsState([])
          : await out.step('read secret names', async () => secretsState(await fly.secrets(env.app)));
        report(out, env, plan, secrets, { dryRun, created });
      } catch (error) {
        throw explainFailure(error, created, env, org);
      }
      return ExitCode.ok;
    },
    out,
  );
}

function parseOrg(value: string): string {
  if (!OrgSlug.safeParse(value).success)
    throw new UsageError(`--org must be an organization slug (lowercase letters, digits, dashes), got "${value}"`);
  return value;
}

function report(
  out: Output,
  env: Environment,
  plan: SetupPlan,
  secrets: SecretsState,
  run: { dryRun: boolean; created: string[] },
): void {
  const created = run.dryRun ? 'would be created (dry run)' : 'created';
  out.result(`${env.name} (${env.app}):`);
  out.result(`  app      ${plan.app ? `exists in org ${plan.app.org ?? '(unknown)'}` : created}`);
  const volumes = plan.volumes.map((v) => `${v.sizeGb} GB in ${v.region}, ${v.id}`).join('; ');
  out.result(
    `  volume   ${env.volume.name} ${volumes ? `exists (${volumes})` : `${created}: ${env.volume.sizeGb} GB in ${env.region}`}`,
  );
  const required = REQUIRED_SECRET_NAMES.length;
  const staged = secrets.notLive.length > 0 ? `; staged, not deployed yet: ${secrets.notLive.join(', ')}` : '';
  out.result(
    `  secrets  ${secrets.missing.length > 0 ? `missing ${secrets.missing.length} of ${required} required: ${secrets.missing.join(', ')}` : `all ${required} required set`}${staged}`,
  );

  if (run.dryRun) out.result('Dry run: nothing was changed.');
  else if (run.created.length === 0) out.result(`Nothing changed: ${env.app} and its volume already exist.`);
  else out.result(`Created ${run.created.join(' and ')}.`);

  const next = remainingCommands(env, { ...secrets, deployed: plan.app?.deployed === true });
  if (next.length === 0) {
    out.result(`Nothing left to do: ${env.name} is set up.`);
    return;
  }
  out.result('Next:');
  const width = Math.max(...next.map((n) => n.command.length));
  for (const { command, why } of next) out.result(`  ${command.padEnd(width)}  # ${why}`);
}

/** A failure or Ctrl-C says what was already created, and that a re-run finishes the job. */
function explainFailure(
  error: unknown,
  created: readonly string[],
  env: Environment,
  org: string | undefined,
): unknown {
  const done = created.length > 0 ? `already created: ${created.join(', ')}` : 'nothing was created';
  const rerun = `re-run \`npx just fly-setup ${env.name}\` (it skips what exists)`;
  if (error instanceof Interrupted) return new Interrupted(`${error.message}; ${done}`, { hint: rerun, cause: error });
  if (!(error instanceof CommandFailed)) return error;
  const stderr = error.result.stderr;
  let hint = `${done}; fix the cause, then ${rerun}`;
  if (/Name has already been taken/i.test(stderr)) {
    hint = `Fly app names are global: ${env.app} belongs to an organization this account cannot see; log in with an account of that organization (${done})`;
  } else if (!org && /org(anization)?\b.*(must be specified|not running interactively)/i.test(stderr)) {
    hint = `pass --org <slug> (see \`flyctl orgs list\`); ${done}`;
  }
  return new OperationFailed(error.message, { hint, cause: error });
}

if (isEntryPoint(import.meta.url)) await runMain(main);
