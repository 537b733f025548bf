/**
 * The schema check before a rollback (manual, or deploy's automatic one) to release vN:
 *
 * 1. The migrations vN was deployed with are the files in supabase/migrations at its deploy
 *    tag (`deploy/<env>/v<N>`, made by `deploy --tag`): `git ls-tree` of that commit.
 * 2. The migrations applied now are the versions the database records (when a URL is at
 *    hand), else the files of the current checkout (the workflow applies them before deploying).
 * 3. The difference is classified from the files here (squawk + the table in classify.ts; no
 *    baseline: an old file counts as much as a new one) and schemaCompatibility decides.
 *
 * No deploy tag: unknown, which refuses like a contract migration (a rollback must not guess).
 */
import * as git from '../../commands/git.ts';
import { PreconditionFailed } from '../../core/errors.ts';
import type { Runner } from '../../core/runner.ts';
import { listLocalMigrations } from '../migrations.ts';
import type { SupabaseProject } from '../project.ts';
import { lintMigrations } from './lint.ts';
import { schemaCompatibility, versionsInListing, type KnownMigration, type SchemaCompat } from './schema-compat.ts';

export interface RollbackSchemaOptions {
  readonly project: SupabaseProject;
  readonly runner: Runner;
  /** `v41`, for messages. */
  readonly target: string;
  /** The target's deploy tag (or any ref of the commit it was deployed from); null when there is none. */
  readonly ref: string | null;
  /** Versions the database records; null: take the checkout's files as applied. */
  readonly applied: readonly string[] | null;
}

export async function checkRollbackSchema(options: RollbackSchemaOptions): Promise<SchemaCompat> {
  const { project, runner } = options;
  const local = listLocalMigrations(project.migrationsDir).migrations;
  const atTarget = options.ref === null ? null : await migrationsAt(runner, project, options.ref);
  const applied = options.applied ?? local.map((m) => m.version);
  const since = new Set(applied.filter((v) => !atTarget?.includes(v)));
  const files = local.filter((m) => since.has(m.version));
  const report = files.length
    ? await lintMigrations(
        files.map((m) => m.path),
        { project, runner, ignoreBaseline: true },
      )
    : null;
  const known = new Map<string, KnownMigration>(
    (report?.files ?? []).map((f) => [
      f.version!,
      {
        version: f.version!,
        file: f.file,
        kind: f.classification.kind,
        why: f.classification.signals[0]?.what ?? (f.classification.declared ? 'declared contract' : null),
      },
    ]),
  );
  return schemaCompatibility({ target: options.target, atTarget, applied, known });
}

/** Versions of the migration files at `ref`; null when the ref does not exist here. */
export async function migrationsAt(runner: Runner, project: SupabaseProject, ref: string): Promise<string[] | null> {
  const result = await runner.run(git.filesAt(ref, 'supabase/migrations'), {
    cwd: project.root,
    check: false,
    timeoutMs: 30_000,
  });
  return result.exitCode === 0 ? versionsInListing(result.stdout) : null;
}

/** Exit 3 unless compatible or --force-schema; the message says why and how to override. */
export function rollbackSchemaGate(compat: SchemaCompat, options: { forceSchema: boolean }): PreconditionFailed | null {
  if (compat.compatible || options.forceSchema) return null;
  return new PreconditionFailed(`refusing to roll back: ${compat.message}`, {
    hint:
      compat.reason === 'unknown-release'
        ? 'deploy with --tag (or images labelled git-<sha>) so releases can be checked, or pass --force-schema if you know that release works with this schema'
        : 'roll forward with a fix instead, or pass --force-schema if that release does not use what changed',
  });
}
