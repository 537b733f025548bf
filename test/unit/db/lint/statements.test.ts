import { describe, expect, it } from 'vitest';
import { findTransactionControl, scanSql } from '../../../../lib/db/lint/statements.ts';

const codes = (sql: string) => scanSql(sql).statements.map((s) => [s.line, s.code]);

describe('scanSql: statements and their lines', () => {
  it.each([
    [
      'two statements',
      'create table a (id int);\nselect 1;\n',
      [
        [1, 'create table a (id int)'],
        [2, 'select 1'],
      ],
    ],
    [
      'a ; in a string',
      "insert into t values ('a;b');\nselect 2;",
      [
        [1, "insert into t values ('a;b')"],
        [2, 'select 2'],
      ],
    ],
    ["a doubled '' in a string", "select 'it''s;';", [[1, "select 'it''s;'"]]],
    ["E'' with a backslash-escaped quote", "select E'a\\';b';", [[1, "select E'a\\';b'"]]],
    ['a ; in a quoted identifier', 'create table "a;b" (id int);', [[1, 'create table "a;b" (id int)']]],
    [
      'a dollar-quoted body',
      'create function f() returns int language sql as $$ select 1; $$;\nselect 3;',
      [
        [1, 'create function f() returns int language sql as $$ select 1; $$'],
        [2, 'select 3'],
      ],
    ],
    ['a tagged dollar quote', 'do $body$ begin perform 1; end $body$;', [[1, 'do $body$ begin perform 1; end $body$']]],
    [
      'comments are blanked in code, lines kept',
      '-- heading\n/* block; */\ncreate table a (id int); -- tail;\n',
      [[3, 'create table a (id int)']],
    ],
    ['nested block comments', '/* a /* b; */ c; */ select 1;', [[1, 'select 1']]],
    [
      'BEGIN ATOMIC bodies hold their ;',
      'create function f() returns int language sql begin atomic select 1; select case when true then 2 end; end;\nselect 4;',
      [
        [
          1,
          'create function f() returns int language sql begin atomic select 1; select case when true then 2 end; end',
        ],
        [2, 'select 4'],
      ],
    ],
    [
      'a statement without a final ;',
      'select 1;\n\nselect 2',
      [
        [1, 'select 1'],
        [3, 'select 2'],
      ],
    ],
    ['only comments', '-- nothing\n', []],
  ])('%s', (_name, sql, expected) => {
    expect(codes(sql)).toEqual(expected);
  });

  it('spans lines: line is where the statement starts, endLine where it ends', () => {
    const [statement] = scanSql('\n\nalter table t\n  drop column c;\n').statements;
    expect(statement).toMatchObject({ line: 3, endLine: 4 });
  });

  it('collects comments with their lines and bodies (an ignore keeps its reason)', () => {
    expect(scanSql('-- squawk-ignore ban-drop-column -- why\nselect 1; /* kotadb: contract */\n').comments).toEqual([
      { line: 1, body: 'squawk-ignore ban-drop-column -- why' },
      { line: 2, body: 'kotadb: contract' },
    ]);
  });

  it('does not read comment markers inside strings or dollar quotes', () => {
    expect(scanSql("select '-- not a comment', $$ /* nor this */ $$;").comments).toEqual([]);
  });
});

describe('findTransactionControl', () => {
  it.each([
    ['begin;', true],
    ['BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE;', true],
    ['start transaction;', true],
    ['commit;', true],
    ['commit and chain;', true],
    ['end;', true],
    ['rollback;', true],
    ['abort;', true],
    ["prepare transaction 'x';", true],
    ['rollback to savepoint s;', false],
    ['savepoint s;', false],
    ['do $$ begin perform 1; end $$;', false],
    ['create function f() returns int language sql begin atomic select 1; end;', false],
    ['-- commit;\nselect 1;', false],
    ["select 'commit';", false],
    ['create table begin_log (id int);', false],
  ])('%s → %s', (sql, expected) => {
    expect(findTransactionControl(sql).length > 0).toBe(expected);
  });

  it('names the line of each', () => {
    expect(findTransactionControl('select 1;\nbegin;\nselect 2;\ncommit;').map((s) => s.line)).toEqual([2, 4]);
  });
});
