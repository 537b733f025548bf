/**
 * Smoke checks after a healthy deploy (the team's list, shared kotadb-api reference): no
 * recently failed jobs, the auth layer rejects a request without a key, and — when the
 * environment's smoke API key is set — an authenticated request answers 200 JSON. The key is a
 * secret: registered for redaction and sent only in the X-API-Key header.
 */
import { describeFetchError, joinUrl, probeHealth } from './health.ts';
import { secrets } from '../core/redact.ts';

export type SmokeStatus = 'passed' | 'failed' | 'skipped';

export interface SmokeCheck {
  readonly name: string;
  readonly status: SmokeStatus;
  readonly detail: string;
}

export interface SmokeOptions {
  baseUrl: string;
  /** The smoke API key (undefined or empty: the authenticated check is skipped, and says so). */
  apiKey: string | undefined;
  /** Name of the env var the key comes from, for messages. */
  apiKeyVar: string;
  timeoutMs?: number;
}

const REPOSITORIES = '/api/v1/repositories';
const REQUEST_TIMEOUT_MS = 10_000;

export async function runSmokeChecks(options: SmokeOptions): Promise<SmokeCheck[]> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  secrets.add(options.apiKey);
  return [
    await checkFailedJobs(options.baseUrl, timeoutMs),
    await checkAuthRequired(options.baseUrl, timeoutMs),
    await checkAuthenticated(options, timeoutMs),
  ];
}

export function failedChecks(checks: readonly SmokeCheck[]): SmokeCheck[] {
  return checks.filter((c) => c.status === 'failed');
}

/** `GET /api/v1/repositories with X-API-Key: HTTP 500 (expected 200)` for the first failures. */
export function describeSmokeFailures(checks: readonly SmokeCheck[]): string {
  return failedChecks(checks)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('; ');
}

async function checkFailedJobs(baseUrl: string, timeoutMs: number): Promise<SmokeCheck> {
  const name = 'GET /health job queue';
  const probe = await probeHealth(baseUrl, timeoutMs);
  if (!probe.healthy) return { name, status: 'failed', detail: probe.reason };
  const failedRecent = probe.body.saas?.job_queue?.failed_recent;
  if (failedRecent === undefined) return { name, status: 'passed', detail: 'no job queue reported' };
  if (failedRecent !== 0)
    return { name, status: 'failed', detail: `saas.job_queue.failed_recent is ${failedRecent} (expected 0)` };
  return { name, status: 'passed', detail: 'failed_recent 0' };
}

async function checkAuthRequired(baseUrl: string, timeoutMs: number): Promise<SmokeCheck> {
  const name = `GET ${REPOSITORIES} without a key`;
  const answer = await get(baseUrl, REPOSITORIES, {}, timeoutMs);
  if ('error' in answer) return { name, status: 'failed', detail: answer.error };
  if (answer.status !== 401)
    return { name, status: 'failed', detail: `HTTP ${answer.status} (expected 401: the auth layer must reject it)` };
  return { name, status: 'passed', detail: 'HTTP 401' };
}

async function checkAuthenticated(options: SmokeOptions, timeoutMs: number): Promise<SmokeCheck> {
  const name = `GET ${REPOSITORIES} with X-API-Key`;
  if (!options.apiKey)
    return { name, status: 'skipped', detail: `${options.apiKeyVar} is not set: authenticated check skipped` };
  const answer = await get(options.baseUrl, REPOSITORIES, { 'x-api-key': options.apiKey }, timeoutMs);
  if ('error' in answer) return { name, status: 'failed', detail: answer.error };
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

async function get(
  baseUrl: string,
  pathname: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const response = await fetch(joinUrl(baseUrl, pathname), {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { error: describeFetchError(error, timeoutMs).reason };
  }
}
