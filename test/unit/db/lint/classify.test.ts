import { describe, expect, it } from 'vitest';
import { classifyMigration, functionKey, functionsCreated } from '../../../../lib/db/lint/classify.ts';
import { readFileComments } from '../../../../lib/db/lint/comments.ts';
import { scanSql } from '../../../../lib/db/statements.ts';

function classify(sql: string, findings: Array<{ rule: string; line: number }> = [], existing: string[] = []) {
  const scanned = scanSql(sql);
  const comments = readFileComments(scanned.comments);
  return classifyMigration({
    statements: scanned.statements,
    findings,
    acknowledgements: comments.acknowledgements,
    declaredContract: comments.declaredContract,
    existingFunctions: new Set(existing),
  });
}

describe('expand: safe for the release still running', () => {
  it.each([
    ['a new table', 'create table public.notes (id bigint primary key, body text not null);'],
    ['a new nullable column', 'alter table public.repositories add column stars bigint;'],
    ['a new column with a default', "alter table public.repositories add column tier text not null default 'free';"],
    ['an index built concurrently', 'create index concurrently if not exists r_idx on public.repositories (stars);'],
    ['a NOT VALID constraint', 'alter table public.r add constraint r_stars check (stars >= 0) not valid;'],
    ['a new function', 'create or replace function public.note_count() returns bigint language sql as $$ select 1 $$;'],
    ['dropping a NOT NULL', 'alter table public.r alter column name drop not null;'],
    ['dropping a default', 'alter table public.r alter column name drop default;'],
    ['dropping a constraint', 'alter table public.r drop constraint r_check;'],
    ['renaming a constraint', 'alter table public.r rename constraint a to b;'],
    [
      'grants and policies',
      'grant select on public.notes to authenticated;\ncreate policy p on public.notes for select using (true);',
    ],
    [
      'a drop inside a function body',
      'create function public.g() returns void language plpgsql as $$ begin drop table x; end $$;',
    ],
  ])('%s', (_name, sql) => {
    expect(classify(sql)).toEqual({ kind: 'expand', declared: false, signals: [] });
  });
});

describe('contract: breaks what old code may use', () => {
  it.each([
    ['drop table', 'drop table if exists public.notes;', 'drop-object', 'drops table public.notes'],
    [
      'drop function',
      'drop function public.verify_api_key(text);',
      'drop-object',
      'drops function public.verify_api_key',
    ],
    ['drop view', 'drop view public.v;', 'drop-object', 'drops view public.v'],
    ['drop column', 'alter table public.r drop column legacy;', 'drop-column', 'drops column legacy of public.r'],
    [
      'drop column without COLUMN',
      'alter table only public.r drop legacy;',
      'drop-column',
      'drops column legacy of public.r',
    ],
    [
      'a second action drops',
      'alter table public.r add column a int, drop column if exists b;',
      'drop-column',
      'drops column b of public.r',
    ],
    [
      'rename a column',
      'alter table public.r rename column a to b;',
      'rename',
      'renames table public.r (or one of its columns)',
    ],
    ['rename a table', 'alter table public.r rename to s;', 'rename', 'renames table public.r (or one of its columns)'],
    [
      'rename a function',
      'alter function public.f(int) rename to g;',
      'rename',
      'renames function public.f (or one of its columns)',
    ],
    [
      'move to a schema',
      'alter table public.r set schema archive;',
      'set-schema',
      'moves table public.r to another schema',
    ],
    [
      'change a type',
      'alter table public.r alter column n type bigint;',
      'column-type',
      'changes the type of column n',
    ],
    [
      'SET DATA TYPE',
      'alter table public.r alter n set data type bigint;',
      'column-type',
      'changes the type of column n',
    ],
    ['SET NOT NULL', 'alter table public.r alter column n set not null;', 'set-not-null', 'sets column n NOT NULL'],
  ])('%s', (_name, sql, rule, what) => {
    expect(classify(sql)).toEqual({ kind: 'contract', declared: false, signals: [{ line: 1, rule, what }] });
  });

  it('replacing a function an earlier migration created changes it', () => {
    const sql =
      'create or replace function verify_api_key(p_key text) returns uuid language sql as $$ select null::uuid $$;';
    expect(classify(sql, [], ['public.verify_api_key']).signals).toEqual([
      { line: 1, rule: 'replace-function', what: 'changes function verify_api_key (the API may call it)' },
    ]);
    expect(classify(sql).kind).toBe('expand');
  });

  it("takes squawk's findings, one signal per statement, squawk's words first", () => {
    const sql = 'select 1;\nalter table public.r\n  drop column legacy;\n';
    expect(
      classify(sql, [
        { rule: 'ban-drop-column', line: 3 },
        { rule: 'prefer-robust-stmts', line: 3 },
      ]),
    ).toEqual({
      kind: 'contract',
      declared: false,
      signals: [{ line: 3, rule: 'ban-drop-column', what: 'drops a column' }],
    });
  });

  it('an acknowledged finding still makes the file contract (acknowledged = acceptable to run, not compatible)', () => {
    const sql =
      '-- squawk-ignore ban-drop-column -- gone from the API since v41\nalter table public.r drop column legacy;';
    expect(classify(sql).signals).toEqual([{ line: 2, rule: 'ban-drop-column', what: 'drops a column' }]);
  });

  it('a file that declares itself contract is contract, even when the table finds nothing', () => {
    expect(classify('-- kotadb: contract\nupdate public.r set tier = null;')).toEqual({
      kind: 'contract',
      declared: true,
      signals: [],
    });
  });
});

describe('function names', () => {
  it.each([
    ['f', 'public.f'],
    ['public.F', 'public.f'],
    ['"public"."verify_api_key"', 'public.verify_api_key'],
    ['auth . uid', 'auth.uid'],
  ])('%s → %s', (name, key) => {
    expect(functionKey(name)).toBe(key);
  });

  it('lists the functions a file creates', () => {
    const sql =
      'create function a() returns int language sql as $$ select 1 $$;\ncreate or replace procedure private.b() language sql as $$ $$;';
    expect(functionsCreated(scanSql(sql).statements)).toEqual(['public.a', 'private.b']);
  });
});
