/**
 * Which git remote holds the deploy locks: `KOTADB_LOCK_REMOTE` (a remote name or a URL),
 * else `origin` of the checkout the script runs in. A remote URL may carry a token
 * (`https://x-access-token:<token>@github.com/…`): its credentials are registered with the
 * redactor before anything can print them, and messages show the URL without them.
 */
import * as git from '../commands/git.ts';
import { InvalidInput, PreconditionFailed } from '../core/errors.ts';
import { secrets } from '../core/redact.ts';
import { CommandFailed, type Runner } from '../core/runner.ts';

export const LOCK_REMOTE_VAR = 'KOTADB_LOCK_REMOTE';
export const DEFAULT_LOCK_REMOTE = 'origin';

export interface LockRemote {
  /** What git is given: a remote name or a URL. */
  readonly target: string;
  /** For messages: `origin (https://github.com/o/r.git)`, credentials removed. */
  readonly shown: string;
}

const GIT_TIMEOUT_MS = 10_000;

/** A URL or a path, as opposed to a remote name (`origin`). */
function isLocation(value: string): boolean {
  return value.includes('/') || value.includes(':') || value.includes('\\');
}

export async function resolveLockRemote(runner: Runner, env: NodeJS.ProcessEnv, cwd: string): Promise<LockRemote> {
  const configured = env[LOCK_REMOTE_VAR]?.trim();
  const target = configured || DEFAULT_LOCK_REMOTE;
  if (target.startsWith('-')) {
    throw new InvalidInput(`${LOCK_REMOTE_VAR}="${target}" starts with "-": expected a git remote name or URL`);
  }
  if (isLocation(target)) {
    registerCredentials(target);
    return { target, shown: withoutCredentials(target) };
  }
  const url = await remoteUrlOf(runner, target, cwd, configured !== undefined && configured !== '');
  registerCredentials(url);
  return { target, shown: `${target} (${withoutCredentials(url)})` };
}

async function remoteUrlOf(runner: Runner, name: string, cwd: string, configured: boolean): Promise<string> {
  try {
    const result = await runner.run(git.remoteUrl(name), {
      cwd,
      timeoutMs: GIT_TIMEOUT_MS,
      env: { GIT_TERMINAL_PROMPT: '0' },
    });
    return result.stdout.trim();
  } catch (error) {
    if (!(error instanceof CommandFailed)) throw error;
    const hint = `the deploy lock lives on a git remote: run from the toolkit's checkout, or set ${LOCK_REMOTE_VAR} to a remote name or URL everyone who deploys can push to`;
    if (/not a git repository/i.test(error.result.stderr)) {
      throw new PreconditionFailed(`cannot take the deploy lock: ${cwd} is not a git checkout`, { hint, cause: error });
    }
    const source = configured ? `${LOCK_REMOTE_VAR}=${name}` : `the default lock remote "${name}"`;
    throw new PreconditionFailed(`cannot take the deploy lock: ${source} is not a remote of ${cwd}`, {
      hint,
      cause: error,
    });
  }
}

/** `https://user:token@host/…` and `https://token@host/…`: the secret part is masked everywhere from now on. */
export function registerCredentials(url: string): void {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/@]+)@/i.exec(url);
  if (!match?.[1]) return;
  const userinfo = match[1];
  const colon = userinfo.indexOf(':');
  if (colon === -1) {
    // A lone user part over HTTP(S) is a token (GitHub accepts one there); over SSH it is a login name.
    if (/^https?:/i.test(url)) secrets.add(userinfo);
    return;
  }
  secrets.add(userinfo.slice(colon + 1));
}

/** The URL with its user-info removed (`https://github.com/o/r.git`), for messages. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]+@/i, (all, scheme: string) =>
    /^https?:/i.test(scheme) ? scheme : all,
  );
}
