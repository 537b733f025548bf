/**
 * rollback end to end (real script, fake flyctl, real HTTP server): --list, the default
 * target, --to, --image, targets that cannot be deployed, health verification, production's
 * confirmation, --json and dry runs.
 */
import { describe, test } from 'vitest';
import type { FakeFlyState } from '../helpers/fake-fly.ts';
import { DEPLOY_ARGV, worldsForFile, type DeployWorld } from '../helpers/deploy-world.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';
import { main } from '../../scripts/rollback.ts';
import { main as deployMain } from '../../scripts/deploy-fly.ts';

/** What both ways of running a script give back. */
type Result = { code: number | null; stdout: string; stderr: string; all: string };

const { world } = worldsForFile();

/** As a user runs it: a child process (real stdin: the production confirmation). */
function rollback(w: DeployWorld, args: string[]): Promise<Result> {
  return runScript('rollback', [...args, '--url', w.app.url], { env: { ...w.fly.env } });
}

/** main() in this process (flyctl is still a child): same code, without Node + tsx start-up. */
function rollbackHere(w: DeployWorld, args: string[]): Promise<Result> {
  return runInProcess(main, [...args, '--url', w.app.url], { ...w.fly.env });
}

const preflight = (app: string) => [
  ['version'],
  ['auth', 'whoami', '--json'],
  ['apps', 'list', '--json'],
  ['releases', '--app', app, '--json'],
];
const errorLine = (r: Result) => r.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';

/** A failed v4 on top of the seeded v1..v3 (a deploy that was not rolled back). */
function addFailedRelease(state: FakeFlyState, app: string): void {
  const a = state.apps.find((x) => x.name === app)!;
  const top = a.releases[0]!;
  a.releases.unshift({
    ...top,
    id: 'rel_failed4',
    version: 4,
    status: 'failed',
    image: `registry.fly.io/${app}:deployment-01JFAILED000000000000000000`,
  });
}

describe.concurrent('rollback', () => {
  test('--list shows version, status, image, user, date; marks running and default target; changes nothing', async ({
    expect,
  }) => {
    const w = await world();
    const [table, json] = await Promise.all([
      rollback(w, ['staging', '--list']),
      rollback(w, ['staging', '--list', '--json']),
    ]);
    expect(table.code, table.all).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+STATUS\s+IMAGE\s+USER\s+DATE$/);
    expect(lines[1]).toMatch(
      new RegExp(`^v3\\s+complete\\s+${w.seeded[0]!.image}\\s+dev@example\\.com\\s+2026-01-02 06:00:00Z\\s+← running$`),
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
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('default: redeploys the release before the running one and checks it is healthy', async ({ expect }) => {
    const w = await world();
    const r = await rollback(w, ['staging']);
    expect(r.code, r.all).toBe(0);
    expect(w.argv()).toEqual([
      ...preflight('kotadb-api-staging'),
      [...DEPLOY_ARGV.staging, '--image', w.seeded[1]!.image],
    ]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(w.seeded[1]!.image);
    expect(r.stdout).toContain('✓ Rollback of staging: rolled back to v2 (healthy), now release v4');
    expect(w.app.requests().at(-1)).toMatchObject({ path: '/health', image: w.seeded[1]!.image, status: 200 });
  });

  test('--to N in production (with --yes, no TTY) uses production config and strategy', async ({ expect }) => {
    const w = await world({ env: 'production' });
    const r = await rollbackHere(w, ['production', '--to', '1', '--yes', '--json']);
    expect(r.code, r.all).toBe(0);
    expect(w.argv()).toEqual([...preflight('kotadb-api'), [...DEPLOY_ARGV.production, '--image', w.seeded[2]!.image]]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      exitCode: 0,
      environment: 'production',
      target: { version: 1, imageRef: w.seeded[2]!.image },
      release: { version: 4, imageRef: w.seeded[2]!.image },
      health: { healthy: true, attempts: 1 },
      outcome: 'rolled back to v1 (healthy), now release v4',
    });
  });

  test('--to a release that is not complete: exit 2 naming the choices, nothing deployed; the default warns', async ({
    expect,
  }) => {
    const w = await world();
    w.fly.update((state) => addFailedRelease(state, 'kotadb-api-staging'));
    const [failed, missing] = await Promise.all([
      rollbackHere(w, ['staging', '--to', '4']),
      rollbackHere(w, ['staging', '--to', '9']),
    ]);
    expect(failed.code).toBe(2);
    expect(errorLine(failed)).toBe('error: release v4 is failed, not complete: choose one of v3, v2, v1');
    expect(missing.code).toBe(2);
    expect(errorLine(missing)).toBe('error: release v9 is not among the last 4 releases: choose one of v3, v2, v1');
    expect(w.fly.mutatingCalls()).toEqual([]);
    const byDefault = await rollbackHere(w, ['staging']);
    expect(byDefault.code, byDefault.all).toBe(0);
    expect(byDefault.stderr).toContain(
      'warning: the newest release v4 is failed: its image may still run; `--to 3` redeploys the last complete release',
    );
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging, '--image', w.seeded[1]!.image]]);
  });

  test('--image redeploys that image', async ({ expect }) => {
    const w = await world();
    const image = 'registry.fly.io/kotadb-api-staging:deployment-01JHOTFIX00000000000000000';
    const r = await rollbackHere(w, ['staging', '--image', image]);
    expect(r.code, r.all).toBe(0);
    expect(w.deploys()).toEqual([[...DEPLOY_ARGV.staging, '--image', image]]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(image);
  });

  test('a target that is not healthy: exit 1 with the reason', async ({ expect }) => {
    const w = await world({ oldMode: 'supabase-error' });
    const r = await rollbackHere(w, ['staging', '--health-timeout', '1']);
    expect(r.code, r.all).toBe(1);
    expect(errorLine(r)).toMatch(
      /^error: rollback to v2 FAILED: health check: supabase_status: error after [\d.]+s \(\d attempts?\)$/,
    );
    expect(r.stderr).toContain('retry with `npx just rollback staging --to 2`, or pick another release (--list)');
  });

  test('production without --yes and no TTY: exit 3, nothing mutating', async ({ expect }) => {
    const w = await world({ env: 'production' });
    const r = await rollback(w, ['production']);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe(
      'error: refusing to roll production back to v2 without confirmation: nobody can answer a prompt here (no TTY or CI=true)',
    );
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('nothing older to go back to: exit 3', async ({ expect }) => {
    const w = await world();
    w.fly.update((state) => {
      const app = state.apps.find((a) => a.name === 'kotadb-api-staging')!;
      app.releases = app.releases.slice(0, 1);
    });
    const r = await rollbackHere(w, ['staging']);
    expect(r.code).toBe(3);
    expect(errorLine(r)).toBe('error: no earlier complete release with a different image to roll back to');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('--dry-run prints the redeploy of the target image and changes nothing', async ({ expect }) => {
    const w = await world({ env: 'production' });
    const r = await rollbackHere(w, ['production', '--dry-run']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain(
      `$ FLY_EMIT_RELEASE_JSON=1 flyctl ${DEPLOY_ARGV.production.join(' ')} --image ${w.seeded[1]!.image}\n`,
    );
    expect(r.stdout).toContain('· Rollback of production: dry run: nothing was changed');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('after a deploy that was rolled back, the bad release is not picked by default', async ({ expect }) => {
    const w = await world({ newMode: 'status-503' });
    const deployed = await runInProcess(
      deployMain,
      ['staging', '--url', w.app.url, '--health-timeout', '1', '--skip-smoke'],
      { ...w.fly.env },
    );
    expect(deployed.code, deployed.all).toBe(1);
    const r = await rollbackHere(w, ['staging']);
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toBe(
      "error: the default target v4 was rolled back from (v5 runs an older release's image again): it may be the bad release, so it is not picked by default",
    );
    expect(w.deploys()).toHaveLength(2); // the deploy and its automatic rollback only
  });

  test('invalid flags: exit 2', async ({ expect }) => {
    const w = await world();
    const r = await rollbackHere(w, ['staging', '--to', '2', '--image', 'registry.fly.io/kotadb-api-staging:x']);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(
      'error: --to and --image both pick the target: give one of them. Run with --help for usage.',
    );
    expect(w.fly.calls()).toEqual([]);
  });
});
