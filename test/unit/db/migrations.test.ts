import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareMigrations,
  describeEdit,
  findEditedMigrations,
  listLocalMigrations,
  type LocalMigration,
} from '../../../lib/db/migrations.ts';
import { statementTexts } from '../../../lib/db/statements.ts';

const m = (version: string): LocalMigration => ({
  version,
  name: 'x',
  file: `${version}_x.sql`,
  path: `/m/${version}_x.sql`,
});

describe('listLocalMigrations', () => {
  it('lists files the CLI accepts, in version order, and names the ones it would skip', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migrations-'));
    try {
      for (const file of [
        '20250102000000_b.sql',
        '20250101000000_a.sql',
        'notes.sql',
        'README.md',
        '2025_bad-name.sql',
      ])
        writeFileSync(path.join(dir, file), '');
      const { migrations, skipped } = listLocalMigrations(dir);
      expect(migrations.map((x) => x.file)).toEqual([
        '2025_bad-name.sql',
        '20250101000000_a.sql',
        '20250102000000_b.sql',
      ]);
      expect(skipped).toEqual(['notes.sql']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns nothing for a missing folder', () => {
    expect(listLocalMigrations('/nonexistent/migrations')).toEqual({ migrations: [], skipped: [] });
  });
});

describe('compareMigrations', () => {
  it('finds pending, remote-only (drift) and out-of-order files', () => {
    const result = compareMigrations(
      [m('20250101000000'), m('20250102000000'), m('20250104000000')],
      ['20250101000000', '20250103000000'],
    );
    expect(result.pending.map((x) => x.version)).toEqual(['20250102000000', '20250104000000']);
    expect(result.remoteOnly).toEqual(['20250103000000']);
    expect(result.outOfOrder.map((x) => x.version)).toEqual(['20250102000000']);
  });

  it('nothing pending when all are applied', () => {
    expect(compareMigrations([m('1')], ['1'])).toEqual({ pending: [], remoteOnly: [], outOfOrder: [] });
  });
});

describe('findEditedMigrations', () => {
  const file = '-- the first table\ncreate table t (id int);\n\nalter table t add column a int;\n';
  const recorded = statementTexts(file);
  const edits = (now: string, statements: string[] | null = recorded) =>
    findEditedMigrations([m('1')], [{ version: '1', statements }], () => now);

  it('an unchanged file, or one re-indented or with comments edited, is not an edit', () => {
    expect(edits(file)).toEqual([]);
    expect(
      edits('-- a better comment\ncreate   table t (\n  id int\n);\nalter table t add column a int; -- why\n'),
    ).toEqual([]);
  });

  it('names the first statement that differs, by its line in the file, next to what the database ran', () => {
    const [edit] = edits(file.replace('column a int', 'column b int'));
    expect(edit!.statement).toMatchObject({ index: 1, line: 4, firstLine: 'alter table t add column b int' });
    expect(edit!.recorded).toBe('alter table t add column a int');
    expect(describeEdit(edit!)).toBe(
      'line 4 now reads "alter table t add column b int", the database ran "alter table t add column a int"',
    );
  });

  it('a statement added or removed is an edit; rows without recorded statements cannot be checked', () => {
    expect(describeEdit(edits(`${file}select 1;\n`)[0]!)).toBe(
      'line 5 now reads "select 1", a statement the database never ran',
    );
    expect(describeEdit(edits('create table t (id int);')[0]!)).toBe(
      'the file now ends before the statement the database ran as "alter table t add column a int"',
    );
    expect(edits('select 2;', null)).toEqual([]);
  });

  it('prints what the database recorded terminal-safe', () => {
    const [edit] = edits(file, ['create table t (id int)', 'select 1 -- \u001b[2J']);
    expect(describeEdit(edit!)).toContain('the database ran "select 1 -- \\x1b[2J"');
  });
});
