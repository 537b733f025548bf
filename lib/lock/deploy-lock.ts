/**
 * The deploy lock of an environment, as the scripts use it:
 *
 *   await withDeployLock({ runner, io, env, command: 'deploy staging', waitSeconds }, async (lock) => {
 *     … everything that changes the environment …
 *   });
 *
 * acquires (waiting up to `waitSeconds` while another run holds it, then refusing with exit 3
 * naming the holder), refreshes the holder's heartbeat while the body runs, and releases in
 * `finally` — only if the lock is still this run's (compare-and-swap again). A stale lock (its
 * holder stopped refreshing it) is reported as stale, never taken over: breaking it is
 * `npx just lock <env> release --force`, a human decision. Store and reasons: docs/ARCHITECTURE.md.
 */
import { hostname } from 'node:os';
import { deployLockRef } from '../commands/git.ts';
import type { OptionSpec } from '../core/cli.ts';
import { abortableSleep } from '../core/clock.ts';
import { Interrupted, PreconditionFailed, UsageError } from '../core/errors.ts';
import type { Runner } from '../core/runner.ts';
import type { ScriptIO } from '../core/script.ts';
import { formatDuration } from '../core/text.ts';
import {
  describeHolder,
  HEARTBEAT_MS,
  identityFrom,
  newHolder,
  refreshed,
  type Holder,
  type Identity,
} from './holder.ts';
import { openLockStore, type GitLockStore, type LockEntry } from './store.ts';

/** `--lock-wait` default in CI: long enough for a laptop's deploy to finish (CI runs are already serialised). */
export const CI_LOCK_WAIT_SECONDS = 300;
const POLL_MS = 5_000;
/** How often a waiting run without a terminal says it is still waiting. */
const WAIT_NOTE_MS = 60_000;

export const LOCK_WAIT_OPTION = {
  'lock-wait': {
    type: 'string',
    value: '<seconds>',
    description: `Wait up to this long while another run holds the environment's deploy lock (default 0; ${CI_LOCK_WAIT_SECONDS} with CI=true)`,
  },
} as const satisfies Record<string, OptionSpec>;

/** `--lock-wait` as seconds: a whole number, or the default for a terminal (0) or CI. */
export function lockWaitSeconds(value: string | undefined, env: NodeJS.ProcessEnv): number {
  if (value === undefined) return env.CI === 'true' ? CI_LOCK_WAIT_SECONDS : 0;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--lock-wait expects whole seconds (e.g. 300), got "${value}"`);
  return Number(value.trim());
}

/** What the lock needs of a script's I/O. */
export type LockIO = Pick<ScriptIO, 'env' | 'clock' | 'signal' | 'cwd' | 'out' | 'exec'>;

export interface DeployLockOptions {
  /** The script's runner: a dry run prints the lock's pushes instead of running them. */
  readonly runner: Runner;
  readonly io: LockIO;
  readonly env: { readonly name: string };
  /** What the holder record says this run does, e.g. `deploy production` (no secrets in it). */
  readonly command: string;
  readonly waitSeconds: number;
  /** Wall-clock time for the record (default: now). Waits use io.clock. */
  readonly now?: () => Date;
  /** Who this run is (default: from the environment, os.hostname() and the pid). */
  readonly identity?: Identity;
  /** Heartbeat period, in real time whatever io.clock is: other machines judge staleness by wall time. */
  readonly heartbeatMs?: number;
  /** Told where the lock is as the run goes (what a Ctrl-C explanation needs: lib/lock/run-lock.ts). */
  readonly onState?: (state: LockState) => void;
}

/**
 * Where a run's lock is: being taken, held (the body runs), being released, then released,
 * lost (someone broke or took it meanwhile: not ours to release) or kept (the release failed:
 * it stays held by this run). A dry run holds nothing and reports nothing.
 */
export type LockState = 'taking' | 'held' | 'releasing' | 'released' | 'lost' | 'kept';

/** What the body sees of the lock it runs under. */
export interface HeldLock {
  readonly environment: string;
  readonly ref: string;
  /** The lock remote, credentials removed. */
  readonly remote: string;
  /** The record as last written (refreshed by each heartbeat). */
  readonly holder: Holder;
  /** Another run broke the lock (`release --force`) while this one held it. */
  readonly lost: boolean;
  /** What to tell the user if this process dies holding it (for onInterrupt messages). */
  readonly releaseHint: string;
}

/** Exit 3: another run holds the lock (and kept it for as long as we were told to wait). */
export class LockBusy extends PreconditionFailed {
  constructor(
    readonly environment: string,
    readonly entry: LockEntry,
    /** null: the run was not asked to wait. */
    waitedMs: number | null,
    now: Date,
  ) {
    const waited = waitedMs === null ? '' : ` (waited ${formatDuration(waitedMs)})`;
    const stale = entry.holder !== null && Date.parse(entry.holder.staleAfter) < now.getTime();
    super(`the ${environment} deploy lock is held by ${describeEntry(entry, now)}${waited}: nothing was changed`, {
      hint:
        entry.holder === null
          ? `no toolkit run wrote that record, so none will release it: npx just lock ${environment} release --force`
          : stale
            ? `if that run is really gone, break the lock: npx just lock ${environment} release --force`
            : `wait for it to finish, or pass --lock-wait <seconds>; see it with npx just lock ${environment} status`,
    });
  }
}

/** The holder line, or what is known of a record this toolkit cannot read. */
export function describeEntry(entry: LockEntry, now: Date): string {
  if (entry.holder) return describeHolder(entry.holder, now);
  return `an unreadable record (commit ${entry.sha.slice(0, 12)}: ${entry.unreadable ?? 'unknown format'})`;
}

export async function withDeployLock<T>(options: DeployLockOptions, body: (lock: HeldLock) => Promise<T>): Promise<T> {
  const { io, runner } = options;
  const environment = options.env.name;
  const now = options.now ?? (() => new Date());
  const identity = options.identity ?? identityFrom(io.env, hostname(), process.pid);
  if (runner.dryRun) return dryRunUnderLock(options, identity, now, body);
  options.onState?.('taking');
  const store = await openLockStore(runner, io.env, io.cwd).catch((error: unknown) => {
    if (!(error instanceof Interrupted)) throw error;
    throw new Interrupted(`interrupted before taking the ${environment} deploy lock: nothing was changed`);
  });
  const taken = await acquire(store, options, identity, now);
  io.out.success(`took the ${environment} deploy lock (${store.ref(environment)} on ${store.remote.shown})`);

  const state: Held = { sha: taken.sha, holder: taken.holder, lost: null };
  const heartbeat = startHeartbeat(store, state, options, now);
  options.onState?.('held');
  try {
    return await body(heldLock(store, environment, state));
  } finally {
    options.onState?.('releasing');
    await heartbeat.end();
    const released = await release(store.withRunner(detachedRunner(runner)), state, options, now);
    options.onState?.(released);
  }
}

function heldLock(store: GitLockStore, environment: string, state: Held): HeldLock {
  return {
    environment,
    ref: store.ref(environment),
    remote: store.remote.shown,
    get holder() {
      return state.holder;
    },
    get lost() {
      return state.lost !== null;
    },
    releaseHint: `npx just lock ${environment} release (from this machine, once this run has stopped)`,
  };
}

/**
 * A dry run says whether a real run would get the lock now (it does not wait) and prints the
 * pushes a real run would make. A lock it cannot check (no remote, no network) is a warning:
 * the dry run goes on to show the rest.
 */
async function dryRunUnderLock<T>(
  options: DeployLockOptions,
  identity: Identity,
  now: () => Date,
  body: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const { io } = options;
  const environment = options.env.name;
  const state: Held = { sha: '', holder: newHolder(identity, environment, options.command, now()), lost: null };
  let store: GitLockStore | null = null;
  try {
    store = await openLockStore(options.runner, io.env, io.cwd);
    const current = await store.read(environment);
    if (current === null) io.out.dim(`dry run: the ${environment} deploy lock is free; a real run takes it here`);
    else
      io.out.warn(
        `dry run: the ${environment} deploy lock is held by ${describeEntry(current, now())}; a real run would wait up to ${options.waitSeconds}s, then refuse (exit 3)`,
      );
    const planned = await store.write(state.holder, null);
    if (planned.ok) state.sha = planned.sha;
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    io.out.warn(
      `dry run: could not check the ${environment} deploy lock, where a real run would stop: ${(error as Error).message}`,
    );
    store = null;
  }
  try {
    return await body(store ? heldLock(store, environment, state) : unchecked(environment, state));
  } finally {
    if (store && state.sha) await store.remove(environment, state.sha);
  }
}

function unchecked(environment: string, state: Held): HeldLock {
  return {
    environment,
    ref: deployLockRef(environment),
    remote: '(not checked)',
    holder: state.holder,
    lost: false,
    releaseHint: `npx just lock ${environment} release`,
  };
}

interface Held {
  sha: string;
  holder: Holder;
  /** Who holds it now, when that is no longer this run (null: still ours). */
  lost: LockEntry | 'released' | null;
}

async function acquire(
  store: GitLockStore,
  options: DeployLockOptions,
  identity: Identity,
  now: () => Date,
): Promise<{ sha: string; holder: Holder }> {
  const { io, waitSeconds, command } = options;
  const environment = options.env.name;
  const started = io.clock.now();
  const deadline = started + waitSeconds * 1000;
  let announced: string | null = null;
  let lastNote = started;
  for (;;) {
    const holder = newHolder(identity, environment, command, now());
    let result;
    try {
      result = await store.write(holder, null);
    } catch (error) {
      if (error instanceof Interrupted) throw await abandon(store, holder, options);
      throw error;
    }
    if (result.ok) return { sha: result.sha, holder };
    const current = result.current;
    if (current === null) continue; // released between our push and our read: try again at once
    const left = deadline - io.clock.now();
    if (left <= 0) throw new LockBusy(environment, current, waitSeconds > 0 ? io.clock.now() - started : null, now());
    if (announced !== current.sha) {
      io.out.info(
        `waiting up to ${formatDuration(left)} for the ${environment} deploy lock, held by ${describeEntry(current, now())}`,
      );
      announced = current.sha;
      lastNote = io.clock.now();
    } else if (io.clock.now() - lastNote >= WAIT_NOTE_MS && !io.out.interactive) {
      io.out.dim(`still waiting for the ${environment} deploy lock (${formatDuration(left)} left)`);
      lastNote = io.clock.now();
    }
    io.out.progress(`waiting for the ${environment} deploy lock: ${formatDuration(left)} left`);
    try {
      await io.clock.sleep(Math.min(POLL_MS, left), io.signal);
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      throw new Interrupted(
        `interrupted while waiting for the ${environment} deploy lock (held by ${describeEntry(current, now())}): nothing was changed`,
      );
    }
  }
}

/**
 * Ctrl-C while our push may have landed: look (with a runner Ctrl-C has not stopped) and take
 * back a lock that turns out to be ours, so "nothing was changed" is true when we say it.
 */
async function abandon(store: GitLockStore, holder: Holder, options: DeployLockOptions): Promise<Interrupted> {
  const environment = options.env.name;
  const detached = store.withRunner(detachedRunner(options.runner));
  try {
    const current = await detached.read(environment);
    if (current?.holder?.id === holder.id) {
      const removed = await detached.remove(environment, current.sha);
      if (!removed.ok) throw new Error('the lock changed');
    }
    return new Interrupted(`interrupted while taking the ${environment} deploy lock: nothing was changed`);
  } catch {
    return new Interrupted(`interrupted while taking the ${environment} deploy lock: it may be held by this run`, {
      hint: `check with npx just lock ${environment} status; free it with npx just lock ${environment} release`,
    });
  }
}

function startHeartbeat(store: GitLockStore, state: Held, options: DeployLockOptions, now: () => Date) {
  const { io } = options;
  const environment = options.env.name;
  const intervalMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, io.signal]);
  const loop = (async () => {
    for (;;) {
      try {
        await abortableSleep(intervalMs, signal);
      } catch {
        return;
      }
      const next = refreshed(state.holder, now());
      try {
        const result = await store.write(next, state.sha);
        if (result.ok) {
          state.sha = result.sha;
          state.holder = next;
          continue;
        }
        state.lost = result.current ?? 'released';
        io.out.warn(`the ${environment} deploy lock was ${lostHow(state.lost, now())} while this run held it`);
        return;
      } catch (error) {
        if (signal.aborted) return;
        io.out.warn(
          `could not refresh the ${environment} deploy lock (${(error as Error).message}); trying again in ${formatDuration(intervalMs)}`,
        );
      }
    }
  })();
  return {
    end: async () => {
      stop.abort();
      await loop;
    },
  };
}

function lostHow(lost: LockEntry | 'released', now: Date): string {
  return lost === 'released' ? 'released by someone else' : `taken over by ${describeEntry(lost, now)}`;
}

async function release(
  store: GitLockStore,
  state: Held,
  options: DeployLockOptions,
  now: () => Date,
): Promise<'released' | 'lost' | 'kept'> {
  const { out } = options.io;
  const environment = options.env.name;
  if (state.lost !== null) {
    out.warn(`the ${environment} deploy lock was not released: it was ${lostHow(state.lost, now())}`);
    return 'lost';
  }
  try {
    let result = await store.remove(environment, state.sha);
    // A heartbeat that Ctrl-C cut short may still have landed: the lock is then ours at another commit.
    if (!result.ok && result.current?.holder?.id === state.holder.id)
      result = await store.remove(environment, result.current.sha);
    if (result.ok) {
      if (!store.dryRun) out.success(`released the ${environment} deploy lock`);
      return 'released';
    }
    out.warn(
      `the ${environment} deploy lock was not released: it was ${lostHow(result.current ?? 'released', now())} while this run held it`,
    );
    return 'lost';
  } catch (error) {
    out.error(
      `could not release the ${environment} deploy lock: ${(error as Error).message.replace(/\.$/, '')}. It stays held by this run`,
      `once the remote is reachable: npx just lock ${environment} release (from this machine), or npx just lock ${environment} release --force`,
    );
    return 'kept';
  }
}

/**
 * A runner for the release: Ctrl-C has stopped the run's runner, but the lock must still be
 * given back — with the run's environment (a script may keep variables from its children).
 */
function detachedRunner(runner: Runner): Runner {
  return runner.withSignal(new AbortController().signal);
}
