/**
 * supabase-lint: the migration safety lint (squawk, configured for how migrations run here,
 * plus the project's rules) on the migrations a branch adds, on every migration, or on named
 * files; and each file's expand/contract classification. Changes nothing.
 */
import path from 'node:path';
import * as git from '../lib/commands/git.ts';
import { HELP_OPTION } from '../lib/core/cli.ts';
import { ExitCode, UsageError } from '../lib/core/errors.ts';
import { repoRoot } from '../lib/core/paths.ts';
import type { Runner } from '../lib/core/runner.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';
import { plural } from '../lib/core/text.ts';
import { lintMigrations } from '../lib/db/lint/lint.ts';
import {
  acknowledgementLines,
  classificationLine,
  findingAnnotation,
  findingLines,
  reportJson,
} from '../lib/db/lint/report.ts';
import { listLocalMigrations } from '../lib/db/migrations.ts';
import { supabaseProject, type SupabaseProject } from '../lib/db/project.ts';

const DEFAULT_BASE = 'origin/main';
const GIT_TIMEOUT_MS = 30_000;

export const script = defineScript({
  usage: 'npx just supabase-lint [files…] [--since <git-ref> | --all] [--json]',
  summary:
    'Lint migrations for what can lock or break production (squawk, one transaction per file, the PostgreSQL version of supabase/config.toml) and say which are expand or contract. Changes nothing.',
  positionals: [
    {
      name: 'files',
      description: 'Migration files to lint (default: the migrations not yet on the base branch)',
      variadic: true,
    },
  ],
  options: {
    ...HELP_OPTION,
    since: {
      type: 'string',
      value: '<git-ref>',
      description: `Lint the migrations missing from this ref's supabase/migrations (default: ${DEFAULT_BASE} when it exists)`,
    },
    all: { type: 'boolean', description: 'Lint every migration after the baseline (supabase/lint.toml start_after)' },
    json: { type: 'boolean', description: 'Print the report as one JSON document on stdout' },
    root: { type: 'string', value: '<dir>', description: 'Folder holding supabase/ (default: the toolkit root)' },
  },
  notes: [
    'Each finding is `file:line: rule: message` and the fix; under GitHub Actions also an ::error annotation.',
    'Acknowledge a finding that is safe in its context on the line before the statement, with the rule and a',
    'reason: `-- squawk-ignore ban-drop-column -- the API stopped reading it in v41` (an ignore without a rule',
    'or a reason is a finding itself). BEGIN/COMMIT/ROLLBACK in a file is always a finding.',
    'Contract migrations (drops, renames, type changes, SET NOT NULL, changed functions) are named; one that',
    'is meant declares `-- kotadb: contract` (supabase-apply refuses undeclared ones without --allow-contract).',
    'Files up to supabase/lint.toml `start_after` are baselined (applied before the lint existed).',
    'Exit 0: no findings; 1: findings; 2: bad input (unknown file, ref or setting).',
  ],
  examples: [
    'npx just supabase-lint',
    'npx just supabase-lint supabase/migrations/20260101120000_add_stars.sql',
    'npm run supabase-lint -- --all --json',
  ],
  async run({ options, positionals, io, out, env, runner }) {
    const project = supabaseProject(path.resolve(io.cwd, options.root ?? repoRoot));
    if (options.all && options.since !== undefined) throw new UsageError('--all and --since exclude each other');
    if (positionals.length && (options.all || options.since !== undefined))
      throw new UsageError('name files, or use --since/--all, not both');
    for (const file of positionals)
      if (!file.endsWith('.sql')) throw new UsageError(`${file} is not a .sql migration file`);

    const selection = positionals.length
      ? { files: positionals.map((f) => path.resolve(io.cwd, f)), base: null }
      : await selectMigrations(project, runner, options.all ? null : options.since, options.all);
    if (selection.note) out.notice(selection.note);

    const report = await lintMigrations(selection.files, { project, runner });

    if (options.json) {
      out.jsonResult(reportJson(report, { base: selection.base }));
    } else {
      for (const finding of report.findings) for (const line of findingLines(finding)) out.result(line);
      for (const file of report.files) {
        for (const line of acknowledgementLines(file)) out.result(line);
        out.result(classificationLine(file));
      }
    }
    if (env.GITHUB_ACTIONS === 'true') for (const finding of report.findings) out.info(findingAnnotation(finding));

    const linted = plural(report.files.length, 'migration');
    if (report.baselined.length) out.dim(`skipped ${plural(report.baselined.length, 'baselined file')} (start_after)`);
    if (report.findings.length) {
      const files = new Set(report.findings.map((f) => f.file)).size;
      out.error(
        `${plural(report.findings.length, 'finding')} in ${plural(files, 'file')} (${linted} linted)`,
        'fix them, or acknowledge one that is safe here: -- squawk-ignore <rule> -- <reason>',
      );
      return ExitCode.failed;
    }
    out.success(report.files.length ? `${linted} linted: no findings` : 'no migration to lint');
    return ExitCode.ok;
  },
});

interface Selection {
  readonly files: string[];
  /** The ref compared with, when the files are the ones it lacks. */
  readonly base: string | null;
  readonly note?: string;
}

/** The project's migrations, all of them or those missing from `since` (default origin/main when it exists). */
async function selectMigrations(
  project: SupabaseProject,
  runner: Runner,
  since: string | undefined | null,
  all: boolean,
): Promise<Selection> {
  const local = listLocalMigrations(project.migrationsDir).migrations;
  if (all) return { files: local.map((m) => m.path), base: null };
  if (since !== undefined && since !== null && (since.startsWith('-') || !since.trim()))
    throw new UsageError(`--since needs a git ref (a branch, tag or commit), got "${since}"`);
  const base = since ?? DEFAULT_BASE;
  if (!(await isCommit(runner, project, base))) {
    if (since !== undefined && since !== null)
      throw new UsageError(`--since ${since}: no such commit, branch or tag in ${project.root}`);
    return {
      files: local.map((m) => m.path),
      base: null,
      note: `no ${DEFAULT_BASE} to compare with: linting every migration after the baseline`,
    };
  }
  const listing = await runner.run(git.filesAt(base, 'supabase/migrations'), {
    cwd: project.root,
    timeoutMs: GIT_TIMEOUT_MS,
  });
  const atBase = new Set(listing.stdout.split('\n').map((line) => path.basename(line.trim())));
  return { files: local.filter((m) => !atBase.has(m.file)).map((m) => m.path), base };
}

async function isCommit(runner: Runner, project: SupabaseProject, ref: string): Promise<boolean> {
  try {
    const result = await runner.run(git.verifyCommit(ref), {
      cwd: project.root,
      check: false,
      timeoutMs: GIT_TIMEOUT_MS,
    });
    return result.exitCode === 0;
  } catch {
    return false; // no git, or not a repository: nothing to compare with
  }
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
