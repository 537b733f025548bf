import { describe, expect, it } from 'vitest';
import { schemaCompatibility, versionsInListing, type KnownMigration } from '../../../../lib/db/lint/schema-compat.ts';

const m = (version: string, kind: 'expand' | 'contract', why: string | null = null): KnownMigration => ({
  version,
  file: `supabase/migrations/${version}_m.sql`,
  kind,
  why,
});
const known = new Map(
  [m('1', 'expand'), m('2', 'expand'), m('3', 'expand'), m('4', 'contract', 'drops a column'), m('5', 'expand')].map(
    (x) => [x.version, x],
  ),
);

describe('schemaCompatibility (rollback to an earlier release)', () => {
  it('nothing applied since: compatible', () => {
    expect(schemaCompatibility({ target: 'v41', atTarget: ['1', '2'], applied: ['1', '2'], known })).toEqual({
      compatible: true,
      since: [],
      message: 'schema is compatible with v41: no migration was applied after it',
    });
  });

  it('only expand migrations since: compatible, naming them', () => {
    const result = schemaCompatibility({ target: 'v41', atTarget: ['1'], applied: ['3', '1', '2'], known });
    expect(result).toEqual({
      compatible: true,
      since: [known.get('2'), known.get('3')],
      message: 'schema is compatible with v41: the 2 migration(s) applied after it only expand (2, 3)',
    });
  });

  it('a contract migration since: not compatible, naming it and why', () => {
    expect(
      schemaCompatibility({ target: 'v41', atTarget: ['1', '2'], applied: ['1', '2', '3', '4', '5'], known }),
    ).toEqual({
      compatible: false,
      reason: 'contract',
      contract: [known.get('4')],
      unclassified: [],
      message: 'schema is not compatible with v41: applied after it: supabase/migrations/4_m.sql (drops a column)',
    });
  });

  it('a recorded migration with no file here cannot be classified: not compatible', () => {
    const result = schemaCompatibility({ target: 'v41', atTarget: ['1'], applied: ['1', '9'], known });
    expect(result).toMatchObject({ compatible: false, reason: 'unclassified', unclassified: ['9'] });
    expect(result.message).toBe(
      'schema is not compatible with v41: applied after it: 9 (recorded, but no file here to classify)',
    );
  });

  it('a release whose migrations are unknown (no deploy tag): not compatible', () => {
    expect(schemaCompatibility({ target: 'v7', atTarget: null, applied: ['1'], known })).toMatchObject({
      compatible: false,
      reason: 'unknown-release',
    });
  });

  it('a migration the release had but the database lacks changes nothing (not "since")', () => {
    expect(schemaCompatibility({ target: 'v41', atTarget: ['1', '4'], applied: ['1'], known }).compatible).toBe(true);
  });
});

describe('versionsInListing (git ls-tree --name-only)', () => {
  it('keeps the versions of migration files only', () => {
    expect(
      versionsInListing(
        'supabase/migrations/20250714093000_initial_schema.sql\nsupabase/migrations/README.md\n20251021083000_x.sql\n',
      ),
    ).toEqual(['20250714093000', '20251021083000']);
  });
});
