/**
 * Smoke checks (the team's list, shared kotadb-api reference): no recently failed jobs, the auth
 * layer rejects a request without a key, and — when the environment's smoke API key is set — an
 * authenticated request answers 200 JSON. Deploy runs them twice: against the release serving
 * before the deploy (a check failing there is a wrong check or key, not a bad release) and
 * against the new one; only a check that passed before and fails after is the new release's
 * fault. The key is a secret: registered for redaction, sent only in the X-API-Key header, and
 * never after a redirect (redirects are not followed).
 */
import { secrets } from '../core/redact.ts';
import { describeRedirect, joinUrl, probeHealth } from './health.ts';
import { httpGet, isRedirect } from './http.ts';

export type SmokeStatus = 'passed' | 'failed' | 'skipped';

export interface SmokeCheck {
  readonly name: string;
  readonly status: SmokeStatus;
  readonly detail: string;
  /** Failed without any HTTP answer (refused, DNS, timeout): about the network, not the app or its key. */
  readonly unreachable?: true;
}

export interface SmokeOptions {
  baseUrl: string;
  /** The smoke API key (undefined or empty: the authenticated check is skipped, and says so). */
  apiKey: string | undefined;
  /** Name of the env var the key comes from, for messages. */
  apiKeyVar: string;
  /** The run's Ctrl-C: every request stops on it (Interrupted is thrown). */
  signal: AbortSignal;
  timeoutMs?: number;
}

const REPOSITORIES = '/api/v1/repositories';
const REQUEST_TIMEOUT_MS = 10_000;

export async function runSmokeChecks(options: SmokeOptions): Promise<SmokeCheck[]> {
  secrets.add(options.apiKey);
  return [await checkFailedJobs(options), await checkAuthRequired(options), await checkAuthenticated(options)];
}

export function failedChecks(checks: readonly SmokeCheck[]): SmokeCheck[] {
  return checks.filter((c) => c.status === 'failed');
}

/**
 * The checks that passed against the release serving before (`baseline`) and fail now: the new
 * release's regressions. Without a baseline (first deploy) every failure counts.
 */
export function regressions(checks: readonly SmokeCheck[], baseline: readonly SmokeCheck[] | null): SmokeCheck[] {
  if (baseline === null) return failedChecks(checks);
  const passedBefore = new Set(baseline.filter((c) => c.status === 'passed').map((c) => c.name));
  return failedChecks(checks).filter((c) => passedBefore.has(c.name));
}

/** `GET /api/v1/repositories with X-API-Key: HTTP 500 (expected 200)` for the given failures. */
export function describeSmokeFailures(failures: readonly SmokeCheck[]): string {
  return failures.map((c) => `${c.name}: ${c.detail}`).join('; ');
}

/** `2 passed, 1 skipped` */
export function smokeTally(checks: readonly SmokeCheck[]): string {
  const count = (status: SmokeStatus) => checks.filter((c) => c.status === status).length;
  const parts = [`${count('passed')} passed`];
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('skipped')) parts.push(`${count('skipped')} skipped`);
  return parts.join(', ');
}

async function checkFailedJobs(options: SmokeOptions): Promise<SmokeCheck> {
  const name = 'GET /health job queue';
  const probe = await probeHealth(options.baseUrl, options.timeoutMs ?? REQUEST_TIMEOUT_MS, options.signal);
  if (!probe.healthy)
    return {
      name,
      status: 'failed',
      detail: probe.reason,
      ...(probe.cause === 'network' || probe.cause === 'timeout' ? { unreachable: true as const } : {}),
    };
  const failedRecent = probe.body.saas?.job_queue?.failed_recent;
  if (failedRecent === undefined) return { name, status: 'passed', detail: 'no job queue reported' };
  if (failedRecent !== 0)
    return { name, status: 'failed', detail: `saas.job_queue.failed_recent is ${failedRecent} (expected 0)` };
  return { name, status: 'passed', detail: 'failed_recent 0' };
}

async function checkAuthRequired(options: SmokeOptions): Promise<SmokeCheck> {
  const name = `GET ${REPOSITORIES} without a key`;
  const answer = await get(options, {});
  if ('error' in answer) return failedRequest(name, answer);
  if (answer.status !== 401)
    return { name, status: 'failed', detail: `HTTP ${answer.status} (expected 401: the auth layer must reject it)` };
  return { name, status: 'passed', detail: 'HTTP 401' };
}

async function checkAuthenticated(options: SmokeOptions): Promise<SmokeCheck> {
  const name = `GET ${REPOSITORIES} with X-API-Key`;
  if (!options.apiKey)
    return { name, status: 'skipped', detail: `${options.apiKeyVar} is not set: authenticated check skipped` };
  const answer = await get(options, { 'x-api-key': options.apiKey });
  if ('error' in answer) return failedRequest(name, answer);
  if (answer.status !== 200) {
    const why = answer.status === 401 || answer.status === 403 ? `: the key in ${options.apiKeyVar} was rejected` : '';
    return { name, status: 'failed', detail: `HTTP ${answer.status} (expected 200)${why}` };
  }
  try {
    JSON.parse(answer.text);
  } catch {
    return { name, status: 'failed', detail: 'HTTP 200 but the body is not JSON' };
  }
  return { name, status: 'passed', detail: 'HTTP 200 JSON' };
}

function failedRequest(name: string, answer: { error: string; unreachable: boolean }): SmokeCheck {
  return {
    name,
    status: 'failed',
    detail: answer.error,
    ...(answer.unreachable ? { unreachable: true as const } : {}),
  };
}

/**
 * Every failed check got no HTTP answer at all: the URL cannot be reached from here (DNS, a
 * refused connection, no answer in time), so neither the app nor the key can be blamed.
 */
export function allUnreachable(failures: readonly SmokeCheck[]): boolean {
  return failures.length > 0 && failures.every((c) => c.unreachable === true);
}

/** `1 smoke check fails`, `2 smoke checks fail`. */
export function failingChecks(count: number): string {
  return count === 1 ? '1 smoke check fails' : `${count} smoke checks fail`;
}

/** A redirect is reported as an error naming its Location (the key is not sent on). */
async function get(
  options: SmokeOptions,
  headers: Record<string, string>,
): Promise<{ status: number; text: string } | { error: string; unreachable: boolean }> {
  const answer = await httpGet(joinUrl(options.baseUrl, REPOSITORIES), {
    headers,
    timeoutMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
    signal: options.signal,
  });
  if (answer.kind === 'failure') return { error: answer.reason, unreachable: true };
  if (isRedirect(answer.status)) return { error: describeRedirect(answer), unreachable: false };
  return { status: answer.status, text: answer.text };
}
