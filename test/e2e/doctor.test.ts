/**
 * doctor end to end: the real script as a child process against the fake flyctl and a real
 * local HTTP server playing the API. Each failing check in isolation gives ✗ with its fix and
 * exit 1, while every other check still runs. Those isolation cases call main() in-process (the
 * fake flyctl, the HTTP server and the database port are still real) to keep the suite fast.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import { startAppServer, type AppMode, type AppServer } from '../helpers/app-server.ts';
import { createFakeFly, KOTADB_SECRETS, type CreateFakeFlyOptions, type FakeFly } from '../helpers/fake-fly.ts';
import { main } from '../../scripts/doctor.ts';
import { closedPort } from '../helpers/per-test.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function world(
  opts: CreateFakeFlyOptions = {},
  mode: AppMode = 'healthy',
): Promise<{ fly: FakeFly; app: AppServer }> {
  const fly = createFakeFly(opts);
  const app = await startAppServer({ mode });
  cleanups.push(
    () => fly.cleanup(),
    () => app.close(),
  );
  return { fly, app };
}

type Check = {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  fix?: string;
  durationMs: number;
};
type Report = {
  environment: string;
  app: string;
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  checks: Check[];
};

const IDS = ['flyctl', 'login', 'config', 'app', 'secrets', 'release', 'machines', 'health', 'migrations', 'volume'];

async function doctor(
  env: string,
  w: { fly: FakeFly; app: AppServer },
  extra: string[] = [],
  vars: Record<string, string> = {},
) {
  const result = await runScript('doctor', [env, '--url', w.app.url, ...extra], { env: { ...w.fly.env, ...vars } });
  return result;
}

function parse(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

describe.concurrent('doctor', () => {
  test('all green against the fake flyctl and a healthy local app: a checklist, exit 0, nothing changed, no secret printed', async ({
    expect,
  }) => {
    const w = await world();
    const result = await doctor('production', w);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => /^[✓✗–] /.test(l)).map((l) => l.slice(0, 1))).toEqual([
      '✓',
      '✓',
      '✓',
      '✓',
      '✓',
      '✓',
      '✓',
      '✓',
      '–',
      '✓',
    ]);
    expect(result.stdout).toContain('✓ flyctl          flyctl v0.4.9\n');
    expect(result.stdout).toContain('✓ machines        2 started, checks passing, release v3\n');
    expect(result.stdout).toMatch(/✓ \/health {9}healthy, supabase ok \(12 ms\), failed_recent 0, \d+ ms\n/);
    expect(result.stdout).toContain(
      '– migrations      SUPABASE_DB_URL_PRODUCTION is not set: not checked\n                  to check it: export SUPABASE_DB_URL_PRODUCTION=<direct database URL>\n',
    );
    expect(lines.at(-1)).toMatch(/^9 passed, 0 failed, 1 not checked \(\d/);
    expect(w.fly.mutatingCalls()).toEqual([]);
    expect(w.app.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health']);
    for (const value of Object.values(KOTADB_SECRETS['kotadb-api'])) expect(result.all).not.toContain(value);
  });

  test('--json prints one document with every check, in order (staging)', async ({ expect }) => {
    const w = await world();
    const result = await doctor('staging', w, ['--json']);
    expect(result.code).toBe(0);
    const report = parse(result.stdout);
    expect(report).toMatchObject({
      environment: 'staging',
      app: 'kotadb-api-staging',
      ok: true,
      passed: 9,
      failed: 0,
      skipped: 1,
    });
    expect(report.checks.map((c) => c.id)).toEqual(IDS);
    expect(report.checks.find((c) => c.id === 'volume')?.detail).toBe(
      'kotadb_staging_data: 1 volume (5 GB in iad), 1 attached',
    );
  });

  const brokenConfigRoot = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doctor-root-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(fromRoot('fly.staging.toml'), path.join(dir, 'fly.staging.toml'));
    writeFileSync(
      path.join(dir, 'fly.toml'),
      readFileSync(fromRoot('fly.toml'), 'utf8').replace('strategy = "rolling"', 'stratgy = "rolling"'),
    );
    return dir;
  };

  type Case = {
    name: string;
    failing: string;
    detail: string | RegExp;
    fix: string;
    notChecked?: string[];
    opts?: CreateFakeFlyOptions;
    mode?: AppMode;
    setup?: (fly: FakeFly) => void;
    args?: () => string[] | Promise<string[]>;
    vars?: () => Record<string, string> | Promise<Record<string, string>>;
  };
  const mutateApp = (fly: FakeFly, fn: (app: ReturnType<FakeFly['app']>) => void) =>
    fly.update((state) => {
      fn(state.apps.find((a) => a.name === 'kotadb-api')!);
    });

  test.for<Case>([
    {
      name: 'flyctl missing',
      failing: 'flyctl',
      detail: 'flyctl not found or not executable (/nonexistent/flyctl)',
      fix: 'install flyctl (https://fly.io/docs/flyctl/install/) or set FLYCTL to its path',
      notChecked: ['login', 'app', 'secrets', 'release', 'machines', 'volume'],
      vars: () => ({ FLYCTL: '/nonexistent/flyctl' }),
    },
    {
      name: 'not logged in',
      failing: 'login',
      detail: 'not logged in to Fly.io',
      fix: 'run `flyctl auth login` (CI: set FLY_API_TOKEN)',
      notChecked: ['app', 'secrets', 'release', 'machines', 'volume'],
      opts: { loggedIn: false },
    },
    {
      name: 'fly config with a typo',
      failing: 'config',
      detail: /^fly\.toml: deploy\.stratgy: unknown key/,
      fix: 'run `npx just check` to list every problem, then fix fly.toml',
      notChecked: ['volume'],
      args: () => ['--root', brokenConfigRoot()],
    },
    {
      name: 'app missing while kotadb-api-staging exists',
      failing: 'app',
      detail:
        'no app named exactly kotadb-api among the 3 this account sees (similar: kotadb-api-old, kotadb-api-staging-old, kotadb-api-staging)',
      fix: 'create it with `npx just fly-setup production`',
      notChecked: ['secrets', 'release', 'machines', 'volume'],
      opts: { decoys: true },
      setup: (fly) => fly.update((state) => void (state.apps = state.apps.filter((a) => a.name !== 'kotadb-api'))),
    },
    {
      name: 'a required secret missing',
      failing: 'secrets',
      detail: 'missing: SUPABASE_SERVICE_KEY',
      fix: 'set them with `npx just secrets production set` (reads .env.production; applies them to a deployed app)',
      setup: (fly) => mutateApp(fly, (a) => void delete a.secrets.SUPABASE_SERVICE_KEY),
    },
    {
      name: 'a secret staged but not deployed',
      failing: 'secrets',
      detail: 'staged, not deployed: DATABASE_URL',
      fix: 'apply them with `npx just secrets production deploy` (restarts the machines) or the next `npx just deploy production`',
      setup: (fly) => mutateApp(fly, (a) => void (a.secrets.DATABASE_URL!.status = 'Staged')),
    },
    {
      name: 'the latest release failed',
      failing: 'release',
      detail: /^v4 failed, .* by dev@example\.com; v3 is the newest complete release$/,
      fix: 'roll back with `npx just rollback production`, or deploy a fix with `npx just deploy production`',
      setup: (fly) =>
        mutateApp(
          fly,
          (a) =>
            void a.releases.unshift({
              ...a.releases[0]!,
              id: 'rel_v4',
              version: 4,
              status: 'failed',
              image: 'registry.fly.io/kotadb-api:deployment-bad',
            }),
        ),
    },
    {
      name: 'a critical health check on a machine',
      failing: 'machines',
      detail: /^[0-9a-f]{14}: check servicecheck-00-http-8080 is critical$/,
      fix: 'read `npx just logs production --no-tail`; if the last deploy caused it, `npx just rollback production`',
      setup: (fly) => mutateApp(fly, (a) => void (a.machines[1]!.checks[0]!.status = 'critical')),
    },
    {
      name: 'a machine restarting',
      failing: 'machines',
      detail: /^[0-9a-f]{14} is replacing \(restarting\)$/,
      fix: 'a machine that keeps restarting usually crashes on start: read `npx just logs production --no-tail` (out of memory? `npx just scale-memory production <mb>`)',
      setup: (fly) => mutateApp(fly, (a) => void (a.machines[0]!.state = 'replacing')),
    },
    {
      name: '/health with Supabase down',
      failing: 'health',
      detail: /^supabase_status: error \(http:\/\/127\.0\.0\.1:\d+\/health, \d+ ms\)$/,
      fix: "the API cannot reach Supabase: check DATABASE_URL (`npx just secrets production list`) and the Supabase project's status",
      mode: 'supabase-error',
    },
    {
      name: '/health with recently failed jobs',
      failing: 'health',
      detail: /but 4 jobs failed recently \(saas\.job_queue\.failed_recent\)/,
      fix: 'read the failures with `npx just logs production --no-tail`',
      mode: 'failed-recent',
    },
    {
      name: '/health refused',
      failing: 'health',
      detail: /^connection refused \(/,
      fix: 'see the machines check and `npx just machines production` (or pass --url)',
      mode: 'refused',
    },
    {
      name: 'the migrations database unreachable',
      failing: 'migrations',
      detail: /^cannot reach 127\.0\.0\.1:\d+\/postgres: connection refused$/,
      fix: 'check SUPABASE_DB_URL_PRODUCTION and that this network may reach the database',
      vars: async () => ({
        SUPABASE_DB_URL_PRODUCTION: `postgresql://postgres:Db-Pa55word@127.0.0.1:${await closedPort()}/postgres`,
      }),
    },
    {
      name: 'the mounted volume missing',
      failing: 'volume',
      detail: 'no volume named kotadb_data (fly.toml mounts it at /data)',
      fix: 'create it with `npx just fly-setup production`',
      setup: (fly) => mutateApp(fly, (a) => void (a.volumes = [])),
    },
  ])('$name: ✗ $failing with its fix, exit 1, every other check still reported', async (c, { expect }) => {
    const w = await world(c.opts, c.mode);
    c.setup?.(w.fly);
    const result = await runInProcess(
      main,
      ['production', '--url', w.app.url, '--json', ...((await c.args?.()) ?? [])],
      { ...w.fly.env, ...((await c.vars?.()) ?? {}) },
    );
    expect(result.code).toBe(1);
    const report = parse(result.stdout);
    expect(report.checks.map((check) => check.id)).toEqual(IDS);
    const failing = report.checks.find((check) => check.id === c.failing)!;
    expect(failing.status).toBe('fail');
    if (typeof c.detail === 'string') expect(failing.detail).toBe(c.detail);
    else expect(failing.detail).toMatch(c.detail);
    expect(failing.fix).toContain(c.fix);
    const others = report.checks.filter((check) => check.id !== c.failing);
    const skipped = [...(c.notChecked ?? []), ...(c.failing === 'migrations' ? [] : ['migrations'])];
    expect(
      others
        .filter((check) => check.status !== 'pass')
        .map((check) => check.id)
        .sort(),
    ).toEqual(skipped.sort());
    expect(others.every((check) => check.status !== 'fail')).toBe(true);
    expect(result.all).not.toContain('Db-Pa55word');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('a hanging flyctl call times out and is reported; the other checks still run and the total stays bounded', async ({
    expect,
  }) => {
    const w = await world();
    w.fly.fault('status', { hang: true });
    const result = await doctor('production', w, ['--timeout', '6']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ machines        flyctl status --app kotadb-api --json timed out after 6s\n');
    expect(result.stdout).toContain('fix: retry; if it keeps timing out, allow more with --timeout <seconds> (now 6)');
    for (const title of [
      'flyctl',
      'logged in',
      'fly config',
      'app',
      'secrets',
      'latest release',
      '/health',
      'volume',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^✓ ${title.replace('/', '\\/')} `, 'm'));
    }
    expect(result.stdout).toMatch(/^8 passed, 1 failed, 1 not checked/m);
    // Start-up plus one 6 s timeout (every question is asked at once), not a wait without end.
    expect(result.durationMs).toBeLessThan(16_000);
    expect(w.fly.calls().filter((c) => c.command === 'status')).toHaveLength(1);
  });

  test('a failure in the human checklist: ✗ line, fix line, summary', async ({ expect }) => {
    const w = await world();
    mutateApp(w.fly, (a) => void delete a.secrets.DATABASE_URL);
    const result = await doctor('production', w);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '✗ secrets         missing: DATABASE_URL\n                  fix: set them with `npx just secrets production set` (reads .env.production; applies them to a deployed app)\n',
    );
    expect(result.stdout).toMatch(/^8 passed, 1 failed, 1 not checked/m);
  });

  test.for([
    [['production', '--url', 'ftp://example.com'], '--url must be an http(s) URL, got "ftp://example.com"'],
    [['production', '--timeout', 'soon'], '--timeout must be a number of seconds between 0 and 600, got "soon"'],
    [['prod'], 'unknown environment "prod"'],
  ] as const)('%j is invalid input: exit 2 before any check', async ([args, message], { expect }) => {
    const fly = createFakeFly();
    cleanups.push(() => fly.cleanup());
    const result = await runInProcess(main, args, fly.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(fly.calls()).toEqual([]);
  });
});
