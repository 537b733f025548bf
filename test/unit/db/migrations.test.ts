import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareMigrations, listLocalMigrations, type LocalMigration } from '../../../lib/db/migrations.ts';

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
