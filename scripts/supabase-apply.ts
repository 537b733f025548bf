/**
 * supabase-apply: apply pending migrations to a database (staging, production, or any URL)
 * with `supabase db push`, safely:
 *   1. resolve and check the URL (never the transaction pooler; the password never on argv);
 *   2. take the migration lock on our own connection (a second run waits, then gives up);
 *   3. compare supabase/migrations with the tracking table (drift -> exit 3, repair hint);
 *   4. --dry-run stops here; production asks for confirmation;
 *   5. `supabase db push --db-url … --yes`, then check nothing is left pending.
 */
import path from 'node:path';
import { defineCommand, STANDARD_OPTIONS } from '../lib/core/cli.ts';
import * as supabase from '../lib/commands/supabase.ts';
import { connectionEnv, displayDbUrl, isTransactionPooler, type DbUrl, cliUrl } from '../lib/db/url.ts';
import {
  applyTargetConfigured,
  assertNotTransactionPooler,
  protectedDatabases,
  resolveApplyTarget,
  sameDatabase,
} from '../lib/db/targets.ts';
import { Interrupted, OperationFailed, PreconditionFailed, UsageError } from '../lib/core/errors.ts';
import { isEntryPoint, runMain, withCli } from '../lib/core/main.ts';
import { acquireMigrationLock, APPLY_APPLICATION_NAME, describeHolder } from '../lib/db/migration-lock.ts';
import { readMigrationState } from '../lib/db/migration-status.ts';
import { Output, formatDuration } from '../lib/core/output.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { connect, type PgClient } from '../lib/db/pg.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { describeCommand, Runner } from '../lib/core/runner.ts';
import { projectRelative, supabaseProject, type SupabaseProject } from '../lib/db/project.ts';
import { MigrationFailed, runMigrationCommand, type MigrationRun } from '../lib/db/run-migrations.ts';

const DEFAULT_LOCK_TIMEOUT_S = 60;

export const command = defineCommand({
  usage: 'npx just supabase-apply [<postgres_url>] [--env staging|production] [options]',
  summary:
    'Apply pending Supabase migrations to a database with `supabase db push`, under a lock, refusing drift. Never drops anything, never runs the seed.',
  positionals: [
    {
      name: 'postgres_url',
      description: "Target database (default: SUPABASE_DB_URL, else the --env environment's SUPABASE_DB_URL_<ENV>)",
    },
  ],
  options: {
    ...STANDARD_OPTIONS,
    'dry-run': { type: 'boolean', description: 'Print the pending files (and the push command) and change nothing' },
    yes: {
      type: 'boolean',
      short: 'y',
      description: 'Skip the production confirmation (required in CI / without a TTY)',
    },
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
    'lock-timeout': {
      type: 'string',
      value: '<s>',
      description: `Seconds to wait for another run's migration lock (default ${DEFAULT_LOCK_TIMEOUT_S})`,
    },
    root: { type: 'string', value: '<dir>', description: 'Folder holding supabase/ (default: the toolkit root)' },
  },
  notes: [
    'The password never reaches argv or output: the CLI gets the URL without it, plus PGPASSWORD.',
    'Exit 3: transaction pooler URL, drift (the database records versions with no local file: `supabase migration repair`),',
    'older pending files without --include-all, production without confirmation. Exit 1: a migration failed (named),',
    'the lock stayed busy past --lock-timeout, the database is unreachable.',
  ],
  examples: [
    'SUPABASE_DB_URL_STAGING=… npx just supabase-apply --env staging',
    'npx just supabase-apply --env production --dry-run',
    'npx just supabase-apply "postgresql://postgres@127.0.0.1:54332/postgres"',
  ],
});

export async function main(argv: string[]): Promise<number> {
  const out = new Output();
  return withCli(
    command,
    argv,
    async ({ options, positionals }) => {
      const environment = options.env === undefined ? null : (await environments()).parseEnvironment(options.env);
      const lockTimeoutMs = parseLockTimeout(options['lock-timeout']);
      const project = supabaseProject(path.resolve(options.root ?? repoRoot));
      if (options['if-configured'] && !applyTargetConfigured(positionals[0], environment, process.env)) {
        const variable = environment ? environment.migrationsUrlVar : 'SUPABASE_DB_URL';
        out.notice(`migrations skipped: ${variable} is not configured (set it to apply migrations here)`);
        return 0;
      }
      const { db, source } = resolveApplyTarget(positionals[0], environment, process.env);
      assertNotTransactionPooler(db, options['allow-pooler']);
      if (isTransactionPooler(db))
        out.warn(
          '--allow-pooler: the transaction pooler does not keep session locks, so concurrent runs are not serialised',
        );
      const production = await isProduction(db, environment?.name ?? null);
      const runner = new Runner({ dryRun: options['dry-run'], output: out });
      out.info(`target: ${displayDbUrl(db)} (from ${source})${production ? ' — production' : ''}`);

      const client = await out.step('connect', () => connect(db, { applicationName: APPLY_APPLICATION_NAME }));
      try {
        if (!runner.dryRun) {
          await out.step('take the migration lock', () =>
            acquireMigrationLock(client, {
              timeoutMs: lockTimeoutMs,
              onWait: (holder) =>
                out.info(
                  `waiting for the migration lock: ${describeHolder(holder)} holds it (giving up after ${lockTimeoutMs / 1000}s)`,
                ),
            }),
          );
        }
        const state = await readMigrationState(client, project.migrationsDir);
        for (const file of state.skipped)
          out.warn(`supabase/migrations/${file}: not named <version>_<name>.sql, the CLI skips it`);
        if (state.remoteOnly.length) {
          const repair = describeCommand(
            supabase.migrationRepair(project.root, cliUrl(db), state.remoteOnly, 'reverted').argv,
          );
          throw new PreconditionFailed(
            `drift: the database records ${state.remoteOnly.length} migration(s) that supabase/migrations does not have (${state.remoteOnly.join(', ')}); nothing was applied`,
            {
              hint: `fetch the missing files (git pull) — or, if they were reverted on purpose, mark them so: PGPASSWORD=… ${repair}`,
            },
          );
        }
        if (state.pending.length === 0) {
          out.success(`nothing to apply: all ${state.local.length} migrations are applied`);
          out.result(`${displayDbUrl(db)} is up to date (${state.applied.length} migrations recorded)`);
          return 0;
        }
        if (state.outOfOrder.length && !options['include-all']) {
          throw new PreconditionFailed(
            `${state.outOfOrder.length} pending file(s) are older than the newest applied migration (${state.outOfOrder.map((m) => m.file).join(', ')}); nothing was applied`,
            { hint: 'check they belong after what is applied, then re-run with --include-all' },
          );
        }

        out.result(`Pending migrations for ${displayDbUrl(db)} (${state.pending.length}):`);
        for (const m of state.pending) out.result(`  ${projectRelative(project, m.path)}`);
        if (runner.dryRun) {
          await runner.run(supabase.dbPush(project.root, cliUrl(db), { includeAll: options['include-all'] }), {
            env: connectionEnv(db),
          });
          out.info('dry run: nothing was applied');
          return 0;
        }
        if (production) {
          await confirmDangerousAction({
            env: (await environments()).ENVIRONMENTS.production,
            action: `apply ${state.pending.length} migration(s) to production`,
            yes: options.yes,
            dryRun: false,
            out,
          });
        }

        const run = await push(runner, out, client, project, db, options['include-all'], state.pending.length);
        await out.step('check nothing is left pending', async () => {
          const after = await readMigrationState(client, project.migrationsDir);
          if (after.pending.length)
            throw new OperationFailed(
              `supabase db push finished but ${after.pending.length} file(s) are still not recorded: ${after.pending.map((m) => m.file).join(', ')}`,
            );
        });
        out.success(
          `applied ${run.applied.length} migration(s) to ${displayDbUrl(db)} in ${formatDuration(run.durationMs)}`,
        );
        const width = Math.max(...run.applied.map((t) => t.file.length));
        for (const t of run.applied) out.result(`applied  ${t.file.padEnd(width)}  ${formatDuration(t.durationMs)}`);
        return 0;
      } finally {
        // Ending the session releases the lock.
        await client.end().catch(() => undefined);
      }
    },
    out,
  );
}

async function push(
  runner: Runner,
  out: Output,
  client: PgClient,
  project: SupabaseProject,
  db: DbUrl,
  includeAll: boolean,
  pending: number,
): Promise<MigrationRun> {
  try {
    return await out.step(
      `supabase db push (${pending} file${pending === 1 ? '' : 's'})`,
      () =>
        runMigrationCommand(runner, supabase.dbPush(project.root, cliUrl(db), { includeAll }), db, {
          cwd: project.root,
          stream: true,
        }),
      { group: true },
    );
  } catch (error) {
    if (error instanceof Interrupted) {
      const after = await readMigrationState(client, project.migrationsDir).catch(() => null);
      const done = after
        ? `${pending - after.pending.length} of ${pending} pending file(s) were applied and recorded`
        : 'some files may have been applied';
      throw new Interrupted(
        `interrupted during supabase db push: ${done}; the file in progress was rolled back. Run supabase-apply again to apply the rest`,
      );
    }
    if (error instanceof MigrationFailed)
      out.dim(`applied before the failure: ${error.appliedBefore.length ? error.appliedBefore.join(', ') : 'none'}`);
    throw error;
  }
}

/**
 * lib/config/environments.ts validates with zod, whose first import costs ~150 ms of start-up (a
 * tenth of pushing 100 migrations): loaded only when an environment is involved.
 */
function environments(): Promise<typeof import('../lib/config/environments.ts')> {
  return import('../lib/config/environments.ts');
}

/** Production when --env production says so, or when the URL is the production variable's database. */
async function isProduction(db: DbUrl, environment: string | null): Promise<boolean> {
  if (environment === 'production') return true;
  const candidates = protectedDatabases(process.env).filter(
    (p) => p.name !== 'SUPABASE_DB_URL' && p.db !== null && sameDatabase(p.db, db),
  );
  if (candidates.length === 0) return false;
  const productionVar = (await environments()).ENVIRONMENTS.production.migrationsUrlVar;
  return candidates.some((p) => p.name === productionVar);
}

function parseLockTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LOCK_TIMEOUT_S * 1000;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(seconds))
    throw new UsageError(`--lock-timeout must be a number of seconds, got "${value}"`);
  return Math.round(seconds * 1000);
}

if (isEntryPoint(import.meta.url)) await runMain(main);
