/**
 * lock (npx just lock <env> status|release [--force]) in-process, against a bare git remote on
 * disk: what status shows for a free, held, stale and unreadable lock; whose lock release frees;
 * --force with production's confirmation; --dry-run; git failures with a token in the URL.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { fromRoot } from '../../lib/core/paths.ts';
import { identityFrom } from '../../lib/lock/holder.ts';
import { script } from '../../scripts/lock.ts';
import { createLockRemote, DEAD_PID, identity, plantHolder, type LockRemote } from '../helpers/lock-remote.ts';
import { recordingExec } from '../helpers/recording-exec.ts';
import { answeredAtPrompt } from '../helpers/prompt-input.ts';
import { runInProcess, type InProcessOptions } from '../helpers/run-in-process.ts';
import { baseEnv } from '../helpers/run-script.ts';

let world: LockRemote;
let checkout: string;
beforeEach(() => {
  world = createLockRemote();
  checkout = world.checkout('laptop');
});
afterEach(() => world.cleanup());

const lock = (args: string[], env: Record<string, string | undefined> = {}, io: InProcessOptions = {}) =>
  runInProcess(script, args, env, { cwd: checkout, ...io });

/** Who this test process is to the script (same env, host): a lock it left from a run that ended. */
const me = (pid = DEAD_PID) => ({ ...identityFrom(baseEnv(), hostname(), pid) });
const HOUR_AGO = () => new Date(Date.now() - 3_600_000);

describe('lock status', () => {
  it('says the lock is free, and where it lives', async () => {
    const result = await lock(['staging', 'status']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`staging deploy lock: free (refs/kotadb/locks/staging on origin (${world.remote}))\n`);
  });

  it('shows holder, command, since and heartbeat of a held lock', async () => {
    await plantHolder(checkout, 'production', identity('alice'), new Date(Date.now() - 65_000), 'deploy production');
    const result = await lock(['production', 'status']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`production deploy lock: held (refs/kotadb/locks/production on origin (${world.remote}))`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}holder {5}alice on alice-laptop \(pid \d+\)$/),
      '  command    deploy production',
      expect.stringMatching(/^ {2}since {6}\S+Z \(1m0\ds ago\)$/),
      expect.stringMatching(/^ {2}heartbeat {2}\S+Z \(1m0\ds ago\)$/),
    ]);
  });

  it('marks a lock whose holder stopped its heartbeat as STALE and says how to break it', async () => {
    await plantHolder(checkout, 'staging', identity('alice'), HOUR_AGO());
    const result = await lock(['staging', 'status']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^staging deploy lock: STALE \(/);
    expect(result.stdout).toMatch(/ {2}no heartbeat for 60m0\ds \(one was due by \S+Z\): its holder probably died\.\n/);
    expect(result.stdout).toContain('  If that run is really gone: npx just lock staging release --force\n');
  });

  it('marks your own lock as yours', async () => {
    await plantHolder(checkout, 'staging', me(), new Date());
    expect((await lock(['staging', 'status'])).stdout).toMatch(/holder {5}.* \(you\)\n/);
  });

  it('reports a record it cannot read, and that only --force breaks it', async () => {
    pushRawLock('staging', 'hand-made lock\n\nnot a record\n');
    const result = await lock(['staging', 'status']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^staging deploy lock: held by an unreadable record \(commit [0-9a-f]{12}: no holder record in the lock commit\) \(/,
    );
    expect(result.stdout).toContain('only --force breaks it: npx just lock staging release --force');
  });
});

describe('lock release', () => {
  it('frees a lock this user left on this machine from a run that has ended', async () => {
    await plantHolder(checkout, 'staging', me(), HOUR_AGO());
    const result = await lock(['staging', 'release']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /✓ released the staging deploy lock \(held by .* \(pid 1073741824\), running "deploy staging"/,
    );
    expect(world.refSha('staging')).toBeNull();
  });

  it('says there is nothing to release when the lock is free', async () => {
    const result = await lock(['staging', 'release']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('✓ the staging deploy lock is free: nothing to release');
  });

  it('refuses (exit 3) to free someone else’s lock without --force, naming the holder', async () => {
    const planted = await plantHolder(checkout, 'staging', identity('alice'), HOUR_AGO());
    const result = await lock(['staging', 'release']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /error: the staging deploy lock is not yours \(you are .+ on .+\): it is held by alice on alice-laptop \(pid \d+\), running "deploy staging" since \S+Z \(60m0\ds ago\); STALE: .*; nothing was released\n {2}if that run is really gone: npx just lock staging release --force/,
    );
    expect(world.refSha('staging')).toBe(planted);
  });

  it('refuses (exit 3) to free your own lock while its process still runs here', async () => {
    const planted = await plantHolder(checkout, 'staging', me(process.pid), new Date());
    const result = await lock(['staging', 'release']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `error: the staging deploy lock is held by your run of "deploy staging" still going on this machine (pid ${process.pid}): nothing was released`,
    );
    expect(world.refSha('staging')).toBe(planted);
  });

  it('refuses an unreadable record without --force', async () => {
    pushRawLock('staging', 'garbage\n');
    const result = await lock(['staging', 'release']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('only --force breaks it: npx just lock staging release --force');
    expect(world.refSha('staging')).not.toBeNull();
  });

  it('--force breaks someone else’s staging lock, saying whose', async () => {
    await plantHolder(checkout, 'staging', identity('alice'), HOUR_AGO());
    const result = await lock(['staging', 'release', '--force']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: breaking the staging deploy lock held by alice on alice-laptop/);
    expect(result.stderr).toMatch(/✓ released the staging deploy lock \(held by alice on alice-laptop/);
    expect(world.refSha('staging')).toBeNull();
  });

  it('--force on production needs a confirmation: refused (exit 3) where nobody can answer, --yes confirms', async () => {
    const planted = await plantHolder(checkout, 'production', identity('alice'), HOUR_AGO(), 'deploy production');
    const refused = await lock(['production', 'release', '--force'], { CI: 'true' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('refusing to break the production deploy lock without confirmation');
    expect(world.refSha('production')).toBe(planted);

    const confirmed = await lock(['production', 'release', '--force', '--yes'], { CI: 'true' });
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stderr).toContain('--yes: confirmed break the production deploy lock (kotadb-api)');
    expect(world.refSha('production')).toBeNull();
  });

  it('--force on production at a terminal goes on when the app name is typed', async () => {
    await plantHolder(checkout, 'production', identity('alice'), HOUR_AGO(), 'deploy production');
    const stdin = answeredAtPrompt('kotadb-api\n'); // typed once the question is on screen
    const result = await lock(['production', 'release', '--force'], {}, { stdin });
    expect(result.code, result.stderr).toBe(0);
    expect(world.refSha('production')).toBeNull();
  });

  it('--dry-run prints the compare-and-swap push and releases nothing', async () => {
    const planted = await plantHolder(checkout, 'staging', identity('alice'), HOUR_AGO());
    const result = await lock(['staging', 'release', '--force', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `$ GIT_TERMINAL_PROMPT=0 git push --quiet --no-verify --force-with-lease=refs/kotadb/locks/staging:${planted} origin :refs/kotadb/locks/staging\n`,
    );
    expect(result.stderr).toContain('dry run: nothing was released');
    expect(world.refSha('staging')).toBe(planted);
  });
});

describe('lock: arguments and failures', () => {
  it.each([
    [['staging'], 'error: missing <action>. Run with --help for usage.'],
    [['staging', 'break'], 'error: unknown action "break": expected status or release. Run with --help for usage.'],
    [
      ['qa', 'status'],
      'error: unknown environment "qa": expected one of staging, production. Run with --help for usage.',
    ],
    [['staging', 'status', '--force'], 'error: --force only applies to release. Run with --help for usage.'],
  ])('%j is exit 2 with one line', async (args, line) => {
    const result = await lock(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(line);
  });

  it('outside a git checkout: exit 3 saying where the lock lives', async () => {
    const result = await lock(['staging', 'status'], {}, { cwd: world.remote + '/..' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /error: cannot take the deploy lock: .* is not a git checkout\n {2}the deploy lock lives on a git remote/,
    );
  });

  it('a remote that refuses us (bad token in the URL): exit 1, git’s reason, the token never printed', async () => {
    const token = 'ghs_secretInTheRemoteUrl123456';
    const exec = recordingExec().on(['git', 'ls-remote'], {
      exitCode: 128,
      stderr: `remote: Invalid username or password.\nfatal: Authentication failed for 'https://x-access-token:${token}@github.com/kotadb/kotadb-ops.git/'\n`,
    });
    const url = `https://x-access-token:${token}@github.com/kotadb/kotadb-ops.git`;
    const result = await lock(['staging', 'status'], { KOTADB_LOCK_REMOTE: url }, { exec });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: could not read the deploy lock on https://github.com/kotadb/kotadb-ops.git (git exit 128): remote: Invalid username or password. | fatal: Authentication failed for',
    );
    expect(result.all).not.toContain(token);
    expect(exec.argv()).toEqual([['git', 'ls-remote', '--exit-code', url, 'refs/kotadb/locks/staging']]);
    expect(exec.calls[0]?.env).toMatchObject({ GIT_TERMINAL_PROMPT: '0' });
  });

  it('the same with a real git and an unreachable remote whose URL carries a token', async () => {
    const token = 'ghp_realGitTokenNotShown9876543';
    const result = await lock(['staging', 'status'], { KOTADB_LOCK_REMOTE: `http://${token}@127.0.0.1:9/o/r.git` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: could not read the deploy lock on http://127.0.0.1:9/o/r.git (git exit 128)',
    );
    expect(result.all).not.toContain(token);
  });
});

describe('the lock in CI', () => {
  it('every workflow job that deploys or rolls back may push the lock ref (contents: write)', () => {
    const workflow = YAML.parse(readFileSync(fromRoot('.github', 'workflows', 'saas-api-deploy.yml'), 'utf8')) as {
      jobs: Record<string, { permissions?: Record<string, string>; steps: Array<{ run?: string }> }>;
    };
    const lockers = Object.entries(workflow.jobs).filter(([, job]) =>
      job.steps.some((step) => /npm run (deploy|rollback|secrets)\b/.test(step.run ?? '')),
    );
    expect(lockers.map(([name]) => name).sort()).toEqual(['deploy', 'rollback']);
    for (const [, job] of lockers) expect(job.permissions?.contents).toBe('write');
  });
});

/** A lock ref whose commit was made by hand (not by this toolkit). */
function pushRawLock(environment: string, message: string): void {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'x',
    GIT_AUTHOR_EMAIL: 'x@x',
    GIT_COMMITTER_NAME: 'x',
    GIT_COMMITTER_EMAIL: 'x@x',
  };
  const sha = execFileSync('git', ['commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904'], {
    cwd: checkout,
    input: message,
    env,
    encoding: 'utf8',
  }).trim();
  execFileSync('git', ['push', '-q', 'origin', `${sha}:refs/kotadb/locks/${environment}`], { cwd: checkout, env });
}
