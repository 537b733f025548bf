/**
 * The deploy lock as deploy, rollback and `secrets set` hold it (and RunLock, what their Ctrl-C
 * explanations say of it): the scripts run in-process
 * against the fake flyctl (fakeFlyExec) and a real HTTP server playing the app, and the lock
 * lives on a real store — a bare git remote on disk, with one checkout per machine (git runs
 * for real). Two runs at once (refused or queued), runs of other environments, read-only
 * commands while locked, the lock after a failed deploy and after Ctrl-C, and --lock-wait's
 * defaults; each with the remote's ref and the fake's recorded calls checked afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../lib/core/clock.ts';
import { Interrupted } from '../../lib/core/errors.ts';
import { SpawnExecutor, type Executor } from '../../lib/core/exec.ts';
import { RunLock } from '../../lib/lock/run-lock.ts';
import { GitLockStore } from '../../lib/lock/store.ts';
import { script as deployScript } from '../../scripts/deploy-fly.ts';
import { script as secretsScript } from '../../scripts/fly-secrets.ts';
import { script as lockScript } from '../../scripts/lock.ts';
import { script as rollbackScript } from '../../scripts/rollback.ts';
import { worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import { fakeFlyExec } from '../helpers/fake-fly.ts';
import { tempFolder } from '../helpers/fly-secrets.ts';
import { createLockRemote, identity, lockIO, plantHolder, runnerFor, type LockRemote } from '../helpers/lock-remote.ts';
import { manualClock } from '../helpers/manual-clock.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { scriptedWorlds } from '../helpers/scripted-fly.ts';

const { world, track } = worldsForFile();
/**
 * Scripted flyctl answers (they model the rollback's `--skip-release-command`, which the fake
 * does not know yet on main), with git — the lock — run for real.
 */
const scripted = async (options: Parameters<ReturnType<typeof scriptedWorlds>>[0] = {}) => {
  const w = await scriptedWorld(options);
  w.exec.fallback(new SpawnExecutor());
  return w;
};
const scriptedWorld = scriptedWorlds();
const IMAGE = 'registry.fly.io/kotadb-api-staging:deployment-01JLOCKA000000000000000000';
const OTHER_IMAGE = 'registry.fly.io/kotadb-api-staging:deployment-01JLOCKB000000000000000000';
const SECRETS = [
  'DATABASE_URL=postgresql://postgres.lockref01:pw-lock-test@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
  'SUPABASE_URL=https://lockref01.supabase.co',
  'SUPABASE_ANON_KEY=anon-lock-test-0123',
  'SUPABASE_SERVICE_KEY=service-lock-test-0123',
  '',
].join('\n');
const HELD_BY_ALICE =
  /^error: the staging deploy lock is held by alice on \S+ \(pid \d+\), running "deploy staging" since \d{4}-\d\d-\d\dT[\d:]+Z \(.+ ago\): nothing was changed$/;

let lock: LockRemote;
const checkouts = new Map<string, string>();
beforeEach(() => {
  lock = createLockRemote();
  checkouts.clear();
});
afterEach(() => lock.cleanup());

/** One machine (a laptop, CI) per user: a checkout whose origin is the lock's remote. */
function machineOf(user: string): string {
  let dir = checkouts.get(user);
  if (!dir) checkouts.set(user, (dir = lock.checkout(user)));
  return dir;
}

interface RunOptions {
  exec?: Executor;
  clock?: Clock;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
}

/** A script run by `user` from their machine, against the world's fake flyctl and app. */
function run(
  script: Parameters<typeof runInProcess>[0],
  w: DeployWorld,
  user: string,
  args: string[],
  options: RunOptions = {},
) {
  return runInProcess(
    script,
    args,
    { ...w.fly.env, USER: user, ...options.env },
    {
      exec: options.exec ?? fakeFlyExec(w.fly),
      clock: options.clock ?? manualClock().clock,
      cwd: machineOf(user),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}

const deploy = (w: DeployWorld, user: string, extra: string[] = [], options: RunOptions = {}) =>
  run(deployScript, w, user, ['staging', '--image', IMAGE, '--url', w.app.url, '--skip-smoke', ...extra], options);

/** The line a run ends with (a release that failed may have printed its own error before it). */
const errorLine = (r: { stderr: string }) =>
  r.stderr
    .split('\n')
    .filter((line) => line.startsWith('error: '))
    .at(-1) ?? '';

/**
 * The first `flyctl deploy` waits until `open()`: its run holds the lock mid-deploy for as long
 * as the test needs. Ctrl-C still stops the wait.
 */
function gatedDeploy(inner: Executor) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let reached = false;
  const exec: Executor = {
    execute: async (request) => {
      if (request.argv[0] === 'flyctl' && request.argv[1] === 'deploy' && !reached) {
        reached = true;
        await gate;
      }
      return inner.execute(request);
    },
    killAll: (signal) => inner.killAll(signal),
    running: () => inner.running(),
  };
  return { exec, open, reached: () => reached };
}

/** Alice's deploy of staging, stopped inside `flyctl deploy` (holding the lock) until `finish()`. */
async function aliceDeploying(w: DeployWorld) {
  const gated = gatedDeploy(fakeFlyExec(w.fly));
  const running = deploy(w, 'alice', [], { exec: gated.exec });
  await until(gated.reached, 'alice to reach flyctl deploy');
  expect(lock.record('staging')).toMatchObject({ user: 'alice', command: 'deploy staging' });
  return {
    finish: async () => {
      gated.open();
      return running;
    },
  };
}

/** Waits in virtual time that lets a little real time pass, so that the holder's run goes on meanwhile. */
function waitingClock() {
  const virtual = manualClock();
  let waiting = false;
  const clock: Clock = {
    now: virtual.clock.now,
    sleep: async (ms, signal) => {
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return virtual.clock.sleep(ms, signal);
    },
  };
  return { clock, waiting: () => waiting };
}

async function until(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const deploysRecorded = (w: DeployWorld) => w.fly.calls().filter((c) => c.argv[0] === 'deploy');

describe('two deploys of one environment at once', () => {
  it('the second refuses with exit 3 naming the holder and deploys nothing; the first completes; the lock is free after', async () => {
    const w = await world();
    const alice = await aliceDeploying(w);

    const bob = await deploy(w, 'bob', ['--image', OTHER_IMAGE]);
    expect(bob.code, bob.all).toBe(3);
    expect(errorLine(bob)).toMatch(HELD_BY_ALICE);
    expect(bob.stderr).toContain(
      '  wait for it to finish, or pass --lock-wait <seconds>; see it with npx just lock staging status',
    );
    expect(bob.stderr).not.toContain('waiting up to');
    expect(deploysRecorded(w)).toEqual([]);

    const done = await alice.finish();
    expect(done.code, done.all).toBe(0);
    expect(done.stdout).toContain('✓ Deploy to staging: v4 is live and healthy');
    expect(deploysRecorded(w).map((c) => c.argv.at(-1))).toEqual([IMAGE]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(IMAGE);
    expect(lock.refSha('staging')).toBeNull();
  });

  it('with --lock-wait the second waits, saying who holds the lock, then deploys on top of the first with a fresh snapshot', async () => {
    const w = await world();
    const alice = await aliceDeploying(w);
    const { clock, waiting } = waitingClock();
    const bobRun = deploy(w, 'bob', ['--image', OTHER_IMAGE, '--lock-wait', '600'], { clock });
    await until(waiting, 'bob to wait for the lock');
    const done = await alice.finish();
    const bob = await bobRun;

    expect(done.code, done.all).toBe(0);
    expect(bob.code, bob.all).toBe(0);
    expect(bob.stderr).toMatch(
      /waiting up to 10m00s for the staging deploy lock, held by alice on \S+ \(pid \d+\), running "deploy staging" since /,
    );
    // alice's release appeared while bob waited: his rollback target is hers now, not v3
    expect(bob.stderr).toContain(
      'warning: v4 (complete by dev@example.com) was created since the releases were read (newest then: v3): taking the snapshot and the baseline smoke checks again',
    );
    expect(bob.stderr).toContain(`running: v4 (${IMAGE}), the rollback target`);
    expect(bob.stdout).toContain('✓ Deploy to staging: v5 is live and healthy');
    expect(bob.stdout).toContain(`  previous     v4 ${IMAGE}`);
    expect(deploysRecorded(w).map((c) => c.argv.at(-1))).toEqual([IMAGE, OTHER_IMAGE]);
    expect(lock.refSha('staging')).toBeNull();
  });
});

describe('while a deploy of staging holds the lock', () => {
  it('secrets set of staging refuses (exit 3, nothing sent); of production it runs', async () => {
    const w = await world();
    const files = track(tempFolder());
    const staging = files.write('.env.staging', SECRETS);
    const production = files.write('.env.production', SECRETS);
    const alice = await aliceDeploying(w);

    const same = await run(secretsScript, w, 'bob', ['staging', 'set', '--file', staging]);
    expect(same.code, same.all).toBe(3);
    expect(errorLine(same)).toMatch(HELD_BY_ALICE);
    const other = await run(secretsScript, w, 'bob', ['production', 'set', '--file', production, '--yes']);
    expect(other.code, other.all).toBe(0);
    expect(other.stderr).toContain('✓ took the production deploy lock');
    expect(
      w.fly
        .calls()
        .filter((c) => c.command === 'secrets import')
        .map((c) => c.argv),
    ).toEqual([['secrets', 'import', '--app', 'kotadb-api']]);
    expect(w.fly.secretValues('kotadb-api').SUPABASE_ANON_KEY).toBe('anon-lock-test-0123');
    expect(w.fly.secretValues('kotadb-api-staging').SUPABASE_ANON_KEY).not.toBe('anon-lock-test-0123');
    expect([lock.record('staging')?.user, lock.refSha('production')]).toEqual(['alice', null]);

    expect((await alice.finish()).code).toBe(0);
    expect(lock.refSha('staging')).toBeNull();
  });

  it('a rollback of staging refuses (exit 3, nothing redeployed); rollback --list works', async () => {
    const w = await world();
    const alice = await aliceDeploying(w);

    const rollback = await run(rollbackScript, w, 'bob', ['staging', '--url', w.app.url]);
    expect(rollback.code, rollback.all).toBe(3);
    expect(errorLine(rollback)).toMatch(HELD_BY_ALICE);
    const list = await run(rollbackScript, w, 'bob', ['staging', '--list']);
    expect(list.code, list.all).toBe(0);
    expect(list.stdout).toMatch(/^v3\s+complete\s.*← running$/m);
    expect(list.stderr).not.toContain('deploy lock');
    expect(deploysRecorded(w)).toEqual([]);

    expect((await alice.finish()).code).toBe(0);
    expect(deploysRecorded(w)).toHaveLength(1);
  });

  it('a rollback that waited for it refuses once it gets it: the release it was to go back from is no longer the newest', async () => {
    const w = await world();
    const alice = await aliceDeploying(w);
    const { clock, waiting } = waitingClock();
    const bobRun = run(rollbackScript, w, 'bob', ['staging', '--url', w.app.url, '--lock-wait', '600'], { clock });
    await until(waiting, 'bob to wait for the lock');
    expect((await alice.finish()).code).toBe(0);
    const bob = await bobRun;
    expect(bob.code, bob.all).toBe(3);
    expect(errorLine(bob)).toBe(
      'error: v4 (complete by dev@example.com) was created since the releases were read (newest then: v3): nothing was changed',
    );
    expect(bob.stderr).toContain(
      '  see what runs now (npx just rollback staging --list), then choose the rollback again',
    );
    expect(bob.stderr).toContain('✓ released the staging deploy lock');
    expect(deploysRecorded(w).map((c) => c.argv.at(-1))).toEqual([IMAGE]);
    expect(lock.refSha('staging')).toBeNull();
  });

  it('a dry run does not fail on it: it says a real run would refuse, and shows the plan', async () => {
    const w = await world();
    const alice = await aliceDeploying(w);
    const dry = await deploy(w, 'bob', ['--dry-run']);
    expect(dry.code, dry.all).toBe(0);
    expect(dry.stderr).toMatch(
      /warning: dry run: the staging deploy lock is held by alice on \S+ \(pid \d+\), running "deploy staging" since .*; a real run would wait up to 0s, then refuse \(exit 3\)/,
    );
    expect(dry.stdout).toContain('· Deploy to staging: dry run: nothing was changed');
    expect(lock.record('staging')?.user).toBe('alice');
    expect((await alice.finish()).code).toBe(0);
    expect(deploysRecorded(w)).toHaveLength(1);
  });
});

describe('the lock is given back', () => {
  it('after a failed deploy that rolled back', async () => {
    const w = await scripted({ newMode: 'status-503' });
    const r = await runInProcess(
      deployScript,
      ['staging', '--image', w.image, '--url', w.app.url, '--skip-smoke', '--health-timeout', '1'],
      { USER: 'alice' },
      { exec: w.exec, clock: manualClock().clock, cwd: machineOf('alice') },
    );
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: health check failed: HTTP 503 after 1.0s (2 attempts); rolled back to v3 (healthy)',
    );
    expect(w.deploys()).toHaveLength(2);
    // the rollback ran under the deploy's lock, given back once it was verified
    const pushes = w.exec.argv().filter((a) => a[0] === 'git' && a[1] === 'push');
    expect(pushes).toHaveLength(2);
    expect(w.exec.argv().at(-1)).toEqual(pushes[1]);
    expect(r.stderr).toContain('✓ released the staging deploy lock');
    expect(lock.refSha('staging')).toBeNull();
  });

  it('after Ctrl-C during flyctl deploy: exit 130, the state line says the lock was released', async () => {
    const w = await world();
    w.fly.fault('deploy', { hang: true, times: 1 });
    const controller = new AbortController();
    const running = deploy(w, 'alice', [], { signal: controller.signal });
    await w.fly.waitForCall((c) => c.argv[0] === 'deploy', 20_000);
    expect(lock.record('staging')?.user).toBe('alice');
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted during flyctl deploy: v4 of kotadb-api-staging may be half-deployed (some machines may run its image); the staging deploy lock was released',
    );
    expect(r.stderr).toContain('  roll back with: npx just rollback staging --to 3');
    expect(lock.refSha('staging')).toBeNull();
  });

  it('after Ctrl-C of a rollback', async () => {
    const w = await scripted();
    w.nextDeploy({ kind: 'hang' });
    const controller = new AbortController();
    const running = runInProcess(
      rollbackScript,
      ['staging', '--url', w.app.url],
      { USER: 'alice' },
      { exec: w.exec, clock: manualClock().clock, cwd: machineOf('alice'), signal: controller.signal },
    );
    await until(() => w.deploys().length === 1, 'the redeploy');
    expect(lock.record('staging')).toMatchObject({ user: 'alice', command: 'rollback staging' });
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted while rolling back kotadb-api-staging to v2: machines may run either image; the staging deploy lock was released',
    );
    expect(r.stderr).toContain('  finish with: npx just rollback staging --to 2');
    expect(lock.refSha('staging')).toBeNull();
  });

  it('not when the remote is gone: Ctrl-C says it stays held and that freeing it comes first; then freeing it works', async () => {
    const w = await world();
    w.fly.fault('deploy', { hang: true, times: 1 });
    const controller = new AbortController();
    const running = deploy(w, 'alice', [], { signal: controller.signal });
    await w.fly.waitForCall((c) => c.argv[0] === 'deploy', 20_000);
    lock.disconnect();
    controller.abort();
    const r = await running;
    lock.reconnect();
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted during flyctl deploy: v4 of kotadb-api-staging may be half-deployed (some machines may run its image); the staging deploy lock could not be released: it stays held by this run',
    );
    expect(r.stderr).toContain(
      '  free the lock once the remote is reachable: npx just lock staging release; then roll back with: npx just rollback staging --to 3',
    );
    expect(lock.record('staging')?.user).toBe('alice');
    // This process is still alive: "release" refuses a lock whose process runs; --force breaks it.
    const freed = await runInProcess(
      lockScript,
      ['staging', 'release', '--force'],
      { USER: 'alice' },
      {
        cwd: machineOf('alice'),
      },
    );
    expect(freed.code, freed.all).toBe(0);
    expect(lock.refSha('staging')).toBeNull();
  });

  it('Ctrl-C while waiting for the lock: exit 130 with the lock’s own account; the holder keeps it', async () => {
    const w = await world();
    const planted = await plantHolder(machineOf('carol'), 'staging', identity('alice'), new Date());
    const controller = new AbortController();
    const virtual = manualClock();
    const clock: Clock = {
      now: virtual.clock.now,
      sleep: (ms, signal) => {
        controller.abort(); // Ctrl-C as soon as the wait begins
        return virtual.clock.sleep(ms, signal);
      },
    };
    const r = await deploy(w, 'bob', ['--lock-wait', '600'], { clock, signal: controller.signal });
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toMatch(
      /^error: interrupted while waiting for the staging deploy lock \(held by alice on alice-laptop \(pid \d+\), running "deploy staging" since .*\): nothing was changed$/,
    );
    expect(deploysRecorded(w)).toEqual([]);
    expect(lock.refSha('staging')).toBe(planted);
  });
});

describe('--lock-wait defaults', () => {
  /** A clock whose every sleep takes a minute of virtual time: a five-minute wait is five polls. */
  function minuteSleeps() {
    const virtual = manualClock();
    const asked: number[] = [];
    const clock: Clock = {
      now: virtual.clock.now,
      sleep: (ms, signal) => {
        asked.push(ms);
        return virtual.clock.sleep(60_000, signal);
      },
    };
    return { clock, asked, elapsed: virtual.at };
  }

  it('CI=true waits 300 s (virtual time), then refuses naming the holder; a terminal refuses at once; --lock-wait 0 overrides CI', async () => {
    const w = await world();
    const planted = await plantHolder(machineOf('carol'), 'staging', identity('alice'), new Date());

    const ci = minuteSleeps();
    const inCi = await deploy(w, 'bob', [], { clock: ci.clock, env: { CI: 'true' } });
    expect(inCi.code, inCi.all).toBe(3);
    expect(inCi.stderr).toMatch(/waiting up to 5m00s for the staging deploy lock, held by alice on alice-laptop /);
    expect(errorLine(inCi)).toMatch(/ \(waited 5m00s\): nothing was changed$/);
    expect(ci.elapsed()).toBe(300_000);
    expect(ci.asked.every((ms) => ms === 5_000)).toBe(true); // polled every 5 s

    const terminal = minuteSleeps();
    const atTerminal = await deploy(w, 'bob', [], { clock: terminal.clock });
    expect(atTerminal.code, atTerminal.all).toBe(3);
    expect(errorLine(atTerminal)).toMatch(/running "deploy staging" since .*\): nothing was changed$/);
    expect(errorLine(atTerminal)).not.toContain('waited');
    expect(terminal.asked).toEqual([]);

    const told = minuteSleeps();
    const toldNotToWait = await deploy(w, 'bob', ['--lock-wait', '0'], { clock: told.clock, env: { CI: 'true' } });
    expect(toldNotToWait.code).toBe(3);
    expect(told.asked).toEqual([]);

    expect(deploysRecorded(w)).toEqual([]);
    expect(lock.refSha('staging')).toBe(planted);
  });

  it('--lock-wait that is not whole seconds: exit 2 before anything runs', async () => {
    const w = await world();
    const r = await deploy(w, 'bob', ['--lock-wait', '5m']);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(
      'error: --lock-wait expects whole seconds (e.g. 300), got "5m". Run with --help for usage.',
    );
    expect(w.fly.calls()).toEqual([]);
  });
});

describe('RunLock: what a Ctrl-C explanation says of the lock at each moment', () => {
  const scriptSays = () =>
    new Interrupted('interrupted during flyctl deploy: v4 may be half-deployed', {
      hint: 'roll back with: npx just rollback staging --to 3',
    });

  it('nothing before the lock, "may be held" while taking it, "stays held" while held, "may still be held" while releasing, "released" after', async () => {
    const said: Record<string, Interrupted> = {};
    let runLock!: RunLock;
    const checkout = machineOf('alice');
    await plantHolder(checkout, 'staging', identity('bob'), new Date());
    const spawn = new SpawnExecutor();
    const exec: Executor = {
      execute: (request) => {
        if (request.argv.includes(':refs/kotadb/locks/staging')) said.releasing ??= runLock.explain(scriptSays());
        return spawn.execute(request);
      },
      killAll: (signal) => spawn.killAll(signal),
      running: () => spawn.running(),
    };
    const virtual = manualClock();
    const clock: Clock = {
      now: virtual.clock.now,
      sleep: async (ms, signal) => {
        said.taking ??= runLock.explain(scriptSays());
        // bob's run ends while alice waits
        const store = new GitLockStore(runnerFor(lockIO(checkout)), { target: 'origin', shown: 'origin' }, checkout);
        const entry = await store.read('staging');
        if (entry) await store.remove('staging', entry.sha);
        return virtual.clock.sleep(ms, signal);
      },
    };
    const io = { ...lockIO(checkout, { clock }), exec };
    runLock = new RunLock({
      runner: runnerFor(io),
      io,
      env: { name: 'staging' },
      command: 'deploy staging',
      waitSeconds: 60,
    });
    said.before = runLock.explain(scriptSays());
    await runLock.hold(async () => {
      said.held = runLock.explain(scriptSays());
    });
    said.after = runLock.explain(scriptSays());

    const shown = Object.fromEntries(Object.entries(said).map(([when, e]) => [when, [e.message, e.hint]]));
    expect(shown).toEqual({
      before: [
        'interrupted during flyctl deploy: v4 may be half-deployed',
        'roll back with: npx just rollback staging --to 3',
      ],
      taking: [
        'interrupted during flyctl deploy: v4 may be half-deployed; the staging deploy lock may be held by this run',
        'check with npx just lock staging status; free it with npx just lock staging release; then roll back with: npx just rollback staging --to 3',
      ],
      held: [
        'interrupted during flyctl deploy: v4 may be half-deployed; the staging deploy lock stays held by this run',
        'free the lock first: npx just lock staging release; then roll back with: npx just rollback staging --to 3',
      ],
      releasing: [
        'interrupted during flyctl deploy: v4 may be half-deployed; the staging deploy lock may still be held by this run',
        'check with npx just lock staging status; free it with npx just lock staging release; then roll back with: npx just rollback staging --to 3',
      ],
      after: [
        'interrupted during flyctl deploy: v4 may be half-deployed; the staging deploy lock was released',
        'roll back with: npx just rollback staging --to 3',
      ],
    });
    expect(lock.refSha('staging')).toBeNull();
  });

  it('a lock that was broken meanwhile is said to be no longer this run’s; a dry run adds nothing', async () => {
    const checkout = machineOf('alice');
    const io = lockIO(checkout);
    const runLock = new RunLock({
      runner: runnerFor(io),
      io,
      env: { name: 'staging' },
      command: 'deploy staging',
      waitSeconds: 0,
    });
    await runLock.hold(async () => {
      const store = new GitLockStore(runnerFor(lockIO(checkout)), { target: 'origin', shown: 'origin' }, checkout);
      await store.remove('staging', lock.refSha('staging')!);
    });
    expect(runLock.explain(scriptSays()).message).toBe(
      "interrupted during flyctl deploy: v4 may be half-deployed; the staging deploy lock was no longer this run's (broken or taken over meanwhile)",
    );

    const dryIO = lockIO(checkout);
    const dry = new RunLock({
      runner: runnerFor(dryIO, true),
      io: dryIO,
      env: { name: 'staging' },
      command: 'deploy staging',
      waitSeconds: 0,
    });
    await dry.hold(async () => {
      expect(dry.explain(scriptSays()).message).toBe('interrupted during flyctl deploy: v4 may be half-deployed');
    });
  });
});
