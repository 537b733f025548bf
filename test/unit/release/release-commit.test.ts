import { describe, expect, it } from 'vitest';
import {
  CHECKOUT_COMMIT_FIRST,
  NO_RECORDS,
  parseDeployTags,
  releaseCommit,
} from '../../../lib/release/release-commit.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('releaseCommit', () => {
  it('the deploy tag first, then the git-<sha> image label, else null', () => {
    const records = { deployTags: new Map([[41, A]]), unreadable: null };
    expect(releaseCommit({ version: 41, imageRef: `registry.fly.io/kotadb-api:git-${B}` }, records)).toEqual({
      sha: A,
      source: 'deploy tag',
    });
    expect(releaseCommit({ version: 42, imageRef: `registry.fly.io/kotadb-api-staging:git-${B}` }, records)).toEqual({
      sha: B,
      source: 'image label',
    });
    expect(releaseCommit({ version: 42, imageRef: 'registry.fly.io/kotadb-api:deployment-01J' }, records)).toBeNull();
    expect(releaseCommit({ version: null, imageRef: null }, NO_RECORDS)).toBeNull();
  });

  it("the image's commit: the release record first (a promoted release's deploy tag names this checkout's commit), then tag, then label", () => {
    const records = {
      deployTags: new Map([[41, A]]),
      releaseRecords: new Map([
        [41, C],
        [42, C],
      ]),
      unreadable: null,
    };
    expect(releaseCommit({ version: 41, imageRef: null }, records)).toEqual({ sha: C, source: 'release record' });
    // this checkout's commit (the schema check's question): the deploy tag first
    expect(releaseCommit({ version: 41, imageRef: null }, records, CHECKOUT_COMMIT_FIRST)).toEqual({
      sha: A,
      source: 'deploy tag',
    });
    expect(releaseCommit({ version: 42, imageRef: `registry.fly.io/kotadb-api:git-${B}` }, records)).toEqual({
      sha: C,
      source: 'release record',
    });
    // a digest-only ref (no label): the record alone knows the commit
    expect(
      releaseCommit({ version: 42, imageRef: `registry.fly.io/kotadb-api@sha256:${'d'.repeat(64)}` }, records),
    ).toEqual({
      sha: C,
      source: 'release record',
    });
    expect(releaseCommit({ version: 43, imageRef: null }, records)).toBeNull();
  });
});

describe('parseDeployTags', () => {
  it("reads for-each-ref lines of this environment's tags; an annotated tag's peeled commit wins", () => {
    const listing = [
      `refs/tags/deploy/production/v41\t${A}\t`,
      `refs/tags/deploy/production/v42\t${B}\t${C}`,
      `refs/tags/deploy/production/vnext\t${A}\t`,
      `refs/tags/deploy/staging/v3\t${A}\t`,
      '',
    ].join('\n');
    expect([...parseDeployTags(listing, 'production')]).toEqual([
      [41, A],
      [42, C],
    ]);
  });
});
