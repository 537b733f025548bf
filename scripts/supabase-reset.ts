/**
 * supabase-reset: (re)create the local database with no Docker. Start (or reuse) the local
 * PostgreSQL, take the database's lock (one reset at a time), apply the plain-PostgreSQL
 * bootstrap, run `supabase db reset --db-url … --yes` (every migration, then the seed), check
 * every local migration is recorded, print the DATABASE_URL. Local targets only: anything else
 * is refused before it is touched.
 */
import path from 'node:path';
import * as supabase from '../lib/commands/supabase.ts';
import { DRY_RUN_OPTION, HELP_OPTION } from '../lib/core/cli.ts';
import { Interrupted, OperationFailed } from '../lib/core/errors.ts';
import type { Output } from '../lib/core/output.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { Runner } from '../lib/core/runner.ts';
import { defineScript, isEntryPoint, runEntry, type ScriptIO } from '../lib/core/script.ts';
import { formatDuration, plural } from '../lib/core/text.ts';
import { assertDockerAnswers, ENGINES, parseEngine } from '../lib/db/engine.ts';
import { LOCAL_DB_ENV, LocalPostgres, localPostgresConfig } from '../lib/db/local-postgres.ts';
import { readMigrationState } from '../lib/db/migration-status.ts';
import { listLocalMigrations, type LocalMigration } from '../lib/db/migrations.ts';
import { connect, loadDriver, type PgClient } from '../lib/db/pg.ts';
import { applyBootstrap, extensionsUsed, missingExtensions } from '../lib/db/plain-postgres.ts';
import { projectRelative, supabaseProject, type SupabaseProject } from '../lib/db/project.ts';
import { acquireResetLock, describeResetHolder, resetApplicationName } from '../lib/db/reset-lock.ts';
import { runMigrationCommand } from '../lib/db/run-migrations.ts';
import { assertResettable } from '../lib/db/targets.ts';
import { cliUrl, connectionEnv, displayDbUrl, parseDbUrl, type DbUrl } from '../lib/db/url.ts';

export const script = defineScript({
  usage: 'npx just supabase-reset [--engine embedded|docker] [--db-url <local url>] [--no-seed] [--dry-run]',
  summary:
    'Recreate the local database: start (or reuse) the local PostgreSQL, apply the plain-PostgreSQL bootstrap, every migration and the seed, then print the DATABASE_URL. No Docker. Refuses any database that is not local.',
  options: {
    ...HELP_OPTION,
    ...DRY_RUN_OPTION,
    engine: {
      type: 'string',
      value: `<${ENGINES.join('|')}>`,
      description: 'embedded (default: PostgreSQL 17 from npm, no Docker) or docker (the Supabase CLI stack)',
    },
    'db-url': {
      type: 'string',
      value: '<local url>',
      description: 'Reset this local database instead of the embedded server (plain PostgreSQL, superuser)',
    },
    'no-seed': { type: 'boolean', description: 'Skip supabase/seed.sql' },
    root: { type: 'string', value: '<dir>', description: 'Folder holding supabase/ (default: the toolkit root)' },
  },
  notes: [
    'Refused with exit 3, before anything is touched: a host other than localhost/127.0.0.1/::1, a database that',
    "SUPABASE_DB_URL or any SUPABASE_DB_URL_* names, and supabase/config.toml's [db] port on localhost. Exit 2: a",
    '--db-url query parameter outside sslmode, application_name, connect_timeout, options (e.g. ?dbname=).',
    'One reset per database at a time: a second one waits (up to 60s) and says for which run.',
    'Exit 1 when a migration needs an extension this PostgreSQL lacks (names the extension and the file) or fails.',
  ],
  examples: [
    'npm ci && npx just supabase-reset',
    'npx just supabase-reset --no-seed',
    'npx just supabase-reset --db-url postgresql://postgres@127.0.0.1:5432/kotadb_dev',
  ],
  async run({ options, io, out, env, dryRun, onInterrupt }) {
    const engine = parseEngine(options.engine);
    const project = supabaseProject(path.resolve(options.root ?? repoRoot));
    // The CLI's usage telemetry is a network call per start that no reset needs.
    const runner = new Runner({
      dryRun,
      output: out,
      env: { ...env, SUPABASE_TELEMETRY_DISABLED: '1' },
      exec: io.exec,
      signal: io.signal,
    });
    const seed = !options['no-seed'];
    // The driver loads while the rest starts up (pg.ts); the TOML parser only past --help.
    void loadDriver().catch(() => undefined);
    const { readProjectConfig } = await import('../lib/db/project-config.ts');
    const { dbPort, majorVersion } = readProjectConfig(project);
    let state = 'nothing was reset';
    onInterrupt(() => new Interrupted(`interrupted: ${state}`));

    if (engine === 'docker') return resetDockerStack(runner, out, project, seed, options['db-url'] !== undefined);

    // 1. The target, checked before anything starts or changes.
    const given = options['db-url'];
    let db: DbUrl;
    let local: LocalPostgres | null = null;
    if (given !== undefined) {
      db = parseDbUrl(given, '--db-url');
      assertResettable(db, { env, raw: given, dockerDbPort: dbPort });
    } else {
      local = new LocalPostgres(localPostgresConfig({ env }), runner);
      db = local.dbUrl();
      assertResettable(db, { env, dockerDbPort: dbPort });
      if (local.config.major !== majorVersion) {
        out.warn(
          `supabase/config.toml says major_version = ${majorVersion}, the embedded engine is PostgreSQL ${local.config.major}: check the migrations on ${majorVersion} too`,
        );
      }
    }
    const { migrations, skipped } = listLocalMigrations(project.migrationsDir);
    for (const file of skipped)
      out.warn(`supabase/migrations/${file}: not named <version>_<name>.sql, the CLI skips it`);

    // 2. The local server.
    if (local) {
      const server = local;
      state =
        'nothing was reset; the local PostgreSQL may be starting (`npx just db-status` shows it; a cluster interrupted while being created is removed by the next run)';
      const { status, action } = await out.step('start the local PostgreSQL', () => server.start());
      if (!dryRun)
        out.dim(
          `local PostgreSQL ${server.config.major} ${action === 'reused' ? 'already running' : 'started'} on 127.0.0.1:${status.port}`,
        );
      db = server.dbUrl('postgres', status.port);
      assertResettable(db, { env, dockerDbPort: dbPort });
      if (dryRun && action !== 'reused') {
        planRest(out, project, db);
        await runner.run(supabase.dbReset(project.root, cliUrl(db), { seed }), { env: connectionEnv(db) });
        return 0;
      }
    }
    const target = db;
    state = 'nothing was reset';

    // 3. One connection for the whole run: it holds the lock while the CLI resets.
    const client = await out.step('connect', () => connectTo(target, local));
    try {
      if (!dryRun) await lock(client, io, out, target);
      await out.step('check the extensions the migrations need', () => checkExtensions(client, project, migrations));
      if (dryRun) {
        planRest(out, project, target);
        await runner.run(supabase.dbReset(project.root, cliUrl(target), { seed }), { env: connectionEnv(target) });
        return 0;
      }
      state = 'the bootstrap may be applied, nothing was reset';
      await out.step(`apply ${projectRelative(project, project.bootstrapFile)}`, () =>
        applyBootstrap(client, project.bootstrapFile),
      );

      state = `${displayDbUrl(target)} is partly reset; run supabase-reset again`;
      const run = await out.step(
        'supabase db reset',
        () =>
          runMigrationCommand(runner, supabase.dbReset(project.root, cliUrl(target), { seed }), target, {
            cwd: project.root,
            stream: true,
          }),
        { group: true },
      );
      await out.step('check every migration is recorded', () => verifyRecorded(client, project));
      const seedNote = run.seedFile ? `, seed ${run.seedFile}` : seed ? ' (no seed file found)' : ', no seed';
      out.success(
        `local database reset: ${plural(run.applied.length, 'migration')}${seedNote} (${formatDuration(run.durationMs)})`,
      );
      out.result(`DATABASE_URL=${displayDbUrl(target)}`);
      return 0;
    } finally {
      // Ending the session releases the lock.
      await client.end().catch(() => undefined);
    }
  },
});

/** The lock's connection; a wrong password for the embedded server says which variable holds it. */
async function connectTo(db: DbUrl, local: LocalPostgres | null): Promise<PgClient> {
  try {
    return await connect(db, { applicationName: resetApplicationName() });
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (local && code === '28P01' && error instanceof OperationFailed) {
      throw new OperationFailed(error.message, {
        hint: `${LOCAL_DB_ENV.password} is not the password the local cluster in ${local.config.baseDir} was created with: set it to that one (or delete the folder to start over; its data is lost)`,
        cause: error,
      });
    }
    throw error;
  }
}

/** Waits for another reset (or apply) of this database, saying whose. */
async function lock(client: PgClient, io: ScriptIO, out: Output, db: DbUrl): Promise<void> {
  await out.step('take the reset lock', () =>
    acquireResetLock(client, {
      clock: io.clock,
      signal: io.signal,
      onWait: (holder) => out.info(`${describeResetHolder(holder)} on ${displayDbUrl(db)}: waiting`),
    }),
  );
}

async function checkExtensions(
  client: PgClient,
  project: SupabaseProject,
  migrations: readonly LocalMigration[],
): Promise<void> {
  const missing = await missingExtensions(client, extensionsUsed(migrations));
  const first = missing[0];
  if (!first) return;
  const others = missing.slice(1).map((m) => m.extension);
  throw new OperationFailed(
    `extension "${first.extension}" is not available on this PostgreSQL: ${projectRelative(project, first.migration.path)} creates it`,
    {
      hint: `nothing was reset. The embedded engine has the contrib extensions only (pgcrypto, uuid-ossp, pg_trgm, citext, …)${
        others.length ? `; also missing: ${others.join(', ')}` : ''
      }`,
    },
  );
}

/** Dry run: what a real run would do next (the runner prints the reset itself, password-free). */
function planRest(out: Output, project: SupabaseProject, db: DbUrl): void {
  out.plan(
    `# apply ${projectRelative(project, project.bootstrapFile)} to ${displayDbUrl(db)} (pg client, one transaction)`,
  );
}

async function verifyRecorded(client: PgClient, project: SupabaseProject): Promise<void> {
  const state = await readMigrationState(client, project.migrationsDir);
  if (state.pending.length || state.remoteOnly.length) {
    const parts = [
      state.pending.length ? `not recorded: ${state.pending.map((m) => m.file).join(', ')}` : '',
      state.remoteOnly.length ? `recorded without a file: ${state.remoteOnly.join(', ')}` : '',
    ].filter(Boolean);
    throw new OperationFailed(`the reset did not leave every migration recorded (${parts.join('; ')})`);
  }
}

/** --engine docker: the Supabase CLI's own stack does the whole job. */
async function resetDockerStack(
  runner: Runner,
  out: Output,
  project: SupabaseProject,
  seed: boolean,
  gaveUrl: boolean,
): Promise<number> {
  if (gaveUrl) out.warn('--db-url is ignored with --engine docker: the CLI resets its own stack');
  await assertDockerAnswers(runner);
  await out.step('supabase start', () =>
    runner.run(supabase.start(project.root), { output: 'stream', cwd: project.root, timeoutMs: 20 * 60_000 }),
  );
  await out.step('supabase db reset --local', () =>
    runner.run(supabase.dbResetLocal(project.root, { seed }), {
      output: 'stream',
      cwd: project.root,
      timeoutMs: 30 * 60_000,
    }),
  );
  if (runner.dryRun) return 0;
  const { dbPort } = (await import('../lib/db/project-config.ts')).readProjectConfig(project);
  // The stack's well-known password is not a secret: kept out of the redactor, which would
  // otherwise mask the word "postgres" everywhere.
  const db: DbUrl = {
    ...parseDbUrl(`postgresql://postgres@127.0.0.1:${dbPort}/postgres`, 'the Docker stack URL'),
    password: 'postgres',
  };
  const client = await connect(db);
  try {
    await out.step('check every migration is recorded', () => verifyRecorded(client, project));
  } finally {
    await client.end().catch(() => undefined);
  }
  out.success('local Supabase stack reset');
  out.result(`DATABASE_URL=${displayDbUrl(db)}  (password: the stack's default, postgres)`);
  return 0;
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
