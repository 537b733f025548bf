/**
 * "What runs where" (`status`): per environment the serving release, its image and commit,
 * health now, machines, staged secrets and pending migrations, and between staging and
 * production how far apart they are. Every question is asked at once, each under its own
 * deadline (answerWithin); one that fails or hangs is an unknown cell with the reason, never a
 * failed table. Read-only: flyctl reads, GET /health, git reads, one SELECT per database.
 */
import type { Environment } from '../config/environments.ts';
import * as git from '../commands/git.ts';
import { OperationFailed } from '../core/errors.ts';
import type { Runner } from '../core/runner.ts';
import { readMigrationStatus, type MigrationStatus } from '../db/migration-status.ts';
import { applyTargetConfigured, resolveApplyTarget, sameDatabase, type ApplyTarget } from '../db/targets.ts';
import { FlyClient, runningRelease } from '../fly/client.ts';
import type { FlyRelease, FlySecret, FlyStatus } from '../fly/json.ts';
import { describeUnknownStaged, stagedSecrets } from '../fly/secret-status.ts';
import { probeHealth } from '../release/health.ts';
import { readCommitRecords, releaseCommit, type CommitSource } from '../release/release-commit.ts';
import { sameImage } from '../release/serving.ts';
import { answerWithin, type Answer, type CheckLimits } from './checklist.ts';

export interface StatusQuestions {
  readonly environments: readonly Environment[];
  readonly runner: Runner;
  readonly processEnv: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  /** Wall-clock time of the run (ms since the epoch): ages are counted from it. */
  readonly now: number;
  /** Base URL of each environment's /health (default: its URL). */
  readonly urls: Readonly<Partial<Record<Environment['name'], string>>>;
  /** Where the deploy tags live (the toolkit's checkout). */
  readonly cwd: string;
  /** Where commits are looked up (the service checkout, else cwd). */
  readonly checkout: string;
  readonly migrationsDir: string;
  readonly timeoutMs: number;
}

export interface ServingRelease {
  readonly version: number;
  readonly imageRef: string | null;
  readonly createdAt: string | null;
  /** Since createdAt; null when Fly gave no date. */
  readonly ageMs: number | null;
}

export interface CommitInfo {
  readonly sha: string;
  readonly source: CommitSource;
  /** null when the commit is not in the checkout. */
  readonly subject: string | null;
}

export interface EnvironmentStatus {
  readonly environment: Environment['name'];
  readonly app: string;
  readonly url: string;
  readonly release: Answer<ServingRelease>;
  readonly commit: Answer<CommitInfo>;
  readonly health: Answer<{ readonly healthy: boolean; readonly detail: string; readonly latencyMs: number }>;
  readonly machines: Answer<{ readonly running: number; readonly total: number; readonly expected: number }>;
  readonly stagedSecrets: Answer<string[]>;
  readonly migrations: Answer<{ readonly pending: string[]; readonly applied: string[] }>;
}

export interface Between {
  /** Commits staging has that production lacks (ahead), and the other way (behind). */
  readonly commits: Answer<{ readonly ahead: number; readonly behind: number }>;
  readonly migrations: Answer<{ readonly ahead: number; readonly behind: number }>;
  readonly sameImage: Answer<boolean>;
}

export interface StatusReport {
  readonly environments: EnvironmentStatus[];
  /** Only when both environments were asked. */
  readonly between: Between | null;
}

const no = (why: string): { ok: false; why: string } => ({ ok: false, why });
const yes = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export async function askStatus(q: StatusQuestions): Promise<StatusReport> {
  const limits: CheckLimits = {
    timeoutMs: q.timeoutMs,
    timeoutFix: '',
  };
  const ask = <T>(question: () => Promise<T>) => answerWithin(limits, question);
  const fly = new FlyClient(q.runner, q.timeoutMs);
  const targets = new Map(q.environments.map((env) => [env.name, migrationTarget(env, q.processEnv)]));

  const perEnv = q.environments.map(async (env) => {
    const url = q.urls[env.name] ?? env.url;
    const releases = ask(() => fly.releases(env.app));
    const status = ask(() => fly.status(env.app));
    const secrets = ask(() => fly.secrets(env.app));
    const health = ask(() => probeHealth(url, q.timeoutMs, q.signal));
    const records = readCommitRecords(q.runner, env, q.cwd, q.timeoutMs, q.processEnv);
    const target = targets.get(env.name)!;
    const migrations: Promise<Answer<MigrationStatus>> = target.ok
      ? ask(() => readMigrationStatus(target.value.db, { timeoutMs: q.timeoutMs, migrationsDir: q.migrationsDir }))
      : Promise.resolve(target);
    const release = servingOf(await releases, q.now);
    const commit = release.ok ? await commitOf(release.value, await records, q, ask) : no('the release is unknown');
    const machines = await status;
    return {
      environment: env.name,
      app: env.app,
      url,
      release,
      commit,
      health: healthOf(await health),
      machines: machinesOf(machines, env),
      stagedSecrets: stagedOf(await secrets, machines),
      migrations: migrationsOf(await migrations),
    } satisfies EnvironmentStatus;
  });
  const environments = await Promise.all(perEnv);
  const staging = environments.find((e) => e.environment === 'staging');
  const production = environments.find((e) => e.environment === 'production');
  const between = staging && production ? await betweenOf(staging, production, targets, q, ask) : null;
  return { environments, between };
}

/** The database `supabase-apply --env <env>` would use, or why there is none. */
function migrationTarget(env: Environment, processEnv: NodeJS.ProcessEnv): Answer<ApplyTarget> {
  if (!applyTargetConfigured(undefined, env, processEnv))
    return no(`no database URL: set ${env.migrationsUrlVar} to see pending migrations`);
  try {
    return yes(resolveApplyTarget(undefined, env, processEnv));
  } catch (error) {
    return no((error as Error).message);
  }
}

function servingOf(releases: Answer<FlyRelease[]>, now: number): Answer<ServingRelease> {
  if (!releases.ok) return releases;
  const serving = runningRelease(releases.value);
  if (!serving) return no('no complete release: never deployed');
  const created = serving.createdAt ? Date.parse(serving.createdAt) : NaN;
  return yes({
    version: serving.version,
    imageRef: serving.imageRef,
    createdAt: serving.createdAt,
    ageMs: Number.isNaN(created) ? null : Math.max(0, now - created),
  });
}

async function commitOf(
  release: ServingRelease,
  records: Awaited<ReturnType<typeof readCommitRecords>>,
  q: StatusQuestions,
  ask: <T>(question: () => Promise<T>) => Promise<Answer<T>>,
): Promise<Answer<CommitInfo>> {
  const commit = releaseCommit(release, records);
  if (!commit) return no('no deploy tag, and the image has no git-<sha> label');
  const subject = await ask(async () => {
    const result = await q.runner.run(git.commitSubject(commit.sha), {
      cwd: q.checkout,
      check: false,
      timeoutMs: q.timeoutMs,
    });
    return result.exitCode === 0 ? result.stdout.trim() : null;
  });
  return yes({ ...commit, subject: subject.ok ? subject.value : null });
}

function healthOf(probe: Answer<Awaited<ReturnType<typeof probeHealth>>>): EnvironmentStatus['health'] {
  if (!probe.ok) return probe;
  const { latencyMs } = probe.value;
  return yes(
    probe.value.healthy
      ? { healthy: true, detail: 'healthy', latencyMs }
      : { healthy: false, detail: `unhealthy: ${probe.value.reason}`, latencyMs },
  );
}

/** Machines in these states no longer count (as in serving.ts). */
const GONE = new Set(['destroyed', 'destroying', 'replaced']);

function machinesOf(status: Answer<FlyStatus>, env: Environment): EnvironmentStatus['machines'] {
  if (!status.ok) return status;
  const machines = status.value.machines.filter((m) => !GONE.has(m.state));
  return yes({
    running: machines.filter((m) => m.state === 'started').length,
    total: machines.length,
    expected: env.machines,
  });
}

function stagedOf(secrets: Answer<FlySecret[]>, status: Answer<FlyStatus>): Answer<string[]> {
  if (!secrets.ok) return secrets;
  const hasMachines = status.ok ? status.value.machines.length > 0 : undefined;
  const staged = stagedSecrets(secrets.value, hasMachines === undefined ? {} : { hasMachines });
  return staged.unknown === null ? yes(staged.staged) : no(describeUnknownStaged(staged.unknown));
}

function migrationsOf(status: Answer<MigrationStatus>): EnvironmentStatus['migrations'] {
  if (!status.ok) return status;
  return yes({ pending: status.value.comparison.pending.map((m) => m.file), applied: status.value.applied });
}

async function betweenOf(
  staging: EnvironmentStatus,
  production: EnvironmentStatus,
  targets: ReadonlyMap<Environment['name'], Answer<ApplyTarget>>,
  q: StatusQuestions,
  ask: <T>(question: () => Promise<T>) => Promise<Answer<T>>,
): Promise<Between> {
  const commits = await commitDistance(staging.commit, production.commit, q, ask);
  const sameImageAnswer: Answer<boolean> =
    !staging.release.ok || !production.release.ok
      ? no(`the ${staging.release.ok ? 'production' : 'staging'} release is unknown`)
      : staging.release.value.imageRef === null || production.release.value.imageRef === null
        ? no('flyctl did not report an image')
        : yes(sameImage(staging.release.value.imageRef, production.release.value.imageRef));
  return { commits, migrations: migrationDistance(staging, production, targets), sameImage: sameImageAnswer };
}

async function commitDistance(
  staging: Answer<CommitInfo>,
  production: Answer<CommitInfo>,
  q: StatusQuestions,
  ask: <T>(question: () => Promise<T>) => Promise<Answer<T>>,
): Promise<Between['commits']> {
  if (!staging.ok) return no(`staging's commit is unknown (${staging.why})`);
  if (!production.ok) return no(`production's commit is unknown (${production.why})`);
  if (staging.value.sha === production.value.sha) return yes({ ahead: 0, behind: 0 });
  const counted = await ask(async () => {
    const result = await q.runner.run(git.commitsAheadBehind(production.value.sha, staging.value.sha), {
      cwd: q.checkout,
      check: false,
      timeoutMs: q.timeoutMs,
    });
    const match = /^(\d+)\s+(\d+)\s*$/.exec(result.stdout);
    if (result.exitCode !== 0 || !match) throw new OperationFailed(`a commit is not in ${q.checkout} (git fetch?)`);
    return { ahead: Number(match[2]), behind: Number(match[1]) };
  });
  return counted;
}

function migrationDistance(
  staging: EnvironmentStatus,
  production: EnvironmentStatus,
  targets: ReadonlyMap<Environment['name'], Answer<ApplyTarget>>,
): Between['migrations'] {
  const [s, p] = [targets.get('staging'), targets.get('production')];
  if (s?.ok && p?.ok && sameDatabase(s.value.db, p.value.db))
    return no(`both environments resolve to the same database (${s.value.source})`);
  if (!staging.migrations.ok) return no(`staging: ${staging.migrations.why}`);
  if (!production.migrations.ok) return no(`production: ${production.migrations.why}`);
  const onStaging = new Set(staging.migrations.value.applied);
  const onProduction = new Set(production.migrations.value.applied);
  return yes({
    ahead: [...onStaging].filter((v) => !onProduction.has(v)).length,
    behind: [...onProduction].filter((v) => !onStaging.has(v)).length,
  });
}
