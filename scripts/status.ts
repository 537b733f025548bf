/**
 * status: what runs where. One table for staging and production (or one of them): the serving
 * release, its image and commit, age, health now, machines, staged secrets, pending migrations;
 * then how far staging is ahead of production and whether production runs staging's image.
 * Read-only and fast: every question at once, each under --timeout; one that fails is an
 * "unknown (why)" cell. Static imports are what --help and parsing need; the rest loads in run.
 */
import path from 'node:path';
import { HELP_OPTION } from '../lib/core/cli.ts';
import { ExitCode, UsageError } from '../lib/core/errors.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';

const DEFAULT_TIMEOUT_SECONDS = 10;
const SERVICE_DIR_VAR = 'KOTADB_SERVICE_DIR';

export const script = defineScript({
  usage: 'npx just status [staging|production] [--json] [--timeout <seconds>] [--source <dir>]',
  summary:
    'Show what runs where: per environment the serving release, image, commit, age, health, machines, staged secrets and pending migrations, and how far staging is ahead of production. Changes nothing.',
  positionals: [{ name: 'environment', description: 'staging or production (default: both)' }],
  options: {
    ...HELP_OPTION,
    json: { type: 'boolean', description: 'Print the report as one JSON document on stdout' },
    timeout: {
      type: 'string',
      value: '<seconds>',
      description: `Time each question may take (default ${DEFAULT_TIMEOUT_SECONDS})`,
    },
    source: {
      type: 'string',
      value: '<dir>',
      description: `The service checkout where commits are looked up (default: $${SERVICE_DIR_VAR}, else this checkout)`,
    },
    'staging-url': {
      type: 'string',
      value: '<base>',
      description: "Where staging answers /health (default: the environment's URL)",
    },
    'production-url': {
      type: 'string',
      value: '<base>',
      description: "Where production answers /health (default: the environment's URL)",
    },
  },
  notes: [
    "Commit: the release's provenance record, else the deploy tag deploy/<env>/v<N> of this checkout, else the git-<sha>",
    'label of the image; the subject when that commit is in the service checkout. Migrations: the database',
    'supabase-apply --env would use (SUPABASE_DB_URL, else SUPABASE_DB_URL_STAGING / SUPABASE_DB_URL_PRODUCTION);',
    'unknown when none is set.',
    "Exit 0 when the table printed (unknown cells included); 1 when no environment's release could be read",
    '(flyctl missing, not logged in, Fly unreachable); 2 on bad input. flyctl status of one app: npx just machines <env>.',
  ],
  examples: ['npx just status', 'npx just status production --json', 'npm run status -- --source ../kotadb'],
  async run({ options, positionals, out, env: processEnv, runner, io }) {
    out.json = options.json;
    const started = performance.now();
    const [{ environmentList, parseEnvironment }, { BaseUrl, parseFlag, serviceCheckoutDir }] = await Promise.all([
      import('../lib/config/environments.ts'),
      import('../lib/release/options.ts'),
    ]);
    if (positionals.length > 1) throw new UsageError('give at most one environment (none: both)');
    const environments = positionals[0] === undefined ? environmentList() : [parseEnvironment(positionals[0])];
    const timeoutMs = parseTimeout(options.timeout) * 1000;
    const urls = {
      ...(options['staging-url'] === undefined
        ? {}
        : { staging: parseFlag('staging-url', BaseUrl, options['staging-url']) }),
      ...(options['production-url'] === undefined
        ? {}
        : { production: parseFlag('production-url', BaseUrl, options['production-url']) }),
    };
    const checkout = serviceCheckoutDir(options.source, processEnv, io.cwd);

    const [{ askStatus }, { renderStatus, statusJson }, { untilInterrupted }] = await Promise.all([
      import('../lib/doctor/status.ts'),
      import('../lib/doctor/status-table.ts'),
      import('../lib/doctor/checklist.ts'),
    ]);
    out.progress(`status: asking Fly, /health, git and the databases (${environments.map((e) => e.name).join(', ')})`);
    const report = await untilInterrupted(
      askStatus({
        environments,
        runner,
        processEnv,
        signal: io.signal,
        now: Date.now(),
        urls,
        cwd: io.cwd,
        checkout,
        migrationsDir: path.join(io.cwd, 'supabase', 'migrations'),
        timeoutMs,
      }),
      io.signal,
      'status',
    );
    out.clearProgress();
    if (options.json) out.jsonResult(statusJson(report, performance.now() - started));
    else for (const line of renderStatus(report)) out.result(line);
    const anyRelease = report.environments.some((e) => e.release.ok);
    if (!anyRelease) out.error('no release could be read from Fly: see the release row for why');
    return anyRelease ? ExitCode.ok : ExitCode.failed;
  },
});

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(seconds > 0 && seconds <= 600))
    throw new UsageError(`--timeout must be a number of seconds between 0 and 600, got "${value}"`);
  return seconds;
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
