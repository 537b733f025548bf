/**
 * The CLI's statement splitter, ported: the cases are the ones its parser handles specially
 * (quotes, dollar quotes, comments, parentheses, BEGIN ATOMIC); the arrays are what supabase
 * 2.117.0's own splitter returns for the same input (checked against the code in its binary).
 */
import { describe, expect, it } from 'vitest';
import {
  normalizeStatement,
  splitStatements,
  statementTexts,
  withoutLeadingComments,
} from '../../../lib/db/statements.ts';

describe('statementTexts (what the CLI runs and records)', () => {
  it.each([
    [
      'plain statements, trailing semicolons and whitespace trimmed',
      'select 1;\n  select 2 ;;\n',
      ['select 1', 'select 2'],
    ],
    [
      'a ; inside quotes and identifiers',
      `select 'a;b'; select "c;d"; select 'it''s;';`,
      [`select 'a;b'`, `select "c;d"`, `select 'it''s;'`],
    ],
    [
      'dollar quotes, tagged or not',
      'do $$ begin null; end $$; select $t$ ; $t$;',
      ['do $$ begin null; end $$', 'select $t$ ; $t$'],
    ],
    [
      'comments stay in the statement that follows them',
      '-- a ; comment\nselect 1; /* b ; c */ select 2;',
      ['-- a ; comment\nselect 1', '/* b ; c */ select 2'],
    ],
    ['a trailing comment is a statement of its own', 'select 1;\n-- the end\n', ['select 1', '-- the end']],
    ['parentheses hold a ;', 'select (1;2); select 3', ['select (1;2)', 'select 3']],
    [
      'a BEGIN ATOMIC body holds every ; up to END',
      'create function f() returns int begin atomic select 1; select 2; end; select 3;',
      ['create function f() returns int begin atomic select 1; select 2; end', 'select 3'],
    ],
    ['nested parentheses close at the first ) (the CLI does the same)', '((a;) b; c); d', ['((a;) b', 'c)', 'd']],
    ['an empty file', '  \n\n', []],
  ])('%s', (_name, sql, expected) => {
    expect(statementTexts(sql)).toEqual(expected);
    expect(splitStatements(sql).map((s) => s.text)).toEqual(expected);
  });
});

describe('splitStatements: where each statement is', () => {
  it('names each statement by its first line that is not a comment, with its line number', () => {
    const sql = [
      '-- create the table',
      'create table public.t (',
      '  id int',
      ');',
      '',
      '/* a block',
      '   comment */',
      '-- this next one is broken',
      'select 1/0;',
    ].join('\n');
    expect(splitStatements(sql).map(({ index, line, firstLine }) => ({ index, line, firstLine }))).toEqual([
      { index: 0, line: 2, firstLine: 'create table public.t (' },
      { index: 1, line: 9, firstLine: 'select 1/0' },
    ]);
  });

  it('keeps the statement without its leading comments for classification', () => {
    expect(splitStatements('-- x\n/* y */ COMMIT;')[0]!.code).toBe('COMMIT');
    expect(withoutLeadingComments('\ufeff  -- only a comment')).toBe('');
  });
});

describe('normalizeStatement (comparing a file with what the database ran)', () => {
  it('ignores comments and whitespace, not what is quoted', () => {
    expect(normalizeStatement('-- why\ncreate   table t (\n  id int -- key\n)')).toBe('create table t(id int)');
    expect(normalizeStatement("select 'a  -- b'")).toBe("select 'a  -- b'");
    expect(normalizeStatement('select $$ x   y $$ /* c */')).toBe('select $$ x   y $$');
    expect(normalizeStatement('-- only a comment')).toBe('');
    expect(normalizeStatement('alter table t add b int')).not.toBe(normalizeStatement('alter table t add c int'));
  });
});
