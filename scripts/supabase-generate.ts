/**
 * supabase-generate <short_name>: turn changes made in the local dev database into a new
 * migration, with no Docker. Build a shadow database from bootstrap + every migration,
 * `supabase db diff --from <shadow> --to <dev>`, write the (cleaned) difference as
 * supabase/migrations/<UTC timestamp>_<short_name>.sql, lint it, then prove it: a clone of the
 * shadow given the new file must not differ from the dev database. The new file is then
 * recorded as applied on the dev database. Shadows are always dropped.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as supabase from '../lib/commands/supabase.ts';
import { DRY_RUN_OPTION, HELP_OPTION } from '../lib/core/cli.ts';
import { Interrupted, OperationFailed, PreconditionFailed, UsageError } from '../lib/core/errors.ts';
import type { Output } from '../lib/core/output.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { Runner } from '../lib/core/runner.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';
import { plural } from '../lib/core/text.ts';
import { assertDockerAnswers, ENGINES, parseEngine } from '../lib/db/engine.ts';
import { migrationHeader, nextMigrationVersion, validateMigrationName } from '../lib/db/generate/new-migration.ts';
import { findNewerThan15 } from '../lib/db/generate/pg-compat.ts';
import { readMigrationRecord, writeMigrationRecord } from '../lib/db/generate/record.ts';
import { normaliseDiff, type NormalisedDiff } from '../lib/db/generate/schema-diff.ts';
import { ShadowDatabases } from '../lib/db/generate/shadow.ts';
import { lintMigrations, type LintReport } from '../lib/db/lint/lint.ts';
import { findingLines } from '../lib/db/lint/report.ts';
import { LocalPostgres, localPostgresConfig } from '../lib/db/local-postgres.ts';
import { readMigrationState, type MigrationState } from '../lib/db/migration-status.ts';
import { listLocalMigrations } from '../lib/db/migrations.ts';
import { connect, withClient } from '../lib/db/pg.ts';
import { projectRelative, supabaseProject, type SupabaseProject } from '../lib/db/project.ts';
import { cliUrl, connectionEnv, displayDbUrl, isLocalDb, parseDbUrl, type DbUrl } from '../lib/db/url.ts';

const SCHEMA_LIST = /^[a-z_][a-z0-9_$]*(,[a-z_][a-z0-9_$]*)*$/i;
const DIFF_TIMEOUT_MS = 10 * 60_000;

export const script = defineScript({
  usage: 'npx just supabase-generate <short_name> [--engine embedded|docker] [--schema a,b] [--db-url <local dev url>]',
  summary:
    'Write a new migration from the changes made in the local dev database (diff of a shadow built from the migrations against it), lint it, then verify it reproduces them. No Docker.',
  positionals: [
    {
      name: 'short_name',
      description: 'Migration name: ^[a-z][a-z0-9_]{0,62}$ (the file is <UTC YYYYMMDDHHMMSS>_<short_name>.sql)',
      required: true,
    },
  ],
  options: {
    ...HELP_OPTION,
    'dry-run': {
      ...DRY_RUN_OPTION['dry-run'],
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
    'The new file is linted (npx just supabase-lint): findings are printed as warnings, the exit code stays 0.',
    'Exit 1 when the round trip finds a remaining difference (the file is kept for you to review).',
  ],
  examples: [
    'npx just supabase-generate add_repository_stars',
    'npx just supabase-generate notes --schema public --dry-run',
  ],
  async run({ options, positionals, io, out, env, dryRun, onInterrupt }) {
    const name = validateMigrationName(positionals[0]!);
    const schemas = parseSchemas(options.schema);
    const engine = parseEngine(options.engine);
    const project = supabaseProject(path.resolve(io.cwd, options.root ?? repoRoot));
    // Shadows are scratch: they are built and dropped even in a dry run, which only skips the write.
    // The CLI's usage telemetry is a network call per start that no run here needs.
    const runner = new Runner({
      output: out,
      env: { ...env, SUPABASE_TELEMETRY_DISABLED: '1' },
      exec: io.exec,
      signal: io.signal,
    });
    const generation = new Generation(out, project, name, runner, dryRun);

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
      return generation.run('the local Supabase stack', { first: diff, roundTrip: diff });
    }

    const dev = await devDatabase(options['db-url'], out, runner, env);
    const admin = await connect(dev, { applicationName: 'kotadb-ops supabase-generate' });
    const shadows = new ShadowDatabases(admin, dev, runner, project);
    onInterrupt(() => new Interrupted(`interrupted: ${generation.state()}; the shadow databases are dropped`));
    try {
      const state = await readMigrationState(admin, project.migrationsDir);
      checkDevDatabase(state);
      let shadow: DbUrl | null = null;
      let clone: DbUrl | null = null;
      const diffAgainstDev = (from: DbUrl) =>
        out.step('supabase db diff --from <shadow> --to <dev>', async () => {
          const result = await runner.run(supabase.dbDiff(project.root, cliUrl(from), cliUrl(dev), schemas), {
            env: connectionEnv(dev),
            cwd: project.root,
            timeoutMs: DIFF_TIMEOUT_MS,
          });
          return result.stdout;
        });
      return await generation.run(`the dev database "${dev.database}"`, {
        first: async () => {
          shadow = await out.step('build a shadow database (bootstrap + migrations)', () => shadows.create());
          return diffAgainstDev(shadow);
        },
        roundTrip: async () => {
          clone = await out.step('clone the shadow and apply the new migration', () => shadows.cloneAndPush(shadow!));
          return diffAgainstDev(clone);
        },
        // The dev database already has the new file's changes: record it there as applied, or the
        // next generate (or apply) would see it as pending. The row is the one the CLI wrote on the clone.
        record: (version) =>
          out.step(`record ${version} as applied on the dev database`, async () => {
            const record = await withClient(clone!, (client) => readMigrationRecord(client, version));
            await writeMigrationRecord(admin, record, { tableExists: state.applied.length > 0 });
          }),
      });
    } finally {
      const left = await shadows.dropAll();
      if (left.length) out.warn(`could not drop the shadow database(s) ${left.join(', ')}: drop them by hand`);
      await admin.end().catch(() => undefined);
    }
  },
});

/** The dev database: --db-url (local only: shadows go on its server) or the embedded server, started if needed. */
async function devDatabase(
  url: string | undefined,
  out: Output,
  runner: Runner,
  env: NodeJS.ProcessEnv,
): Promise<DbUrl> {
  if (url !== undefined) {
    const dev = parseDbUrl(url, '--db-url');
    if (!isLocalDb(dev)) {
      throw new PreconditionFailed(
        `${displayDbUrl(dev)} is not local: supabase-generate builds shadow databases on the dev database's server`,
        { hint: 'point --db-url at a local dev database' },
      );
    }
    return dev;
  }
  const local = new LocalPostgres(localPostgresConfig({ env }), runner);
  const { status } = await out.step('start the local PostgreSQL', () => local.start());
  return local.dbUrl('postgres', status.port);
}

/** The dev database must hold exactly the local migrations, or the diff would undo or redo them. */
function checkDevDatabase(state: MigrationState): void {
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
      { hint: 'restore the files, or `npx just supabase-reset` the dev database' },
    );
  }
}

interface Steps {
  /** The diff of the migrations against the dev database. */
  first(): Promise<string>;
  /** The same once the new file exists. */
  roundTrip(): Promise<string>;
  /** Records the verified file as applied where the changes already are (absent for --engine docker). */
  record?(version: string): Promise<void>;
}

/** One generation: diff, write, lint, verify, record — and what to say if it stops half way. */
class Generation {
  private written: string | null = null;
  private verified = false;

  constructor(
    private readonly out: Output,
    private readonly project: SupabaseProject,
    private readonly name: string,
    private readonly runner: Runner,
    private readonly dryRun: boolean,
  ) {}

  state(): string {
    if (!this.written) return 'no migration was written';
    return this.verified
      ? `${this.written} was written and verified, but may not be recorded on the dev database`
      : `${this.written} was written but not verified: review or delete it`;
  }

  async run(source: string, steps: Steps): Promise<number> {
    const { out } = this;
    const first = normaliseDiff(await steps.first());
    if (!first.sql) {
      out.result('No schema changes found');
      return 0;
    }
    this.review(first);

    const now = new Date();
    const version = nextMigrationVersion(now, listLocalMigrations(this.project.migrationsDir).migrations);
    const file = path.join(this.project.migrationsDir, `${version}_${this.name}.sql`);
    const relative = projectRelative(this.project, file);
    if (this.dryRun) {
      out.result(first.sql.trimEnd());
      out.info(`dry run: would write ${relative}`);
      return 0;
    }
    writeFileSync(file, migrationHeader(this.name, now, source) + first.sql, { flag: 'wx' });
    this.written = relative;
    out.success(`wrote ${relative}`);
    out.result(relative);
    // The lint (a squawk start) runs while the round trip does; its warnings follow the round trip's steps.
    const linting = lintMigrations([file], { project: this.project, runner: this.runner });
    linting.catch(() => undefined);

    let second: NormalisedDiff;
    try {
      second = normaliseDiff(await steps.roundTrip());
    } catch (error) {
      if (error instanceof OperationFailed && !(error instanceof Interrupted)) {
        throw new OperationFailed(`round trip failed: ${error.message}`, {
          hint: `review or delete ${relative}`,
          cause: error,
        });
      }
      throw error;
    }
    await this.reportLint(linting);
    if (second.sql) {
      out.error(`a shadow built with ${relative} still differs from the dev database:`);
      for (const line of second.sql.trimEnd().split('\n')) out.info(`  ${line}`);
      throw new OperationFailed('round trip failed: the new migration does not reproduce every change', {
        hint: `edit ${relative} (kept) and run supabase-generate again with another name for the rest`,
      });
    }
    this.verified = true;
    out.success('round trip verified: a shadow built with the new migration matches the dev database');
    await steps.record?.(version);
    return 0;
  }

  /** What a human must look at in the diff before committing it. */
  private review(diff: NormalisedDiff): void {
    const { out } = this;
    if (diff.dropped.length)
      out.dim(`left out ${diff.dropped.length} privilege statement(s) that only grant to "postgres" or MAINTAIN`);
    for (const revoke of diff.revokes)
      out.warn(`review this REVOKE (the diff revokes ALL; re-grant what must stay): ${revoke}`);
    for (const finding of findNewerThan15(diff.sql))
      out.warn(
        `line ${finding.line} uses ${finding.feature} (PostgreSQL ${finding.since}+; Supabase also hosts 15): ${finding.text}`,
      );
  }

  /** The migration lint on the new file: warnings only (the file is a draft to review). */
  private async reportLint(linting: Promise<LintReport>): Promise<void> {
    let report: LintReport;
    try {
      report = await linting;
    } catch (error) {
      if (error instanceof Interrupted) throw error;
      this.out.warn(`could not lint the new file (${(error as Error).message}): run \`npx just supabase-lint\` on it`);
      return;
    }
    const [kind] = report.files.map((f) => f.classification);
    if (kind?.kind === 'contract')
      this.out.warn(
        `this is a contract migration (${kind.signals.map((s) => s.what).join('; ') || 'declared'}): deploy the code that stops using the old schema first`,
      );
    if (report.findings.length === 0) {
      this.out.success('supabase-lint: no findings');
      return;
    }
    this.out.warn(`supabase-lint: ${plural(report.findings.length, 'finding')} to review in the new file:`);
    for (const finding of report.findings) for (const line of findingLines(finding)) this.out.info(`  ${line}`);
  }
}

function parseSchemas(value: string | undefined): string[] {
  if (value === undefined) return [];
  if (!SCHEMA_LIST.test(value))
    throw new UsageError(`--schema must be a comma-separated list of schema names, got "${value}"`);
  return value.split(',');
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
