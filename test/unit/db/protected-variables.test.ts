/**
 * Which variables protect a database from supabase-reset: SUPABASE_DB_URL and
 * SUPABASE_DB_URL_<ANYTHING>, matched case-insensitively (a lower-case spelling names the same
 * database to a person, and some tools read it).
 */
import { describe, expect, it } from 'vitest';
import { parseDbUrl } from '../../../lib/db/url.ts';
import { assertResettable, protectedDatabases } from '../../../lib/db/targets.ts';

const PRECIOUS = 'postgresql://postgres@127.0.0.1:6010/precious';

describe('protected variables', () => {
  it.each(['SUPABASE_DB_URL_PRODUCTION', 'supabase_db_url_production', 'Supabase_Db_Url', 'supabase_db_url'])(
    '%s protects the database it names',
    (name) => {
      expect(protectedDatabases({ [name]: PRECIOUS }).map((p) => p.name)).toEqual([name]);
      expect(() => assertResettable(parseDbUrl(PRECIOUS, 'url'), { env: { [name]: PRECIOUS }, raw: PRECIOUS })).toThrow(
        expect.objectContaining({ exitCode: 3 }),
      );
    },
  );

  it('other names do not', () => {
    expect(protectedDatabases({ SUPABASE_DB_URLX: PRECIOUS, MY_SUPABASE_DB_URL: PRECIOUS })).toEqual([]);
  });
});
