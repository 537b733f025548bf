import { describe, expect, it } from 'vitest';
import * as git from '../../../lib/commands/git.ts';

describe('git builders (exact argv)', () => {
  it.each([
    ['current branch', git.currentBranch(), ['git', 'rev-parse', '--abbrev-ref', 'HEAD'], false],
    ['head commit', git.headCommit(), ['git', 'rev-parse', 'HEAD'], false],
    [
      'status',
      git.statusPorcelain(),
      ['git', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=none'],
      false,
    ],
    ['tag', git.tag('deploy/production/v13', '0123abcd'), ['git', 'tag', 'deploy/production/v13', '0123abcd'], true],
    [
      'push tag',
      git.pushTag('deploy/production/v13'),
      ['git', 'push', 'origin', 'refs/tags/deploy/production/v13'],
      true,
    ],
    [
      'push tag (other remote)',
      git.pushTag('deploy/production/v13', 'upstream'),
      ['git', 'push', 'upstream', 'refs/tags/deploy/production/v13'],
      true,
    ],
  ])('%s', (_name, command, argv, mutating) => {
    expect(command).toEqual({ argv, mutating });
  });

  it('names deploy tags deploy/<environment>/v<release>', () => {
    expect(git.deployTagName('production', 13)).toBe('deploy/production/v13');
  });
});
