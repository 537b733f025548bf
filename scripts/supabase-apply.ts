/**
 * supabase-apply: apply pending migrations to a database (staging, production, or any URL)
 * with `supabase db push`, safely. Steps: target → compare → lint → confirm → lock → re-compare →
 * push → verify. A refused file never reaches the prompt or the lock; production is confirmed
 * before the lock is taken (nobody waits on a person), and what is pending is compared again
 * under the lock.
 */
import path from 'node:path';
import { DRY_RUN_OPTION, HELP_OPTION, YES_OPTION } from '../lib/core/cli.ts';
import * as supabase from '../lib/commands/supabase.ts';
import { connectionEnv, displayDbUrl, isTransactionPooler, type DbUrl, cliUrl } from '../lib/db/url.ts';
import {
  applyTargetConfigured,
  assertNotTransactionPooler,
  protectedDatabases,
  resolveApplyTarget,
  sameDatabase,
} from '../lib/db/targets.ts';
import { ExitCode, Interrupted, OperationFailed, PreconditionFailed, UsageError } from '../lib/core/errors.ts';
import { defineScript, isEntryPoint, runEntry, type ScriptIO } from '../lib/core/script.ts';
import type { Runner } from '../lib/core/runner.ts';
import type { Output } from '../lib/core/output.ts';
import { formatDuration, plural } from '../lib/core/text.ts';
import {
  acquireMigrationLock,
  APPLY_APPLICATION_NAME,
  describeHolder,
  waitForCliSessions,
} from '../lib/db/migration-lock.ts';
import { readMigrationState } from '../lib/db/migration-status.ts';
import {
  parseDuration,
  pgDuration,
  withMigrationTimeouts,
  type MigrationTimeouts,
} from '../lib/db/migration-session.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { connect, loadDriver, type PgClient } from '../lib/db/pg.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { projectRelative, supabaseProject, type SupabaseProject } from '../lib/db/project.ts';
import { pendingKey, readApplyPlan, type ApplyPlan } from '../lib/db/apply-plan.ts';
import { push } from '../lib/db/push.ts';
import type { MigrationSql } from '../lib/db/migration-file.ts';
import { applyBootstrap } from '../lib/db/plain-postgres.ts';
import { lintGate, type GateDecision } from '../lib/db/lint/gate.ts';
import { lintMigrations, type FileReport } from '../lib/db/lint/lint.ts';
import { findingLines } from '../lib/db/lint/report.ts';
import { describeSession, oldTransactions } from '../lib/db/sessions.ts';

const DEFAULTS = { migrationLockWaitS: 60, lockTimeoutDdl: '4s', statementTimeout: '10m', lockRetries: 3 };
/** Transactions open longer than this make DDL queue behind them: named before applying. */
const OLD_TRANSACTION_MS = 60_000;

export const script = defineScript({
  usage: 'npx just supabase-apply [<postgres_url>] [--env staging|production] [options]',
  summary:
    'Apply pending Supabase migrations to a database with `supabase db push`, under a lock and with lock/statement timeouts, refusing drift, edited files, explicit transaction control and what the migration lint finds. Never drops anything, never runs the seed.',
  positionals: [
    {
      name: 'postgres_url',
      description: "Target database (default: SUPABASE_DB_URL, else the --env environment's SUPABASE_DB_URL_<ENV>)",
    },
  ],
  options: {
    ...HELP_OPTION,
    ...DRY_RUN_OPTION,
    ...YES_OPTION,
    env: {
      type: 'string',
      value: '<staging|production>',
      description: 'Environment: its SUPABASE_DB_URL_<ENV> is the fallback URL; production asks for confirmation',
    },
    'include-all': { type: 'boolean', description: 'Also apply pending files older than the newest applied one' },
    'allow-pooler': {
      type: 'boolean',
      description: 'Accept a transaction pooler URL (port 6543); migrations may break there',
    },
    'if-configured': {
      type: 'boolean',
      description:
        'When no database URL is configured at all, print a notice and exit 0 instead of 2 (CI without the secret)',
    },
    'migration-lock-wait': {
      type: 'string',
      value: '<s>',
      description: `Seconds to wait for another run's migration lock, and for a Supabase CLI session still on the database (default ${DEFAULTS.migrationLockWaitS})`,
    },
    'lock-timeout': {
      type: 'string',
      value: '<s>',
      description: 'Deprecated name of --migration-lock-wait',
    },
    'lock-timeout-ddl': {
      type: 'string',
      value: '<duration>',
      description: `lock_timeout of the migration session: a statement waiting longer for a table lock fails (default ${DEFAULTS.lockTimeoutDdl}; 0: none)`,
    },
    'statement-timeout': {
      type: 'string',
      value: '<duration>',
      description: `statement_timeout of the migration session (default ${DEFAULTS.statementTimeout}; 0: none)`,
    },
    'lock-retries': {
      type: 'string',
      value: '<n>',
      description: `Push again after a lock_timeout, this many times, with backoff (default ${DEFAULTS.lockRetries})`,
    },
    'allow-unsafe': {
      type: 'boolean',
      description:
        'Apply pending files with unacknowledged lint findings (each printed as a warning and in the summary); never transaction control',
    },
    'allow-contract': {
      type: 'boolean',
      description:
        'Apply a contract migration that does not declare itself `-- kotadb: contract` (the release still running may use what it removes)',
    },
    bootstrap: {
      type: 'boolean',
      description:
        'On a plain PostgreSQL (scratch database, not production): first create what Supabase provides (supabase/bootstrap/plain-postgres.sql)',
    },
    root: { type: 'string', value: '<dir>', description: 'Folder holding supabase/ (default: the toolkit root)' },
  },
  notes: [
    'The password never reaches argv or output: the CLI gets the URL without it, plus PGPASSWORD.',
    'Before the prompt and the lock, the pending files are linted (supabase-lint: squawk + the project rules, baselined',
    'files skipped): a finding not acknowledged in the file refuses unless --allow-unsafe, an undeclared contract',
    'migration unless --allow-contract; --dry-run refuses the same way (exit 3), so it tells what a real run would do.',
    'Exit 3: transaction pooler URL, drift (the database records versions with no local file: `supabase migration repair`),',
    'an applied file edited since it ran, older pending files without --include-all, a pending file with BEGIN/COMMIT/',
    'ROLLBACK/SAVEPOINT (file:line; no flag overrides it), an unacknowledged lint finding (file:line: rule, and the fix)',
    'without --allow-unsafe, an undeclared contract migration without --allow-contract, a plain PostgreSQL target without',
    '--bootstrap, production without confirmation, or what is pending changed while you confirmed (or since it was',
    'linted). Exit 1: a migration failed (named, with what the database kept),',
    'a lock_timeout after the last retry (the blocking session named), the lock or a CLI session stayed busy past',
    '--migration-lock-wait, the database is unreachable. Exit 130: Ctrl-C (the CLI is stopped, its statement cancelled',
    'on the server, and what is recorded is reported).',
  ],
  examples: [
    'SUPABASE_DB_URL_STAGING=… npx just supabase-apply --env staging',
    'npx just supabase-apply --env production --dry-run',
    'npx just supabase-apply "postgresql://postgres@127.0.0.1:54332/postgres"',
  ],
  async run({ options, positionals, io, out, env, runner, dryRun, onInterrupt }) {
    loadDriver().catch(() => undefined); // connect() reports a driver that does not load
    const settings = readSettings(options);
    const project = supabaseProject(path.resolve(options.root ?? repoRoot));
    const environment = options.env === undefined ? null : (await environments()).parseEnvironment(options.env);
    if (options['if-configured'] && !applyTargetConfigured(positionals[0], environment, env)) {
      const variable = environment ? environment.migrationsUrlVar : 'SUPABASE_DB_URL';
      out.notice(`migrations skipped: ${variable} is not configured (set it to apply migrations here)`);
      return ExitCode.ok;
    }

    // target
    const { db, source } = resolveApplyTarget(positionals[0], environment, env);
    assertNotTransactionPooler(db, options['allow-pooler']);
    if (isTransactionPooler(db))
      out.warn(
        '--allow-pooler: the transaction pooler does not keep session locks, so concurrent runs are not serialised',
      );
    const production = await isProduction(db, environment?.name ?? null, env);
    if (options.bootstrap && production)
      throw new PreconditionFailed('--bootstrap is for a scratch PostgreSQL, never production: nothing was changed');
    out.info(`target: ${displayDbUrl(db)} (from ${source})${production ? ' — production' : ''}`);
    const cliDb = withMigrationTimeouts(db, settings.timeouts);
    onInterrupt(() => new Interrupted('interrupted before anything was applied: nothing was changed'));

    const client = await out.step('connect', () => connect(db, { applicationName: APPLY_APPLICATION_NAME }));
    try {
      // compare
      const files = new Map<string, MigrationSql>();
      const plan = await out.step('compare with the database', () =>
        readApplyPlan(client, project, db, { ...settings, files }),
      );
      for (const file of plan.state.skipped)
        out.warn(`supabase/migrations/${file}: not named <version>_<name>.sql, the CLI skips it`);
      if (plan.pending.length === 0) return upToDate(out, db, plan);
      refuseUnbootstrapped(plan, options.bootstrap);
      listPending(out, project, db, plan);

      // lint, before anyone is asked anything and before the lock: a refused file stops here
      const allowed = await out.step('lint the pending migrations', () =>
        lintPending(out, project, runner, plan, {
          allowUnsafe: options['allow-unsafe'],
          allowContract: options['allow-contract'],
        }),
      );
      if (dryRun) {
        if (plan.missingSupabase.length) out.plan(`# bootstrap: ${project.bootstrapFile}`);
        await runner.run(supabase.dbPush(project.root, cliUrl(cliDb), { includeAll: settings.includeAll }), {
          env: { ...connectionEnv(db), ...supabase.CLI_ENV },
        });
        out.info('dry run: nothing was applied');
        return ExitCode.ok;
      }

      // confirm, before the lock: the lock is never held while a person decides
      const asked = production && !options.yes;
      if (production) {
        await confirmDangerousAction({
          env: (await environments()).ENVIRONMENTS.production,
          action: `apply ${plural(plan.pending.length, 'migration')} to production`,
          yes: options.yes,
          dryRun: false,
          out,
          input: io.stdin,
          signal: io.signal,
          processEnv: env,
        });
      }

      // lock, then compare again under it
      await out.step('take the migration lock', () => takeLock(client, out, io, settings.migrationLockWaitMs));
      const locked = await readApplyPlan(client, project, db, {
        ...settings,
        files,
        missingSupabase: plan.missingSupabase,
      });
      if (pendingKey(locked) !== pendingKey(plan)) {
        if (asked)
          throw new PreconditionFailed(
            `what is pending changed while you were confirming (now ${plural(locked.pending.length, 'file')}: ${locked.pending.map((m) => m.file).join(', ') || 'none'}); nothing was applied`,
            { hint: 'another run applied migrations meanwhile: run supabase-apply again to review what is left' },
          );
        if (locked.pending.length === 0) return upToDate(out, db, locked);
        refuseUnlinted(plan, locked);
        out.info(`another run applied migrations meanwhile: ${plural(locked.pending.length, 'file')} left to apply`);
      }
      await warnOldTransactions(client, out);
      if (locked.missingSupabase.length)
        await out.step('bootstrap the plain PostgreSQL', () => applyBootstrap(client, project.bootstrapFile));

      // push
      out.dim(describeTimeouts(settings.timeouts));
      onInterrupt(
        () =>
          new Interrupted(
            'interrupted again during supabase db push: the CLI was killed, and the statement it had sent may still be running on the server',
            { hint: 'check what is recorded with `npx just supabase-apply --dry-run` once it has ended' },
          ),
      );
      const run = await out.step(
        `supabase db push (${plural(locked.pending.length, 'file')})`,
        () =>
          push(
            {
              client,
              runner,
              out,
              clock: io.clock,
              signal: io.signal,
              project,
              db,
              cliDb,
              includeAll: settings.includeAll,
              lockRetries: settings.lockRetries,
              lockTimeoutMs: settings.timeouts.lockTimeoutMs,
              env,
            },
            locked.pending,
          ),
        { group: true },
      );

      // verify
      await out.step('check nothing is left pending', async () => {
        const after = await readMigrationState(client, project.migrationsDir);
        if (after.pending.length)
          throw new OperationFailed(
            `supabase db push finished but ${after.pending.length} file(s) are still not recorded: ${after.pending.map((m) => m.file).join(', ')}`,
          );
      });
      out.success(
        `applied ${run.applied.length} migration(s) to ${displayDbUrl(db)} in ${formatDuration(run.durationMs)}${run.attempts > 1 ? ` (${plural(run.attempts, 'push', 'pushes')}: lock timeouts retried)` : ''}`,
      );
      const width = Math.max(...run.applied.map((t) => t.file.length));
      for (const t of run.applied) out.result(`applied  ${t.file.padEnd(width)}  ${formatDuration(t.durationMs)}`);
      const appliedFiles = run.applied.map((t) => t.file);
      for (const line of overrideLines(allowed, appliedFiles)) out.result(line);
      return ExitCode.ok;
    } catch (error) {
      // What the run found out about the state (settled after Ctrl-C) is what gets said.
      if (error instanceof Interrupted) onInterrupt(() => error);
      throw error;
    } finally {
      // Ending the session releases the lock (after any interrupted push has settled).
      await client.end().catch(() => undefined);
    }
  },
});

interface Settings {
  readonly includeAll: boolean;
  readonly migrationLockWaitMs: number;
  readonly timeouts: MigrationTimeouts;
  readonly lockRetries: number;
}

function readSettings(options: {
  'include-all': boolean;
  'migration-lock-wait': string | undefined;
  'lock-timeout': string | undefined;
  'lock-timeout-ddl': string | undefined;
  'statement-timeout': string | undefined;
  'lock-retries': string | undefined;
}): Settings {
  if (options['migration-lock-wait'] !== undefined && options['lock-timeout'] !== undefined)
    throw new UsageError('--lock-timeout is the old name of --migration-lock-wait: give only one');
  const lockWait = options['migration-lock-wait'] ?? options['lock-timeout'];
  const flag = options['lock-timeout'] !== undefined ? '--lock-timeout' : '--migration-lock-wait';
  const retries = options['lock-retries'] ?? String(DEFAULTS.lockRetries);
  if (!/^\d+$/.test(retries) || Number(retries) > 20)
    throw new UsageError(`--lock-retries must be a whole number from 0 to 20, got "${retries}"`);
  return {
    includeAll: options['include-all'],
    migrationLockWaitMs: parseSeconds(lockWait, flag, DEFAULTS.migrationLockWaitS),
    timeouts: {
      lockTimeoutMs: parseDuration(options['lock-timeout-ddl'] ?? DEFAULTS.lockTimeoutDdl, '--lock-timeout-ddl'),
      statementTimeoutMs: parseDuration(
        options['statement-timeout'] ?? DEFAULTS.statementTimeout,
        '--statement-timeout',
      ),
    },
    lockRetries: Number(retries),
  };
}

function parseSeconds(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`${flag} must be a number of seconds, got "${value}"`);
  return Math.round(Number(value) * 1000);
}

async function takeLock(client: PgClient, out: Output, io: ScriptIO, waitMs: number): Promise<void> {
  const deadline = io.clock.now() + waitMs;
  await acquireMigrationLock(client, {
    timeoutMs: waitMs,
    clock: io.clock,
    signal: io.signal,
    onWait: (holder) =>
      out.info(
        `waiting for the migration lock: ${describeHolder(holder)} holds it (giving up after ${formatDuration(waitMs)})`,
      ),
  });
  await waitForCliSessions(client, {
    deadline,
    clock: io.clock,
    signal: io.signal,
    onWait: (sessions) =>
      out.info(
        `waiting for a Supabase CLI session still running on the database (an earlier apply that was killed, or someone's supabase db push): ${sessions.map(describeSession).join('; ')}`,
      ),
  });
}

/**
 * The migration lint on the pending files, and its gate: the refusal (exit 3) is thrown after
 * every finding is printed with its fix; what --allow-unsafe / --allow-contract let through is
 * said loudly (a warning, a `::warning::` annotation in GitHub Actions) and returned for the summary.
 */
async function lintPending(
  out: Output,
  project: SupabaseProject,
  runner: Runner,
  plan: ApplyPlan,
  allow: { allowUnsafe: boolean; allowContract: boolean },
): Promise<GateDecision> {
  const report = await lintMigrations(
    plan.pending.map((m) => m.path),
    { project, runner },
  );
  const decision = lintGate(report, allow);
  if (decision.refusal) {
    for (const finding of report.findings) for (const line of findingLines(finding)) out.info(line);
    throw new PreconditionFailed(`${decision.refusal.message}; nothing was applied`, {
      hint: decision.refusal.hint,
    });
  }
  for (const f of decision.unsafeAllowed)
    out.warn(`--allow-unsafe: applying ${f.file}:${f.line}: ${f.rule}: ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`);
  for (const file of decision.contractAllowed)
    out.warn(
      `--allow-contract: applying ${file.file}, a contract migration not declared \`-- kotadb: contract\` (${describeSignals(file)}): the release still running may use what it removes`,
    );
  return decision;
}

const describeSignals = (file: FileReport) =>
  file.classification.signals.map((s) => `${s.what}, line ${s.line}`).join('; ') || 'contract';

/** The summary's record of what the overrides let through, in the files this run applied. */
function overrideLines(decision: GateDecision, applied: readonly string[]): string[] {
  const ours = (file: string) => applied.includes(path.basename(file));
  return [
    ...decision.unsafeAllowed
      .filter((f) => ours(f.file))
      .map((f) => `allowed  ${f.file}:${f.line}  ${f.rule}  (--allow-unsafe)`),
    ...decision.contractAllowed
      .filter((f) => ours(f.file))
      .map((f) => `allowed  ${f.file}  contract: ${describeSignals(f)}  (--allow-contract)`),
  ];
}

/** Under the lock, a file pending now that was not before (its record removed meanwhile) was never linted. */
function refuseUnlinted(linted: ApplyPlan, locked: ApplyPlan): void {
  const known = new Set(linted.pending.map((m) => m.version));
  const unlinted = locked.pending.filter((m) => !known.has(m.version));
  if (unlinted.length === 0) return;
  throw new PreconditionFailed(
    `what is pending changed since it was linted (now also ${unlinted.map((m) => m.file).join(', ')}); nothing was applied`,
    { hint: 'the database lost records meanwhile (`supabase migration repair`?): run supabase-apply again' },
  );
}

function upToDate(out: Output, db: DbUrl, plan: ApplyPlan): number {
  out.success(`nothing to apply: all ${plan.state.local.length} migrations are applied`);
  out.result(`${displayDbUrl(db)} is up to date (${plan.state.applied.length} migrations recorded)`);
  return ExitCode.ok;
}

function refuseUnbootstrapped(plan: ApplyPlan, bootstrap: boolean): void {
  if (plan.missingSupabase.length === 0 || bootstrap) return;
  throw new PreconditionFailed(
    `the target is a plain PostgreSQL, not a Supabase database (no ${plan.missingSupabase.join(', ')}): the migrations would fail there; nothing was applied`,
    {
      hint: 'apply to a Supabase database; on a scratch PostgreSQL add --bootstrap (creates what Supabase provides); for the local dev database use `npx just supabase-reset`',
    },
  );
}

function listPending(out: Output, project: SupabaseProject, db: DbUrl, plan: ApplyPlan): void {
  out.result(`Pending migrations for ${displayDbUrl(db)} (${plan.pending.length}):`);
  for (const m of plan.pending) out.result(`  ${projectRelative(project, m.path)}`);
  if (plan.missingSupabase.length)
    out.info(`--bootstrap: the target lacks ${plan.missingSupabase.join(', ')}; the bootstrap creates them first`);
}

async function warnOldTransactions(client: PgClient, out: Output): Promise<void> {
  for (const session of await oldTransactions(client, OLD_TRANSACTION_MS))
    out.warn(
      `a transaction open for more than ${formatDuration(OLD_TRANSACTION_MS)} on this database: ${describeSession(session)} — DDL on a table it has touched waits for it (up to --lock-timeout-ddl per try)`,
    );
}

function describeTimeouts(timeouts: MigrationTimeouts): string {
  const show = (ms: number) => (ms === 0 ? 'none' : pgDuration(ms));
  return `migration session: lock_timeout ${show(timeouts.lockTimeoutMs)}, statement_timeout ${show(timeouts.statementTimeoutMs)}`;
}

/**
 * lib/config/environments.ts validates with zod, whose first import costs ~150 ms of start-up (a
 * tenth of pushing 100 migrations): loaded only when an environment is involved.
 */
function environments(): Promise<typeof import('../lib/config/environments.ts')> {
  return import('../lib/config/environments.ts');
}

/** Production when --env production says so, or when the URL is the production variable's database. */
async function isProduction(db: DbUrl, environment: string | null, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (environment === 'production') return true;
  const candidates = protectedDatabases(env).filter(
    (p) => p.name !== 'SUPABASE_DB_URL' && p.db !== null && sameDatabase(p.db, db),
  );
  if (candidates.length === 0) return false;
  const productionVar = (await environments()).ENVIRONMENTS.production.migrationsUrlVar;
  return candidates.some((p) => p.name === productionVar);
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
