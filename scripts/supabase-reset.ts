/**
 * supabase-reset: (re)create the local database with no Docker. Start (or reuse) the local
 * PostgreSQL, apply the plain-PostgreSQL bootstrap, run `supabase db reset --db-url … --yes`
 * (every migration, then the seed), check every local migration is recorded, print the
 * DATABASE_URL. Local targets only: anything else is refused before it is touched.
 */
import path from 'node:path';
import { defineCommand, STANDARD_OPTIONS } from '../lib/core/cli.ts';
import * as supabase from '../lib/commands/supabase.ts';
import { connectionEnv, displayDbUrl, parseDbUrl, type DbUrl, cliUrl } from '../lib/db/url.ts';
import { assertResettable } from '../lib/db/targets.ts';
import { assertDockerAnswers, ENGINES, parseEngine } from '../lib/db/engine.ts';
import { Interrupted, OperationFailed } from '../lib/core/errors.ts';
import { interrupted } from '../lib/core/interrupt.ts';
import { LocalPostgres, localPostgresConfig } from '../lib/db/local-postgres.ts';
import { isEntryPoint, runMain, withCli } from '../lib/core/main.ts';
import { readMigrationState } from '../lib/db/migration-status.ts';
import { listLocalMigrations } from '../lib/db/migrations.ts';
import { Output, formatDuration } from '../lib/core/output.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { withClient } from '../lib/db/pg.ts';
import { applyBootstrap, extensionsUsed, missingExtensions } from '../lib/db/plain-postgres.ts';
import { Runner } from '../lib/core/runner.ts';
import { readProjectConfig } from '../lib/db/project-config.ts';
import { projectRelative, supabaseProject, type SupabaseProject } from '../lib/db/project.ts';
import { runMigrationCommand, type MigrationRun } from '../lib/db/run-migrations.ts';

export const command = defineCommand({
  usage: 'npx just supabase-reset [--engine embedded|docker] [--db-url <local url>] [--no-seed] [--yes]',
  summary:
    'Recreate the local database: start (or reuse) the local PostgreSQL, apply the plain-PostgreSQL bootstrap, every migration and the seed, then print the DATABASE_URL. No Docker. Refuses any database that is not local.',
  options: {
    ...STANDARD_OPTIONS,
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
    'Refused with exit 3, before anything is touched: a host other than localhost/127.0.0.1/::1/a Unix socket,',
    "a database that SUPABASE_DB_URL or any SUPABASE_DB_URL_* names, and supabase/config.toml's [db] port on localhost.",
    'Exit 1 when a migration needs an extension this PostgreSQL lacks (names the extension and the file) or fails.',
    '--yes changes nothing here: the target is always local, so there is nothing to confirm.',
  ],
  examples: [
    'npm ci && npx just supabase-reset',
    'npx just supabase-reset --no-seed',
    'npx just supabase-reset --db-url postgresql://postgres@127.0.0.1:5432/kotadb_dev',
  ],
});

export async function main(argv: string[]): Promise<number> {
  const out = new Output();
  return withCli(
    command,
    argv,
    async ({ options }) => {
      const engine = parseEngine(options.engine);
      const project = supabaseProject(path.resolve(options.root ?? repoRoot));
      const runner = new Runner({ dryRun: options['dry-run'], output: out });
      const seed = !options['no-seed'];
      const { dbPort, majorVersion } = readProjectConfig(project);

      if (engine === 'docker') return resetDockerStack(runner, out, project, seed, options['db-url'] !== undefined);

      // The target: checked before anything starts or changes.
      const given = options['db-url'];
      let db: DbUrl | null = null;
      let local: LocalPostgres | null = null;
      if (given !== undefined) {
        db = parseDbUrl(given, '--db-url');
        assertResettable(db, { env: process.env, raw: given, dockerDbPort: dbPort });
      } else {
        local = new LocalPostgres(localPostgresConfig(), runner);
        assertResettable(local.dbUrl(), { env: process.env, dockerDbPort: dbPort });
        if (local.config.major !== majorVersion) {
          out.warn(
            `supabase/config.toml says major_version = ${majorVersion}, the embedded engine is PostgreSQL ${local.config.major}: check the migrations on ${majorVersion} too`,
          );
        }
      }
      const { migrations, skipped } = listLocalMigrations(project.migrationsDir);
      for (const file of skipped)
        out.warn(`supabase/migrations/${file}: not named <version>_<name>.sql, the CLI skips it`);

      if (local) {
        const { status, action } = await out.step('start the local PostgreSQL', () => local.start());
        if (!runner.dryRun)
          out.dim(
            `local PostgreSQL ${local.config.major} ${action === 'reused' ? 'already running' : 'started'} on 127.0.0.1:${status.port}`,
          );
        db = local.dbUrl('postgres', status.port);
        assertResettable(db, { env: process.env, dockerDbPort: dbPort });
        if (runner.dryRun && action !== 'reused') {
          await planRest(out, runner, project, db, seed);
          return 0;
        }
      }
      const target = db!;

      await withClient(target, async (client) => {
        await out.step('check the extensions the migrations need', async () => {
          const missing = await missingExtensions(client, extensionsUsed(migrations));
          const first = missing[0];
          if (first) {
            throw new OperationFailed(
              `extension "${first.extension}" is not available on this PostgreSQL: ${projectRelative(project, first.migration.path)} creates it`,
              {
                hint: `nothing was reset. The embedded engine has the contrib extensions only (pgcrypto, uuid-ossp, pg_trgm, citext, …)${
                  missing.length > 1
                    ? `; also missing: ${missing
                        .slice(1)
                        .map((m) => m.extension)
                        .join(', ')}`
                    : ''
                }`,
              },
            );
          }
        });
        if (runner.dryRun) {
          await planRest(out, runner, project, target, seed);
          return;
        }
        await out.step(`apply ${projectRelative(project, project.bootstrapFile)}`, () =>
          applyBootstrap(client, project.bootstrapFile),
        );
      });
      if (runner.dryRun) return 0;

      if (interrupted())
        throw new Interrupted('interrupted before the reset: the bootstrap may be applied, nothing was reset');
      let run: MigrationRun;
      try {
        run = await out.step(
          'supabase db reset',
          () =>
            runMigrationCommand(runner, supabase.dbReset(project.root, cliUrl(target), { seed }), target, {
              cwd: project.root,
              stream: true,
            }),
          { group: true },
        );
      } catch (error) {
        if (error instanceof Interrupted) {
          throw new Interrupted(
            `interrupted during supabase db reset: ${displayDbUrl(target)} is partly reset; run supabase-reset again`,
          );
        }
        throw error;
      }

      await out.step('check every migration is recorded', () => verifyRecorded(target, project));
      const seedNote = run.seedFile ? `, seed ${run.seedFile}` : seed ? ' (no seed file found)' : ', no seed';
      out.success(
        `local database reset: ${run.applied.length} migration${run.applied.length === 1 ? '' : 's'}${seedNote} (${formatDuration(run.durationMs)})`,
      );
      out.result(`DATABASE_URL=${displayDbUrl(target)}`);
      return 0;
    },
    out,
  );
}

/** Dry run: what a real run would do next. */
async function planRest(
  out: Output,
  runner: Runner,
  project: SupabaseProject,
  db: DbUrl,
  seed: boolean,
): Promise<void> {
  out.plan(
    `# apply ${projectRelative(project, project.bootstrapFile)} to ${displayDbUrl(db)} (pg client, one transaction)`,
  );
  // The runner prints the command (password-free argv, PGPASSWORD masked) and runs nothing.
  await runner.run(supabase.dbReset(project.root, cliUrl(db), { seed }), { env: connectionEnv(db) });
}

async function verifyRecorded(db: DbUrl, project: SupabaseProject): Promise<void> {
  const state = await withClient(db, (client) => readMigrationState(client, project.migrationsDir));
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
  const { dbPort } = readProjectConfig(project);
  // The stack's well-known password is not a secret: kept out of the redactor, which would
  // otherwise mask the word "postgres" everywhere.
  const db: DbUrl = {
    ...parseDbUrl(`postgresql://postgres@127.0.0.1:${dbPort}/postgres`, 'the Docker stack URL'),
    password: 'postgres',
  };
  await out.step('check every migration is recorded', () => verifyRecorded(db, project));
  out.success('local Supabase stack reset');
  out.result(`DATABASE_URL=${displayDbUrl(db)}  (password: the stack's default, postgres)`);
  return 0;
}

if (isEntryPoint(import.meta.url)) await runMain(main);
