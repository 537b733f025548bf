import { describe, expect, it } from 'vitest';
import { readFileComments } from '../../../../lib/db/lint/comments.ts';
import { scanSql } from '../../../../lib/db/statements.ts';

const read = (sql: string) => readFileComments(scanSql(sql).comments);

describe('acknowledgements (squawk-ignore) and the contract declaration', () => {
  it('an acknowledgement names its rules and its reason', () => {
    expect(read('-- squawk-ignore ban-drop-column, renaming-column -- moved to v2 in kotadb-api#12\n')).toEqual({
      acknowledgements: [
        {
          line: 1,
          rules: ['ban-drop-column', 'renaming-column'],
          reason: 'moved to v2 in kotadb-api#12',
          scope: 'statement',
        },
      ],
      declaredContract: false,
      problems: [],
    });
  });

  it('squawk-ignore-file acknowledges for the whole file', () => {
    expect(read('/* squawk-ignore-file prefer-robust-stmts -- a one-off data fix */').acknowledgements).toEqual([
      { line: 1, rules: ['prefer-robust-stmts'], reason: 'a one-off data fix', scope: 'file' },
    ]);
  });

  it.each([
    ['-- squawk-ignore ban-drop-column', ['kotadb-ignore-without-reason']],
    ['-- squawk-ignore ban-drop-column --   ', ['kotadb-ignore-without-reason']],
    ['-- squawk-ignore -- because', ['kotadb-ignore-without-rule']],
    ['-- squawk-ignore-file', ['kotadb-ignore-without-rule', 'kotadb-ignore-without-reason']],
    ['-- kotadb: expand', ['kotadb-unknown-directive']],
  ])('%s is a finding: %j', (sql, rules) => {
    expect(read(sql).problems.map((p) => [p.line, p.rule])).toEqual(rules.map((rule) => [1, rule]));
  });

  it.each([
    ['-- kotadb: contract', true],
    ['-- KotaDB: Contract (the API stopped using it in v41)', true],
    ['-- kotadb contract', false],
    ['-- a comment about kotadb: the service', false],
    ['-- KotaDB: API keys and their hashes', false],
  ])('%s declares a contract migration: %s', (sql, declared) => {
    expect(read(sql).declaredContract).toBe(declared);
    expect(read(sql).problems).toEqual([]);
  });
});
