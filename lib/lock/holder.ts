/**
 * Who holds a deploy lock: the record carried by the lock ref's commit message, how it is
 * written and read back, and what "stale" means. A record comes from the remote, written by
 * any version of the toolkit (or by hand), so reading it never throws: an unreadable record is
 * reported as such, and every text from it is made safe for a terminal before printing.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { deferred, zod } from '../core/deferred.ts';
import { escapeControl, formatDuration } from '../core/text.ts';

/** How often a holder refreshes its record while it runs. */
export const HEARTBEAT_MS = 60_000;
/** A record not refreshed for this long belongs to a run that probably died (5 missed heartbeats). */
export const STALE_AFTER_MS = 5 * HEARTBEAT_MS;

const FORMAT = 1;
/** The record's schema (zod, built the first time a record is read: not on the start-up path). */
const holderSchema = deferred(() => {
  const { z } = zod();
  const text = z.string().min(1).max(300);
  const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a time');

  const HolderSchema = z.object({
    format: z.literal(FORMAT),
    /** Unique per acquisition: tells this run's own record from another run's with the same user and host. */
    id: text,
    environment: text,
    user: text,
    host: text,
    pid: z.number().int().nonnegative(),
    /** `GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID` when a GitHub Actions run holds it. */
    ciRunUrl: text.nullable(),
    /** What the holder is doing, e.g. `deploy production`. */
    command: text,
    since: isoTime,
    heartbeatAt: isoTime,
    /** The holder promises a new heartbeat before this time; after it, the lock is stale. */
    staleAfter: isoTime,
  });
  return HolderSchema;
});

export type Holder = z.infer<ReturnType<typeof holderSchema>>;

/** The identity part of a holder: who and where, as this process sees itself. */
export interface Identity {
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  readonly ciRunUrl: string | null;
}

/** This process's identity, from the environment (GitHub Actions variables in CI). */
export function identityFrom(env: NodeJS.ProcessEnv, host: string, pid: number): Identity {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  const ciRunUrl = server && repository && runId ? `${server}/${repository}/actions/runs/${runId}` : null;
  const user = env.GITHUB_ACTOR || env.USER || env.LOGNAME || env.USERNAME || 'unknown';
  return { user, host: host || 'unknown', pid, ciRunUrl };
}

/** A fresh record for an acquisition at `now`. */
export function newHolder(identity: Identity, environment: string, command: string, now: Date): Holder {
  return refreshed(
    { format: FORMAT, id: randomUUID(), environment, command, ...identity, since: '', heartbeatAt: '', staleAfter: '' },
    now,
    { since: now },
  );
}

/** The same record with a heartbeat at `now`. */
export function refreshed(holder: Holder, now: Date, extra: { since?: Date } = {}): Holder {
  return {
    ...holder,
    ...(extra.since ? { since: isoSeconds(extra.since) } : {}),
    heartbeatAt: isoSeconds(now),
    staleAfter: isoSeconds(new Date(now.getTime() + STALE_AFTER_MS)),
  };
}

/** `2026-08-01T10:00:00Z`: seconds are precise enough for a lock, and easier to read. */
function isoSeconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The commit message: a line a human reading `git log` understands, then the record as JSON. */
export function encodeHolder(holder: Holder): string {
  return `kotadb deploy lock: ${holder.environment}, held by ${holder.user} on ${holder.host}\n\n${JSON.stringify(holder)}\n`;
}

export type ParsedHolder =
  { readonly ok: true; readonly holder: Holder } | { readonly ok: false; readonly reason: string };

/** Reads the record out of a raw commit (`git cat-file commit`) or a bare message. */
export function parseHolder(commitText: string): ParsedHolder {
  const blank = commitText.indexOf('\n\n');
  const message = commitText.startsWith('tree ') && blank !== -1 ? commitText.slice(blank + 2) : commitText;
  const json = message.split('\n').find((line) => line.startsWith('{'));
  if (json === undefined) return { ok: false, reason: 'no holder record in the lock commit' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'the holder record is not JSON' };
  }
  const parsed = holderSchema().safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `the holder record is not one this toolkit wrote (${issue?.path.join('.') || 'record'}: ${issue?.message})`,
    };
  }
  return { ok: true, holder: parsed.data };
}

export interface Freshness {
  /** Since the lock was taken. */
  readonly heldMs: number;
  /** Since the last heartbeat. */
  readonly silentMs: number;
  /** The holder missed its promised heartbeat: it probably died (or its clock is far off). */
  readonly stale: boolean;
}

export function freshness(holder: Holder, now: Date): Freshness {
  const at = now.getTime();
  return {
    heldMs: Math.max(0, at - Date.parse(holder.since)),
    silentMs: Math.max(0, at - Date.parse(holder.heartbeatAt)),
    stale: at > Date.parse(holder.staleAfter),
  };
}

/** Same user, host and CI run: a record this machine's user left (not necessarily this process). */
export function sameIdentity(holder: Holder, identity: Identity): boolean {
  return holder.user === identity.user && holder.host === identity.host && holder.ciRunUrl === identity.ciRunUrl;
}

/** `alice on laptop (pid 4242)` or `octocat in https://github.com/o/r/actions/runs/1`. */
export function describeWho(holder: Holder): string {
  const where = holder.ciRunUrl ? `in ${holder.ciRunUrl}` : `on ${holder.host} (pid ${holder.pid})`;
  return escapeControl(`${holder.user} ${where}`);
}

/** One line naming the holder, the command and since when (with the staleness, if stale). */
export function describeHolder(holder: Holder, now: Date): string {
  const fresh = freshness(holder, now);
  const base = `${describeWho(holder)}, running "${escapeControl(holder.command)}" since ${escapeControl(holder.since)} (${formatDuration(fresh.heldMs)} ago)`;
  return fresh.stale
    ? `${base}; STALE: no heartbeat for ${formatDuration(fresh.silentMs)}, its holder probably died`
    : base;
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
export function processIsRunning(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
