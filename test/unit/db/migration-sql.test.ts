/**
 * The migrations must apply on PostgreSQL 15 and 17 (Supabase hosts both): no 16/17-only
 * syntax. (test/integration/postgres15.test.ts also applies them on a real 15 when present.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listLocalMigrations } from '../../../lib/db/migrations.ts';
import { findNewerThan15 } from '../../../lib/db/generate/pg-compat.ts';
import { extensionsUsed, stripSqlComments } from '../../../lib/db/plain-postgres.ts';

const { migrations } = listLocalMigrations();

describe('supabase/migrations', () => {
  it('has the four project migrations', () => {
    expect(migrations.length).toBeGreaterThanOrEqual(4);
  });

  it.each(migrations.map((m) => [m.file, m.path]))('%s uses nothing newer than PostgreSQL 15', (_file, file) => {
    expect(findNewerThan15(readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('creates only pgcrypto and uuid-ossp', () => {
    expect(
      extensionsUsed(migrations)
        .map((u) => u.extension)
        .sort(),
    ).toEqual(['pgcrypto', 'uuid-ossp']);
  });
});

describe('findNewerThan15', () => {
  it.each([
    ['GRANT MAINTAIN ON TABLE public.t TO anon;', 'the MAINTAIN privilege', 1],
    ["select 1;\nselect * from json_table(x, '$' columns (a int path '$.a'));", 'JSON_TABLE', 2],
    ['select any_value(a) from t;', 'any_value()', 1],
    ['copy t from stdin with (on_error ignore);', "COPY's ON_ERROR option", 1],
    ['grant r to u with inherit true;', 'GRANT … WITH INHERIT/SET', 1],
  ])('flags %s', (sql, feature, line) => {
    expect(findNewerThan15(sql)).toEqual([expect.objectContaining({ feature, line })]);
  });

  it('ignores comments and ordinary SQL', () => {
    expect(
      findNewerThan15(
        '-- GRANT MAINTAIN ON t TO x;\n/* json_table( */\ncreate table t (maintained boolean);\nselect json_agg(a), json_object_agg(a, b) from t;',
      ),
    ).toEqual([]);
  });
});

describe('extensionsUsed', () => {
  it('finds quoted and unquoted names, once, in file order, ignoring comments', () => {
    const files: Record<string, string> = {
      '/m/1_a.sql': 'create extension if not exists "uuid-ossp" with schema extensions;\n-- create extension postgis;',
      '/m/2_b.sql': 'CREATE EXTENSION vector;\ncreate extension if not exists "uuid-ossp";',
    };
    const ms = Object.keys(files).map((p, i) => ({ version: String(i + 1), name: 'x', file: p.slice(3), path: p }));
    expect(extensionsUsed(ms, (f) => files[f]!).map((u) => [u.extension, u.migration.file])).toEqual([
      ['uuid-ossp', '1_a.sql'],
      ['vector', '2_b.sql'],
    ]);
  });

  it('stripSqlComments keeps offsets and newlines', () => {
    const sql = 'a -- x\n/* y\nz */ b';
    expect(stripSqlComments(sql)).toHaveLength(sql.length);
    expect(stripSqlComments(sql).split('\n')).toHaveLength(3);
  });
});
