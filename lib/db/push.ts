/**
 * supabase-apply's push: `supabase db push` under the lock the caller holds, with the CLI's
 * session watched from the caller's connection. Three things the CLI does not do:
 *   - a file that fails on lock_timeout (SQLSTATE 55P03) was rolled back whole (it ran in one
 *     transaction, and it is not recorded), so it is pushed again after a backoff, up to
 *     --lock-retries times, naming the session that held the lock each time;
 *   - Ctrl-C stops the CLI, but the statement it sent keeps running on the server and would
 *     commit seconds later: the CLI's backend is cancelled (pg_cancel_backend), the run waits
 *     until it is idle or gone, and only then reads what is recorded and says so;
 *   - a failure names the statement and says what the database kept (lib/db/run-migrations.ts).
 */
import { Interrupted, OperationFailed } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { Output } from '../core/output.ts';
import type { Runner } from '../core/runner.ts';
import { formatDuration, plural } from '../core/text.ts';
import * as supabase from '../commands/supabase.ts';
import type { FileMode } from './migration-file.ts';
import type { PendingMigration } from './apply-plan.ts';
import { CLI_APPLICATION_NAME, pgDuration } from './migration-session.ts';
import { readMigrationState } from './migration-status.ts';
import type { PgClient } from './pg.ts';
import { SQLSTATE } from './pg-errors.ts';
import type { SupabaseProject } from './project.ts';
import { MigrationFailed, MigrationInterrupted, runMigrationCommand, type MigrationRun } from './run-migrations.ts';
import {
  blockersOf,
  cancelBackends,
  describeSession,
  isBusy,
  serverNow,
  sessionsNamed,
  type SessionInfo,
} from './sessions.ts';
import { cliUrl, type DbUrl } from './url.ts';

export interface PushContext {
  /** The caller's connection (it holds the migration lock). */
  readonly client: PgClient;
  readonly runner: Runner;
  readonly out: Output;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly project: SupabaseProject;
  /** The target, for the CLI's environment (password, TLS). */
  readonly db: DbUrl;
  /** The target as the CLI gets it (with the session timeouts). */
  readonly cliDb: DbUrl;
  readonly includeAll: boolean;
  readonly lockRetries: number;
  readonly lockTimeoutMs: number;
  /** The run's environment (its secrets are kept from the CLI). */
  readonly env: NodeJS.ProcessEnv;
}

export interface PushResult extends MigrationRun {
  /** Pushes it took (1 + retries used). */
  readonly attempts: number;
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8000;
/** After Ctrl-C: how long the cancelled backend may take to go idle before we say it still runs. */
const SETTLE_MS = 15_000;

/** The backoff before retry `attempt` (1-based): 0.5 s, 1 s, 2 s, … up to 8 s. */
export function retryBackoffMs(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
}

export async function push(context: PushContext, pending: readonly PendingMigration[]): Promise<PushResult> {
  const applied: MigrationRun['applied'] = [];
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    const since = await serverNow(context.client);
    const watch = watchCliSession(context, since);
    let outcome: { run: MigrationRun } | { error: unknown };
    try {
      const run = await runMigrationCommand(
        context.runner,
        supabase.dbPush(context.project.root, cliUrl(context.cliDb), { includeAll: context.includeAll }),
        context.db,
        {
          cwd: context.project.root,
          stream: true,
          migrationsDir: context.project.migrationsDir,
          parentEnv: context.env,
        },
      );
      outcome = { run };
    } catch (error) {
      outcome = { error };
    }
    const blocker = await watch.stop();
    if ('run' in outcome) {
      applied.push(...outcome.run.applied);
      return { applied, seedFile: outcome.run.seedFile, durationMs: performance.now() - started, attempts: attempt };
    }
    const { error } = outcome;
    if (error instanceof MigrationInterrupted) throw await settleInterrupted(context, since, pending, error);
    if (!(error instanceof MigrationFailed) || error.sqlstate !== SQLSTATE.lockNotAvailable) throw error;
    applied.push(...error.appliedTimings);
    await retryOrGiveUp(context, error, blocker, attempt, pending);
  }
}

/** After a lock_timeout: wait and push again (the file was rolled back whole), or give up naming the blocker. */
async function retryOrGiveUp(
  context: PushContext,
  failure: MigrationFailed,
  blocker: SessionInfo | null,
  attempt: number,
  pending: readonly PendingMigration[],
): Promise<void> {
  const file = `supabase/migrations/${failure.file}`;
  const who = blocker
    ? `blocked by ${describeSession(blocker)}`
    : 'the session holding the lock had let go before it could be named';
  const waited = `could not take a lock within ${pgDuration(context.lockTimeoutMs)}`;
  const state = await readMigrationState(context.client, context.project.migrationsDir);
  const recorded = !state.pending.some((m) => m.file === failure.file);
  const atomic = failure.committed === 0 && modeOf(pending, failure.file) === 'transaction';
  if (recorded || !atomic) {
    // Not "rolled back whole": pushing it again could run part of it twice.
    throw new OperationFailed(`migration ${file} ${waited}: ${who}`, { hint: failure.hint, cause: failure });
  }
  if (attempt > context.lockRetries) {
    throw new OperationFailed(
      `migration ${file} ${waited}, ${plural(attempt, 'attempt')}: ${who}; nothing of it is applied and it is not recorded`,
      {
        hint: `end that session's transaction (or \`select pg_terminate_backend(${blocker?.pid ?? '<pid>'})\` if it is stuck), then run supabase-apply again; --lock-retries and --lock-timeout-ddl wait longer`,
        cause: failure,
      },
    );
  }
  const backoff = retryBackoffMs(attempt);
  context.out.warn(
    `${file} ${waited} (attempt ${attempt} of ${context.lockRetries + 1}): ${who}; it was rolled back and is not recorded — retrying in ${formatDuration(backoff)}`,
  );
  await context.clock.sleep(backoff, context.signal).catch((error: unknown) => {
    if (!(error instanceof Interrupted)) throw error;
    const done = failure.appliedBefore.length
      ? `${plural(failure.appliedBefore.length, 'file')} applied and recorded, `
      : '';
    throw new Interrupted(`interrupted while waiting to retry ${file}: ${done}${file} is not applied`, {
      hint: 'run supabase-apply again to apply the rest',
    });
  });
}

function modeOf(pending: readonly PendingMigration[], file: string | null): FileMode | null {
  return pending.find((m) => m.file === file)?.sql.mode ?? null;
}

interface CliWatch {
  /** Stops watching; the last session seen blocking the CLI, if any. */
  stop(): Promise<SessionInfo | null>;
}

/**
 * Looks, while the CLI runs, for a session blocking the CLI's (it is gone by the time the CLI
 * reports lock_timeout). Polls often enough to see a wait shorter than the lock timeout.
 */
function watchCliSession(context: PushContext, since: Date): CliWatch {
  const controller = new AbortController();
  const stopOnCtrlC = () => controller.abort();
  context.signal.addEventListener('abort', stopOnCtrlC, { once: true });
  const pollMs = Math.max(25, Math.min(250, Math.floor(context.lockTimeoutMs / 4) || 250));
  let last: SessionInfo | null = null;
  const loop = (async () => {
    while (!controller.signal.aborted) {
      const blockers = await blockersOf(context.client, CLI_APPLICATION_NAME, { startedSince: since }).catch(() => []);
      if (blockers[0]) last = blockers[0];
      await context.clock.sleep(pollMs, controller.signal).catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      controller.abort();
      context.signal.removeEventListener('abort', stopOnCtrlC);
      await loop;
      return last;
    },
  };
}

/**
 * Ctrl-C stopped the CLI: cancel its statement on the server, wait until its session is idle or
 * gone, then say what is really recorded. The caller releases the lock only after this.
 */
async function settleInterrupted(
  context: PushContext,
  since: Date,
  pending: readonly PendingMigration[],
  interrupted: MigrationInterrupted,
): Promise<Interrupted> {
  const { client, out } = context;
  const inProgress = interrupted.started.at(-1) ?? null;
  let still: SessionInfo[] = [];
  try {
    const busy = (await sessionsNamed(client, CLI_APPLICATION_NAME, { startedSince: since })).filter(isBusy);
    if (busy.length) {
      out.info(
        `cancelling the CLI's statement still running on the server: ${busy.map((s) => `pid ${s.pid}`).join(', ')}`,
      );
      await cancelBackends(
        client,
        busy.map((s) => s.pid),
      );
    }
    still = await untilSettled(context, since);
  } catch (error) {
    out.warn(`could not check the CLI's session after the interrupt: ${(error as Error).message}`);
  }
  const state = await readMigrationState(client, context.project.migrationsDir).catch(() => null);
  if (!state)
    return new Interrupted(
      `interrupted during supabase db push: the database could not be read afterwards, so what is recorded is unknown${inProgress ? ` (the CLI was applying ${inProgress})` : ''}`,
      { hint: 'check with `npx just supabase-apply --dry-run` before running it again' },
    );
  const stillPending = new Set(state.pending.map((m) => m.file));
  const recorded = pending.filter((m) => !stillPending.has(m.file)).map((m) => m.file);
  const parts = [
    `${recorded.length} of ${pending.length} pending ${pending.length === 1 ? 'file is' : 'files are'} applied and recorded${recorded.length ? ` (${recorded.join(', ')})` : ''}`,
  ];
  if (inProgress && !recorded.includes(inProgress)) {
    if (still.length) {
      parts.push(
        `${inProgress} is still running on the server (${still.map(describeSession).join('; ')}) and may yet commit`,
      );
    } else if (modeOf(pending, inProgress) !== 'transaction') {
      parts.push(
        `${inProgress} was stopped and is not recorded, but it runs partly outside a transaction: what it ran before the interrupt may stay applied`,
      );
    } else {
      parts.push(
        `${inProgress} was cancelled on the server and rolled back: nothing of it is applied, and it is not recorded`,
      );
    }
  } else if (inProgress) {
    parts.push(`${inProgress} had already committed when the interrupt came`);
  }
  const notStarted = pending.length - recorded.length - (inProgress && !recorded.includes(inProgress) ? 1 : 0);
  if (notStarted > 0) parts.push(`${plural(notStarted, 'file')} not started`);
  return new Interrupted(`interrupted during supabase db push: ${parts.join('; ')}`, {
    hint: still.length
      ? 'check with `npx just supabase-apply --dry-run` once it has ended, then run supabase-apply again'
      : 'run supabase-apply again to apply the rest',
  });
}

/** Waits (without the run's signal: it has fired) until the CLI's sessions are idle or gone; returns those still busy. */
async function untilSettled(context: PushContext, since: Date): Promise<SessionInfo[]> {
  const deadline = context.clock.now() + SETTLE_MS;
  for (;;) {
    const busy = (await sessionsNamed(context.client, CLI_APPLICATION_NAME, { startedSince: since })).filter(isBusy);
    if (busy.length === 0 || context.clock.now() >= deadline) return busy;
    await context.clock.sleep(50);
  }
}
