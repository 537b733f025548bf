/**
 * What supabase-apply would do on a database, and every reason to refuse before anything runs
 * (exit 3, nothing applied): drift (versions with no local file), applied files edited since they
 * ran, older pending files without --include-all, pending files the CLI cannot run in one
 * transaction, and a target that is a plain PostgreSQL rather than a Supabase database.
 */
import { PreconditionFailed } from '../core/errors.ts';
import { escapeControl, plural } from '../core/text.ts';
import * as supabase from '../commands/supabase.ts';
import { describeCommand } from '../core/runner.ts';
import { readMigrationSql, type MigrationSql } from './migration-file.ts';
import { readMigrationState, type MigrationState } from './migration-status.ts';
import { describeEdit, type LocalMigration } from './migrations.ts';
import type { PgClient } from './pg.ts';
import { missingSupabaseObjects } from './plain-postgres.ts';
import { projectRelative, type SupabaseProject } from './project.ts';
import { cliUrl, type DbUrl } from './url.ts';

export interface PendingMigration extends LocalMigration {
  readonly sql: MigrationSql;
}

export interface ApplyPlan {
  readonly state: MigrationState;
  /** What `db push` would apply, in order, each file read and split as the CLI will. */
  readonly pending: PendingMigration[];
  /** The target lacks what Supabase provides (the bootstrap would add it: --bootstrap). */
  readonly missingSupabase: string[];
}

export interface PlanOptions {
  readonly includeAll: boolean;
  /** Files already read and split in this run (the plan is read twice: before and under the lock). */
  readonly files?: Map<string, MigrationSql>;
  /** What the first reading found missing of Supabase (the second one need not ask again). */
  readonly missingSupabase?: string[];
}

/** One reason a pending file cannot be applied as it is: `file:line: message`. */
export interface Refusal {
  readonly migration: LocalMigration;
  readonly line: number;
  readonly message: string;
}

/**
 * Transaction control and savepoints (migration-file.ts): the CLI would run the file without its
 * one transaction, or fail it. Checked on every pending file, baselined or not, and no flag
 * overrides it. The migration lint (lib/db/lint/) runs after the plan, in supabase-apply.
 */
export function transactionRefusals(pending: readonly PendingMigration[]): Refusal[] {
  return pending.flatMap((migration) =>
    migration.sql.refused.map((found) => ({
      migration,
      line: found.statement.line,
      message: `${found.keyword}: ${found.reason}`,
    })),
  );
}

/** Reads the database and the files; throws PreconditionFailed for every reason to refuse. */
export async function readApplyPlan(
  client: PgClient,
  project: SupabaseProject,
  db: DbUrl,
  options: PlanOptions,
): Promise<ApplyPlan> {
  const state = await readMigrationState(client, project.migrationsDir, { edits: true });
  if (state.remoteOnly.length) {
    const repair = describeCommand(
      supabase.migrationRepair(project.root, cliUrl(db), state.remoteOnly, 'reverted').argv,
    );
    const versions = state.remoteOnly.map(escapeControl);
    throw new PreconditionFailed(
      `drift: the database records ${state.remoteOnly.length} migration(s) that supabase/migrations does not have (${versions.join(', ')}); nothing was applied`,
      {
        hint: `fetch the missing files (git pull) — or, if they were reverted on purpose, mark them so: PGPASSWORD=… ${escapeControl(repair)}`,
      },
    );
  }
  const edited = state.edited[0];
  if (edited) {
    const others = state.edited.length > 1 ? ` (and ${plural(state.edited.length - 1, 'other applied file')})` : '';
    throw new PreconditionFailed(
      `supabase/migrations/${edited.migration.file} was edited after it was applied: ${describeEdit(edited)}${others}; nothing was applied`,
      {
        hint: 'an applied migration must not change: restore the file as it was applied (git log -p on it) and put the change in a new migration (`npx just supabase-generate <name>`)',
      },
    );
  }
  if (state.pending.length === 0) return { state, pending: [], missingSupabase: [] };
  if (state.outOfOrder.length && !options.includeAll) {
    throw new PreconditionFailed(
      `${state.outOfOrder.length} pending file(s) are older than the newest applied migration (${state.outOfOrder.map((m) => m.file).join(', ')}); nothing was applied`,
      { hint: 'check they belong after what is applied, then re-run with --include-all' },
    );
  }
  const read = (file: string) => {
    const known = options.files?.get(file);
    if (known) return known;
    const sql = readMigrationSql(file);
    options.files?.set(file, sql);
    return sql;
  };
  const pending = state.pending.map((m) => ({ ...m, sql: read(m.path) }));
  const refusals = transactionRefusals(pending);
  if (refusals.length) {
    const lines = refusals.map((r) => `${projectRelative(project, r.migration.path)}:${r.line}: ${r.message}`);
    throw new PreconditionFailed(
      `${plural(refusals.length, 'problem')} in pending migrations; nothing was applied:\n  ${lines.join('\n  ')}`,
      { hint: 'fix the file(s) (each migration already runs in one transaction), then run supabase-apply again' },
    );
  }
  return { state, pending, missingSupabase: options.missingSupabase ?? (await missingSupabaseObjects(client)) };
}

/** The pending versions, to tell whether two plans apply the same files. */
export function pendingKey(plan: ApplyPlan): string {
  return plan.pending.map((m) => m.version).join(',');
}
