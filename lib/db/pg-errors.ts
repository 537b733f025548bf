/**
 * A database error as one redacted line. Apart from lib/db/pg.ts so that modules which load the
 * `pg` driver lazily (doctor's checks) can describe errors without loading it.
 */
import { redact } from '../core/redact.ts';

/** `message (SQLSTATE 42P01)`, redacted. */
export function describePgError(error: unknown): string {
  const err = error as { message?: string; code?: string };
  const message = err.message || String(error);
  const code = err.code && /^[0-9A-Z]{5}$/.test(err.code) ? ` (SQLSTATE ${err.code})` : '';
  return redact(`${message}${code}`);
}

/**
 * pg and net errors in a few words ("connection refused"), for checklist lines; never the URL's
 * password. Looks through the toolkit's wrapping (connect() keeps the driver's error as cause).
 */
export function describeDbError(error: unknown, timeoutMs: number): string {
  const root = driverError(error);
  const err = root as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = err.code ?? err.errors?.[0]?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return `no answer within ${Math.round(timeoutMs / 1000)}s`;
    case '28P01':
      return 'password authentication failed';
    case '3D000':
      return 'the database does not exist';
    case '28000':
      return 'connection not allowed (pg_hba / network restrictions)';
  }
  const message = redact((err.message ?? String(root)).split('\n')[0] ?? '');
  if (/timeout/i.test(message)) return `no answer within ${Math.round(timeoutMs / 1000)}s`;
  return message;
}

/** The driver's own error under the toolkit's wrapping, if any. */
function driverError(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 3; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) return current;
    current = cause;
  }
  return current;
}

/** `… (SQLSTATE 55P03)` in a line of the Supabase CLI's output -> `55P03`. */
export function sqlstateIn(text: string | null): string | null {
  return text ? (/\(SQLSTATE ([0-9A-Z]{5})\)/.exec(text)?.[1] ?? null) : null;
}

export const SQLSTATE = {
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
} as const;
