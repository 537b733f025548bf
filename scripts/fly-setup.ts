/**
 * fly-setup: idempotent first-time setup of an environment on Fly. Creates the app (exact name
 * match) and one volume per machine the environment runs (production 2, staging 1), counting
 * the volumes that exist, then reports the required secrets still missing and the commands
 * left to run. A second run changes nothing. It lists and creates apps, which needs an org
 * token (or a login): a deploy token is refused, and fly-setup says so.
 */
import * as flyctl from '../lib/commands/flyctl.ts';
import { parseEnvironment, type Environment } from '../lib/config/environments.ts';
import { loadFlyConfig } from '../lib/config/fly-toml.ts';
import { DRY_RUN_OPTION, HELP_OPTION, YES_OPTION } from '../lib/core/cli.ts';
import { ExitCode, Interrupted, OperationFailed, PreconditionFailed, UsageError } from '../lib/core/errors.ts';
import type { Output } from '../lib/core/output.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { CommandFailed, describeCommand, type Command } from '../lib/core/runner.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';
import { FlyClient, findApp, isNotAuthorized } from '../lib/fly/client.ts';
import { flyctlError, flyctlFailureMessage } from '../lib/fly/flyctl-error.ts';
import { requireFlyctl, requireLogin } from '../lib/fly/preflight.ts';
import {
  describeChanges,
  describeVolumes,
  hasChanges,
  planSetup,
  remainingCommands,
  secretsState,
  type SecretsState,
  type SetupPlan,
} from '../lib/fly/setup-plan.ts';
import { REQUIRED_SECRET_NAMES } from '../lib/config/service-secrets.ts';
import { alignTable } from '../lib/core/text.ts';

const OrgSlug = /^[a-z0-9][a-z0-9-]*$/;

export const script = defineScript({
  usage: 'npx just fly-setup <staging|production> [--org <slug>] [--yes] [--dry-run]',
  summary:
    'Create the Fly app and one volume per machine for an environment when they do not exist yet (exact app name match), then list the required secrets still missing and the commands left to run. Safe to run again: it only creates what is missing.',
  positionals: [{ name: 'env', required: true, description: 'staging or production' }],
  options: {
    ...HELP_OPTION,
    ...DRY_RUN_OPTION,
    ...YES_OPTION,
    org: {
      type: 'string',
      value: '<slug>',
      description: 'Fly organization for a new app (default: your only personal org; required with several)',
    },
  },
  notes: [
    'Production asks you to type the app name before creating anything (--yes in CI); nothing to create means nothing to confirm.',
    'Volumes: one per machine the environment runs (production 2, staging 1), in its region; existing ones count.',
    'Needs an org token or a login (it lists and creates apps): `fly tokens create org --org <slug>`, or `flyctl auth login`. A deploy token is refused.',
  ],
  examples: [
    'npx just fly-setup staging',
    'npx just fly-setup production --org kotadb --yes',
    'npm run fly-setup -- staging --dry-run',
  ],
  async run({ options, positionals, out, runner, dryRun, io, onInterrupt }) {
    const env = parseEnvironment(positionals[0]);
    const org = options.org === undefined ? undefined : parseOrg(options.org);
    // The volume and region come from the same table the config is checked against: refuse a
    // config that disagrees before creating anything from it.
    loadFlyConfig(env);
    const fly = new FlyClient(runner);
    const created: string[] = [];
    let doing = 'checking flyctl and the login';
    onInterrupt(() => new Interrupted(`interrupted while ${doing}; ${alreadyCreated(created)}`, { hint: rerun(env) }));

    try {
      await out.step('flyctl and login', async () => {
        await requireFlyctl(fly);
        await requireLogin(fly);
      });
      doing = `looking up ${env.app}`;
      const { plan, machines } = await out.step(`look up ${env.app}, its machines and volumes`, () =>
        lookUp(fly, env, org),
      );
      for (const warning of plan.warnings) out.warn(warning);

      if (hasChanges(plan)) {
        await confirmDangerousAction({
          env,
          action: describeChanges(plan, env),
          yes: options.yes,
          dryRun,
          out,
          input: io.stdin,
          processEnv: io.env,
        });
        const changes: Array<[string, Command]> = [];
        if (plan.createApp) changes.push([`app ${env.app}`, flyctl.appsCreate(env.app, org)]);
        if (plan.volumesToCreate > 0) {
          changes.push([
            describeVolumes(plan.volumesToCreate, env),
            flyctl.volumesCreate(env.app, env.volume.name, env.volume.sizeGb, env.region, plan.volumesToCreate),
          ]);
        }
        for (const [what, change] of changes) {
          if (dryRun) {
            await runner.run(change); // prints the command; no step line pretending it ran
            continue;
          }
          doing = `creating ${what} (${describeCommand(change.argv)})`;
          await out.step(`create ${what}`, () => runner.run(change));
          created.push(what);
        }
      }

      // A new app has no secrets; a dry run cannot ask Fly about an app it did not create.
      doing = 'reading secret names';
      const secrets = plan.createApp
        ? secretsState([], { hasMachines: false })
        : await out.step('read secret names', async () =>
            secretsState(await fly.secrets(env.app), { hasMachines: machines > 0 }),
          );
      report(out, env, plan, secrets, { dryRun, created, machines });
    } catch (error) {
      throw explainFailure(error, created, env, org);
    }
    return ExitCode.ok;
  },
});

/** `apps list` (org-wide: refused to a deploy token), then the app's volumes and machines. */
async function lookUp(
  fly: FlyClient,
  env: Environment,
  org: string | undefined,
): Promise<{ plan: SetupPlan; machines: number }> {
  const apps = await fly.apps();
  if (!findApp(apps, env.app)) return { plan: planSetup(env, apps, [], { org }), machines: 0 };
  const [volumes, status] = await Promise.all([fly.volumes(env.app), fly.status(env.app)]);
  const machines = status.machines.length;
  return { plan: planSetup(env, apps, volumes, { org, machines }), machines };
}

function parseOrg(value: string): string {
  if (!OrgSlug.test(value))
    throw new UsageError(`--org must be an organization slug (lowercase letters, digits, dashes), got "${value}"`);
  return value;
}

function report(
  out: Output,
  env: Environment,
  plan: SetupPlan,
  secrets: SecretsState,
  run: { dryRun: boolean; created: string[]; machines: number },
): void {
  const created = run.dryRun ? 'would be created (dry run)' : 'created';
  out.result(`${env.name} (${env.app}):`);
  out.result(`  app      ${plan.app ? `exists in org ${plan.app.org ?? '(unknown)'}` : created}`);
  const existing = plan.volumes.map((v) => `${v.sizeGb} GB in ${v.region}, ${v.id}`).join('; ');
  const volumeParts = [
    ...(existing ? [`${plan.volumes.length} exist${plan.volumes.length === 1 ? 's' : ''} (${existing})`] : []),
    ...(plan.volumesToCreate > 0
      ? [
          `${plan.volumesToCreate} ${created}: ${env.volume.sizeGb} GB${plan.volumesToCreate > 1 ? ' each' : ''} in ${env.region}`,
        ]
      : []),
  ];
  out.result(
    `  volumes  ${env.volume.name}: ${volumeParts.join('; ')} (one per machine: ${env.name} runs ${env.machines})`,
  );
  const required = REQUIRED_SECRET_NAMES.length;
  const staged = secrets.notLive.length > 0 ? `; staged, not deployed yet: ${secrets.notLive.join(', ')}` : '';
  const unknown = secrets.unknown ? '; flyctl cannot tell whether they are deployed' : '';
  out.result(
    `  secrets  ${secrets.missing.length > 0 ? `missing ${secrets.missing.length} of ${required} required: ${secrets.missing.join(', ')}` : `all ${required} required set`}${staged}${unknown}`,
  );

  if (run.dryRun) out.result('Dry run: nothing was changed.');
  else if (run.created.length === 0) out.result(`Nothing changed: ${env.app} and its volumes already exist.`);
  else out.result(`Created ${run.created.join(' and ')}.`);

  const next = remainingCommands(env, {
    ...secrets,
    deployed: plan.app?.deployed === true,
    machines: run.machines,
  });
  if (next.length === 0) {
    out.result(`Nothing left to do: ${env.name} is set up.`);
    return;
  }
  out.result('Next:');
  for (const line of alignTable(next.map(({ command, why }) => [`  ${command}`, `# ${why}`]))) out.result(line);
}

const alreadyCreated = (created: readonly string[]) =>
  created.length > 0 ? `already created: ${created.join(', ')}` : 'nothing was created';
const rerun = (env: Environment) => `re-run \`npx just fly-setup ${env.name}\` (it skips what exists)`;

/** A failure or Ctrl-C says what was already created, and that a re-run finishes the job. */
function explainFailure(
  error: unknown,
  created: readonly string[],
  env: Environment,
  org: string | undefined,
): unknown {
  const done = alreadyCreated(created);
  if (isNotAuthorized(error)) {
    return new PreconditionFailed(
      `this Fly token may not list or create apps (an app-scoped deploy token?): fly-setup needs an org token; ${done}`,
      {
        hint: `log in with \`flyctl auth login\`, or create one with \`fly tokens create org --org ${org ?? '<slug>'}\` and set FLY_API_TOKEN`,
        cause: error,
      },
    );
  }
  if (!(error instanceof CommandFailed)) return error;
  const said = flyctlError(error.result.stderr, error.result.stdout);
  const command = describeCommand(error.result.argv);
  const fail = (message: string, hint: string) => new OperationFailed(message, { hint, cause: error });
  if (/Name has already been taken/i.test(said)) {
    return fail(
      `${command}: Fly app names are global and ${env.app} is taken by an app this account cannot see`,
      `log in with an account of the organization that owns it (${done})`,
    );
  }
  if (/org slug must be specified/i.test(said)) {
    return fail(
      `${command}: this account has several organizations`,
      `pass --org <slug> (see \`flyctl orgs list\`); ${done}`,
    );
  }
  if (/organization \S+ not found/i.test(said)) {
    return fail(`${command}: ${said}`, `check --org against \`flyctl orgs list\`; ${done}`);
  }
  if (/region .*(not found|must be specified)/i.test(said)) {
    return fail(
      `${command}: ${said}`,
      `fix ${env.name}'s region in lib/config/environments.ts (see \`flyctl platform regions\`); ${done}`,
    );
  }
  // Anything else: flyctl's own words, as it printed them.
  return fail(flyctlFailureMessage(error.result), `${done}; fix the cause, then ${rerun(env)}`);
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
