import { describe, expect, test } from 'vitest';
import { commitLabel, commitOfImage } from '../../../lib/release/image-label.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('image labels name the commit', () => {
  test('commitLabel: git-<sha> for a full sha; anything else is a programming error', () => {
    expect(commitLabel(SHA)).toBe(`git-${SHA}`);
    expect(() => commitLabel('0123abc')).toThrow(/full commit sha/);
  });

  test.each([
    [`registry.fly.io/kotadb-api-staging:git-${SHA}`, SHA],
    [`registry.fly.io/kotadb-api-staging:git-${SHA}@sha256:${'a'.repeat(64)}`, SHA],
    [`localhost:5000/kotadb:git-${SHA}`, SHA],
    ['registry.fly.io/kotadb-api:deployment-01J82TRVEDFNZ3VPXQXTC4V6YJ', null],
    [`registry.fly.io/kotadb-api@sha256:${'a'.repeat(64)}`, null],
    ['localhost:5000/kotadb', null],
    [`registry.fly.io/kotadb-api:git-${SHA.slice(0, 12)}`, null],
    ['', null],
    [null, null],
  ])('commitOfImage(%j) = %j', (ref, commit) => {
    expect(commitOfImage(ref)).toBe(commit);
  });
});
