import { describe, expect, it } from 'vitest';
import { InvalidInput, PreconditionFailed } from '../../../lib/core/errors.ts';
import type { FlyRelease } from '../../../lib/fly/json.ts';
import { formatReleaseTable, listReleases } from '../../../lib/release/release-table.ts';
import { chooseRollbackTarget, rollbackCommand, rolledBackFrom } from '../../../lib/release/rollback.ts';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';

const img = (n: number) => `registry.fly.io/kotadb-api:deployment-${n}`;
const rel = (version: number, status: string, imageRef: string | null = img(version)): FlyRelease => ({
  id: `rel_${version}`,
  version,
  status,
  description: 'Deploy image',
  imageRef,
  createdAt: `2026-01-0${version}T12:00:00Z`,
  user: 'dev@example.com',
});

// v6 failed (its image may run), v5 running, v4 = secrets change (same image as v5), v3 interrupted, v2, v1.
const history = [
  rel(6, 'failed'),
  rel(5, 'complete'),
  rel(4, 'complete', img(5)),
  rel(3, 'interrupted'),
  rel(2, 'complete'),
  rel(1, 'complete', null),
];

describe('chooseRollbackTarget', () => {
  it('defaults to the newest complete release older than the running one with another image', () => {
    expect(chooseRollbackTarget(history, {})).toEqual({ version: 2, imageRef: img(2) });
  });

  it('takes --to N when it is complete with an image (the running one included)', () => {
    expect(chooseRollbackTarget(history, { to: 5 })).toEqual({ version: 5, imageRef: img(5) });
    expect(chooseRollbackTarget(history, { to: 2 })).toEqual({ version: 2, imageRef: img(2) });
  });

  it.each([
    [6, 'release v6 is failed, not complete: choose one of v5, v4, v2'],
    [3, 'release v3 is interrupted, not complete: choose one of v5, v4, v2'],
    [1, 'release v1 has no image: choose one of v5, v4, v2'],
    [42, 'release v42 is not among the last 6 releases: choose one of v5, v4, v2'],
  ])('refuses --to %i (exit 2), naming the choices', (to, message) => {
    const error = (() => {
      try {
        return chooseRollbackTarget(history, { to });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as Error).message).toBe(message);
  });

  it('takes --image as given, naming the release that ran it when there is one', () => {
    expect(chooseRollbackTarget(history, { image: img(2) })).toEqual({ version: 2, imageRef: img(2) });
    expect(chooseRollbackTarget(history, { image: 'ghcr.io/kotadb/api:1.2.3' })).toEqual({
      version: null,
      imageRef: 'ghcr.io/kotadb/api:1.2.3',
    });
  });

  it('refuses (exit 3) when there is nothing older to go back to', () => {
    expect(() => chooseRollbackTarget([rel(1, 'complete')], {})).toThrow(PreconditionFailed);
    expect(() => chooseRollbackTarget([], {})).toThrow(
      'no earlier complete release with a different image to roll back to',
    );
  });

  it('never picks by default a release that a rollback already replaced (exit 3)', () => {
    // v4 deployed image 4, health failed, v5 put image 3 back; v6 is a secrets change.
    const afterAutoRollback = [
      rel(6, 'complete', img(3)),
      rel(5, 'complete', img(3)),
      rel(4, 'complete'),
      rel(3, 'complete'),
      rel(2, 'complete'),
    ];
    expect(rolledBackFrom(afterAutoRollback).map((r) => r.version)).toEqual([4]);
    expect(() => chooseRollbackTarget(afterAutoRollback, {})).toThrow(
      "the default target v4 was rolled back from (v6 runs an older release's image again): it may be the bad release, so it is not picked by default",
    );
    expect(() => chooseRollbackTarget(afterAutoRollback, {})).toThrow(PreconditionFailed);
    expect(chooseRollbackTarget(afterAutoRollback, { to: 2 })).toEqual({ version: 2, imageRef: img(2) });
    expect(listReleases(afterAutoRollback).map((r) => [r.version, r.defaultTarget, r.rolledBackFrom])).toEqual([
      [6, false, false],
      [5, false, false],
      [4, false, true],
      [3, false, false],
      [2, false, false],
    ]);
  });

  it('finds nothing rolled back from in a plain history', () => {
    expect(rolledBackFrom(history)).toEqual([]);
    expect(rolledBackFrom([rel(3, 'complete'), rel(2, 'complete', img(3)), rel(1, 'complete')])).toEqual([]);
  });

  it('prints the command that finishes a rollback', () => {
    expect(rollbackCommand(ENVIRONMENTS.staging, { version: 3, imageRef: img(3) })).toBe(
      'npx just rollback staging --to 3',
    );
    expect(rollbackCommand(ENVIRONMENTS.production, { version: null, imageRef: 'ghcr.io/k/api:1' })).toBe(
      'npx just rollback production --image ghcr.io/k/api:1',
    );
  });
});

describe('release table (--list)', () => {
  it("shows each release's commit: the deploy tag first, else the image's git-<sha> label", () => {
    const labelled = 'a'.repeat(40);
    const tagged = 'b'.repeat(40);
    const releases = [
      rel(3, 'complete', `registry.fly.io/kotadb-api:git-${labelled}`),
      rel(2, 'complete'),
      rel(1, 'complete'),
    ];
    const rows = listReleases(releases, { deployTags: new Map([[2, tagged]]), unreadable: null });
    expect(rows.map((r) => r.commit)).toEqual([labelled, tagged, null]);
    const lines = formatReleaseTable(rows);
    expect(lines[1]).toMatch(/^v3\s+complete\s+\S+:git-a{40}\s+aaaaaaa\s+/);
    expect(lines[2]).toMatch(/^v2\s+complete\s+\S+\s+bbbbbbb\s+/);
  });

  it('marks the running release and the default target', () => {
    const rows = listReleases(history);
    expect(rows.filter((r) => r.running).map((r) => r.version)).toEqual([5]);
    expect(rows.filter((r) => r.defaultTarget).map((r) => r.version)).toEqual([2]);
    const lines = formatReleaseTable(rows);
    expect(lines[0]).toMatch(/^VERSION\s+STATUS\s+IMAGE\s+COMMIT\s+USER\s+DATE$/);
    expect(lines[1]).toMatch(
      /^v6\s+failed\s+registry\.fly\.io\/kotadb-api:deployment-6\s+-\s+dev@example\.com\s+2026-01-06 12:00:00Z$/,
    );
    expect(lines[2]).toMatch(/^v5\s+complete\s+.*← running$/);
    expect(lines[5]).toMatch(/^v2\s+complete\s+.*← default rollback target$/);
    expect(lines[6]).toMatch(/^v1\s+complete\s+-\s+-\s+dev@example\.com/);
    expect(
      formatReleaseTable(listReleases([rel(3, 'complete', img(1)), rel(2, 'complete'), rel(1, 'complete')]))[2],
    ).toMatch(/^v2\s+.*← rolled back from$/);
  });

  it('says so when there are no releases', () => {
    expect(formatReleaseTable([])).toEqual(['no releases yet']);
  });
});
