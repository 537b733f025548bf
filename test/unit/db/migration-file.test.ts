/**
 * How the CLI runs one migration file (lib/db/migration-file.ts): which statements it refuses to
 * keep in the file's transaction, and what stays committed when a statement fails. The
 * behaviours were seen on the real CLI and PostgreSQL (see the module's header); the end-to-end
 * refusal is in test/scripts/supabase-apply.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { analyseMigrationSql, committedBefore, transactionStatement } from '../../../lib/db/migration-file.ts';
import { splitStatements } from '../../../lib/db/statements.ts';

const refused = (sql: string) => analyseMigrationSql(sql).refused.map((r) => [r.keyword, r.statement.line]);

describe('transaction control in a migration', () => {
  it.each([
    ['BEGIN', 'begin;'],
    ['BEGIN', 'BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE;'],
    ['START TRANSACTION', 'start  transaction;'],
    ['COMMIT', 'commit;'],
    ['COMMIT', "COMMIT PREPARED 'x';"],
    ['END', 'end;'],
    ['ABORT', 'abort;'],
    ['ROLLBACK', 'rollback;'],
    ['ROLLBACK', 'rollback work;'],
    ['PREPARE TRANSACTION', "prepare transaction 'x';"],
    ['SAVEPOINT', 'savepoint a;'],
    ['RELEASE', 'release savepoint a;'],
    ['ROLLBACK TO SAVEPOINT', 'rollback to savepoint a;'],
    ['ROLLBACK TO SAVEPOINT', 'rollback transaction to a;'],
  ])('%s is refused (%s)', (keyword, statement) => {
    expect(refused(`create table t (id int);\n-- why\n${statement}\n`)).toEqual([[keyword, 3]]);
  });

  it.each([
    ['a DO block', 'do $$ begin perform 1; commit; end $$;'],
    ['a BEGIN ATOMIC function body', 'create function f() returns int language sql begin atomic select 1; end;'],
    ['a comment', '-- commit;\nselect 1;'],
    ['a string', "select 'commit;';"],
    ['a word that only starts like one', 'select 1 as ending; create table committed (id int);'],
  ])('%s is not transaction control', (_name, sql) => {
    expect(refused(sql)).toEqual([]);
  });
});

describe('transaction control: the one definition (apply refuses it, the lint reports it)', () => {
  const control = (sql: string) => splitStatements(sql).filter((s) => transactionStatement(s)?.kind === 'control');

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
    expect(control(sql).length > 0).toBe(expected);
  });

  it('names the line of each', () => {
    expect(control('select 1;\nbegin;\nselect 2;\ncommit;').map((s) => s.line)).toEqual([2, 4]);
  });
});

describe('what stays committed when a statement fails', () => {
  it('a plain file runs in one transaction: nothing', () => {
    const sql = analyseMigrationSql('create table a (id int);\nselect 1/0;');
    expect(sql.mode).toBe('transaction');
    expect(committedBefore(sql, 1)).toBe(0);
  });

  it('CREATE INDEX CONCURRENTLY (and the like) run alone: what came before them stays', () => {
    const sql = analyseMigrationSql(
      'create table y1 (id int);\ncreate index concurrently y1_id on y1 (id);\ncreate table y2 (id int);\nselect 1/0;',
    );
    expect(sql.mode).toBe('split');
    // Seen on the real CLI: y1 and its index stay, y2 is rolled back.
    expect(committedBefore(sql, 3)).toBe(2);
    expect(committedBefore(sql, 1)).toBe(1);
    expect(committedBefore(sql, 0)).toBe(0);
    expect(analyseMigrationSql('vacuum analyze t;').mode).toBe('split');
  });

  it('-- pg-delta: transaction=false on the first line: every statement before the failure', () => {
    const sql = analyseMigrationSql('-- pg-delta: transaction=false\ncreate table a (id int);\nselect 1;\nselect 1/0;');
    expect(sql.mode).toBe('no-transaction');
    expect(committedBefore(sql, 2)).toBe(2);
  });
});
