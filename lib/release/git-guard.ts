/**
 * The git side of a production deploy: the release guard (on the release branch, clean work
 * tree) and the deploy tag. Commands come from lib/commands/git.ts and run through the runner
 * in the user's checkout (the run's cwd), not where the toolkit happens to be installed.
 */
import * as git from '../commands/git.ts';
import type { Environment } from '../config/environments.ts';
import { PreconditionFailed } from '../core/errors.ts';
import { CommandFailed, type Command, type Runner } from '../core/runner.ts';

const GIT_TIMEOUT_MS = 30_000;
const LISTED_FILES = 5;

export class GitClient {
  constructor(
    private readonly runner: Runner,
    private readonly cwd: string,
  ) {}

  private async read(command: Command): Promise<string> {
    try {
      return (await this.runner.run(command, { timeoutMs: GIT_TIMEOUT_MS, cwd: this.cwd })).stdout;
    } catch (error) {
      if (error instanceof CommandFailed && /not a git repository/i.test(error.result.stderr)) {
        throw new PreconditionFailed(`${this.cwd} is not a git checkout`, {
          hint: 'run from the repository root (or pass --force to skip the git guard)',
          cause: error,
        });
      }
      throw error;
    }
  }

  async branch(): Promise<string> {
    return (await this.read(git.currentBranch())).trim();
  }

  async head(): Promise<string> {
    return (await this.read(git.headCommit())).trim();
  }

  /** Changed and untracked paths (ignored files excluded). */
  async changedFiles(): Promise<string[]> {
    return parsePorcelainZ(await this.read(git.statusPorcelain()));
  }

  async tag(name: string, commit: string): Promise<void> {
    await this.runner.run(git.tag(name, commit), { timeoutMs: GIT_TIMEOUT_MS, cwd: this.cwd });
  }

  async pushTag(name: string): Promise<void> {
    await this.runner.run(git.pushTag(name), { timeoutMs: 2 * GIT_TIMEOUT_MS, cwd: this.cwd });
  }
}

export interface ReleaseCheckout {
  branch: string;
  commit: string;
}

/**
 * The environment's release guard: on its release branch with nothing uncommitted (a deploy
 * builds from the work tree, so uncommitted files would ship unreviewed). Environments without
 * a release branch have no guard.
 */
export async function requireReleaseCheckout(client: GitClient, env: Environment): Promise<ReleaseCheckout | null> {
  if (env.releaseBranch === null) return null;
  const skip = 'or pass --force to skip the git guard';
  const branch = await client.branch();
  if (branch !== env.releaseBranch) {
    const where = branch === 'HEAD' ? 'a detached HEAD' : `branch "${branch}"`;
    throw new PreconditionFailed(
      `${env.name} deploys come from branch "${env.releaseBranch}"; this checkout is on ${where}`,
      {
        hint: `git switch ${env.releaseBranch} && git pull, ${skip}`,
      },
    );
  }
  const changed = await client.changedFiles();
  if (changed.length > 0) {
    const shown =
      changed.slice(0, LISTED_FILES).join(', ') +
      (changed.length > LISTED_FILES ? `, … (${changed.length} in all)` : '');
    throw new PreconditionFailed(`the work tree is not clean: ${shown}`, {
      hint: `commit or stash the changes, ${skip}`,
    });
  }
  return { branch, commit: await client.head() };
}

/**
 * `git status --porcelain=v1 -z`: entries `XY path` separated by NUL; a rename or copy is
 * followed by one more NUL-terminated field (its original path), which is not a change of its own.
 */
export function parsePorcelainZ(output: string): string[] {
  const fields = output.split('\0');
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!;
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i += 1;
  }
  return paths;
}
