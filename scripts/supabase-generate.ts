/**
 * supabase-generate <short_name>: turn changes made in the local dev database into a new
 * migration, with no Docker. Build a fresh shadow database from bootstrap + every migration,
 * `supabase db diff --from <shadow> --to <dev>`, write the (cleaned) difference as
 * supabase/migrations/<UTC timestamp>_<short_name>.sql, then prove it: a second shadow built
 * with the new file must not differ from the dev database. Shadows are always dropped.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defineCommand, STANDARD_OPTIONS } from '../lib/core/cli.ts';
import * as supabase from '../lib/commands/supabase.ts';
import { connectionEnv, displayDbUrl, isLocalDb, parseDbUrl, type DbUrl, cliUrl } from '../lib/db/url.ts';
import { assertDockerAnswers, ENGINES, parseEngine } from '../lib/db/engine.ts';
import { Interrupted, OperationFailed, PreconditionFailed, UsageError } from '../lib/core/errors.ts';
import { LocalPostgres, localPostgresConfig } from '../lib/db/local-postgres.ts';
import { isEntryPoint, runMain, withCli } from '../lib/core/main.ts';
import { readMigrationState } from '../lib/db/migration-status.ts';
import { listLocalMigrations } from '../lib/db/migrations.ts';
import { migrationHeader, nextMigrationVersion, validateMigrationName } from '../lib/db/generate/new-migration.ts';
import { Output } from '../lib/core/output.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { findNewerThan15 } from '../lib/db/generate/pg-compat.ts';
import { connect } from '../lib/db/pg.ts';
import { Runner } from '../lib/core/runner.ts';
import { normaliseDiff } from '../lib/db/generate/schema-diff.ts';
import { ShadowDatabases } from '../lib/db/generate/shadow.ts';
import { projectRelative, supabaseProject, type SupabaseProject } from '../lib/db/project.ts';

const SCHEMA_LIST = /^[a-z_][a-z0-9_$]*(,[a-z_][a-z0-9_$]*)*$/i;
const DIFF_TIMEOUT_MS = 10 * 60_000;

export const command = defineCommand({
  usage: 'npx just supabase-generate <short_name> [--engine embedded|docker] [--schema a,b] [--db-url <local dev url>]',
  summary:
    'Write a new migration from the changes made in the local dev database (diff of a shadow built from the migrations against it), then verify it reproduces them. No Docker.',
  positionals: [
    {
      name: 'short_name',
      description: 'Migration name: ^[a-z][a-z0-9_]{0,62}$ (the file is <UTC YYYYMMDDHHMMSS>_<short_name>.sql)',
      required: true,
    },
  ],
  options: {
    ...STANDARD_OPTIONS,
    'dry-run': {
      type: 'boolean',
      description:
        'Print the migration that would be written; write nothing (scratch shadows are still built and dropped)',
    },
    engine: {
      type: 'string',
      value: `<${ENGINES.join('|')}>`,
      description: 'embedded (default: the local PostgreSQL, no Docker) or docker (the Supabase CLI stack)',
    },
    schema: { type: 'string', value: '<a,b>', description: 'Only diff these schemas (comma separated)' },
    'db-url': {
      type: 'string',
      value: '<local url>',
      description:
        "The dev database to diff (default: the embedded server's postgres database); shadows go on its server",
    },
    root: { type: 'string', value: '<dir>', description: 'Folder holding supabase/ (default: the toolkit root)' },
  },
  notes: [
    'No difference: prints "No schema changes found", writes nothing, exit 0. Grants to "postgres" and the',
    '17-only MAINTAIN privilege are left out of the file; REVOKE statements are kept and flagged for review.',
    'Exit 1 when the round trip finds a remaining difference (the file is kept for you to review).',
    '--yes changes nothing here.',
  ],
  examples: [
    'npx just supabase-generate add_repository_stars',
    'npx just supabase-generate notes --schema public --dry-run',
  ],
});

export async function main(argv: string[]): Promise<number> {
  const out = new Output();
  return withCli(
    command,
    argv,
    async ({ options, positionals }) => {
      const name = validateMigrationName(positionals[0]!);
      const schemas = parseSchemas(options.schema);
      const engine = parseEngine(options.engine);
      const project = supabaseProject(path.resolve(options.root ?? repoRoot));
      // Shadows are scratch: they are built and dropped even in a dry run, which only skips the write.
      const runner = new Runner({ output: out });
      const dryRun = options['dry-run'];

      if (engine === 'docker') {
        if (options['db-url'] !== undefined)
          out.warn('--db-url is ignored with --engine docker: the CLI diffs its own stack');
        await assertDockerAnswers(runner);
        const diff = async () =>
          (
            await runner.run(supabase.dbDiffLocal(project.root, schemas), {
              cwd: project.root,
              timeoutMs: DIFF_TIMEOUT_MS,
            })
          ).stdout;
        return generate(out, project, name, 'the local Supabase stack', diff, dryRun, async () => undefined);
      }

      let dev: DbUrl;
      if (options['db-url'] !== undefined) {
        dev = parseDbUrl(options['db-url'], '--db-url');
        if (!isLocalDb(dev)) {
          throw new PreconditionFailed(
            `${displayDbUrl(dev)} is not local: supabase-generate builds shadow databases on the dev database's server`,
            { hint: 'point --db-url at a local dev database' },
          );
        }
      } else {
        const local = new LocalPostgres(localPostgresConfig(), runner);
        const { status } = await out.step('start the local PostgreSQL', () => local.start());
        dev = local.dbUrl('postgres', status.port);
      }

      const admin = await connect(dev, { applicationName: 'kotadb-ops supabase-generate' });
      const shadows = new ShadowDatabases(admin, dev, runner, project);
      try {
        await checkDevDatabase(await readMigrationState(admin, project.migrationsDir));
        const diff = async () => {
          const shadow = await out.step('build a shadow database (bootstrap + migrations)', () => shadows.create());
          const result = await out.step('supabase db diff --from <shadow> --to <dev>', () =>
            runner.run(supabase.dbDiff(project.root, cliUrl(shadow), cliUrl(dev), schemas), {
              env: connectionEnv(dev),
              cwd: project.root,
              timeoutMs: DIFF_TIMEOUT_MS,
            }),
          );
          return result.stdout;
        };
        // The dev database already has the new file's changes: record it there as applied, or
        // the next generate (or apply) would see it as pending.
        const record = async (version: string) => {
          await out.step(`record ${version} as applied on the dev database`, () =>
            runner.run(supabase.migrationRepair(project.root, cliUrl(dev), [version], 'applied'), {
              env: connectionEnv(dev),
              cwd: project.root,
              timeoutMs: DIFF_TIMEOUT_MS,
            }),
          );
        };
        return await generate(out, project, name, displayDbUrl(dev), diff, dryRun, record);
      } catch (error) {
        if (error instanceof Interrupted)
          throw new Interrupted(`interrupted: shadow databases dropped; ${error.message}`);
        throw error;
      } finally {
        const left = await shadows.dropAll();
        if (left.length) out.warn(`could not drop the shadow database(s) ${left.join(', ')}: drop them by hand`);
        await admin.end().catch(() => undefined);
      }
    },
    out,
  );
}

/** The dev database must hold exactly the local migrations, or the diff would undo or redo them. */
async function checkDevDatabase(state: Awaited<ReturnType<typeof readMigrationState>>): Promise<void> {
  if (state.applied.length === 0 && state.local.length > 0) {
    throw new PreconditionFailed('the dev database has no migrations applied', {
      hint: 'run `npx just supabase-reset` first, then make your changes',
    });
  }
  if (state.pending.length) {
    throw new PreconditionFailed(
      `the dev database lacks ${state.pending.length} migration(s) (${state.pending.map((m) => m.file).join(', ')}): the diff would undo them`,
      {
        hint: 'apply them to it first (`npx just supabase-apply <dev url>`; `npx just supabase-reset` also works but drops your changes)',
      },
    );
  }
  if (state.remoteOnly.length) {
    throw new PreconditionFailed(
      `the dev database records migration(s) with no file in supabase/migrations (${state.remoteOnly.join(', ')})`,
      {
        hint: 'restore the files, or `npx just supabase-reset` the dev database',
      },
    );
  }
}

async function generate(
  out: Output,
  project: SupabaseProject,
  name: string,
  source: string,
  diff: () => Promise<string>,
  dryRun: boolean,
  recordOnDev: (version: string) => Promise<void>,
): Promise<number> {
  const first = normaliseDiff(await diff());
  if (!first.sql) {
    out.result('No schema changes found');
    return 0;
  }
  if (first.dropped.length)
    out.dim(`left out ${first.dropped.length} privilege statement(s) that only grant to "postgres" or MAINTAIN`);
  for (const revoke of first.revokes)
    out.warn(`review this REVOKE (the diff revokes ALL; re-grant what must stay): ${revoke}`);
  for (const finding of findNewerThan15(first.sql))
    out.warn(
      `line ${finding.line} uses ${finding.feature} (PostgreSQL ${finding.since}+; Supabase also hosts 15): ${finding.text}`,
    );

  const now = new Date();
  const version = nextMigrationVersion(now, listLocalMigrations(project.migrationsDir).migrations);
  const file = path.join(project.migrationsDir, `${version}_${name}.sql`);
  const relative = projectRelative(project, file);
  if (dryRun) {
    out.result(first.sql.trimEnd());
    out.info(`dry run: would write ${relative}`);
    return 0;
  }
  writeFileSync(file, migrationHeader(name, now, source) + first.sql, { flag: 'wx' });
  out.success(`wrote ${relative}`);
  out.result(relative);

  let second;
  try {
    second = normaliseDiff(await diff());
  } catch (error) {
    if (error instanceof OperationFailed && !(error instanceof Interrupted)) {
      throw new OperationFailed(`round trip failed: ${error.message}`, {
        hint: `review or delete ${relative}`,
        cause: error,
      });
    }
    throw error;
  }
  if (second.sql) {
    out.error(`a shadow built with ${relative} still differs from the dev database:`);
    for (const line of second.sql.trimEnd().split('\n')) out.info(`  ${line}`);
    throw new OperationFailed('round trip failed: the new migration does not reproduce every change', {
      hint: `edit ${relative} (kept) and run supabase-generate again with another name for the rest`,
    });
  }
  out.success('round trip verified: a shadow built with the new migration matches the dev database');
  await recordOnDev(version);
  return 0;
}

function parseSchemas(value: string | undefined): string[] {
  if (value === undefined) return [];
  if (!SCHEMA_LIST.test(value))
    throw new UsageError(`--schema must be a comma-separated list of schema names, got "${value}"`);
  return value.split(',');
}

if (isEntryPoint(import.meta.url)) await runMain(main);
