import { describe, expect, it } from 'vitest';
import { betweenLines, formatAge } from '../../../lib/doctor/status-table.ts';

describe('formatAge', () => {
  it.each([
    [45_000, '45s'],
    [12 * 60_000, '12m'],
    [(5 * 60 + 7) * 60_000, '5h07m'],
    [(3 * 24 + 4) * 3_600_000, '3d4h'],
  ])('%i ms -> %s', (ms, text) => expect(formatAge(ms)).toBe(text));
});

describe('betweenLines', () => {
  it('commits and migrations ahead, the image comparison; unknowns say why', () => {
    expect(
      betweenLines({
        commits: { ok: true, value: { ahead: 3, behind: 0 } },
        migrations: { ok: true, value: { ahead: 1, behind: 0 } },
        sameImage: { ok: true, value: false },
      }),
    ).toEqual(['staging is 3 commits / 1 migration ahead of production', "production's image differs from staging's"]);
    expect(
      betweenLines({
        commits: { ok: true, value: { ahead: 1, behind: 2 } },
        migrations: { ok: false, why: 'production: no database URL' },
        sameImage: { ok: true, value: true },
      }),
    ).toEqual([
      'staging is 1 commit ahead and 2 behind / unknown migrations (production: no database URL) ahead of production',
      "production runs staging's image",
    ]);
  });
});
