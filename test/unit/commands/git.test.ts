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
    [
      'verify a commit',
      git.verifyCommit('origin/main'),
      ['git', 'rev-parse', '--verify', '--quiet', 'origin/main^{commit}'],
      false,
    ],
    [
      'files of a folder at a ref',
      git.filesAt('deploy/production/v41', 'supabase/migrations/'),
      ['git', 'ls-tree', '--name-only', 'deploy/production/v41', '--', 'supabase/migrations/'],
      false,
    ],
    [
      'deploy tags of one environment',
      git.deployTags('production'),
      ['git', 'for-each-ref', '--format=%(refname)%09%(objectname)%09%(*objectname)', 'refs/tags/deploy/production/'],
      false,
    ],
    [
      'a commit subject',
      git.commitSubject('abc123'),
      ['git', 'log', '-1', '--format=%s', 'abc123^{commit}', '--'],
      false,
    ],
    [
      'commits on each side',
      git.commitsAheadBehind('aaa', 'bbb'),
      ['git', 'rev-list', '--left-right', '--count', 'aaa...bbb', '--'],
      false,
    ],
    [
      'fetch one branch into its remote-tracking ref (promote: is the commit on main)',
      git.fetchBranch('origin', 'main'),
      ['git', 'fetch', '--quiet', '--no-tags', 'origin', '+refs/heads/main:refs/remotes/origin/main'],
      false,
    ],
    ["a commit's tree", git.treeOf('abc'), ['git', 'rev-parse', '--verify', '--quiet', 'abc^{tree}'], false],
    [
      'is a commit on a branch',
      git.isAncestor('abc', git.remoteBranchRef('origin', 'main')),
      ['git', 'merge-base', '--is-ancestor', 'abc', 'refs/remotes/origin/main'],
      false,
    ],
    [
      'list release records',
      git.lsRemoteRefs('origin', git.releaseRecordsGlob('production')),
      ['git', 'ls-remote', 'origin', 'refs/kotadb/releases/production/*'],
      false,
    ],
    [
      'fetch the objects of several refs',
      git.fetchRefObjects('origin', 'refs/kotadb/releases/staging/v3', 'refs/kotadb/releases/staging/v4'),
      [
        'git',
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        'origin',
        'refs/kotadb/releases/staging/v3',
        'refs/kotadb/releases/staging/v4',
      ],
      false,
    ],
    ['empty tree', git.emptyTree(), ['git', 'hash-object', '-t', 'tree', '--stdin'], false],
    [
      'holder commit (a local object only)',
      git.commitTree('4b825dc642cb6eb9a060e54bf8d69288fbee4904'),
      ['git', 'commit-tree', '--no-gpg-sign', '-F', '-', '4b825dc642cb6eb9a060e54bf8d69288fbee4904'],
      false,
    ],
    ['cat commit', git.catCommit('0123abcd'), ['git', 'cat-file', 'commit', '0123abcd'], false],
    ['remote url', git.remoteUrl('origin'), ['git', 'remote', 'get-url', 'origin'], false],
    [
      'ls-remote one ref',
      git.lsRemoteRef('origin', 'refs/kotadb/locks/staging'),
      ['git', 'ls-remote', '--exit-code', 'origin', 'refs/kotadb/locks/staging'],
      false,
    ],
    [
      'fetch a ref’s objects',
      git.fetchRefObjects('origin', 'refs/kotadb/locks/staging'),
      ['git', 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', 'origin', 'refs/kotadb/locks/staging'],
      false,
    ],
    [
      'create a ref only if absent',
      git.pushWithLease('origin', 'refs/kotadb/locks/staging', null, 'aaa111'),
      [
        'git',
        'push',
        '--quiet',
        '--no-verify',
        '--force-with-lease=refs/kotadb/locks/staging:',
        'origin',
        'aaa111:refs/kotadb/locks/staging',
      ],
      true,
    ],
    [
      'replace a ref only if still the expected commit',
      git.pushWithLease('origin', 'refs/kotadb/locks/staging', 'aaa111', 'bbb222'),
      [
        'git',
        'push',
        '--quiet',
        '--no-verify',
        '--force-with-lease=refs/kotadb/locks/staging:aaa111',
        'origin',
        'bbb222:refs/kotadb/locks/staging',
      ],
      true,
    ],
    [
      'delete a ref only if still the expected commit',
      git.pushWithLease('https://github.com/o/r.git', 'refs/kotadb/locks/production', 'aaa111', null),
      [
        'git',
        'push',
        '--quiet',
        '--no-verify',
        '--force-with-lease=refs/kotadb/locks/production:aaa111',
        'https://github.com/o/r.git',
        ':refs/kotadb/locks/production',
      ],
      true,
    ],
  ])('%s', (_name, command, argv, mutating) => {
    expect(command).toEqual({ argv, mutating });
  });

  it('names deploy tags deploy/<environment>/v<release>', () => {
    expect(git.deployTagName('production', 13)).toBe('deploy/production/v13');
  });

  it('keeps each release record in refs/kotadb/releases/<environment>/v<release>', () => {
    expect(git.releaseRecordRef('production', 12)).toBe('refs/kotadb/releases/production/v12');
  });

  it('keeps each environment’s deploy lock in refs/kotadb/locks/<environment>', () => {
    expect(git.deployLockRef('staging')).toBe('refs/kotadb/locks/staging');
    expect(git.deployLockRef('production')).toBe('refs/kotadb/locks/production');
  });
});
