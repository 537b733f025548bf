import { describe, expect, it } from 'vitest';
import type { FlyRelease } from '../../../lib/fly/json.ts';
import { choosePromotion, matchesCommit, type ChoiceInput } from '../../../lib/release/promotion.ts';
import type { ReleaseRecord } from '../../../lib/release/provenance.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const LABELLED = `registry.fly.io/kotadb-api-staging:git-${A}`;
const UNLABELLED = 'registry.fly.io/kotadb-api-staging:deployment-01J6ABCD';

const release = (version: number, imageRef: string | null): FlyRelease => ({
  id: null,
  version,
  status: 'complete',
  description: '',
  imageRef,
  createdAt: null,
  user: null,
});
const record = (version: number, image: string, commit: string | null): ReleaseRecord => ({
  environment: 'staging',
  version,
  app: 'kotadb-api-staging',
  image,
  digest: null,
  commit,
  verified: { health: true, smoke: 'passed', at: '2026-12-01T00:00:00.000Z' },
  by: 'ci',
  promotedFrom: null,
});
const ours = (r: FlyRelease) => ({ kind: 'ours' as const, release: r, machines: 1, digest: null });
const input = (over: Partial<ChoiceInput>): ChoiceInput => ({
  from: 'staging',
  serving: null,
  machines: null,
  records: new Map(),
  force: false,
  ...over,
});

describe('choosePromotion', () => {
  it("the serving release's image; its commit from the record, else the git-<sha> label", () => {
    const serving = release(7, LABELLED);
    expect(choosePromotion(input({ serving, machines: ours(serving) }))).toEqual({
      kind: 'chosen',
      promotion: { image: LABELLED, commit: A, from: { environment: 'staging', version: 7 }, digest: null },
      commitSource: 'image label',
      servingNow: true,
    });
    const recorded = choosePromotion(
      input({ serving, machines: ours(serving), records: new Map([[7, record(7, LABELLED, B)]]) }),
    );
    expect(recorded).toMatchObject({ promotion: { commit: B }, commitSource: 'release record' });
  });

  it("the digest production must end up on: what staging's machines run, else the record's", () => {
    const serving = release(7, LABELLED);
    const rec = { ...record(7, LABELLED, A), digest: 'sha256:recorded' };
    const running = { ...ours(serving), digest: 'sha256:running' };
    expect(choosePromotion(input({ serving, machines: running, records: new Map([[7, rec]]) }))).toMatchObject({
      promotion: { digest: 'sha256:running' },
    });
    expect(choosePromotion(input({ serving, machines: ours(serving), records: new Map([[7, rec]]) }))).toMatchObject({
      promotion: { digest: 'sha256:recorded' },
    });
  });

  it('refuses: nothing served, machines on another release, no known commit (unless --force)', () => {
    expect(choosePromotion(input({}))).toMatchObject({
      kind: 'refused',
      reason: 'staging serves no release: there is no image to promote',
    });
    const serving = release(7, LABELLED);
    const newer = { kind: 'newer-release' as const, newest: { ...release(8, LABELLED), status: 'running' } };
    expect(choosePromotion(input({ serving, machines: newer }))).toMatchObject({
      kind: 'refused',
      reason: "staging's newest complete release v7 is not what every machine serves (v8 is running)",
    });
    const unlabelled = release(7, UNLABELLED);
    expect(choosePromotion(input({ serving: unlabelled, machines: ours(unlabelled) }))).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('has no known commit'),
    });
    expect(choosePromotion(input({ serving: unlabelled, machines: ours(unlabelled), force: true }))).toMatchObject({
      kind: 'chosen',
      promotion: { image: UNLABELLED, commit: null },
      commitSource: null,
    });
  });

  it('--image: only an image a record verified (the newest such record), records unreadable: refused', () => {
    const serving = release(9, UNLABELLED);
    const records = new Map([
      [5, record(5, LABELLED, A)],
      [6, record(6, LABELLED, A)],
    ]);
    expect(choosePromotion(input({ serving, machines: ours(serving), records, image: LABELLED }))).toEqual({
      kind: 'chosen',
      promotion: { image: LABELLED, commit: A, from: { environment: 'staging', version: 6 }, digest: null },
      commitSource: 'release record',
      servingNow: false,
    });
    expect(choosePromotion(input({ serving, records, image: UNLABELLED }))).toMatchObject({
      kind: 'refused',
      reason: `--image: no staging release record names ${UNLABELLED}: only an image staging verified can be promoted`,
    });
    expect(choosePromotion(input({ serving, records: null, image: LABELLED }))).toMatchObject({ kind: 'refused' });
  });
});

describe('matchesCommit', () => {
  it('a 7-to-40 digit prefix of the commit, any case; never an unknown commit', () => {
    expect(matchesCommit(A, 'aaaaaaa')).toBe(true);
    expect(matchesCommit(A, 'AAAAAAAAAA')).toBe(true);
    expect(matchesCommit(A, 'aaaaaab')).toBe(false);
    expect(matchesCommit(null, 'aaaaaaa')).toBe(false);
  });
});
