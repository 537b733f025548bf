/**
 * doctor in-process: the fake flyctl runs in this process (fakeFlyExec), the API is a real
 * local HTTP server, the migrations port is really closed. Every failing check in isolation is
 * ✗ with its fix and exit 1 while every other check still runs; the flyctl calls are asserted
 * exactly (all app-scoped: a deploy token is enough). test/e2e/doctor.test.ts keeps one run
 * through the entry.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import type { Executor } from '../../lib/core/exec.ts';
import { script } from '../../scripts/doctor.ts';
import { startAppServer, type AppMode, type AppServer } from '../helpers/app-server.ts';
import {
  createFakeFly,
  fakeFlyExec,
  KOTADB_SECRETS,
  type CreateFakeFlyOptions,
  type FakeApp,
  type FakeFly,
} from '../helpers/fake-fly.ts';
import { closedPort } from '../helpers/per-test.ts';
import { recordingExec } from '../helpers/recording-exec.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

interface World {
  fly: FakeFly;
  app: AppServer;
}

async function world(opts: CreateFakeFlyOptions = {}, mode: AppMode = 'healthy'): Promise<World> {
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
const PROD = 'kotadb-api';

/** The flyctl calls of one doctor run, in the order doctor asks them (all at once). */
const callsFor = (app: string, withVolumes = true) => [
  ['version'],
  ['auth', 'whoami', '--json'],
  ['status', '--app', app, '--json'],
  ['secrets', 'list', '--app', app, '--json'],
  ['releases', '--app', app, '--json'],
  ...(withVolumes ? [['volumes', 'list', '--app', app, '--json']] : []),
];

function doctor(
  env: string,
  w: World,
  extra: string[] = [],
  o: { vars?: Record<string, string>; exec?: Executor; signal?: AbortSignal } = {},
) {
  return runInProcess(
    script,
    [env, '--url', w.app.url, ...extra],
    { ...w.fly.env, ...o.vars },
    {
      exec: o.exec ?? fakeFlyExec(w.fly),
      ...(o.signal ? { signal: o.signal } : {}),
    },
  );
}

const parse = (stdout: string) => JSON.parse(stdout) as Report;
const argv = (fly: FakeFly) => fly.calls().map((c) => c.argv);
const mutateApp = (fly: FakeFly, fn: (app: FakeApp) => void, name = PROD) =>
  fly.update((state) => {
    fn(state.apps.find((a) => a.name === name)!);
  });

function configRoot(production: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'doctor-root-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(fromRoot('fly.staging.toml'), path.join(dir, 'fly.staging.toml'));
  writeFileSync(path.join(dir, 'fly.toml'), production);
  return dir;
}

const brokenConfigRoot = () =>
  configRoot(readFileSync(fromRoot('fly.toml'), 'utf8').replace('strategy = "rolling"', 'stratgy = "rolling"'));

describe.concurrent('doctor (in-process)', () => {
  test('all green against the fake flyctl and a healthy local app: a checklist, exit 0, app-scoped calls only, no secret printed', async ({
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
    expect(result.stdout).toContain('✓ app             kotadb-api in org personal, deployed\n');
    expect(result.stdout).toContain('✓ machines        2 started, checks passing, release v3\n');
    expect(result.stdout).toContain(
      '✓ volume          kotadb_data: 2 volumes (10 GB in iad, 10 GB in iad), 2 attached\n',
    );
    expect(result.stdout).toMatch(/✓ \/health {9}healthy, supabase ok \(12 ms\), failed_recent 0, \d+ ms\n/);
    expect(result.stdout).toContain(
      '– migrations      SUPABASE_DB_URL_PRODUCTION is not set: not checked\n                  to check it: export SUPABASE_DB_URL_PRODUCTION=<direct database URL>\n',
    );
    expect(lines.at(-1)).toMatch(/^9 passed, 0 failed, 1 not checked \(\d/);
    expect(argv(w.fly)).toEqual(callsFor(PROD));
    expect(w.fly.mutatingCalls()).toEqual([]);
    expect(w.app.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health']);
    for (const value of Object.values(KOTADB_SECRETS[PROD])) expect(result.all).not.toContain(value);
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
    expect(argv(w.fly)).toEqual(callsFor('kotadb-api-staging'));
  });

  test('with an app-scoped deploy token (what CI holds) every check passes: doctor never asks org-wide', async ({
    expect,
  }) => {
    const w = await world({ deployToken: PROD, loggedIn: false });
    const result = await doctor('production', w, ['--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(argv(w.fly)).toEqual(callsFor(PROD));
    expect(w.fly.calls().every((c) => c.env.hasToken)).toBe(true);
    expect(result.all).not.toContain(w.fly.env.FLY_API_TOKEN);
  });

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
    exec?: (fly: FakeFly) => Executor;
    calls?: string[][];
  };

  test.for<Case>([
    {
      name: 'flyctl missing',
      failing: 'flyctl',
      detail: 'flyctl not found or not executable (/nonexistent/flyctl)',
      fix: 'install flyctl (https://fly.io/docs/flyctl/install/) or set FLYCTL to its path',
      notChecked: ['login', 'app', 'secrets', 'release', 'machines', 'volume'],
      vars: () => ({ FLYCTL: '/nonexistent/flyctl' }),
      exec: () => recordingExec().on(['flyctl'], { missing: true }),
      calls: [],
    },
    {
      name: 'not logged in',
      failing: 'login',
      detail: 'not logged in to Fly.io',
      fix: 'run `flyctl auth login` (CI: set FLY_API_TOKEN)',
      notChecked: ['app', 'secrets', 'release', 'machines', 'volume'],
      opts: { loggedIn: false },
      calls: callsFor(PROD),
    },
    {
      name: 'fly config with a typo',
      failing: 'config',
      detail: /^fly\.toml: deploy\.stratgy: unknown key/,
      fix: 'run `npx just check` to list every problem, then fix fly.toml',
      // An unknown key does not hide the rest of the config: its mount is still checked.
      args: () => ['--root', brokenConfigRoot()],
    },
    {
      name: 'fly config that is not TOML',
      failing: 'config',
      detail: /^fly\.toml: line 1: invalid TOML/,
      fix: 'run `npx just check` to list every problem, then fix fly.toml',
      notChecked: ['volume'],
      args: () => ['--root', configRoot('app = [')],
      // The config could not be read: no mount to check, so no volumes question.
      calls: callsFor(PROD, false),
    },
    {
      name: 'app missing while kotadb-api-staging exists',
      failing: 'app',
      detail:
        'no app named kotadb-api, or this Fly token cannot see it (flyctl status --app kotadb-api: Could not find App)',
      fix: 'create it with `npx just fly-setup production` (needs an org token)',
      notChecked: ['secrets', 'release', 'machines', 'volume'],
      opts: { decoys: true },
      setup: (fly) => fly.update((state) => void (state.apps = state.apps.filter((a) => a.name !== PROD))),
      calls: callsFor(PROD),
    },
    {
      name: 'a deploy token made for another app',
      failing: 'app',
      detail: /^no app named kotadb-api, or this Fly token cannot see it/,
      fix: 'with a deploy token, check it was made for kotadb-api',
      notChecked: ['secrets', 'release', 'machines', 'volume'],
      opts: { deployToken: 'kotadb-api-staging', loggedIn: false },
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
      name: 'one machine in production (what a first deploy with [[mounts]] leaves)',
      failing: 'machines',
      detail: '1 machine, production runs 2',
      fix: '`flyctl scale count 2 --app kotadb-api --yes` (creates the machines and the volumes they mount)',
      setup: (fly) =>
        fly.seedApp(PROD, {
          machines: 1,
          volumes: [{ name: 'kotadb_data', sizeGb: 10 }],
          secrets: KOTADB_SECRETS[PROD],
        }),
    },
    {
      name: 'fewer volumes than machines',
      failing: 'volume',
      detail: '1 kotadb_data volume for 2 machines: every machine needs its own',
      fix: '`flyctl volumes create kotadb_data --size 10 --app kotadb-api --region iad --yes`, or `npx just fly-setup production`',
      setup: (fly) => mutateApp(fly, (a) => void a.volumes.splice(1)),
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
    const result = await doctor('production', w, ['--json', ...((await c.args?.()) ?? [])], {
      vars: (await c.vars?.()) ?? {},
      ...(c.exec ? { exec: c.exec(w.fly) } : {}),
    });
    expect(result.code, result.stderr).toBe(1);
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
    expect(argv(w.fly)).toEqual(c.calls ?? callsFor(PROD));
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test('every secret Staged while machines run: flyctl cannot tell, reported as unknown, not a failure', async ({
    expect,
  }) => {
    const w = await world();
    mutateApp(w.fly, (a) => void (a.releaseTimestampsUnavailable = true));
    const result = await doctor('production', w, ['--json']);
    expect(result.code).toBe(0);
    expect(parse(result.stdout).checks.find((c) => c.id === 'secrets')).toMatchObject({
      status: 'pass',
      detail:
        'all 4 required set (4 in all); flyctl cannot tell whether they are deployed (it lists every one as Staged)',
    });
  });

  test('a check whose flyctl fields are empty (status --json omits them) still parses', async ({ expect }) => {
    const w = await world();
    mutateApp(w.fly, (a) => {
      for (const m of a.machines) m.checks = [{ name: '', status: '', output: 'starting', updatedAt: '' }];
    });
    const result = await doctor('production', w, ['--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(parse(result.stdout).checks.find((c) => c.id === 'machines')?.detail).toBe(
      '2 started, checks passing, release v3',
    );
  });

  test('a hanging flyctl call times out and is reported; the other checks still run and the total stays bounded', async ({
    expect,
  }) => {
    const w = await world();
    w.fly.fault('releases', { hang: true });
    const started = performance.now();
    const result = await doctor('production', w, ['--timeout', '1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ latest release  flyctl releases --app kotadb-api --json timed out after 1s\n');
    expect(result.stdout).toContain('fix: retry; if it keeps timing out, allow more with --timeout <seconds> (now 1)');
    for (const title of ['flyctl', 'logged in', 'fly config', 'app', 'secrets', 'machines', '/health', 'volume']) {
      expect(result.stdout).toMatch(new RegExp(`^✓ ${title.replace('/', '\\/')} `, 'm'));
    }
    expect(result.stdout).toMatch(/^8 passed, 1 failed, 1 not checked/m);
    // One 1 s timeout (every question is asked at once), not a wait without end.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(w.fly.calls().filter((c) => c.command === 'releases')).toHaveLength(1);
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

  test('Ctrl-C stops at once: exit 130, nothing changed', async ({ expect }) => {
    const w = await world();
    w.fly.fault('releases', { hang: true });
    const controller = new AbortController();
    const running = doctor('production', w, [], { signal: controller.signal });
    await w.fly.waitForCall((c) => c.command === 'releases');
    controller.abort();
    const result = await running;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('error: interrupted: doctor changes nothing');
    expect(w.fly.mutatingCalls()).toEqual([]);
  });

  test.for([
    [['production', '--url', 'ftp://example.com'], '--url must be an http(s) URL, got "ftp://example.com"'],
    [['production', '--timeout', 'soon'], '--timeout must be a number of seconds between 0 and 600, got "soon"'],
    [['prod'], 'unknown environment "prod"'],
    [['production', '--dry-run'], 'unknown option --dry-run'],
  ] as const)('%j is invalid input: exit 2 before any check', async ([args, message], { expect }) => {
    const fly = createFakeFly();
    cleanups.push(() => fly.cleanup());
    const result = await runInProcess(script, args, fly.env, { exec: fakeFlyExec(fly) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(fly.calls()).toEqual([]);
  });
});
