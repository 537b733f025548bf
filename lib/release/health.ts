/**
 * What "healthy" means for the KotaDB API. /health is always HTTP 200, even with the
 * database down, so the status code proves little: the body decides (shared kotadb-api
 * reference). One probe here; deploy, rollback and doctor poll or report with it.
 */
import type { z } from 'zod';
import { deferred, zod } from '../core/deferred.ts';
import { escapeControl } from '../core/text.ts';
import { httpGet, isRedirect, type HttpAnswer } from './http.ts';

/** The body /health must have (zod, built at the first probe: not on the start-up path). */
const healthBody = deferred(() => {
  const { z } = zod();
  return z.looseObject({
    status: z.string(),
    version: z.string().optional(),
    saas: z
      .looseObject({
        supabase_status: z.string(),
        supabase_latency_ms: z.number().nullable().optional(),
        job_queue: z
          .looseObject({
            failed_recent: z.number().optional(),
            queued: z.number().optional(),
            failed: z.number().optional(),
          })
          .nullable()
          .optional(),
      })
      .nullable()
      .optional(),
  });
});
export type HealthBody = z.output<ReturnType<typeof healthBody>>;

/** Why /health was not healthy, as data: callers pick their wording and fix from it, never from the text. */
export type UnhealthyCause = 'http' | 'not-json' | 'status' | 'supabase' | 'network' | 'timeout';

export type HealthVerdict =
  | { readonly healthy: true; readonly body: HealthBody }
  | { readonly healthy: false; readonly cause: UnhealthyCause; readonly reason: string; readonly body?: HealthBody };

/** Pure: decides from the HTTP status and the body text. */
export function evaluateHealth(httpStatus: number, text: string): HealthVerdict {
  if (httpStatus !== 200) return { healthy: false, cause: 'http', reason: `HTTP ${httpStatus}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { healthy: false, cause: 'not-json', reason: 'bad JSON: /health did not return JSON' };
  }
  const parsed = healthBody().safeParse(json);
  if (!parsed.success) return { healthy: false, cause: 'not-json', reason: 'bad JSON: no "status" field in /health' };
  const body = parsed.data;
  if (body.status !== 'healthy')
    return { healthy: false, cause: 'status', reason: `status: ${escapeControl(body.status)}`, body };
  if (body.saas && body.saas.supabase_status !== 'ok') {
    return {
      healthy: false,
      cause: 'supabase',
      reason: `supabase_status: ${escapeControl(body.saas.supabase_status)}`,
      body,
    };
  }
  return { healthy: true, body };
}

export type ProbeResult = HealthVerdict & { readonly latencyMs: number };

/**
 * One GET <base>/health with a per-request timeout; network failures become a reason, never a
 * throw. A redirect is unhealthy and names where it points (redirects are not followed).
 * `signal` is the run's Ctrl-C (io.signal): it aborts the request itself and throws Interrupted.
 */
export async function probeHealth(baseUrl: string, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const answer = await httpGet(joinUrl(baseUrl, '/health'), { timeoutMs, signal });
  const latencyMs = Math.round(performance.now() - started);
  if (answer.kind === 'failure') return { healthy: false, cause: answer.cause, reason: answer.reason, latencyMs };
  if (isRedirect(answer.status)) return { healthy: false, cause: 'http', reason: describeRedirect(answer), latencyMs };
  return { ...evaluateHealth(answer.status, answer.text), latencyMs };
}

/** `HTTP 301 redirect to https://kotadb.example/health (redirects are not followed)` */
export function describeRedirect(answer: Pick<HttpAnswer, 'status' | 'location'>): string {
  const where = answer.location ? ` redirect to ${answer.location}` : ' redirect';
  return `HTTP ${answer.status}${where} (redirects are not followed)`;
}

export function joinUrl(base: string, pathname: string): string {
  return base.replace(/\/+$/, '') + pathname;
}
