/**
 * Throwaway git repositories for the production git guard and deploy tags: a work tree with
 * one commit on a chosen branch, optionally a local bare `origin` to push tags to.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface GitRepo {
  dir: string;
  /** The bare repository `origin` points at (when created with origin: true). */
  origin: string | null;
  git(...args: string[]): string;
  /** Leaves an uncommitted change in the work tree. */
  dirty(): void;
  /** Tags the bare origin has (names only). */
  originTags(): string[];
  cleanup(): void;
}

const IDENTITY = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false'];

export function createGitRepo(options: { branch?: string; origin?: boolean } = {}): GitRepo {
  const root = mkdtempSync(path.join(tmpdir(), 'deploy-git-'));
  const dir = path.join(root, 'work');
  const run = (cwd: string, ...args: string[]) =>
    execFileSync('git', [...IDENTITY, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  execFileSync('git', ['init', '-q', '-b', options.branch ?? 'main', dir]);
  writeFileSync(path.join(dir, 'README.md'), '# service\n');
  run(dir, 'add', 'README.md');
  run(dir, 'commit', '-q', '-m', 'initial');
  let origin: string | null = null;
  if (options.origin) {
    origin = path.join(root, 'origin.git');
    execFileSync('git', ['init', '-q', '--bare', origin]);
    run(dir, 'remote', 'add', 'origin', origin);
  }
  return {
    dir,
    origin,
    git: (...args) => run(dir, ...args).trim(),
    dirty: () => writeFileSync(path.join(dir, 'README.md'), '# service (edited)\n'),
    originTags: () => (origin ? run(origin, 'tag', '--list').split('\n').filter(Boolean) : []),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
