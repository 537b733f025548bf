/**
 * The schema check inside rollback and deploy's automatic rollback, in-process: the fake flyctl
 * (releases whose images carry git-<sha> labels, or a production deploy tag), a real git
 * checkout holding supabase/migrations at each release's commit, the real squawk classifying
 * what was applied since, and the real PostgreSQL recording what is applied. Each fault is
 * injected on its own: a contract migration since the target, no database URL, a database that
 * cannot be reached, a release with no known commit.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import { script as rollbackScript } from '../../scripts/rollback.ts';
import { script as deployScript } from '../../scripts/deploy-fly.ts';
import { startAppServer, type AppServer } from '../helpers/app-server.ts';
import { createFakeFly, fakeFlyExec, type FakeFly } from '../helpers/fake-fly.ts';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.ts';
import { manualClock } from '../helpers/manual-clock.ts';
import { closedPort } from '../helpers/per-test.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { recordingExec } from '../helpers/recording-exec.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { freeLock } from '../helpers/scripted-lock.ts';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const BASE = '20260101000000';
const STARS = '20260102000000';
const DROP = '20260103000000';
const BAD_IMAGE = 'registry.fly.io/kotadb-api-staging:deployment-bad';

/** One checkout for the file: c41 has the base table, c42 adds a column (expand), c43 drops one (contract). */
const repo: GitRepo = createGitRepo();
cleanups.push(() => repo.cleanup());
mkdirSync(path.join(repo.dir, 'supabase', 'migrations'), { recursive: true });
cpSync(fromRoot('supabase', 'config.toml'), path.join(repo.dir, 'supabase', 'config.toml'));
const commit = (file: string, sql: string): string => {
  writeFileSync(path.join(repo.dir, 'supabase', 'migrations', file), sql);
  repo.git('add', '.');
  repo.git('commit', '-q', '-m', file);
  return repo.git('rev-parse', 'HEAD');
};
const c41 = commit(`${BASE}_base.sql`, 'create table public.items (id bigint primary key, legacy text);\n');
const c42 = commit(`${STARS}_add_stars.sql`, 'alter table public.items add column stars bigint;\n');
commit(
  `${DROP}_drop_legacy.sql`,
  '-- kotadb: contract\n-- squawk-ignore ban-drop-column -- unused since v42\nalter table public.items drop column legacy;\n',
);
const label = (sha: string) => `registry.fly.io/kotadb-api-staging:git-${sha}`;

interface World {
  fly: FakeFly;
  app: AppServer;
}

/** staging: v1 (no label), v2 built from c41, v3 (running) from c42; a new image answers unhealthy. */
async function world(): Promise<World> {
  const fly = createFakeFly();
  fly.update((state) => {
    const app = state.apps.find((a) => a.name === 'kotadb-api-staging')!;
    app.releases[1]!.image = label(c41);
    app.releases[0]!.image = label(c42);
    app.image = label(c42);
    for (const m of app.machines) m.image = label(c42);
  });
  const app = await startAppServer({
    fakeFly: fly,
    app: 'kotadb-api-staging',
    modeForImage: (image) => (image === BAD_IMAGE ? 'unhealthy' : 'healthy'),
  });
  cleanups.push(
    () => fly.cleanup(),
    () => app.close(),
  );
  return { fly, app };
}

/** A database whose tracking table records `versions`. */
async function databaseWith(versions: string[]): Promise<string> {
  const db = await createTestDatabase('rollback_schema');
  cleanups.push(() => db.drop());
  await db.query('create schema supabase_migrations');
  await db.query('create table supabase_migrations.schema_migrations (version text primary key, name text)');
  for (const v of versions) await db.query('insert into supabase_migrations.schema_migrations values ($1, $2)', [v, v]);
  return db.url;
}

const exec = (w: World) => freeLock(recordingExec()).fallback(fakeFlyExec(w.fly));
const io = (w: World) => ({ exec: exec(w), clock: manualClock().clock, cwd: repo.dir });
const rollback = (w: World, args: string[], env: Record<string, string> = {}) =>
  runInProcess(rollbackScript, ['staging', ...args, '--url', w.app.url], env, io(w));
const deploys = (w: World) => w.fly.calls().filter((c) => c.argv[0] === 'deploy');
const errorLine = (r: { stderr: string }) => r.stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';

describe.concurrent('rollback: schema compatibility with the target release', () => {
  test('only expand migrations since the target: rolls back and says the schema is compatible', async () => {
    const w = await world();
    const url = await databaseWith([BASE, STARS]);
    const r = await rollback(w, ['--json'], { SUPABASE_DB_URL_STAGING: url });
    expect(r.code, r.all).toBe(0);
    const message = `schema is compatible with v2 (${c41.slice(0, 7)}): the 1 migration(s) applied after it only expand (${STARS})`;
    expect(r.stderr).toContain(message);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, schema: message });
    expect(deploys(w).map((c) => c.argv[c.argv.indexOf('--image') + 1])).toEqual([label(c41)]);
    expect(r.stdout).not.toContain(url);
  });

  test('a contract migration since the target: exit 3 with why, nothing deployed; --force-schema rolls back', async () => {
    const w = await world();
    const url = await databaseWith([BASE, STARS, DROP]);
    const refused = await rollback(w, [], { SUPABASE_DB_URL_STAGING: url });
    expect(refused.code, refused.all).toBe(3);
    expect(errorLine(refused)).toBe(
      `error: refusing to roll back: schema is not compatible with v2 (${c41.slice(0, 7)}): applied after it: supabase/migrations/${DROP}_drop_legacy.sql (drops a column)`,
    );
    expect(refused.stderr).toContain('--force-schema');
    expect(deploys(w)).toEqual([]);

    const forced = await rollback(w, ['--force-schema'], { SUPABASE_DB_URL_STAGING: url });
    expect(forced.code, forced.all).toBe(0);
    expect(forced.stderr).toContain('warning: --force-schema: schema is not compatible with v2');
    expect(deploys(w)).toHaveLength(1);
  });

  test('no database URL: the schema is not checked (a warning, with why) and the rollback goes on', async () => {
    const w = await world();
    const r = await rollback(w, []);
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(
      'warning: schema not checked against v2: no database URL (set SUPABASE_DB_URL_STAGING or SUPABASE_DB_URL to check it)',
    );
    expect(deploys(w)).toHaveLength(1);
  });

  test('a database that cannot be reached: refused (exit 3), the rollback does not guess', async () => {
    const w = await world();
    const port = await closedPort();
    const r = await rollback(w, [], { SUPABASE_DB_URL_STAGING: `postgresql://postgres:pw@127.0.0.1:${port}/postgres` });
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toMatch(
      new RegExp(
        `^error: refusing to roll back: schema could not be checked against v2: cannot read the applied migrations on 127\\.0\\.0\\.1:${port}/postgres: `,
      ),
    );
    expect(r.all).not.toContain(':pw@');
    expect(deploys(w)).toEqual([]);
  });

  test('a target with no known commit (no label, no deploy tag): refused with the hint to tag', async () => {
    const w = await world();
    const url = await databaseWith([BASE, STARS]);
    const r = await rollback(w, ['--to', '1'], { SUPABASE_DB_URL_STAGING: url });
    expect(r.code, r.all).toBe(3);
    expect(errorLine(r)).toContain('cannot tell which migrations v1 was deployed with');
    expect(r.stderr).toContain('deploy with --tag');
  });

  test('production: the deploy tag names the commit of the target', async () => {
    const w = await world();
    const url = await databaseWith([BASE, STARS]);
    repo.git('tag', '-f', 'deploy/production/v2', c41);
    const r = await runInProcess(
      rollbackScript,
      ['production', '--yes', '--url', w.app.url],
      { SUPABASE_DB_URL_PRODUCTION: url },
      io(w),
    );
    expect(r.code, r.all).toBe(0);
    expect(r.stderr).toContain(`schema is compatible with v2 (${c41.slice(0, 7)})`);
  });
});

describe.concurrent("deploy's automatic rollback: schema compatibility", () => {
  const deploy = (w: World, extra: string[], env: Record<string, string>) =>
    runInProcess(
      deployScript,
      ['staging', '--image', BAD_IMAGE, '--skip-smoke', '--health-timeout', '5', ...extra, '--url', w.app.url],
      env,
      io(w),
    );

  test('a contract migration since the running release: not rolled back, the reason reported, exit 1', async () => {
    const w = await world();
    const url = await databaseWith([BASE, STARS, DROP]);
    const r = await deploy(w, ['--json'], { SUPABASE_DB_URL_STAGING: url });
    expect(r.code, r.all).toBe(1);
    const reason = `schema is not compatible with v3 (${c42.slice(0, 7)}): applied after it: supabase/migrations/${DROP}_drop_legacy.sql (drops a column)`;
    const json = JSON.parse(r.stdout);
    expect(json.outcome).toMatch(/^health check failed: /);
    expect(json.outcome).toContain(`; not rolled back to v3: ${reason}; v4 stays deployed`);
    expect(json.rollback).toMatchObject({ status: 'refused-schema', failure: reason });
    expect(r.stderr).toContain('--force-schema');
    // Only the failed deploy: no redeploy of an image that cannot work with this schema.
    expect(deploys(w).map((c) => c.argv[c.argv.indexOf('--image') + 1])).toEqual([BAD_IMAGE]);
  });

  test('--force-schema: rolls back anyway, with the warning', async () => {
    const w = await world();
    const url = await databaseWith([BASE, STARS, DROP]);
    const r = await deploy(w, ['--force-schema'], { SUPABASE_DB_URL_STAGING: url });
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toContain('warning: --force-schema: schema is not compatible with v3');
    expect(deploys(w).map((c) => c.argv[c.argv.indexOf('--image') + 1])).toEqual([BAD_IMAGE, label(c42)]);
    expect(errorLine(r)).toContain(`rolled back to v3 (healthy)`);
  });

  test('the running release has no known commit, or the database cannot be read: warned, and rolled back all the same', async () => {
    const w = await world();
    w.fly.update((state) => {
      const app = state.apps.find((a) => a.name === 'kotadb-api-staging')!;
      app.releases[0]!.image = 'registry.fly.io/kotadb-api-staging:deployment-old';
      app.image = 'registry.fly.io/kotadb-api-staging:deployment-old';
      for (const m of app.machines) m.image = 'registry.fly.io/kotadb-api-staging:deployment-old';
    });
    const unlabelled = await deploy(w, [], { SUPABASE_DB_URL_STAGING: await databaseWith([BASE, STARS, DROP]) });
    expect(unlabelled.code, unlabelled.all).toBe(1);
    expect(unlabelled.stderr).toMatch(
      /warning: cannot tell which migrations v3 was deployed with .*; rolling back anyway/,
    );
    expect(errorLine(unlabelled)).toContain('rolled back to v3 (healthy)');

    const w2 = await world();
    const port = await closedPort();
    const unreadable = await deploy(w2, [], {
      SUPABASE_DB_URL_STAGING: `postgresql://postgres:pw@127.0.0.1:${port}/postgres`,
    });
    expect(unreadable.code, unreadable.all).toBe(1);
    expect(unreadable.stderr).toMatch(/warning: schema could not be checked against v3: .*; rolling back anyway/);
    expect(unreadable.all).not.toContain(':pw@');
    expect(deploys(w2).map((c) => c.argv[c.argv.indexOf('--image') + 1])).toEqual([BAD_IMAGE, label(c42)]);
  });

  test('expand-only since the running release: rolls back, saying the schema is compatible', async () => {
    const w = await world();
    const url = await databaseWith([BASE, STARS]);
    const r = await deploy(w, [], { SUPABASE_DB_URL_STAGING: url });
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toContain(`schema is compatible with v3 (${c42.slice(0, 7)}): no migration was applied after it`);
    expect(deploys(w)).toHaveLength(2);
  });
});
