/**
 * Before any rollback (the rollback script, deploy's automatic one): can the target release run
 * against the schema the environment's database has now? The target's commit comes from
 * releaseCommit; the migrations applied now from the database the environment's URL names (the
 * same resolution as `supabase-apply --env`); lib/db/lint/rollback-check.ts compares and classifies.
 * No URL configured: not checked (a warning; the rollback goes on). A URL that cannot be read, or
 * a release whose migrations cannot be known: the rollback script refuses like a contract
 * migration, unless --force-schema (someone is there to decide). Deploy's automatic rollback goes
 * on with a warning instead (`unknown: 'proceed'`): the new release has already failed, the
 * previous image is the last state known to work, and releases deployed before images carried a
 * git-<sha> label would otherwise never be rolled back; only a migration known to be
 * incompatible stops it.
 */
import type { Environment } from '../config/environments.ts';
import { PreconditionFailed } from '../core/errors.ts';
import type { Runner } from '../core/runner.ts';
import { checkRollbackSchema, rollbackSchemaGate } from '../db/lint/rollback-check.ts';
import { readAppliedVersions } from '../db/migrations.ts';
import { connect } from '../db/pg.ts';
import { describeDbError } from '../db/pg-errors.ts';
import { supabaseProject } from '../db/project.ts';
import { applyTargetConfigured, resolveApplyTarget } from '../db/targets.ts';
import { dbLabel } from '../db/migration-status.ts';
import {
  CHECKOUT_COMMIT_FIRST,
  readCommitRecords,
  releaseCommit,
  shortSha,
  type CommitRecords,
} from './release-commit.ts';
import { describeTarget, type RollbackTarget } from './rollback.ts';

export interface SchemaCheckContext {
  readonly runner: Runner;
  readonly env: Environment;
  /** Where the database URL variables are read. */
  readonly processEnv: NodeJS.ProcessEnv;
  /** The checkout holding supabase/migrations and the deploy tags. */
  readonly cwd: string;
  readonly forceSchema: boolean;
  /** When the schema cannot be known (database unreadable, target's migrations unknown): refuse (default) or go on, warned. */
  readonly unknown?: 'refuse' | 'proceed';
  /** Already read (rollback --list, status); read here when absent. */
  readonly records?: CommitRecords;
  /** The database read's connect and query limit. */
  readonly timeoutMs?: number;
}

export type SchemaVerdict =
  | { readonly kind: 'compatible'; readonly message: string }
  /** No database URL, or (unknown: 'proceed') nothing to compare with: the rollback goes on, with a warning. */
  | { readonly kind: 'not-checked'; readonly message: string }
  /** Not compatible (or unknown), overridden by --force-schema. */
  | { readonly kind: 'forced'; readonly message: string }
  | { readonly kind: 'incompatible'; readonly message: string; readonly refusal: PreconditionFailed };

export async function checkSchemaBeforeRollback(
  ctx: SchemaCheckContext,
  target: RollbackTarget,
): Promise<SchemaVerdict> {
  const { env } = ctx;
  const label = describeTarget(target);
  if (!applyTargetConfigured(undefined, env, ctx.processEnv)) {
    return {
      kind: 'not-checked',
      message: `schema not checked against ${label}: no database URL (set ${env.migrationsUrlVar} or SUPABASE_DB_URL to check it)`,
    };
  }
  let compat;
  try {
    const db = resolveApplyTarget(undefined, env, ctx.processEnv).db;
    const project = supabaseProject(ctx.cwd);
    const records = ctx.records ?? (await readCommitRecords(ctx.runner, env, ctx.cwd, 10_000, ctx.processEnv));
    const commit = releaseCommit(target, records, CHECKOUT_COMMIT_FIRST);
    const applied = await appliedVersions(db, ctx.timeoutMs ?? 10_000);
    compat = await checkRollbackSchema({
      project,
      runner: ctx.runner,
      target: commit ? `${label} (${shortSha(commit.sha)})` : label,
      ref: commit?.sha ?? null,
      applied,
    });
  } catch (error) {
    const why = `schema could not be checked against ${label}: ${error instanceof Error ? error.message : String(error)}`;
    if (ctx.unknown === 'proceed') return { kind: 'not-checked', message: `${why}; rolling back anyway` };
    return ctx.forceSchema
      ? { kind: 'forced', message: `--force-schema: ${why}` }
      : {
          kind: 'incompatible',
          message: why,
          refusal: new PreconditionFailed(`refusing to roll back: ${why}`, {
            hint: 'fix the database URL or its access, or pass --force-schema if you know that release works with this schema',
          }),
        };
  }
  if (compat.compatible) return { kind: 'compatible', message: compat.message };
  if (ctx.unknown === 'proceed' && compat.reason !== 'contract' && !ctx.forceSchema)
    return { kind: 'not-checked', message: `${compat.message}; rolling back anyway` };
  const refusal = rollbackSchemaGate(compat, { forceSchema: ctx.forceSchema });
  return refusal
    ? { kind: 'incompatible', message: compat.message, refusal }
    : { kind: 'forced', message: `--force-schema: ${compat.message}` };
}

async function appliedVersions(db: Parameters<typeof connect>[0], timeoutMs: number): Promise<string[]> {
  let client;
  try {
    client = await connect(db, {
      connectTimeoutMs: timeoutMs,
      queryTimeoutMs: timeoutMs,
      statementTimeoutMs: timeoutMs,
    });
    return await readAppliedVersions(client);
  } catch (error) {
    throw new Error(`cannot read the applied migrations on ${dbLabel(db)}: ${describeDbError(error, timeoutMs)}`, {
      cause: error,
    });
  } finally {
    await client?.end().catch(() => undefined);
  }
}
