/**
 * What doctor concludes from each answer, as pure functions: flyctl's JSON, the fly config
 * report, a /health probe, the migrations comparison -> ✓/✗/– with one line of detail and the
 * fix (the exact command to run). scripts/doctor.ts asks the questions and runs these.
 */
import { fail, pass, skip, type CheckOutcome } from './checklist.ts';
import { isTransactionPooler, parseDbUrl, type DbUrl } from '../db/url.ts';
import type { Environment } from '../config/environments.ts';
import { missingSecrets, runningRelease, sortReleases } from '../fly/client.ts';
import type { ConfigReport, FlyConfig } from '../config/fly-toml.ts';
import { mountsOf } from '../config/fly-toml.ts';
import { machineShortfall, volumeShortfall } from '../fly/capacity.ts';
import type { FlyRelease, FlySecret, FlyStatus, FlyVolume } from '../fly/json.ts';
import { stagedSecrets } from '../fly/secret-status.ts';
import { joinUrl, type ProbeResult, type UnhealthyCause } from '../release/health.ts';
import { dbLabel, describeDbError, readMigrationStatus, type MigrationStatus } from '../db/migration-status.ts';
import { describeEdit } from '../db/migrations.ts';
import { REQUIRED_SECRET_NAMES } from '../config/service-secrets.ts';

/** Checks in the order the checklist prints them. */
export const CHECK_TITLES = {
  flyctl: 'flyctl',
  login: 'logged in',
  config: 'fly config',
  app: 'app',
  secrets: 'secrets',
  release: 'latest release',
  machines: 'machines',
  health: '/health',
  migrations: 'migrations',
  volume: 'volume',
} as const;
export type CheckId = keyof typeof CHECK_TITLES;

export function judgeFlyctl(versionOutput: string): CheckOutcome {
  const version = /\bv?\d+\.\d+\.\d+\S*/.exec(versionOutput)?.[0];
  return pass(version ? `flyctl ${version}` : (versionOutput.split('\n')[0] ?? ''));
}

export function judgeConfig(report: ConfigReport, env: Environment): CheckOutcome {
  const [first, ...more] = report.problems;
  if (first !== undefined) {
    return fail(
      `${first}${more.length > 0 ? ` (and ${more.length} more)` : ''}`,
      `run \`npx just check\` to list every problem, then fix ${env.configFile}`,
    );
  }
  const warnings =
    report.warnings.length > 0
      ? ` (${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}: see \`npx just check\`)`
      : '';
  return pass(`${env.configFile} is valid and matches ${env.name}${warnings}`);
}

/** The app as `flyctl status --app <app>` found it (null: no such app for this token). */
export function judgeApp(status: FlyStatus | null, env: Environment): CheckOutcome {
  if (status) {
    return pass(`${status.name} in org ${status.org ?? '(unknown)'}${status.status ? `, ${status.status}` : ''}`);
  }
  return fail(
    `no app named ${env.app}, or this Fly token cannot see it (flyctl status --app ${env.app}: Could not find App)`,
    `create it with \`npx just fly-setup ${env.name}\` (needs an org token); with a deploy token, check it was made for ${env.app}`,
  );
}

export function judgeSecrets(
  secrets: readonly FlySecret[],
  env: Environment,
  app: { hasMachines: boolean },
): CheckOutcome {
  const missing = missingSecrets(secrets, REQUIRED_SECRET_NAMES);
  const { staged: notLive, unknown: flyctlCannotTell } = stagedSecrets(secrets, app);
  const staged = notLive.length > 0 ? `staged, not deployed: ${notLive.join(', ')}` : '';
  if (missing.length > 0) {
    return fail(
      `missing: ${missing.join(', ')}${staged ? `; ${staged}` : ''}`,
      `set them with \`npx just secrets ${env.name} set\` (reads .env.${env.name}; applies them to a deployed app)`,
    );
  }
  if (staged)
    return fail(
      staged,
      `apply them with \`npx just secrets ${env.name} deploy\` (restarts the machines) or the next \`npx just deploy ${env.name}\``,
    );
  // Not a failure on its own: flyctl lists every secret as Staged when it cannot tell.
  const unknown = flyctlCannotTell
    ? '; flyctl cannot tell whether they are deployed (it lists every one as Staged)'
    : secrets.some((s) => s.status === null)
      ? '; this flyctl does not say whether they are deployed'
      : '';
  return pass(`all ${REQUIRED_SECRET_NAMES.length} required set (${secrets.length} in all)${unknown}`);
}

export function judgeLatestRelease(releases: readonly FlyRelease[], env: Environment): CheckOutcome {
  const sorted = sortReleases(releases);
  const latest = sorted[0];
  if (!latest) return fail('no releases: never deployed', `deploy with \`npx just deploy ${env.name}\``);
  const when = latest.createdAt ? `, ${latest.createdAt}` : '';
  const by = latest.user ? ` by ${latest.user}` : '';
  switch (latest.status) {
    case 'complete':
      return pass(`v${latest.version} complete${when}${by}`);
    case 'running':
    case 'pending':
      return pass(`v${latest.version} is being deployed now (${latest.status}${when})`);
    default: {
      const good = runningRelease(sorted);
      return fail(
        `v${latest.version} ${latest.status}${when}${by}${good ? `; v${good.version} is the newest complete release` : ''}`,
        `roll back with \`npx just rollback ${env.name}\`, or deploy a fix with \`npx just deploy ${env.name}\``,
      );
    }
  }
}

// Fly machine states: started serves; stopped/suspended are idle (normal when the app
// auto-stops); the transitional ones mean the machine is being restarted or replaced.
const IDLE_STATES = new Set(['stopped', 'suspended']);
const RESTARTING_STATES = new Set(['starting', 'stopping', 'restarting', 'replacing', 'suspending']);

type MachineProblem = { kind: 'restarting' | 'critical' | 'stopped' | 'other'; text: string };

export function judgeMachines(status: FlyStatus, env: Environment, autoStop: boolean): CheckOutcome {
  const machines = status.machines;
  if (machines.length === 0)
    return fail('no machines: nothing is running', `deploy with \`npx just deploy ${env.name}\``);
  const problems: MachineProblem[] = [];
  let warnings = 0;
  for (const machine of machines) {
    if (RESTARTING_STATES.has(machine.state))
      problems.push({ kind: 'restarting', text: `${machine.id} is ${machine.state} (restarting)` });
    else if (IDLE_STATES.has(machine.state) && !autoStop) {
      problems.push({
        kind: 'stopped',
        text: `${machine.id} is ${machine.state} and ${env.configFile} does not auto-stop machines`,
      });
    } else if (machine.state !== 'started' && !IDLE_STATES.has(machine.state))
      problems.push({ kind: 'other', text: `${machine.id} is ${machine.state}` });
    for (const check of machine.checks) {
      if (check.status === 'critical')
        problems.push({ kind: 'critical', text: `${machine.id}: check ${check.name ?? '(unnamed)'} is critical` });
      else if (check.status === 'warning') warnings += 1;
    }
  }
  const logs = `\`npx just logs ${env.name} --no-tail\``;
  if (problems.length > 0) {
    const kinds = new Set(problems.map((p) => p.kind));
    const fix = kinds.has('restarting')
      ? `a machine that keeps restarting usually crashes on start: read ${logs} (out of memory? \`npx just scale-memory ${env.name} <mb>\`)`
      : kinds.has('critical')
        ? `read ${logs}; if the last deploy caused it, \`npx just rollback ${env.name}\``
        : kinds.has('stopped')
          ? `read ${logs} for why it stopped; \`npx just deploy ${env.name}\` starts it again`
          : `see \`npx just machines ${env.name}\` and ${logs}`;
    return fail(problems.map((p) => p.text).join('; '), fix);
  }
  const shortfall = machineShortfall(env, status);
  if (shortfall) return fail(shortfall.detail, shortfall.fix);
  const started = machines.filter((m) => m.state === 'started').length;
  const idle = machines.length - started;
  const checks = machines.reduce((n, m) => n + m.checks.length, 0);
  return pass(
    [
      `${started} started${idle > 0 ? `, ${idle} idle (auto-stopped)` : ''}`,
      checks === 0
        ? 'no health checks reported'
        : warnings > 0
          ? `${warnings} check${warnings === 1 ? '' : 's'} still warming up`
          : 'checks passing',
      ...(status.version !== null ? [`release v${status.version}`] : []),
    ].join(', '),
  );
}

/** Whether the fly config lets Fly stop idle machines (then a stopped machine is normal). */
export function autoStopsMachines(config: FlyConfig | null): boolean {
  if (!config) return true; // unknown: do not blame the machines for a config problem reported elsewhere
  return (config.services ?? []).some(
    (s) => s.auto_stop_machines !== undefined && s.auto_stop_machines !== false && s.auto_stop_machines !== 'off',
  );
}

export function judgeHealth(probe: ProbeResult, env: Environment, baseUrl: string): CheckOutcome {
  const latency = `${probe.latencyMs} ms`;
  if (!probe.healthy)
    return fail(`${probe.reason} (${joinUrl(baseUrl, '/health')}, ${latency})`, healthFix(probe.cause, env, baseUrl));
  const { body } = probe;
  const saas = body.saas;
  if (!saas) return pass(`${body.status} (no saas section: SaaS mode is off), ${latency}`);
  const database = `supabase ${saas.supabase_status}${typeof saas.supabase_latency_ms === 'number' ? ` (${saas.supabase_latency_ms} ms)` : ''}`;
  const failedRecent = saas.job_queue?.failed_recent;
  if (failedRecent !== undefined && failedRecent > 0) {
    return fail(
      `${body.status}, ${database}, but ${failedRecent} job${failedRecent === 1 ? '' : 's'} failed recently (saas.job_queue.failed_recent), ${latency}`,
      `read the failures with \`npx just logs ${env.name} --no-tail\``,
    );
  }
  return pass(`${body.status}, ${database}, failed_recent ${failedRecent ?? 'not reported'}, ${latency}`);
}

function healthFix(cause: UnhealthyCause, env: Environment, baseUrl: string): string {
  switch (cause) {
    case 'supabase':
      return `the API cannot reach Supabase: check DATABASE_URL (\`npx just secrets ${env.name} list\`) and the Supabase project's status`;
    case 'status':
      return `the API reports itself unhealthy: read \`npx just logs ${env.name} --no-tail\``;
    case 'not-json':
      return `something other than the KotaDB API answers at ${baseUrl}: check --url, then \`npx just machines ${env.name}\``;
    case 'http':
      return `Fly's proxy found no healthy machine: see \`npx just machines ${env.name}\` and \`npx just logs ${env.name} --no-tail\``;
    case 'network':
    case 'timeout':
      return `nothing answers at ${baseUrl}: see the machines check and \`npx just machines ${env.name}\` (or pass --url)`;
  }
}

/** The mounted volume: one per machine (`status`: the machines now; null when it could not be read). */
export function judgeVolume(
  volumes: readonly FlyVolume[],
  mount: { source: string; destination: string },
  env: Environment,
  status: FlyStatus | null,
): CheckOutcome {
  const named = volumes.filter((v) => v.name === mount.source);
  if (named.length === 0) {
    return fail(
      `no volume named ${mount.source} (${env.configFile} mounts it at ${mount.destination})`,
      `create it with \`npx just fly-setup ${env.name}\``,
    );
  }
  const shortfall = status ? volumeShortfall(env, status, volumes) : null;
  if (shortfall) return fail(shortfall.detail, shortfall.fix);
  const attached = named.filter((v) => v.attachedMachineId !== null).length;
  const where = named.map((v) => `${v.sizeGb} GB in ${v.region}`).join(', ');
  return pass(
    `${mount.source}: ${named.length} volume${named.length === 1 ? '' : 's'} (${where}), ${attached} attached`,
  );
}

/** The first [[mounts]] entry, or null when the config mounts nothing (or could not be read). */
export function mountOf(config: FlyConfig | null): { source: string; destination: string } | null {
  return config ? (mountsOf(config)[0] ?? null) : null;
}

export function judgeMigrations(status: MigrationStatus, db: DbUrl, env: Environment): CheckOutcome {
  const { pending, remoteOnly } = status.comparison;
  if (remoteOnly.length > 0) {
    return fail(
      `${dbLabel(db)} records ${remoteOnly.length} migration${remoteOnly.length === 1 ? '' : 's'} with no local file: ${remoteOnly.join(', ')}`,
      'update this checkout (git pull); if they were removed on purpose, repair the history with `supabase migration repair`',
    );
  }
  const edited = status.edited[0];
  if (edited) {
    return fail(
      `${dbLabel(db)} ran a different version of supabase/migrations/${edited.migration.file}: ${describeEdit(edited)}`,
      'an applied migration must not change: restore the file as it was applied (git log -p on it) and put the change in a new migration (`npx just supabase-generate <name>`)',
    );
  }
  if (pending.length > 0) {
    return fail(
      `${pending.length} pending on ${dbLabel(db)}: ${pending.map((m) => m.file).join(', ')}`,
      `apply them with \`npx just supabase-apply --env ${env.name}\``,
    );
  }
  return pass(`${dbLabel(db)} is up to date (${status.applied.length} applied, none pending)`);
}

/**
 * The migrations-database check for one DbUrl: refuses the transaction pooler (migrations need
 * a direct connection), connects with a short timeout and compares with the local files.
 */
export async function checkMigrationsDatabase(
  db: DbUrl,
  env: Environment,
  options: { timeoutMs: number; migrationsDir?: string },
): Promise<CheckOutcome> {
  if (isTransactionPooler(db)) {
    return fail(
      `${env.migrationsUrlVar} points at the transaction pooler (${dbLabel(db)}); migrations need a direct connection (port 5432)`,
      `set ${env.migrationsUrlVar} to the direct URL (Supabase: Project settings → Database)`,
    );
  }
  let status: MigrationStatus;
  try {
    status = await readMigrationStatus(db, options);
  } catch (error) {
    return fail(
      `cannot reach ${dbLabel(db)}: ${describeDbError(error, options.timeoutMs)}`,
      `check ${env.migrationsUrlVar} and that this network may reach the database`,
    );
  }
  return judgeMigrations(status, db, env);
}

/** Reads the environment's migrations URL variable: – when it is not set, ✗ when it is not a URL. */
export async function checkMigrationsFromEnv(
  env: Environment,
  processEnv: NodeJS.ProcessEnv,
  options: { timeoutMs: number; migrationsDir?: string },
): Promise<CheckOutcome> {
  const value = processEnv[env.migrationsUrlVar];
  if (!value)
    return skip(
      `${env.migrationsUrlVar} is not set: not checked`,
      `export ${env.migrationsUrlVar}=<direct database URL>`,
    );
  return checkMigrationsDatabase(parseDbUrl(value, env.migrationsUrlVar), env, options);
}
