import { describe, expect, it } from 'vitest';
import type { LocalMigration } from '../../../../lib/db/migrations.ts';
import {
  formatVersion,
  nextMigrationVersion,
  validateMigrationName,
} from '../../../../lib/db/generate/new-migration.ts';

const m = (version: string): LocalMigration => ({
  version,
  name: 'x',
  file: `${version}_x.sql`,
  path: `/m/${version}_x.sql`,
});

describe('validateMigrationName', () => {
  it.each(['add_notes', 'a', 'v2_users', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(validateMigrationName(name)).toBe(name);
  });
  it.each(['Add_notes', '1st', '_x', 'add-notes', 'add notes', '', 'a'.repeat(64), 'x.sql'])(
    'refuses "%s" (exit 2)',
    (name) => {
      expect(() => validateMigrationName(name)).toThrow(expect.objectContaining({ exitCode: 2 }));
    },
  );
});

describe('nextMigrationVersion', () => {
  const now = new Date('2026-03-04T05:06:07.890Z');
  it('is the UTC time, to the second', () => {
    expect(formatVersion(now)).toBe('20260304050607');
    expect(nextMigrationVersion(now, [m('20250101000000')])).toBe('20260304050607');
    expect(nextMigrationVersion(now, [])).toBe('20260304050607');
  });
  it('is one second after the newest file when the clock is not ahead of it', () => {
    expect(nextMigrationVersion(now, [m('20260304050607')])).toBe('20260304050608');
    expect(nextMigrationVersion(now, [m('20261231235959')])).toBe('20270101000000');
  });
});
