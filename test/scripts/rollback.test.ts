/**
 * rollback in-process (a real local HTTP server playing the app, virtual time): --list, the
 * default target, --to, --image, targets that cannot be deployed, the redeploy without the
 * release command and its verification, production's confirmation, --json, dry runs, deadlines,
 * pruned images and Ctrl-C. What the fake flyctl models (the redeploy itself, a pruned image)
 * runs against it (fakeFlyExec); scripted flyctl answers inject the faults it has no switch for.
 * That the release command is not re-run: test/unit/release/rollback.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { script } from '../../scripts/rollback.ts';
import { script as deployScript } from '../../scripts/deploy-fly.ts';
import { manualClock } from '../helpers/manual-clock.ts';
import { runInProcess, type InProcessOptions } from '../helpers/run-in-process.ts';
import {
  DEPLOY_ARGV,
  scriptedWorlds,
  verifyArgv,
  type ScriptedWorld,
  type ScriptedWorldOptions,
} from '../helpers/scripted-fly.ts';
import { checkLockArgv, freeLock, releaseLockArgv, takeLockArgv } from '../helpers/scripted-lock.ts';
import { fakeWorldExec, worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import type { RecordingExec } from '../helpers/recording-exec.ts';

const scripted = scriptedWorlds();
/** A scripted world whose deploy lock is free (the lock itself: test/integration/deploy-lock-scripts.test.ts). */
async function world(options: ScriptedWorldOptions = {}): Promise<ScriptedWorld> {
  const w = await scripted(options);
  freeLock(w.exec);
  return w;
}

function rollback(w: ScriptedWorld, args: string[], io: InProcessOptions = {}) {
  return runInProcess(script, [...args, '--url', w.app.url], {}, { exec: w.exec, clock: manualClock().clock, ...io });
}

const preflight = (app: string) => [
  ['version'],
  ['auth', 'whoami', '--json'],
  ['status', '--app', app, '--json'],
  ['releases', '--app', app, '--json'],
];
/** Under the deploy lock, the releases are read again before anything changes. */
const recheck = (app: string) => [['releases', '--app', app, '--json']];
const redeploy = (env: 'staging' | 'production', image: string) => [
  ...DEPLOY_ARGV[env],
  '--image',
  image,
  '--skip-release-command',
];
const errorLine = (r: { stderr: string }) => r.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';

describe.concurrent('rollback', () => {
  test('--list shows version, status, image, user, date; marks running and default target; changes nothing', async () => {
    const w = await world();
    const [table, json] = [
      await rollback(w, ['staging', '--list']),
      await rollback(w, ['staging', '--list', '--json']),
    ];
    expect(table.code, table.all).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+STATUS\s+IMAGE\s+COMMIT\s+USER\s+DATE$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^v3\\s+complete\\s+${w.seeded[0]!.image}\\s+-\\s+dev@example\\.com\\s+2026-01-03 06:00:00Z\\s+← running$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^v2\\s+complete\\s+${w.seeded[1]!.image}\\s+.*← default rollback target$`));
    expect(lines[3]).toMatch(/^v1\s+complete\s/);
    expect(JSON.parse(json.stdout)).toMatchObject({
      environment: 'staging',
      app: 'kotadb-api-staging',
      releases: [
        { version: 3, running: true, defaultTarget: false },
        { version: 2, running: false, defaultTarget: true, imageRef: w.seeded[1]!.image, user: 'dev@example.com' },
        { version: 1, running: false, defaultTarget: false },
      ],
    });
    expect(w.deploys()).toEqual([]);
    // --list never takes the lock: its git calls read the commit column (the deploy tags, the
    // release records on the lock remote: read only, nothing pushed)
    const readCommits = [
      ['git', 'for-each-ref', '--format=%(refname)%09%(objectname)%09%(*objectname)', 'refs/tags/deploy/staging/'],
      ['git', 'remote', 'get-url', 'origin'],
      ['git', 'ls-remote', 'origin', 'refs/kotadb/releases/staging/*'],
    ];
    expect(w.exec.argv().filter((a) => a[0] === 'git')).toEqual([...readCommits, ...readCommits]);
  });

  test('production (rolling) on a single machine: the rollback warns it takes the only machine down; --list does not', async () => {
    const w = await world({ env: 'production', machines: 1 });
    const warning =
      'warning: kotadb-api runs one machine, so this rolling deploy takes the only machine down until the new one is healthy; production should run 2: `flyctl scale count 2 --app kotadb-api --yes`';
    const listed = await rollback(w, ['production', '--list']);
    expect(listed.code, listed.all).toBe(0);
    expect(listed.stderr).not.toContain(warning);
    const r = await rollback(w, ['production', '--yes']);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(warning);
    expect(w.deploys()).toEqual([redeploy('production', w.seeded[1]!.image)]);
  });

  test('app missing: the exact --app is asked (app-scoped); exit 3 naming it and the token that can see it', async () => {
    const w = await world({ appMissing: true });
    const r = await rollback(w, ['staging']);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe(
      'error: Fly app kotadb-api-staging (staging) does not exist or this Fly token cannot see it',
    );
    expect(r.stderr).toContain('`fly tokens create deploy --app kotadb-api-staging`');
    expect(w.flyArgv()).toEqual(preflight('kotadb-api-staging').slice(0, 3));
    expect(w.deploys()).toEqual([]);
  });

  test('--to a release that is not complete: exit 2 naming the choices, nothing deployed; the default warns', async () => {
    const w = await world();
    w.nextDeploy({ kind: 'health-timeout' }); // leaves a failed v4 on top
    await runInProcess(
      deployScript,
      ['staging', '--image', w.image, '--url', w.app.url, '--no-rollback', '--skip-smoke'],
      {},
      { exec: w.exec, clock: manualClock().clock },
    );
    const failed = await rollback(w, ['staging', '--to', '4']);
    expect(failed.code).toBe(2);
    expect(errorLine(failed)).toBe('error: release v4 is failed, not complete: choose one of v3, v2, v1');
    const missing = await rollback(w, ['staging', '--to', '9']);
    expect(missing.code).toBe(2);
    expect(errorLine(missing)).toBe('error: release v9 is not among the last 4 releases: choose one of v3, v2, v1');
    expect(w.deploys()).toHaveLength(1);
    const byDefault = await rollback(w, ['staging']);
    expect(byDefault.code, byDefault.all).toBe(0);
    expect(byDefault.stderr).toContain(
      'warning: the newest release v4 is failed: its image may still run; `--to 3` redeploys the last complete release',
    );
    expect(w.deploys().at(-1)).toEqual(redeploy('staging', w.seeded[1]!.image));
  });

  test('--image redeploys that image', async () => {
    const w = await world();
    const image = 'registry.fly.io/kotadb-api-staging:deployment-01JHOTFIX00000000000000000';
    const r = await rollback(w, ['staging', '--image', image]);
    expect(r.code, r.all).toBe(0);
    expect(w.deploys()).toEqual([redeploy('staging', image)]);
    expect(w.currentImage()).toBe(image);
  });

  test('a target that is not healthy: exit 1 with the reason, ✗ in the step line and --json', async () => {
    const w = await world({ oldMode: 'supabase-error' });
    const r = await rollback(w, ['staging', '--health-timeout', '1', '--json']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: rollback to v2 FAILED: health check: supabase_status: error after 1.0s (2 attempts)',
    );
    expect(r.stderr).toContain('retry with `npx just rollback staging --to 2`, or pick another release (--list)');
    expect(r.stderr).toContain('✗ Roll back to v2 (');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 1,
      failure: 'health check: supabase_status: error after 1.0s (2 attempts)',
      steps: expect.arrayContaining([{ name: 'Roll back to v2', ok: false, durationMs: expect.any(Number) }]),
    });
  });

  test('production without --yes and no TTY: exit 3, nothing mutating', async () => {
    const w = await world({ env: 'production' });
    const r = await rollback(w, ['production']);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe(
      'error: refusing to roll production back to v2 without confirmation: nobody can answer a prompt here (no TTY or CI=true)',
    );
    expect(w.deploys()).toEqual([]);
  });

  test('nothing older to go back to: exit 3', async () => {
    const w = await world({ releases: 1 });
    const r = await rollback(w, ['staging']);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe('error: no earlier complete release with a different image to roll back to');
    expect(w.deploys()).toEqual([]);
  });

  test('--dry-run prints the redeploy of the target image and changes nothing', async () => {
    const w = await world({ env: 'production' });
    const r = await rollback(w, ['production', '--dry-run']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(
      `$ FLY_EMIT_RELEASE_JSON=1 flyctl ${redeploy('production', w.seeded[1]!.image).join(' ')}\n`,
    );
    expect(r.stdout).toContain('· Rollback of production: dry run: nothing was changed');
    expect(w.deploys()).toEqual([]);
    expect(w.exec.argv().filter((a) => a[0] === 'git')).toEqual(checkLockArgv('production'));
    expect(r.stderr).toContain('dry run: the production deploy lock is free; a real run takes it here');
  });

  test('--dry-run without flyctl names the target it would look up', async () => {
    const w = await world();
    w.exec.on(['flyctl'], { missing: true });
    const r = await rollback(w, ['staging', '--dry-run', '--to', '2']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(
      `$ FLY_EMIT_RELEASE_JSON=1 flyctl ${DEPLOY_ARGV.staging.join(' ')} --image <ImageRef of v2> --skip-release-command\n`,
    );
    expect(r.stdout).toContain('  target       v2');
  });

  test('after a deploy that was rolled back, the bad release is not picked by default', async () => {
    const w = await world({ newMode: 'status-503' });
    const deployed = await runInProcess(
      deployScript,
      ['staging', '--image', w.image, '--url', w.app.url, '--health-timeout', '1', '--skip-smoke'],
      {},
      { exec: w.exec, clock: manualClock().clock },
    );
    expect(deployed.code, deployed.all).toBe(1);
    const r = await rollback(w, ['staging']);
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toBe(
      "error: the default target v4 was rolled back from (v5 runs an older release's image again): it may be the bad release, so it is not picked by default",
    );
    expect(w.deploys()).toHaveLength(2); // the deploy and its automatic rollback only
  });

  test('a hung redeploy is stopped at --deploy-timeout: exit 1 saying it timed out', async () => {
    const w = await world();
    w.nextDeploy({ kind: 'hang' });
    const r = await rollback(w, ['staging', '--deploy-timeout', '200ms']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: rollback to v2 FAILED: flyctl deploy did not finish within 200ms (--deploy-timeout): it was stopped',
    );
    expect(w.exec.calls.find((c) => c.argv[1] === 'deploy')?.timeoutMs).toBe(200);
  });

  test('another release appeared while rolling back: exit 1 naming it', async () => {
    const w = await world();
    w.nextDeploy({ kind: 'then-other', image: 'registry.fly.io/kotadb-api-staging:deployment-01OTHER0000000000000' });
    const r = await rollback(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      'error: rollback to v2 FAILED: v5 (complete by other@example.com) was created after v4: another deploy or secrets change ran meanwhile',
    );
  });

  test('Ctrl-C during the redeploy: the command that finishes it; exit 130; before it: nothing changed', async () => {
    const w = await world();
    w.nextDeploy({ kind: 'hang' });
    const controller = new AbortController();
    const running = rollback(w, ['staging', '--json'], { signal: controller.signal });
    while (!w.exec.calls.some((c) => c.argv[1] === 'deploy')) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const r = await running;
    expect(r.code, r.all).toBe(130);
    expect(errorLine(r)).toBe(
      'error: interrupted while rolling back kotadb-api-staging to v2: machines may run either image; the staging deploy lock was released',
    );
    expect(r.stderr).toContain('  finish with: npx just rollback staging --to 2');
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 130, kind: 'interrupted', target: { version: 2 } });
    const before = new AbortController();
    before.abort();
    const early = await rollback(w, ['staging'], { signal: before.signal });
    expect(early.code).toBe(130);
    expect(errorLine(early)).toBe('error: interrupted before the rollback started: nothing was changed');
  });

  test('invalid flags: exit 2, nothing runs', async () => {
    const w = await world();
    const r = await rollback(w, ['staging', '--to', '2', '--image', 'registry.fly.io/kotadb-api-staging:x']);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(
      'error: --to and --image both pick the target: give one of them. Run with --help for usage.',
    );
    const listWaiting = await rollback(w, ['staging', '--list', '--lock-wait', '5']);
    expect(listWaiting.code).toBe(2);
    expect(errorLine(listWaiting)).toBe(
      'error: --list never takes the deploy lock: drop --lock-wait. Run with --help for usage.',
    );
    const notSeconds = await rollback(w, ['staging', '--lock-wait', '1.5']);
    expect(errorLine(notSeconds)).toBe(
      'error: --lock-wait expects whole seconds (e.g. 300), got "1.5". Run with --help for usage.',
    );
    const timeout = await rollback(w, ['staging', '--deploy-timeout', '0s']);
    expect(timeout.code).toBe(2);
    expect(errorLine(timeout)).toBe(
      'error: --deploy-timeout: expected a duration above zero, got "0s". Run with --help for usage.',
    );
    expect(w.exec.calls).toEqual([]);
  });
});

describe.concurrent('rollback against the fake flyctl, in-process (the faithful model of flyctl)', () => {
  const { world: fakeWorld } = worldsForFile();
  const onFake = (w: DeployWorld, args: string[], exec: RecordingExec = fakeWorldExec(w)) =>
    runInProcess(script, [...args, '--url', w.app.url], w.fly.env, { exec, clock: manualClock().clock });
  const flyctlCall = (argv: readonly string[]) => ['flyctl', ...argv];

  test('default: redeploys the release before the running one (no release command), checks health and what serves', async () => {
    const w = await fakeWorld();
    const exec = fakeWorldExec(w);
    const r = await onFake(w, ['staging'], exec);
    expect(r.code, r.all).toBe(0);
    // the lock is taken after the confirmation and released after the verification
    expect(exec.argv()).toEqual([
      ...preflight('kotadb-api-staging').map(flyctlCall),
      ...takeLockArgv('staging'),
      ...[
        ...recheck('kotadb-api-staging'),
        redeploy('staging', w.seeded[1]!.image),
        ...verifyArgv('kotadb-api-staging'),
      ].map(flyctlCall),
      ...releaseLockArgv('staging'),
    ]);
    expect(r.stderr).toContain('✓ released the staging deploy lock');
    expect(exec.calls.find((c) => c.argv[1] === 'deploy')?.timeoutMs).toBe(10 * 60_000);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(w.seeded[1]!.image);
    expect(w.fly.releases('kotadb-api-staging')[0]).toMatchObject({
      version: 4,
      status: 'complete',
      image: w.seeded[1]!.image,
    });
    expect(r.stdout).toContain('✓ Rollback of staging: rolled back to v2 (healthy), now release v4');
    expect(r.stdout).toContain(
      "  config       fly.toml and secrets are today's, not those of v2 (a rollback redeploys only the image)",
    );
    expect(r.stderr).toContain('✓ Roll back to v2 (');
    expect(w.app.requests().at(-1)).toMatchObject({ path: '/health', image: w.seeded[1]!.image, status: 200 });
  });

  test('--to N in production (with --yes, no TTY) uses production config and strategy', async () => {
    const w = await fakeWorld({ env: 'production' });
    const r = await onFake(w, ['production', '--to', '1', '--yes', '--json']);
    expect(r.code, r.all).toBe(0);
    expect(w.argv()).toEqual([
      ...preflight('kotadb-api'),
      ...recheck('kotadb-api'),
      redeploy('production', w.seeded[2]!.image),
      ...verifyArgv('kotadb-api'),
    ]);
    expect(w.fly.app('kotadb-api').machines.map((m) => m.image)).toEqual([w.seeded[2]!.image, w.seeded[2]!.image]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      exitCode: 0,
      kind: 'done',
      environment: 'production',
      target: { version: 1, imageRef: w.seeded[2]!.image },
      release: { version: 4, imageRef: w.seeded[2]!.image },
      health: { healthy: true, attempts: 1 },
      outcome: 'rolled back to v1 (healthy), now release v4',
      configAndSecrets: 'current',
    });
  });

  test('a pruned image: one line saying how to rebuild it; nothing was deployed', async () => {
    const w = await fakeWorld();
    w.fly.pruneImage(w.seeded[1]!.image);
    const r = await onFake(w, ['staging']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toBe(
      `error: rollback to v2 FAILED: the image ${w.seeded[1]!.image} is no longer in the registry (pruned): rebuild it from its commit (--source <checkout of that commit>) or deploy another image (--image <ref>)`,
    );
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(w.running.image);
    expect(w.fly.releases('kotadb-api-staging')).toHaveLength(3);
  });
});
