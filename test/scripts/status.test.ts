/**
 * status in-process: the fake flyctl answers in this process (fakeFlyExec), git runs for real in
 * a throwaway repository (deploy tags, commit subjects, the distance between releases), /health
 * is a real local HTTP server per environment, migrations come from the real PostgreSQL. Each
 * fault (a hung question, Fly unreachable, no database URL, a commit not in the checkout) lands
 * in its own cell; the table still prints.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { script } from '../../scripts/status.ts';
import { startAppServer, type AppMode } from '../helpers/app-server.ts';
import { createFakeFly, fakeFlyExec, type CreateFakeFlyOptions, type FakeFly } from '../helpers/fake-fly.ts';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface World {
  fly: FakeFly;
  repo: GitRepo;
  urls: string[];
  /** Commits of the repo, oldest first (c[0] is the initial one). */
  c: string[];
}

/** staging serves an image labelled git-<c[2]>; production's v3 is tagged deploy/production/v3 -> c[0]. */
async function world(
  opts: { fly?: CreateFakeFlyOptions; staging?: AppMode; production?: AppMode } = {},
): Promise<World> {
  const fly = createFakeFly(opts.fly);
  const repo = createGitRepo();
  const apps = await Promise.all([
    startAppServer({ mode: opts.staging ?? 'healthy' }),
    startAppServer({ mode: opts.production ?? 'healthy' }),
  ]);
  cleanups.push(
    () => fly.cleanup(),
    () => repo.cleanup(),
    ...apps.map((a) => () => a.close()),
  );
  const c = [repo.git('rev-parse', 'HEAD')];
  for (const subject of ['Add stars', 'Drop legacy column']) {
    writeFileSync(path.join(repo.dir, `${c.length}.txt`), subject);
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', subject);
    c.push(repo.git('rev-parse', 'HEAD'));
  }
  repo.git('tag', 'deploy/production/v3', c[0]!);
  serve(fly, 'kotadb-api-staging', `registry.fly.io/kotadb-api-staging:git-${c[2]}`);
  return { fly, repo, urls: apps.map((a) => a.url), c };
}

/** The app's newest release (and its machines) run `image`. */
function serve(fly: FakeFly, app: string, image: string): void {
  fly.update((state) => {
    const found = state.apps.find((a) => a.name === app)!;
    found.releases[0]!.image = image;
    found.image = image;
    for (const m of found.machines) m.image = image;
  });
}

function status(w: World, args: string[] = [], env: Record<string, string> = {}) {
  return runInProcess(script, [...args, '--staging-url', w.urls[0]!, '--production-url', w.urls[1]!], env, {
    exec: fakeFlyExec(w.fly),
    cwd: w.repo.dir,
  });
}

const row = (stdout: string, title: string) => stdout.split('\n').find((line) => line.startsWith(`${title} `)) ?? '';

describe.concurrent('status', () => {
  test('both environments: one table, then how far staging is ahead and whether the images match', async () => {
    const w = await world({ production: 'status-503' });
    const r = await status(w);
    expect(r.code, r.all).toBe(0);
    const short = w.c.map((sha) => sha.slice(0, 7));
    expect(row(r.stdout, '')).toMatch(/^\s+staging \(kotadb-api-staging\)\s+production \(kotadb-api\)$/);
    expect(row(r.stdout, 'release')).toMatch(/^release\s+v3\s+v3$/);
    expect(row(r.stdout, 'commit')).toMatch(
      new RegExp(`^commit\\s+${short[2]} Drop legacy column\\s+${short[0]} initial$`),
    );
    expect(row(r.stdout, 'health')).toMatch(/^health\s+healthy \(\d+ ms\)\s+unhealthy: HTTP 503 \(\d+ ms\)$/);
    expect(row(r.stdout, 'machines')).toMatch(/^machines\s+1\/1 running\s+2\/2 running$/);
    expect(row(r.stdout, 'staged secrets')).toMatch(/^staged secrets\s+none\s+none$/);
    expect(row(r.stdout, 'migrations')).toContain('unknown (no database URL: set SUPABASE_DB_URL_STAGING');
    expect(row(r.stdout, 'age')).toMatch(/^age\s+\d+d\d+h\s+\d+d\d+h$/);
    expect(r.stdout).toContain(
      'staging is 2 commits / unknown migrations (staging: no database URL: set SUPABASE_DB_URL_STAGING to see pending migrations) ahead of production',
    );
    expect(r.stdout).toContain("production's image differs from staging's");
    // Read-only: only app-scoped reads, each app asked once per question.
    expect(w.fly.mutatingCalls()).toEqual([]);
    expect(
      w.fly
        .calls()
        .map((call) => call.argv.join(' '))
        .sort(),
    ).toEqual(
      ['releases', 'status', 'secrets list']
        .flatMap((q) => [`${q} --app kotadb-api --json`, `${q} --app kotadb-api-staging --json`])
        .sort(),
    );
  });

  test('--json: every cell as a value or the reason it is unknown; production promoted staging image', async () => {
    const w = await world();
    serve(w.fly, 'kotadb-api', `registry.fly.io/kotadb-api-staging:git-${w.c[2]}`);
    const r = await status(w, ['--json']);
    expect(r.code, r.all).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.environments[1]).toMatchObject({
      environment: 'production',
      // The deploy tag wins over the image label (it is a commit of this checkout).
      commit: { ok: true, value: { sha: w.c[0], source: 'deploy tag', subject: 'initial' } },
      machines: { ok: true, value: { running: 2, total: 2, expected: 2 } },
      migrations: { ok: false, why: expect.stringContaining('SUPABASE_DB_URL_PRODUCTION') },
    });
    expect(report.environments[0].commit).toEqual({
      ok: true,
      value: { sha: w.c[2], source: 'image label', subject: 'Drop legacy column' },
    });
    expect(report.between).toMatchObject({
      commits: { ok: true, value: { ahead: 2, behind: 0 } },
      sameImage: { ok: true, value: true },
    });
  });

  test('one environment: its column only, no comparison, only its app asked', async () => {
    const w = await world();
    const r = await status(w, ['staging']);
    expect(r.code, r.all).toBe(0);
    expect(row(r.stdout, '')).toMatch(/^\s+staging \(kotadb-api-staging\)$/);
    expect(r.stdout).not.toContain('ahead of production');
    expect(w.fly.calls().every((call) => call.argv.includes('kotadb-api-staging'))).toBe(true);
  });

  test('a hung question times out into its own cell; the others answer and the run exits 0', async () => {
    const w = await world();
    w.fly.fault('secrets list', { hang: true, app: 'kotadb-api' });
    const started = performance.now();
    const r = await status(w, ['--timeout', '0.5']);
    expect(r.code, r.all).toBe(0);
    expect(performance.now() - started).toBeLessThan(4000);
    expect(row(r.stdout, 'staged secrets')).toMatch(/^staged secrets\s+none\s+unknown \(.*timed out.*\)$/);
    expect(row(r.stdout, 'machines')).toMatch(/^machines\s+1\/1 running\s+2\/2 running$/);
  });

  test('a commit that is not in the checkout: the sha without a subject, the distance unknown', async () => {
    const w = await world();
    const stranger = 'f'.repeat(40);
    serve(w.fly, 'kotadb-api-staging', `registry.fly.io/kotadb-api-staging:git-${stranger}`);
    const r = await status(w);
    expect(r.code, r.all).toBe(0);
    expect(row(r.stdout, 'commit')).toMatch(/^commit\s+fffffff\s+\w{7} initial$/);
    expect(r.stdout).toMatch(/staging is unknown commits \(a commit is not in .*\) \/ unknown migrations/);
  });

  test('an image without a git label and no deploy tag: commit unknown, with why', async () => {
    const w = await world();
    w.repo.git('tag', '-d', 'deploy/production/v3');
    const r = await status(w);
    expect(row(r.stdout, 'commit')).toContain('unknown (no deploy tag, and the image has no git-<sha> label)');
  });

  test('staged secrets are named', async () => {
    const w = await world();
    w.fly.update((state) => {
      state.apps.find((a) => a.name === 'kotadb-api')!.secrets.SUPABASE_URL!.status = 'Staged';
    });
    const r = await status(w, ['production']);
    expect(row(r.stdout, 'staged secrets')).toMatch(/^staged secrets\s+SUPABASE_URL$/);
  });

  test('nothing could be asked of Fly (not logged in): the table still prints, exit 1', async () => {
    const w = await world({ fly: { loggedIn: false } });
    const r = await status(w);
    expect(r.code).toBe(1);
    expect(row(r.stdout, 'release')).toMatch(/^release\s+unknown \(.+\)\s+unknown \(.+\)$/);
    expect(row(r.stdout, 'health')).toMatch(/healthy/);
    expect(r.stderr).toContain('error: no release could be read from Fly');
  });

  test('bad input: exit 2 with one line', async () => {
    const w = await world();
    for (const args of [['qa'], ['--timeout', 'soon'], ['staging', 'production'], ['--source', '/nonexistent/x']]) {
      const r = await status(w, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: /m);
    }
    expect(w.fly.calls()).toEqual([]);
  });

  test('pending migrations from each database (real PostgreSQL): staging is M migrations ahead', async () => {
    const w = await world();
    const [migrated, empty] = await Promise.all([
      createTestDatabase('status_staging', { migrate: true }),
      createTestDatabase('status_production', { bootstrap: true }),
    ]);
    cleanups.push(
      () => migrated.drop(),
      () => empty.drop(),
    );
    // The migrations the databases are compared with are the files of the checkout status runs in.
    mkdirSync(path.join(w.repo.dir, 'supabase'), { recursive: true });
    const { cpSync, readdirSync } = await import('node:fs');
    const { fromRoot } = await import('../../lib/core/paths.ts');
    cpSync(fromRoot('supabase', 'migrations'), path.join(w.repo.dir, 'supabase', 'migrations'), { recursive: true });
    const files = readdirSync(fromRoot('supabase', 'migrations')).filter((f) => f.endsWith('.sql'));
    const r = await status(w, ['--json'], {
      SUPABASE_DB_URL_STAGING: migrated.url,
      SUPABASE_DB_URL_PRODUCTION: empty.url,
    });
    expect(r.code, r.all).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.environments[0].migrations).toMatchObject({ ok: true, value: { pending: [] } });
    expect(report.environments[1].migrations.value.pending).toHaveLength(files.length);
    expect(report.between.migrations).toEqual({ ok: true, value: { ahead: files.length, behind: 0 } });
    expect(r.stdout).not.toContain(migrated.db.password);

    const same = await status(w, [], { SUPABASE_DB_URL: migrated.url });
    expect(same.stdout).toContain(
      'unknown migrations (both environments resolve to the same database (SUPABASE_DB_URL))',
    );
  });
});
