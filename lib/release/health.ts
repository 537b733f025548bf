/**
 * What "healthy" means for the KotaDB API. /health is always HTTP 200, even with the
 * database down, so the status code proves little: the body decides (shared kotadb-api
 * reference). One probe here; deploy, rollback and doctor poll or report with it.
 */
import { z } from 'zod';

const HealthBody = z.looseObject({
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
export type HealthBody = z.output<typeof HealthBody>;

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
  const parsed = HealthBody.safeParse(json);
  if (!parsed.success) return { healthy: false, cause: 'not-json', reason: 'bad JSON: no "status" field in /health' };
  const body = parsed.data;
  if (body.status !== 'healthy') return { healthy: false, cause: 'status', reason: `status: ${body.status}`, body };
  if (body.saas && body.saas.supabase_status !== 'ok') {
    return { healthy: false, cause: 'supabase', reason: `supabase_status: ${body.saas.supabase_status}`, body };
  }
  return { healthy: true, body };
}

export type ProbeResult = HealthVerdict & { readonly latencyMs: number };

/** One GET <base>/health with a per-request timeout; network failures become a reason, never a throw. */
export async function probeHealth(baseUrl: string, timeoutMs = 10_000): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(joinUrl(baseUrl, '/health'), {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    const text = await response.text();
    return { ...evaluateHealth(response.status, text), latencyMs: elapsed() };
  } catch (error) {
    return { healthy: false, ...describeFetchError(error, timeoutMs), latencyMs: elapsed() };
  }
}

export function joinUrl(base: string, pathname: string): string {
  return base.replace(/\/+$/, '') + pathname;
}

/** fetch() hides the network cause; dig it out so the user reads "connection refused". */
export function describeFetchError(
  error: unknown,
  timeoutMs: number,
): { cause: Extract<UnhealthyCause, 'network' | 'timeout'>; reason: string } {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return { cause: 'timeout', reason: `no answer within ${Math.round(timeoutMs / 1000)}s` };
  return { cause: 'network', reason: networkReason(err) };
}

function networkReason(err: { message?: string; cause?: { code?: string; message?: string } }): string {
  switch (err.cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timeout';
    default:
      return err.cause?.message ?? err.message ?? 'network error';
  }
}
