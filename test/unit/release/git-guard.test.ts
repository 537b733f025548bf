/**
 * The production git guard against real git repositories: user config that hides files from
 * `git status` must not make a dirty tree look clean.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { PreconditionFailed } from '../../../lib/core/errors.ts';
import { Runner } from '../../../lib/core/runner.ts';
import { GitClient, parsePorcelainZ, requireReleaseCheckout } from '../../../lib/release/git-guard.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { createGitRepo, type GitRepo } from '../../helpers/git-repo.ts';

let repos: GitRepo[] = [];
afterEach(() => {
  for (const repo of repos) repo.cleanup();
  repos = [];
});

const client = (dir: string) =>
  new GitClient(new Runner({ output: captureOutput().out, signal: new AbortController().signal }), dir);

describe('the production git guard (real git)', () => {
  it('sees untracked files even with status.showUntrackedFiles=no, and names with odd characters verbatim', async () => {
    const repo = createGitRepo();
    repos.push(repo);
    repo.git('config', 'status.showUntrackedFiles', 'no');
    repo.git('config', 'core.quotepath', 'true');
    mkdirSync(path.join(repo.dir, 'deep', 'dir'), { recursive: true });
    writeFileSync(path.join(repo.dir, 'deep', 'dir', 'naïve file.txt'), 'x');
    expect(repo.git('status', '--porcelain')).toBe(''); // what the old guard saw
    const error = await requireReleaseCheckout(client(repo.dir), ENVIRONMENTS.production).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as Error).message).toBe('the work tree is not clean: deep/dir/naïve file.txt');
  });

  it('passes on a clean main and returns the commit', async () => {
    const repo = createGitRepo();
    repos.push(repo);
    expect(await requireReleaseCheckout(client(repo.dir), ENVIRONMENTS.production)).toEqual({
      branch: 'main',
      commit: repo.git('rev-parse', 'HEAD'),
    });
  });

  it('tags a commit and pushes the tag to origin; a folder that is not a checkout is refused (exit 3)', async () => {
    const repo = createGitRepo({ origin: true });
    repos.push(repo);
    const head = repo.git('rev-parse', 'HEAD');
    const git = client(repo.dir);
    await git.tag('deploy/production/v4', head);
    await git.pushTag('deploy/production/v4');
    expect(repo.originTags()).toEqual(['deploy/production/v4']);
    expect(repo.git('rev-parse', 'deploy/production/v4^{commit}')).toBe(head);
    const outside = mkdtempSync(path.join(tmpdir(), 'not-a-checkout-'));
    try {
      const error = await requireReleaseCheckout(client(outside), ENVIRONMENTS.production).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionFailed);
      expect((error as Error).message).toBe(`${outside} is not a git checkout`);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('parses -z output: renames carry their old path in the next field', () => {
    expect(parsePorcelainZ(' M a.txt\0R  new.txt\0old.txt\0?? b c\0')).toEqual(['a.txt', 'new.txt', 'b c']);
    expect(parsePorcelainZ('')).toEqual([]);
  });
});
