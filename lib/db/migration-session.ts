/**
 * The Supabase CLI's own database session during `db push`: the timeouts it runs under and how
 * the toolkit recognises it. Checked with supabase 2.117.0 on PostgreSQL 17:
 *   - the URL's `options` parameter reaches the server (`options=-c lock_timeout=4000 -c
 *     statement_timeout=600000`), and the CLI's `RESET ALL` before each file keeps those values
 *     (RESET returns to the session's start-up settings), even after a file's own `SET`;
 *   - the CLI names its sessions `@effect/sql-pg` whatever the URL or PGAPPNAME says (its pool
 *     sets application_name explicitly, and `-c application_name=` in options loses to it), so a
 *     CLI session is recognised by that name on this database, started after the push began.
 */
import { parseSettingDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import type { DbUrl } from './url.ts';

/** application_name of every session the Supabase CLI 2.117.0 opens. */
export const CLI_APPLICATION_NAME = '@effect/sql-pg';

export interface MigrationTimeouts {
  /** lock_timeout of the CLI's session (0: none). */
  readonly lockTimeoutMs: number;
  /** statement_timeout of the CLI's session (0: none). */
  readonly statementTimeoutMs: number;
}

/**
 * The target as the CLI gets it: the same database, with the timeouts in `options` (after any
 * `options` the URL already had, so ours win).
 */
export function withMigrationTimeouts(db: DbUrl, timeouts: MigrationTimeouts): DbUrl {
  const settings = [
    timeouts.lockTimeoutMs > 0 ? `-c lock_timeout=${pgDuration(timeouts.lockTimeoutMs)}` : null,
    timeouts.statementTimeoutMs > 0 ? `-c statement_timeout=${pgDuration(timeouts.statementTimeoutMs)}` : null,
  ].filter((s): s is string => s !== null);
  if (settings.length === 0) return db;
  const own = db.params.get('options');
  const params = new Map(db.params);
  params.set('options', [own, ...settings].filter(Boolean).join(' '));
  return { ...db, params };
}

/** A duration as PostgreSQL writes one (`4s`, `10min`, `1500ms`). */
export function pgDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * `4s`, `500ms`, `10m`, `1h` (or `0` for none) -> milliseconds; UsageError (exit 2) otherwise.
 * A bare number is refused: PostgreSQL would read it as milliseconds, a person as seconds.
 */
export function parseDuration(value: string, flag: string): number {
  if (value.trim() === '0') return 0;
  const ms = parseSettingDuration(value.trim());
  if (ms === null)
    throw new UsageError(`${flag} must be a duration such as 4s, 500ms or 10m (or 0 for none), got "${value}"`);
  return Math.round(ms);
}
