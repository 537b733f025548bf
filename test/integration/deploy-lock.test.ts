/**
 * The deploy lock against a real store: a bare git remote on disk and a checkout per machine.
 * Races, waits, staleness, Ctrl-C, a body that throws, a heartbeat, a lock broken meanwhile and
 * a release that cannot reach the remote — each with the remote's ref checked afterwards.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../lib/core/clock.ts';
import { ExitCode, Interrupted } from '../../lib/core/errors.ts';
import { LockBusy, withDeployLock, type DeployLockOptions } from '../../lib/lock/deploy-lock.ts';
import { newHolder, type Identity } from '../../lib/lock/holder.ts';
import { GitLockStore } from '../../lib/lock/store.ts';
import {
  createLockRemote,
  identity,
  lockIO,
  plantHolder,
  runnerFor,
  type LockRemote,
  type LockTestIO,
} from '../helpers/lock-remote.ts';
import { manualClock } from '../helpers/manual-clock.ts';

const staging = { name: 'staging' };
let world: LockRemote;
beforeEach(() => {
  world = createLockRemote();
});
afterEach(() => world.cleanup());

function options(io: LockTestIO, who: Identity, extra: Partial<DeployLockOptions> = {}): DeployLockOptions {
  return {
    runner: runnerFor(io),
    io,
    env: staging,
    command: 'deploy staging',
    waitSeconds: 0,
    identity: who,
    ...extra,
  };
}

/** Gives the checkout one ordinary commit (someone's branch pushed to the lock ref by mistake). */
function seedCommit(checkout: string): string {
  writeFileSync(path.join(checkout, 'notes.txt'), 'not a lock\n');
  const author = ['-c', 'user.name=x', '-c', 'user.email=x@x', '-c', 'commit.gpgsign=false'];
  execFileSync('git', ['add', 'notes.txt'], { cwd: checkout });
  execFileSync('git', [...author, 'commit', '-q', '-m', 'wip'], { cwd: checkout });
  return checkout;
}

/** A promise with its resolve function outside. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('withDeployLock on a real git remote', () => {
  it('holds the ref while the body runs, with the holder record, and deletes it afterwards', async () => {
    const io = lockIO(world.checkout('laptop'));
    const seen = await withDeployLock(options(io, identity('alice')), async (lock) => {
      expect(lock.ref).toBe('refs/kotadb/locks/staging');
      return world.record('staging');
    });
    expect(seen).toMatchObject({ user: 'alice', host: 'alice-laptop', command: 'deploy staging', ciRunUrl: null });
    expect(world.refSha('staging')).toBeNull();
    expect(io.captured.stderr()).toContain('✓ took the staging deploy lock (refs/kotadb/locks/staging on origin (');
    expect(io.captured.stderr()).toContain('✓ released the staging deploy lock');
  });

  it('two runs racing: exactly one runs its body, the other refuses with exit 3 naming the holder', async () => {
    const loserSettled = deferred();
    const ran: string[] = [];
    const run = (name: string) => {
      const io = lockIO(world.checkout(name));
      return withDeployLock(options(io, identity(name), { waitSeconds: 15 }), async () => {
        ran.push(name);
        await loserSettled.promise;
      }).finally(() => loserSettled.resolve());
    };
    const results = await Promise.allSettled([run('alice'), run('bob')]);

    expect(ran).toHaveLength(1);
    const winner = ran[0]!;
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(LockBusy);
    const error = refused.reason as LockBusy;
    expect(error.exitCode).toBe(ExitCode.refused);
    expect(error.message).toMatch(
      new RegExp(
        `^the staging deploy lock is held by ${winner} on ${winner}-laptop \\(pid \\d+\\), running "deploy staging" since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z \\(.+ ago\\) \\(waited 15\\.0s\\): nothing was changed$`,
      ),
    );
    expect(error.hint).toContain('--lock-wait');
    expect(world.refSha('staging')).toBeNull();
  });

  it('a waiting run says who holds the lock, and takes it as soon as the holder releases it', async () => {
    const holding = deferred();
    const waiterIO = lockIO(world.checkout('ci'));
    const holder = withDeployLock(options(lockIO(world.checkout('laptop')), identity('alice')), () => holding.promise);
    await until(() => world.refSha('staging') !== null, 'alice to take the lock');

    const waiter = withDeployLock(
      options(waiterIO, identity('octocat'), { waitSeconds: 300, command: 'deploy staging (CI)' }),
      async () => world.record('staging')?.user,
    );
    await until(() => waiterIO.captured.stderr().includes('waiting up to'), 'the waiter to say it waits');
    expect(waiterIO.captured.stderr()).toMatch(
      /waiting up to 5m00s for the staging deploy lock, held by alice on alice-laptop \(pid \d+\), running "deploy staging" since /,
    );
    holding.resolve();
    await holder;
    await expect(waiter).resolves.toBe('octocat');
    expect(world.refSha('staging')).toBeNull();
  });

  it('a stale lock is reported as stale and never taken over', async () => {
    const checkout = world.checkout('ci');
    const now = new Date('2026-08-01T11:00:00Z');
    const planted = await plantHolder(checkout, 'staging', identity('alice'), new Date('2026-08-01T10:00:00Z'));
    const io = lockIO(checkout);
    let ran = false;
    const attempt = withDeployLock(options(io, identity('octocat'), { waitSeconds: 10, now: () => now }), async () => {
      ran = true;
    });
    const error = (await attempt.catch((e: unknown) => e)) as LockBusy;
    expect(error).toBeInstanceOf(LockBusy);
    expect(error.message).toMatch(
      /^the staging deploy lock is held by alice on alice-laptop \(pid \d+\), running "deploy staging" since 2026-08-01T10:00:00Z \(60m00s ago\); STALE: no heartbeat for 60m00s, its holder probably died \(waited 10\.0s\): nothing was changed$/,
    );
    expect(error.hint).toBe('if that run is really gone, break the lock: npx just lock staging release --force');
    expect(ran).toBe(false);
    expect(world.refSha('staging')).toBe(planted);
  });

  it('a lock whose record no toolkit run wrote is refused, with --force as the way out', async () => {
    const checkout = world.checkout('laptop');
    execFileSync('git', ['push', '-q', 'origin', 'HEAD:refs/kotadb/locks/staging'], { cwd: seedCommit(checkout) });
    const error = (await withDeployLock(options(lockIO(checkout), identity('bob')), async () => 'ran').catch(
      (e: unknown) => e,
    )) as LockBusy;
    expect(error).toBeInstanceOf(LockBusy);
    expect(error.message).toMatch(
      /^the staging deploy lock is held by an unreadable record \(commit [0-9a-f]{12}: no holder record in the lock commit\): nothing was changed$/,
    );
    expect(error.hint).toBe(
      'no toolkit run wrote that record, so none will release it: npx just lock staging release --force',
    );
  });

  it('Ctrl-C while waiting stops at once: exit 130, nothing was changed, the holder keeps the lock', async () => {
    const checkout = world.checkout('ci');
    const planted = await plantHolder(checkout, 'staging', identity('alice'), new Date());
    const controller = new AbortController();
    const manual = manualClock();
    const clock: Clock = {
      now: manual.clock.now,
      sleep: (ms, signal) => {
        controller.abort(); // the user presses Ctrl-C as soon as the wait begins
        return manual.clock.sleep(ms, signal);
      },
    };
    const io = lockIO(checkout, { clock, signal: controller.signal });
    const error = await withDeployLock(options(io, identity('bob'), { waitSeconds: 600 }), async () => 'ran').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Interrupted);
    expect((error as Interrupted).exitCode).toBe(130);
    expect((error as Interrupted).message).toMatch(
      /^interrupted while waiting for the staging deploy lock \(held by alice on alice-laptop .*\): nothing was changed$/,
    );
    expect(manual.sleeps).toEqual([]);
    expect(world.refSha('staging')).toBe(planted);
  });

  it('Ctrl-C after the lock push landed but before the run knew: it takes the lock back, then says nothing was changed', async () => {
    const hold = world.holdAfterUpdate();
    const controller = new AbortController();
    const io = lockIO(world.checkout('laptop'), { signal: controller.signal });
    let ran = false;
    const attempt = withDeployLock(options(io, identity('alice')), async () => {
      ran = true;
    }).catch((e: unknown) => e);
    try {
      await until(hold.reached, 'the push to land');
      expect(world.record('staging')?.user).toBe('alice');
      controller.abort();
      // A local remote's receive-pack is git push's child and keeps its pipes open: let it end.
      hold.letGo();
      const error = (await attempt) as Interrupted;
      expect(error).toBeInstanceOf(Interrupted);
      expect(error.message).toBe('interrupted while taking the staging deploy lock: nothing was changed');
    } finally {
      hold.letGo();
    }
    expect(ran).toBe(false);
    expect(world.refSha('staging')).toBeNull();
  });

  it('releases the lock when the body throws, and the body error is what the caller sees', async () => {
    const io = lockIO(world.checkout('laptop'));
    await expect(
      withDeployLock(options(io, identity('alice')), async () => {
        throw new Error('flyctl deploy failed');
      }),
    ).rejects.toThrow('flyctl deploy failed');
    expect(world.refSha('staging')).toBeNull();
    expect(io.captured.stderr()).toContain('✓ released the staging deploy lock');
  });

  it('releases the lock after Ctrl-C during the body (the run is stopped, the lock is given back)', async () => {
    const controller = new AbortController();
    const io = lockIO(world.checkout('laptop'), { signal: controller.signal });
    const error = await withDeployLock(options(io, identity('alice')), async () => {
      controller.abort();
      throw new Interrupted('interrupted during smoke checks');
    }).catch((e: unknown) => e);
    expect((error as Interrupted).message).toBe('interrupted during smoke checks');
    expect(world.refSha('staging')).toBeNull();
  });

  it('refreshes the heartbeat while the body runs, and releases the refreshed record', async () => {
    const io = lockIO(world.checkout('laptop'));
    let clockMs = Date.parse('2026-08-01T10:00:00Z');
    const now = () => new Date((clockMs += 1000));
    await withDeployLock(options(io, identity('alice'), { heartbeatMs: 20, now }), async (lock) => {
      const first = world.refSha('staging');
      await until(() => world.refSha('staging') !== first, 'a heartbeat');
      const record = world.record('staging')!;
      expect(record.since).toBe('2026-08-01T10:00:01Z');
      expect(Date.parse(record.heartbeatAt)).toBeGreaterThan(Date.parse(record.since));
      expect(Date.parse(record.staleAfter) - Date.parse(record.heartbeatAt)).toBe(300_000);
      expect(lock.lost).toBe(false);
    });
    expect(world.refSha('staging')).toBeNull();
  });

  it('a lock taken over meanwhile (release --force by another run, which took it) is reported and left alone', async () => {
    const io = lockIO(world.checkout('laptop'));
    const other = world.checkout('ci');
    await withDeployLock(options(io, identity('alice'), { heartbeatMs: 20 }), async (lock) => {
      const store = new GitLockStore(runnerFor(lockIO(other)), { target: 'origin', shown: 'origin' }, other);
      const mine = world.refSha('staging')!;
      expect(
        (await store.write(newHolder(identity('octocat'), 'staging', 'deploy staging', new Date()), mine)).ok,
      ).toBe(true);
      await until(() => lock.lost, 'the heartbeat to notice');
    });
    expect(world.record('staging')?.user).toBe('octocat');
    const stderr = io.captured.stderr();
    expect(stderr).toMatch(
      /warning: the staging deploy lock was taken over by octocat on octocat-laptop \(pid \d+\), running "deploy staging" since .* while this run held it\n/,
    );
    expect(stderr).toMatch(
      /warning: the staging deploy lock was not released: it was taken over by octocat on octocat-laptop/,
    );
    expect(stderr).not.toContain('✓ released');
  });

  it('a lock broken meanwhile (release --force) is reported, and not released twice', async () => {
    const io = lockIO(world.checkout('laptop'));
    const other = world.checkout('ci');
    await withDeployLock(options(io, identity('alice')), async () => {
      const store = new GitLockStore(runnerFor(lockIO(other)), { target: 'origin', shown: 'origin' }, other);
      expect((await store.remove('staging', world.refSha('staging')!)).ok).toBe(true);
    });
    expect(world.refSha('staging')).toBeNull();
    expect(io.captured.stderr()).toContain(
      'warning: the staging deploy lock was not released: it was released by someone else while this run held it',
    );
  });

  it('a release that cannot reach the remote says the lock stays and how to break it', async () => {
    const io = lockIO(world.checkout('laptop'));
    const value = await withDeployLock(options(io, identity('alice')), async () => {
      world.disconnect();
      return 'deployed';
    });
    expect(value).toBe('deployed');
    expect(io.captured.stderr()).toMatch(
      /error: could not release the staging deploy lock: could not update the deploy lock on origin \(.*\) \(git exit 128\): .*[^.]\. It stays held by this run\n {2}once the remote is reachable: npx just lock staging release \(from this machine\), or npx just lock staging release --force/,
    );
    world.reconnect();
    expect(world.record('staging')?.user).toBe('alice');
  });

  it('a dry run checks the lock, prints the pushes it would make and changes nothing', async () => {
    const io = lockIO(world.checkout('laptop'));
    const ran = await withDeployLock(
      { ...options(io, identity('alice')), runner: runnerFor(io, true) },
      async () => true,
    );
    expect(ran).toBe(true);
    expect(world.refSha('staging')).toBeNull();
    const plan = io.captured.stdout().trim().split('\n');
    expect(plan).toEqual([
      expect.stringMatching(
        /^\$ GIT_TERMINAL_PROMPT=0 git push --quiet --no-verify --force-with-lease=refs\/kotadb\/locks\/staging: origin [0-9a-f]{40}:refs\/kotadb\/locks\/staging$/,
      ),
      expect.stringMatching(
        /^\$ GIT_TERMINAL_PROMPT=0 git push --quiet --no-verify --force-with-lease=refs\/kotadb\/locks\/staging:[0-9a-f]{40} origin :refs\/kotadb\/locks\/staging$/,
      ),
    ]);
    expect(io.captured.stderr()).toContain('dry run: the staging deploy lock is free; a real run takes it here');
  });

  it('a dry run with a held lock says a real run would wait, then refuse; one without a reachable remote warns and goes on', async () => {
    const checkout = world.checkout('laptop');
    const planted = await plantHolder(checkout, 'staging', identity('alice'), new Date());
    const io = lockIO(checkout);
    const dry = { ...options(io, identity('bob'), { waitSeconds: 300 }), runner: runnerFor(io, true) };
    await expect(withDeployLock(dry, async () => 'planned')).resolves.toBe('planned');
    expect(io.captured.stderr()).toMatch(
      /warning: dry run: the staging deploy lock is held by alice on alice-laptop .*; a real run would wait up to 300s, then refuse \(exit 3\)/,
    );
    expect(world.refSha('staging')).toBe(planted);

    world.disconnect();
    const offline = lockIO(checkout);
    const ran = await withDeployLock(
      { ...options(offline, identity('bob')), runner: runnerFor(offline, true) },
      async (lock) => lock.remote,
    );
    expect(ran).toBe('(not checked)');
    expect(offline.captured.stderr()).toMatch(
      /warning: dry run: could not check the staging deploy lock, where a real run would stop: could not read the deploy lock on origin/,
    );
    expect(offline.captured.stdout()).toBe('');
    world.reconnect();
  });

  it('the environments have separate locks', async () => {
    const io = lockIO(world.checkout('laptop'));
    await withDeployLock(options(io, identity('alice')), async () => {
      await withDeployLock({ ...options(io, identity('alice')), env: { name: 'production' } }, async () => {
        expect(world.refSha('staging')).not.toBeNull();
        expect(world.refSha('production')).not.toBeNull();
      });
    });
    expect([world.refSha('staging'), world.refSha('production')]).toEqual([null, null]);
  });
});

describe('the compare-and-swap push', () => {
  it('of two pushes with the same lease that both reach the remote, exactly one lands', async () => {
    const barrier = world.barrier(2);
    const write = (name: string) => {
      const checkout = world.checkout(name);
      const store = new GitLockStore(runnerFor(lockIO(checkout)), { target: 'origin', shown: 'origin' }, checkout);
      return store.write(newHolder(identity(name), 'staging', 'deploy staging', new Date()), null);
    };
    const [a, b] = await Promise.all([write('alice'), write('bob')]);
    // Both passed the client-side lease check and waited in the remote's hook: the remote decided.
    expect(barrier.arrived()).toBe(2);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    const won = (a.ok ? a : b) as { ok: true; sha: string };
    const lost = (a.ok ? b : a) as { ok: false; current: { sha: string } | null };
    expect(world.refSha('staging')).toBe(won.sha);
    expect(lost.current?.sha).toBe(won.sha);
  });

  it('refuses to replace or delete a lock that is no longer the expected commit', async () => {
    const checkout = world.checkout('laptop');
    const store = new GitLockStore(runnerFor(lockIO(checkout)), { target: 'origin', shown: 'origin' }, checkout);
    const first = await store.write(newHolder(identity('alice'), 'staging', 'deploy staging', new Date()), null);
    if (!first.ok) throw new Error('first write failed');
    const second = await store.write(newHolder(identity('bob'), 'staging', 'deploy staging', new Date()), null);
    expect(second).toMatchObject({ ok: false, current: { sha: first.sha, holder: { user: 'alice' } } });
    const stale = await store.remove('staging', '0'.repeat(40));
    expect(stale).toMatchObject({ ok: false, current: { sha: first.sha } });
    expect(world.refSha('staging')).toBe(first.sha);
    expect((await store.remove('staging', first.sha)).ok).toBe(true);
    expect(world.refSha('staging')).toBeNull();
  });
});
