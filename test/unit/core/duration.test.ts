/**
 * The two duration syntaxes (lib/core/duration.ts), each as its callers always accepted it:
 * fly.toml's and flyctl's Go durations, and supabase-apply's PostgreSQL-style timeouts. The
 * callers' own messages, and their everyday values (30s, 1m30s, 4s, 10min…), are proven in their
 * tests (fly-toml, release options, migration-session); here the edges of each syntax.
 */
import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseSettingDuration } from '../../../lib/core/duration.ts';

describe('parseGoDuration', () => {
  it.each([
    ['1.5s', 1500],
    ['2h45m', 9_900_000],
    ['1m0.5s', 60_500],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
  ])('%s = %d ms', (value, ms) => expect(parseGoDuration(value)).toBe(ms));

  it.each(['', '5', '10 minutes', '10min', ' 5s', '5s ', '-1s', '.5s', '1.s', '1d', 's', '5sm'])(
    'refuses "%s"',
    (value) => expect(parseGoDuration(value)).toBeNull(),
  );
});

describe('parseSettingDuration', () => {
  it('reads min and m alike, and fractions', () => {
    expect(['10min', '10m', '0.5h', '2.5ms'].map(parseSettingDuration)).toEqual([600_000, 600_000, 1_800_000, 2.5]);
  });

  it.each(['', '4', '0', '4 s', 'soon', '-1s', '1m30s', '1us', '10mins'])('refuses "%s"', (value) =>
    expect(parseSettingDuration(value)).toBeNull(),
  );
});
