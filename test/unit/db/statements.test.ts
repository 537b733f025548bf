/**
 * The CLI's statement splitter, ported: the cases are the ones its parser handles specially
 * (quotes, dollar quotes, comments, parentheses, BEGIN ATOMIC); the arrays are what supabase
 * 2.117.0's own splitter returns for the same input (checked against the code in its binary).
 */
import { describe, expect, it } from 'vitest';
import {
  normalizeStatement,
  scanSql,
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

/** What the lint reads: the statements that hold code, each as [line, code without comments]. */
const codes = (sql: string) =>
  scanSql(sql)
    .statements.filter((s) => s.withoutComments !== '')
    .map((s) => [s.line, s.withoutComments]);

describe('scanSql: statements, their lines and the comments (what the migration lint reads)', () => {
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
    // The CLI knows no backslash escapes: it ends the string at \' and the statement at the next ;
    // (and runs it so). The lint sees what the CLI runs.
    [
      "E'' with a backslash-escaped quote: split where the CLI splits it",
      "select E'a\\';b';",
      [
        [1, "select E'a\\'"],
        [1, "b'"],
      ],
    ],
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
      'comments are blanked out, lines kept; a trailing comment holds no code',
      '-- heading\n/* block; */\ncreate table a (id int); -- tail;\n',
      [[3, 'create table a (id int)']],
    ],
    [
      'a comment inside a statement is blanked out, its newline kept',
      'alter table t -- drop column x\n  add column y int;',
      [[1, 'alter table t                 \n  add column y int']],
    ],
    ['nested block comments', '/* a /* b; */ c; */ select 1;', [[1, 'select 1']]],
    [
      'BEGIN ATOMIC bodies hold their ;',
      'create function f() returns int language sql begin atomic select 1; select 2; end;\nselect 4;',
      [
        [1, 'create function f() returns int language sql begin atomic select 1; select 2; end'],
        [2, 'select 4'],
      ],
    ],
    // The CLI closes the body at the first END, a CASE's too: what follows is a statement `end`.
    [
      'a CASE … END in a BEGIN ATOMIC body: split where the CLI splits it',
      'create function f() returns int language sql begin atomic select 1; select case when true then 2 end; end;\nselect 4;',
      [
        [1, 'create function f() returns int language sql begin atomic select 1; select case when true then 2 end'],
        [1, 'end'],
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

  it('a block comment never closed runs to the end of the file', () => {
    expect(scanSql('select 1; /* open\nselect 2;').comments).toEqual([{ line: 1, body: 'open\nselect 2;' }]);
  });
});
