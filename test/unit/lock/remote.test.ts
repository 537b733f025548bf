import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../lib/core/errors.ts';
import { redact } from '../../../lib/core/redact.ts';
import { Runner } from '../../../lib/core/runner.ts';
import { lockWaitSeconds } from '../../../lib/lock/deploy-lock.ts';
import { resolveLockRemote, withoutCredentials } from '../../../lib/lock/remote.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { recordingExec } from '../../helpers/recording-exec.ts';

function runnerWith(exec: ReturnType<typeof recordingExec>) {
  return new Runner({ output: captureOutput().out, env: {}, exec, signal: new AbortController().signal });
}

describe('the lock remote', () => {
  let exec = recordingExec();
  afterEach(() => {
    exec = recordingExec();
  });

  it('defaults to origin of the checkout, shown with its URL', async () => {
    exec.on(['git', 'remote', 'get-url', 'origin'], { stdout: 'git@github.com:kotadb/kotadb-ops.git\n' });
    const remote = await resolveLockRemote(runnerWith(exec), {}, '/work/ops');
    expect(remote).toEqual({ target: 'origin', shown: 'origin (git@github.com:kotadb/kotadb-ops.git)' });
    expect(exec.calls.map((c) => [c.argv, c.cwd])).toEqual([[['git', 'remote', 'get-url', 'origin'], '/work/ops']]);
  });

  it('KOTADB_LOCK_REMOTE names another remote, or a URL used as is (no git call)', async () => {
    exec.on(['git', 'remote', 'get-url', 'upstream'], { stdout: 'https://github.com/kotadb/service.git\n' });
    expect(await resolveLockRemote(runnerWith(exec), { KOTADB_LOCK_REMOTE: 'upstream' }, '/w')).toEqual({
      target: 'upstream',
      shown: 'upstream (https://github.com/kotadb/service.git)',
    });
    const url = 'https://github.com/kotadb/kotadb-ops.git';
    expect(await resolveLockRemote(runnerWith(exec), { KOTADB_LOCK_REMOTE: url }, '/w')).toEqual({
      target: url,
      shown: url,
    });
    expect(exec.calls).toHaveLength(1);
  });

  it('masks a token in the remote URL everywhere from then on, and shows the URL without it', async () => {
    const token = 'ghs_lockTokenInUrl0123456789';
    const bare = 'ghp_bareTokenAsUser0123456789';
    exec.on(['git', 'remote', 'get-url', 'origin'], {
      stdout: `https://x-access-token:${token}@github.com/kotadb/kotadb-ops.git\n`,
    });
    const remote = await resolveLockRemote(runnerWith(exec), {}, '/w');
    expect(remote.shown).toBe('origin (https://github.com/kotadb/kotadb-ops.git)');
    expect(redact(`fatal: unable to access 'https://x-access-token:${token}@github.com/': 403`)).not.toContain(token);
    await resolveLockRemote(runnerWith(exec), { KOTADB_LOCK_REMOTE: `https://${bare}@github.com/o/r.git` }, '/w');
    expect(redact(`push to ${bare} failed`)).toBe('push to *** failed');
  });

  it.each([
    ['https://user:pw@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['https://tok@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['ssh://git@github.com/o/r.git', 'ssh://git@github.com/o/r.git'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
    ['/srv/git/ops.git', '/srv/git/ops.git'],
  ])('shows %s as %s', (url, shown) => {
    expect(withoutCredentials(url)).toBe(shown);
  });

  it('refuses a remote that git would read as an option', async () => {
    await expect(
      resolveLockRemote(runnerWith(exec), { KOTADB_LOCK_REMOTE: '--upload-pack=touch /tmp/x' }, '/w'),
    ).rejects.toMatchObject({ exitCode: ExitCode.invalid, message: expect.stringContaining('starts with "-"') });
    expect(exec.calls).toEqual([]);
  });

  it('outside a git checkout, or without that remote: exit 3 saying where the lock lives', async () => {
    exec.once(['git', 'remote'], { exitCode: 128, stderr: 'fatal: not a git repository (or any parent)\n' });
    await expect(resolveLockRemote(runnerWith(exec), {}, '/tmp/x')).rejects.toMatchObject({
      exitCode: ExitCode.refused,
      message: 'cannot take the deploy lock: /tmp/x is not a git checkout',
      hint: expect.stringContaining('set KOTADB_LOCK_REMOTE'),
    });
    exec.once(['git', 'remote'], { exitCode: 2, stderr: "error: No such remote 'deploy'\n" });
    await expect(resolveLockRemote(runnerWith(exec), { KOTADB_LOCK_REMOTE: 'deploy' }, '/w')).rejects.toMatchObject({
      exitCode: ExitCode.refused,
      message: 'cannot take the deploy lock: KOTADB_LOCK_REMOTE=deploy is not a remote of /w',
    });
  });
});

describe('--lock-wait', () => {
  it('defaults to 0 in a terminal and 300 s in CI', () => {
    expect(lockWaitSeconds(undefined, {})).toBe(0);
    expect(lockWaitSeconds(undefined, { CI: 'true' })).toBe(300);
    expect(lockWaitSeconds('45', { CI: 'true' })).toBe(45);
    expect(lockWaitSeconds('0', {})).toBe(0);
  });

  it.each(['-1', '1.5', '5m', 'soon', ''])('rejects %j with exit 2', (value) => {
    expect(() => lockWaitSeconds(value, {})).toThrow(
      expect.objectContaining({
        exitCode: ExitCode.invalid,
        message: expect.stringContaining('--lock-wait expects whole seconds'),
      }),
    );
  });
});
