/**
 * supabase-reset and local-db end to end: the real scripts as child processes, the real
 * Supabase CLI, real PostgreSQL. The first block starts its own embedded server from an empty
 * data folder (the path `npm ci && npx just supabase-reset` takes on a fresh machine).
 */
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDbUrl } from '../../lib/db/url.ts';
import { listLocalMigrations } from '../../lib/db/migrations.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import { withClient, type PgClient } from '../../lib/db/pg.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestDatabase, testServer, type TestDatabase } from '../helpers/postgres.ts';
import { runScript } from '../helpers/run-script.ts';

const LOCAL = listLocalMigrations().migrations;
const SEED_USER = '5eed0000-0000-4000-8000-000000000001';
const SEED_KEY = 'kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef';
const dirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // the postgres user (when we are root) must be able to enter it
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs test/sql/rls_and_api_keys.sql (one rolled-back transaction); returns its `ok - …` notices. */
async function runSqlChecks(client: PgClient): Promise<string[]> {
  const notices: string[] = [];
  client.on('notice', (notice) => {
    if (notice.message?.startsWith('ok - ')) notices.push(notice.message);
  });
  await client.query(readFileSync(fromRoot('test', 'sql', 'rls_and_api_keys.sql'), 'utf8'));
  return notices;
}

/** Rows of public.repositories visible to `role` with the JWT subject `sub`. */
async function visibleRepositories(client: PgClient, role: string, sub: string | null): Promise<number> {
  await client.query('begin');
  try {
    await client.query(`set local role ${role}`);
    if (sub) await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub, role })]);
    const rows = await client.query<{ n: string }>('select count(*) as n from public.repositories');
    return Number(rows.rows[0]!.n);
  } finally {
    await client.query('rollback');
  }
}

describe('supabase-reset from an empty data folder, then local-db', () => {
  let env: Record<string, string>;
  let url: string;

  beforeAll(async () => {
    const base = path.join(tempDir('reset-engine-'), 'postgres');
    const port = await freePort();
    env = { KOTADB_LOCAL_DB_DIR: base, KOTADB_LOCAL_DB_PORT: String(port) };
    url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  });

  afterAll(async () => {
    await runScript('local-db', ['stop'], { env });
  });

  it('local-db status: not created yet', async () => {
    const result = await runScript('local-db', ['status'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`not created  (no cluster in ${env.KOTADB_LOCAL_DB_DIR}/data`);
  });

  it('--dry-run prints what it would run (initdb, pg_ctl start, bootstrap, db reset) and creates nothing', async () => {
    const result = await runScript('supabase-reset', ['--dry-run'], { env: { ...env, SUPABASE_CLI: '/bin/false' } });
    expect(result.code, result.all).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\$ (runuser -u \S+ -- )?\S+\/initdb --pgdata \S+\/data /);
    expect(lines[1]).toMatch(
      /^\$ (runuser -u \S+ -- )?\S+\/pg_ctl --pgdata \S+\/data --options .*-p \d+ -c listen_addresses=127\.0\.0\.1.* start$/,
    );
    expect(lines[2]).toBe(`# apply supabase/bootstrap/plain-postgres.sql to ${url} (pg client, one transaction)`);
    expect(lines[3]).toBe(`$ PGSSLMODE=disable supabase db reset --db-url ${url} --yes --workdir ${fromRoot()}`);
    expect((await runScript('local-db', ['status'], { env })).stdout).toContain('not created');
  });

  it('creates the cluster, starts it, applies bootstrap, every migration and the seed, prints DATABASE_URL, and leaves it running', async () => {
    const result = await runScript('supabase-reset', [], { env, timeoutMs: 120_000 });
    expect(result.code, result.all).toBe(0);
    expect(result.stdout.trim()).toBe(`DATABASE_URL=${url}`);
    for (const m of LOCAL) expect(result.stderr).toContain(`Applying migration ${m.file}...`);
    expect(result.stderr).toContain('Seeding data from supabase/seed.sql...');
    expect(result.stderr).toContain(`✓ local database reset: ${LOCAL.length} migrations, seed supabase/seed.sql`);

    const status = await runScript('local-db', ['status', '--json'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({
      engine: 'embedded',
      state: 'running',
      url,
      port: Number(env.KOTADB_LOCAL_DB_PORT),
    });

    await withClient(parseDbUrl(url, 'test'), async (client) => {
      const versions = await client.query<{ version: string }>(
        'select version from supabase_migrations.schema_migrations order by version',
      );
      expect(versions.rows.map((r) => r.version)).toEqual(LOCAL.map((m) => m.version));
      const seed = await client.query<{ users: string; key_user: string | null; repos: string; jobs: string }>(
        'select (select count(*) from auth.users) as users, (select user_id::text from public.verify_api_key($1)) as key_user, (select count(*) from public.repositories) as repos, (select count(*) from public.indexing_jobs) as jobs',
        [SEED_KEY],
      );
      expect(seed.rows[0]).toEqual({ users: '1', key_user: SEED_USER, repos: '1', jobs: '3' });
    });
  });

  it('RLS is really enforced: the SQL checks pass, and as `authenticated` a user sees only their own rows', async () => {
    await withClient(parseDbUrl(url, 'test'), async (client) => {
      const checks = await runSqlChecks(client);
      expect(checks.length).toBeGreaterThanOrEqual(71);
      expect(await visibleRepositories(client, 'authenticated', SEED_USER)).toBe(1);
      expect(await visibleRepositories(client, 'authenticated', '0e0e0e0e-0000-4000-8000-0000000000ff')).toBe(0);
      expect(await visibleRepositories(client, 'anon', null)).toBe(0);
      expect(await visibleRepositories(client, 'service_role', null)).toBe(1);
    });
  });

  it('reset again: reuses the running server, drops what was added, same migrations, seed once', async () => {
    await withClient(parseDbUrl(url, 'test'), (client) => client.query('create table public.scratch (id int)'));
    const result = await runScript('supabase-reset', [], { env, timeoutMs: 120_000 });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain('already running on 127.0.0.1');
    await withClient(parseDbUrl(url, 'test'), async (client) => {
      const rows = await client.query<{ scratch: string | null; versions: string; users: string; repos: string }>(
        "select to_regclass('public.scratch')::text as scratch, (select count(*) from supabase_migrations.schema_migrations) as versions, (select count(*) from auth.users) as users, (select count(*) from public.repositories) as repos",
      );
      expect(rows.rows[0]).toEqual({ scratch: null, versions: String(LOCAL.length), users: '1', repos: '1' });
    });
  });

  it('local-db stop stops it (data kept); start brings it back with the data', async () => {
    const stop = await runScript('local-db', ['stop'], { env });
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain('local PostgreSQL stopped');
    expect((await runScript('local-db', ['status'], { env })).stdout).toContain('stopped  (data ');
    const start = await runScript('local-db', ['start'], { env });
    expect(start.code).toBe(0);
    expect(start.stdout.trim()).toBe(`DATABASE_URL=${url}`);
    await withClient(parseDbUrl(url, 'test'), async (client) => {
      expect((await client.query('select 1 from public.repositories')).rowCount).toBe(1);
    });
  });
});

describe('supabase-reset refuses what is not a local scratch database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('reset_guard', { bootstrap: true });
    await db.query('create table public.precious (id int)');
  });
  afterAll(async () => db.drop());

  // SUPABASE_CLI=/bin/false: had the CLI been called, the run would fail with exit 1, not 3.
  it.each([
    [
      'a remote host',
      ['--db-url', 'postgresql://postgres:remote-secret-1@db.abcdefgh.supabase.co:5432/postgres'],
      {},
      'supabase-reset only resets a local database',
    ],
    [
      'a private-network host',
      ['--db-url', 'postgresql://postgres@10.1.2.3:5432/postgres'],
      {},
      'supabase-reset only resets a local database',
    ],
  ])('%s: exit 3, nothing touched', async (_name, args, env, message) => {
    const result = await runScript('supabase-reset', args, { env: { SUPABASE_CLI: '/bin/false', ...env } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('nothing was touched');
    expect(result.all).not.toContain('remote-secret-1');
  });

  it.each(['SUPABASE_DB_URL_STAGING', 'SUPABASE_DB_URL_PRODUCTION', 'SUPABASE_DB_URL'])(
    'the database %s names (spelled differently): exit 3, nothing touched',
    async (name) => {
      const server = testServer();
      const sameDb = `postgresql://postgres:${encodeURIComponent(server.password)}@localhost:${server.port}/${db.name}?sslmode=disable`;
      const result = await runScript('supabase-reset', ['--db-url', db.url], {
        env: { SUPABASE_CLI: '/bin/false', [name]: sameDb },
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`it is the database ${name} names; nothing was touched`);
      expect(result.all).not.toContain(server.password);
      expect(await db.query("select to_regclass('public.precious') is not null as kept")).toEqual([{ kept: true }]);
    },
  );

  it("the embedded server's URL when a SUPABASE_DB_URL_* names it: exit 3 before starting anything", async () => {
    const base = path.join(tempDir('reset-guarded-'), 'postgres');
    const result = await runScript('supabase-reset', [], {
      env: {
        SUPABASE_CLI: '/bin/false',
        KOTADB_LOCAL_DB_DIR: base,
        KOTADB_LOCAL_DB_PORT: '54399',
        SUPABASE_DB_URL_STAGING: 'postgresql://postgres:x@127.0.0.1:54399/postgres',
      },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('it is the database SUPABASE_DB_URL_STAGING names');
    expect((await runScript('local-db', ['status'], { env: { KOTADB_LOCAL_DB_DIR: base } })).stdout).toContain(
      'not created',
    );
  });

  it('a migration needing an extension the engine lacks: exit 1 naming the extension and the file, nothing reset', async () => {
    const root = tempDir('reset-ext-');
    cpSync(fromRoot('supabase'), path.join(root, 'supabase'), {
      recursive: true,
      filter: (src) => !src.includes('.temp'),
    });
    writeFileSync(
      path.join(root, 'supabase', 'migrations', '20990101000000_embeddings.sql'),
      'create extension if not exists vector with schema extensions;\n',
    );
    const result = await runScript('supabase-reset', ['--db-url', db.url, '--root', root], {
      env: { SUPABASE_CLI: '/bin/false' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'extension "vector" is not available on this PostgreSQL: supabase/migrations/20990101000000_embeddings.sql creates it',
    );
    expect(result.stderr).toContain('nothing was reset');
    expect(await db.query("select to_regclass('public.precious') is not null as kept")).toEqual([{ kept: true }]);
  });

  it('--engine docker when `docker info` fails: exit 3 with a hint, the CLI never called', async () => {
    const bin = tempDir('no-docker-');
    writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const result = await runScript('supabase-reset', ['--engine', 'docker'], {
      env: { SUPABASE_CLI: '/bin/false', PATH: `${bin}:${process.env.PATH}` },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--engine docker needs a Docker engine, and `docker info` failed');
    expect(result.stderr).toContain('the default embedded engine needs no Docker');
  });
});
