/**
 * The CLI's session settings: the timeouts travel in the URL's `options` parameter (the real
 * CLI and PostgreSQL honour them: test/scripts/supabase-apply.test.ts), durations are parsed
 * strictly.
 */
import { describe, expect, it } from 'vitest';
import { parseDuration, pgDuration, withMigrationTimeouts } from '../../../lib/db/migration-session.ts';
import { cliUrl, parseDbUrl } from '../../../lib/db/url.ts';

const db = parseDbUrl('postgresql://postgres:pw@db.example.supabase.co:5432/postgres', 'test');

describe('withMigrationTimeouts', () => {
  it('adds lock_timeout and statement_timeout to the URL the CLI gets (no password in it)', () => {
    expect(cliUrl(withMigrationTimeouts(db, { lockTimeoutMs: 4000, statementTimeoutMs: 600_000 }))).toBe(
      'postgresql://postgres@db.example.supabase.co:5432/postgres?options=-c%20lock_timeout%3D4s%20-c%20statement_timeout%3D10min',
    );
  });

  it("keeps the URL's own options first (ours win), and adds nothing when both are off", () => {
    const own = parseDbUrl(
      'postgresql://postgres@127.0.0.1:54332/postgres?options=-c%20idle_session_timeout%3D1h',
      'test',
    );
    expect(withMigrationTimeouts(own, { lockTimeoutMs: 1500, statementTimeoutMs: 0 }).params.get('options')).toBe(
      '-c idle_session_timeout=1h -c lock_timeout=1500ms',
    );
    expect(withMigrationTimeouts(db, { lockTimeoutMs: 0, statementTimeoutMs: 0 })).toBe(db);
  });
});

describe('parseDuration', () => {
  it.each([
    ['4s', 4000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['10m', 600_000],
    ['10min', 600_000],
    ['1h', 3_600_000],
    ['0', 0],
  ])('%s = %d ms', (value, ms) => {
    expect(parseDuration(value, '--lock-timeout-ddl')).toBe(ms);
  });

  it.each(['4', 'soon', '-1s', '4 s'])('refuses %s with the flag named (exit 2)', (value) => {
    expect(() => parseDuration(value, '--lock-timeout-ddl')).toThrow(
      `--lock-timeout-ddl must be a duration such as 4s, 500ms or 10m (or 0 for none), got "${value}"`,
    );
  });

  it('writes durations as PostgreSQL does', () => {
    expect([4000, 600_000, 7_200_000, 1500].map(pgDuration)).toEqual(['4s', '10min', '2h', '1500ms']);
  });
});
