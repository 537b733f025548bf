/**
 * The migration safety lint: squawk (run once for every file) for what locks or breaks, plus
 * the project's own rules (explicit transaction control, acknowledgements that lack a rule or
 * a reason), and each file's expand/contract classification. Used by supabase-lint,
 * supabase-generate (on the file it wrote) and supabase-apply (its gate on pending files).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as squawk from '../../commands/squawk.ts';
import { InvalidInput, OperationFailed } from '../../core/errors.ts';
import { lastLines, type Runner } from '../../core/runner.ts';
import { runsOutsideTransaction, transactionStatement } from '../migration-file.ts';
import { compareVersions, listLocalMigrations, MIGRATION_FILE } from '../migrations.ts';
import { projectRelative, type SupabaseProject } from '../project.ts';
import { scanSql, type ScannedSql } from '../statements.ts';
import { classifyMigration, functionsCreated, type Classification } from './classify.ts';
import { readFileComments, type Acknowledgement } from './comments.ts';
import { readLintConfig, type LintConfig } from './config.ts';
import { parseSquawkJson, type SquawkViolation } from './squawk-findings.ts';

export interface Finding {
  /** As shown to people: relative to the project root when inside it. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly rule: string;
  readonly message: string;
  /** What to do instead (squawk's help, or the project's advice), when there is something to say. */
  readonly fix: string | null;
  readonly source: 'squawk' | 'kotadb';
}

export interface FileReport {
  readonly file: string;
  /** The migration version, for files named like migrations. */
  readonly version: string | null;
  readonly findings: Finding[];
  readonly acknowledgements: Acknowledgement[];
  readonly classification: Classification;
}

export interface LintReport {
  readonly files: FileReport[];
  /** Files not linted: migrations up to the baseline's start_after. */
  readonly baselined: string[];
  /** Every finding of every file, in file then line order. */
  readonly findings: Finding[];
  readonly config: LintConfig;
}

export interface LintOptions {
  readonly project: SupabaseProject;
  readonly runner: Runner;
  /** Default: supabase/lint.toml + supabase/config.toml of the project. */
  readonly config?: LintConfig;
  readonly timeoutMs?: number;
  /** Lint baselined files too (rollback needs every file's classification, however old). */
  readonly ignoreBaseline?: boolean;
}

export const TRANSACTION_CONTROL = 'kotadb-transaction-control';
export const CONCURRENTLY_NOT_ALONE = 'kotadb-concurrently-not-alone';

/** Advice for squawk rules that print no help of their own. */
const FIX_ADVICE: Readonly<Record<string, string>> = {
  'ban-drop-column':
    'first deploy code that no longer reads or writes the column, then drop it in a later migration marked `-- kotadb: contract`',
  'ban-drop-table':
    'first deploy code that no longer uses the table, then drop it in a later migration marked `-- kotadb: contract`',
  'changing-column-type':
    'add a new column of the new type, backfill it, move the code to it, and drop the old one in a later contract migration',
  'renaming-column':
    'add the new column beside the old one (or a view), move the code, then drop the old name in a later contract migration',
  'renaming-table':
    'create the new table (or a view under the new name), move the code, then drop the old one in a later contract migration',
  'prefer-robust-stmts': 'add IF EXISTS / IF NOT EXISTS so the file can run again after a partial failure',
};

const DEFAULT_TIMEOUT_MS = 60_000;

/** Lints `files` (paths absolute or relative to the process cwd). InvalidInput when one cannot be read. */
export async function lintMigrations(files: readonly string[], options: LintOptions): Promise<LintReport> {
  const { project, runner } = options;
  const config = options.config ?? (await readLintConfig(project));
  const sources = files.map((file) => readSource(project, file));

  const baselined = options.ignoreBaseline ? [] : sources.filter((s) => isBaselined(s.version, config.startAfter));
  const linted = sources.filter((s) => !baselined.includes(s));
  // squawk runs in its own process while this one scans the files (2 cores: the two overlap).
  const squawkRun = linted.length
    ? runSquawk(linted, options, config)
    : Promise.resolve(new Map<string, SquawkViolation[]>());
  squawkRun.catch(() => undefined); // awaited below; a failure must not surface as unhandled first
  const scanned = new Map(linted.map((s) => [s.absolute, scanSql(s.sql)]));
  const existingFunctions = projectFunctions(project, sources, scanned);
  const violations = await squawkRun;

  const reports = linted.map((source): FileReport => {
    const scannedSql = scanned.get(source.absolute)!;
    // What the statements say (a comment after the last `;` is a statement only to the CLI).
    const statements = scannedSql.statements.filter((s) => s.withoutComments !== '');
    const comments = readFileComments(scannedSql.comments);
    const control = statements.flatMap((statement) => {
      const found = transactionStatement(statement);
      return found?.kind === 'control' ? [{ statement, keyword: found.keyword }] : [];
    });
    const controlLines = new Set(control.map((c) => c.statement.line));
    const findings: Finding[] = [
      ...control.map(({ statement, keyword }): Finding => ({
        file: source.display,
        line: statement.line,
        rule: TRANSACTION_CONTROL,
        message: `\`${keyword}\`: the Supabase CLI already runs each migration file in one transaction; controlling it from the file leaves statements outside it and a failure half-applied`,
        fix: 'remove it (split the work into two migration files if something must be committed first)',
        source: 'kotadb',
      })),
      ...(statements.length > 1 ? statements.filter(runsOutsideTransaction) : []).map((statement): Finding => ({
        file: source.display,
        line: statement.line,
        rule: CONCURRENTLY_NOT_ALONE,
        message:
          "the Supabase CLI runs this statement on its own, outside the file's transaction (as it runs every CONCURRENTLY, VACUUM, CLUSTER and ALTER SYSTEM), committing the statements before it first: if a later one fails, the file is half-applied and not recorded",
        fix: 'put it alone in a migration file of its own (then acknowledge ban-concurrent-index-creation-in-transaction there, with the reason)',
        source: 'kotadb',
      })),
      ...comments.problems.map((p): Finding => ({ file: source.display, ...p, source: 'kotadb' })),
      ...(violations.get(source.argument) ?? [])
        // The kotadb rule above says it, and cannot be acknowledged away.
        .filter((v) => !(v.rule === 'transaction-nesting' && controlLines.has(v.line)))
        .map((v): Finding => ({
          file: source.display,
          line: v.line,
          rule: v.rule,
          message: v.message,
          fix: v.help ?? FIX_ADVICE[v.rule] ?? null,
          source: 'squawk',
        })),
    ].sort((a, b) => a.line - b.line);
    const classification = classifyMigration({
      statements,
      findings,
      acknowledgements: comments.acknowledgements,
      declaredContract: comments.declaredContract,
      existingFunctions: existingFunctions(source),
    });
    return {
      file: source.display,
      version: source.version,
      findings,
      acknowledgements: comments.acknowledgements,
      classification,
    };
  });
  return {
    files: reports,
    baselined: baselined.map((s) => s.display),
    findings: reports.flatMap((r) => r.findings),
    config,
  };
}

interface Source {
  readonly absolute: string;
  /** What squawk is given (relative to the project root when inside it: that is what it reports back). */
  readonly argument: string;
  readonly display: string;
  readonly version: string | null;
  readonly sql: string;
}

function readSource(project: SupabaseProject, file: string): Source {
  const absolute = path.resolve(file);
  let sql: string;
  try {
    sql = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new InvalidInput(
      `cannot read ${projectRelative(project, absolute)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      {
        hint: 'name migration files that exist, e.g. supabase/migrations/<version>_<name>.sql',
      },
    );
  }
  const display = projectRelative(project, absolute);
  return {
    absolute,
    argument: display,
    display,
    version: MIGRATION_FILE.exec(path.basename(absolute))?.[1] ?? null,
    sql,
  };
}

function isBaselined(version: string | null, startAfter: string | null): boolean {
  return version !== null && startAfter !== null && compareVersions(version, startAfter) <= 0;
}

async function runSquawk(
  sources: readonly Source[],
  options: LintOptions,
  config: LintConfig,
): Promise<Map<string, SquawkViolation[]>> {
  const result = await options.runner.run(
    squawk.lint(
      sources.map((s) => s.argument),
      config.squawk,
    ),
    { cwd: options.project.root, check: false, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
  );
  if (result.exitCode === 2) {
    throw new InvalidInput(`squawk refused its settings: ${lastLines(result.stderr, 3)}`, {
      hint: `check the rule names in ${projectRelative(options.project, config.file)} (exclude = […])`,
    });
  }
  if (result.exitCode !== 0 && result.exitCode !== 1) {
    throw new OperationFailed(`squawk failed (exit ${result.exitCode}): ${lastLines(result.stderr, 3)}`);
  }
  const byFile = new Map<string, SquawkViolation[]>();
  for (const violation of parseSquawkJson(result.stdout)) {
    const list = byFile.get(violation.file) ?? [];
    list.push(violation);
    byFile.set(violation.file, list);
  }
  if (result.exitCode === 1 && byFile.size === 0) {
    throw new OperationFailed(`squawk failed: ${lastLines(result.stderr, 3) || 'exit 1 without findings'}`);
  }
  return byFile;
}

/**
 * For each linted file, the functions that exist before it: created by project migrations
 * older than it (a file that is not a migration comes after all of them).
 */
function projectFunctions(
  project: SupabaseProject,
  sources: readonly Source[],
  scanned: ReadonlyMap<string, ScannedSql>,
): (source: Source) => Set<string> {
  const given = new Map(sources.map((s) => [s.absolute, s.sql]));
  const migrations = listLocalMigrations(project.migrationsDir).migrations.map((m) => ({
    version: m.version,
    functions: functionsCreated(
      (scanned.get(m.path) ?? scanSql(given.get(m.path) ?? readFileSync(m.path, 'utf8'))).statements,
    ),
  }));
  return (source) =>
    new Set(
      migrations
        .filter((m) => source.version === null || compareVersions(m.version, source.version) < 0)
        .flatMap((m) => m.functions),
    );
}
