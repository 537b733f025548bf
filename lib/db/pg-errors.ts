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
