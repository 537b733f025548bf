/**
 * doctor: check everything a deploy depends on and print a checklist (✓/✗/– with one line of
 * detail and the fix). Every check runs at once, each under its own timeout; a check whose
 * prerequisite failed is shown as not checked. Exit 0 when none fails, 1 otherwise. Read-only:
 * it changes nothing and never prints a secret value (Fly only reports secret names and
 * digests). Every Fly question is app-scoped, so a deploy token is enough.
 */
import path from 'node:path';
import {
  notChecked,
  pass,
  renderChecklist,
  runCheck,
  skip,
  summarize,
  summaryLine,
  untilInterrupted,
  type CheckLimits,
  type CheckOutcome,
  type CheckResult,
} from '../lib/doctor/checklist.ts';
import {
  autoStopsMachines,
  CHECK_TITLES,
  checkMigrationsFromEnv,
  judgeApp,
  judgeConfig,
  judgeFlyctl,
  judgeHealth,
  judgeLatestRelease,
  judgeMachines,
  judgeSecrets,
  judgeVolume,
  mountOf,
  type CheckId,
} from '../lib/doctor/checks.ts';
import { parseEnvironment } from '../lib/config/environments.ts';
import { checkFlyConfigFile } from '../lib/config/fly-toml.ts';
import { HELP_OPTION } from '../lib/core/cli.ts';
import { ExitCode, UsageError } from '../lib/core/errors.ts';
import { deferred, zod } from '../lib/core/deferred.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';
import { migrationsDir } from '../lib/db/migrations.ts';
import { FlyClient } from '../lib/fly/client.ts';
import type { FlyStatus } from '../lib/fly/json.ts';
import { probeHealth } from '../lib/release/health.ts';

const DEFAULT_TIMEOUT_SECONDS = 15;

// zod loads only when a flag needs it (not for --help or a run without flags).
const BaseUrl = deferred(() => zod().z.url({ protocol: /^https?$/ }));
const Seconds = deferred(() =>
  zod()
    .z.string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number)
    .pipe(zod().z.number().positive().max(600)),
);

export const script = defineScript({
  usage: 'npx just doctor <staging|production> [--url <base>] [--json] [--timeout <seconds>] [--root <dir>]',
  summary:
    'Check everything a deploy depends on (flyctl, login, fly config, app, secrets, latest release, machines, /health, migrations database, volumes) and print a checklist with the fix for each problem. Changes nothing.',
  positionals: [{ name: 'env', required: true, description: 'staging or production' }],
  options: {
    ...HELP_OPTION,
    url: {
      type: 'string',
      value: '<base>',
      description: 'Where the app answers /health (default: the environment URL)',
    },
    json: { type: 'boolean', description: 'Print the results as one JSON document on stdout' },
    timeout: {
      type: 'string',
      value: '<seconds>',
      description: `Time each check may take (default ${DEFAULT_TIMEOUT_SECONDS})`,
    },
    root: {
      type: 'string',
      value: '<dir>',
      description: 'Folder holding the fly configs and supabase/migrations (default: the toolkit root)',
    },
  },
  notes: [
    'Exit 0 when no check fails (– means not checked), 1 when any fails. doctor only reads.',
    'A deploy token is enough: every Fly question names the app (flyctl status/secrets/releases/volumes --app).',
    'The machines and volumes checks expect the counts of the environment table (production: 2 machines, one volume each).',
    'The migrations check runs when SUPABASE_DB_URL_STAGING / SUPABASE_DB_URL_PRODUCTION is set (direct URL, port 5432).',
  ],
  examples: [
    'npx just doctor production',
    'npx just doctor staging --json',
    'npm run doctor -- staging --url http://localhost:8080',
  ],
  async run({ options, positionals, out, env: processEnv, runner, io }) {
    const env = parseEnvironment(positionals[0]);
    const url = parseUrl(options.url ?? env.url);
    const timeoutMs = parseTimeout(options.timeout) * 1000;
    const root = path.resolve(options.root ?? repoRoot);
    out.json = options.json;
    out.info(`doctor: ${env.name} (${env.app}), /health at ${url}`);

    const started = performance.now();
    const limits: CheckLimits = {
      timeoutMs,
      timeoutFix: `retry; if it keeps timing out, allow more with --timeout <seconds> (now ${timeoutMs / 1000})`,
    };
    const fly = new FlyClient(runner, timeoutMs);
    const report = checkFlyConfigFile(env, root);
    const mount = mountOf(report.config);
    let finished = 0;
    const total = Object.keys(CHECK_TITLES).length;
    const check = async (id: CheckId, run: () => Promise<CheckOutcome>): Promise<CheckResult> => {
      const result = await runCheck(id, CHECK_TITLES[id], limits, run);
      out.progress(`doctor: ${++finished}/${total} checks done`);
      return result;
    };
    /** A check whose answer only means something when the one it needs passed. */
    const needs = async (needed: Promise<CheckResult>, own: Promise<CheckResult>): Promise<CheckResult> => {
      const [dependency, result] = await Promise.all([needed, own]);
      return dependency.status === 'pass' ? result : notChecked(result.id, result.title, dependency);
    };

    // Every question is asked at once (all read-only): a slow Fly API costs one timeout, not a
    // chain of them. Answers that depend on flyctl -> login -> app are judged in that order.
    // `flyctl status --app` answers both "does the app exist" and "how are its machines".
    let statusAnswer: Promise<FlyStatus | null> | undefined;
    const appStatus = () => (statusAnswer ??= fly.appStatus(env.app));
    const machinesNow = async (): Promise<FlyStatus | null> => appStatus().catch(() => null);
    const flyctl = check('flyctl', async () => judgeFlyctl(await fly.version()));
    const login = needs(
      flyctl,
      check('login', async () => pass(`as ${await fly.whoami()}`)),
    );
    const app = needs(
      login,
      check('app', async () => judgeApp(await appStatus(), env)),
    );
    const checks = Promise.all([
      flyctl,
      login,
      check('config', async () => judgeConfig(report, env)),
      app,
      needs(
        app,
        check('secrets', async () => {
          const [secrets, status] = await Promise.all([fly.secrets(env.app), machinesNow()]);
          return judgeSecrets(secrets, env, { hasMachines: (status?.machines.length ?? 0) > 0 });
        }),
      ),
      needs(
        app,
        check('release', async () => judgeLatestRelease(await fly.releases(env.app), env)),
      ),
      needs(
        app,
        check('machines', async () => {
          const status = await appStatus();
          return status
            ? judgeMachines(status, env, autoStopsMachines(report.config))
            : skip('the app check reports it missing');
        }),
      ),
      // Ctrl-C aborts the request itself (no socket left open until the timeout).
      check('health', async () => judgeHealth(await probeHealth(url, timeoutMs, io.signal), env, url)),
      check('migrations', () =>
        checkMigrationsFromEnv(env, processEnv, { timeoutMs, migrationsDir: migrationsDir(root) }),
      ),
      mount
        ? needs(
            app,
            check('volume', async () => {
              const [volumes, status] = await Promise.all([fly.volumes(env.app), machinesNow()]);
              return judgeVolume(volumes, mount, env, status);
            }),
          )
        : check('volume', async () =>
            skip(
              report.config
                ? `${env.configFile} mounts no volume: nothing to check`
                : `${env.configFile} could not be read`,
            ),
          ),
    ]);
    // doctor changes nothing: Ctrl-C stops waiting at once. flyctl (the runner) and the /health
    // probe stop themselves on io.signal; the migrations check's database client takes no
    // signal, so the run does not wait for it.
    const results = await untilInterrupted(checks, io.signal, 'doctor');
    out.clearProgress();

    const durationMs = Math.round(performance.now() - started);
    const summary = summarize(results);
    if (options.json) {
      out.jsonResult({ environment: env.name, app: env.app, url, ...summary, durationMs, checks: results });
    } else {
      for (const line of renderChecklist(results)) out.result(line);
      out.result(summaryLine(summary, durationMs));
    }
    return summary.ok ? ExitCode.ok : ExitCode.failed;
  },
});

function parseUrl(value: string): string {
  if (!BaseUrl().safeParse(value).success) throw new UsageError(`--url must be an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const parsed = Seconds().safeParse(value);
  if (!parsed.success) throw new UsageError(`--timeout must be a number of seconds between 0 and 600, got "${value}"`);
  return parsed.data;
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
