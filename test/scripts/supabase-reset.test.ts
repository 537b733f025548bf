/**
 * supabase-reset (and local-db around it) in-process: the script's main() in the test process,
 * the real PostgreSQL and the real Supabase CLI as the children it starts. The first block
 * starts its own embedded server from an empty data folder (the path `npm ci && npx just
 * supabase-reset` takes on a fresh machine); the second attacks the guards on the shared test
 * server; the last reads supabase-apply's URLs the same way (its main, in-process). The one
 * child-process run is in test/e2e/local-db.test.ts (signals through the entry).
 */
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import { processExecutor } from '../../lib/core/runner.ts';
import { listLocalMigrations } from '../../lib/db/migrations.ts';
import { withClient, type PgClient } from '../../lib/db/pg.ts';
import { parseDbUrl } from '../../lib/db/url.ts';
import { script as localDb } from '../../scripts/local-db.ts';
import { script as apply } from '../../scripts/supabase-apply.ts';
import { script as reset } from '../../scripts/supabase-reset.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestDatabase, testServer, type TestDatabase } from '../helpers/postgres.ts';
import { watchArgvFor } from '../helpers/processes.ts';
import { recordingExec } from '../helpers/recording-exec.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { baseEnv } from '../helpers/run-script.ts';

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

/** A copy of supabase/ to change (another migration, a broken --root). */
function projectCopy(prefix: string): string {
  const root = tempDir(prefix);
  cpSync(fromRoot('supabase'), path.join(root, 'supabase'), {
    recursive: true,
    filter: (src) => !src.includes('.temp'),
  });
  return root;
}

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

/** The environment of the server's postmaster, read through SQL as any superuser login could. */
async function serverEnvironment(client: PgClient): Promise<string[]> {
  const pid = await client.query<{ pid: string }>(
    "select split_part(pg_read_file('postmaster.pid'), E'\\n', 1) as pid",
  );
  const environ = await client.query<{ environ: Buffer }>(
    "select pg_read_binary_file('/proc/' || $1 || '/environ') as environ",
    [pid.rows[0]!.pid],
  );
  return environ.rows[0]!.environ.toString('utf8').split('\0').filter(Boolean);
}

describe('supabase-reset from an empty data folder, then local-db', () => {
  let env: Record<string, string>;
  let url: string;
  const canary = 'canary-secret-9f3a1c77e2';

  beforeAll(async () => {
    const base = path.join(tempDir('reset-engine-'), 'postgres');
    const port = await freePort();
    env = { KOTADB_LOCAL_DB_DIR: base, KOTADB_LOCAL_DB_PORT: String(port) };
    url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  });

  afterAll(async () => {
    await runInProcess(localDb, ['stop'], env);
  });

  it('local-db status: not created yet', async () => {
    const result = await runInProcess(localDb, ['status'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`not created  (no cluster in ${env.KOTADB_LOCAL_DB_DIR}/data`);
  });

  it('--dry-run prints what it would run (initdb, pg_ctl start, bootstrap, db reset) and creates nothing', async () => {
    const result = await runInProcess(reset, ['--dry-run'], { ...env, SUPABASE_CLI: '/bin/false' });
    expect(result.code, result.all).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\$ (setpriv --reuid=\d+ --regid=\d+ --init-groups -- )?\S+\/initdb --pgdata \S+\/data /);
    expect(lines[1]).toMatch(
      /^\$ (setpriv --reuid=\d+ --regid=\d+ --init-groups -- )?\S+\/pg_ctl --pgdata \S+\/data --options .*-p \d+ -c listen_addresses=127\.0\.0\.1.* start$/,
    );
    expect(lines[2]).toBe(`# apply supabase/bootstrap/plain-postgres.sql to ${url} (pg client, one transaction)`);
    expect(lines[3]).toBe(`$ PGSSLMODE=disable supabase db reset --db-url ${url} --yes --workdir ${fromRoot()}`);
    expect(lines).toHaveLength(4);
    expect((await runInProcess(localDb, ['status'], env)).stdout).toContain('not created');
    expect(existsSync(env.KOTADB_LOCAL_DB_DIR!)).toBe(false);
  });

  it('creates the cluster, starts it, applies bootstrap, every migration and the seed, prints DATABASE_URL, and leaves it running', async () => {
    // The caller's secrets must not reach the server, which keeps running after the script.
    const result = await runInProcess(reset, [], {
      ...env,
      KOTADB_TEST_CANARY: canary,
      FLY_API_TOKEN: `fly-${canary}`,
      SUPABASE_DB_URL_PRODUCTION: `postgresql://postgres:${canary}@db.prodref.supabase.co:5432/postgres`,
    });
    expect(result.code, result.all).toBe(0);
    expect(result.stdout.trim()).toBe(`DATABASE_URL=${url}`);
    for (const m of LOCAL) expect(result.stderr).toContain(`Applying migration ${m.file}...`);
    expect(result.stderr).toContain('Seeding data from supabase/seed.sql...');
    expect(result.stderr).toContain(`✓ local database reset: ${LOCAL.length} migrations, seed supabase/seed.sql`);

    const status = await runInProcess(localDb, ['status', '--json'], env);
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

  it("the server holds none of the caller's environment: read through SQL over the loopback login, as the attack did", async () => {
    const environ = await withClient(parseDbUrl(url, 'test'), serverEnvironment);
    const names = environ.map((entry) => entry.slice(0, entry.indexOf('=')));
    expect(names).toContain('PATH');
    expect(environ.join('\n')).not.toContain(canary);
    // What the toolkit passes (lib/db/local-postgres.ts serverEnvironment), plus what pg_ctl
    // (PGDATA, PGSYSCONFDIR, PGLOCALEDIR, PG_GRANDPARENT_PID) and its shell (PWD) add themselves.
    for (const name of names) {
      expect(name).toMatch(
        /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|PWD|SHLVL|_|PGDATA|PGSYSCONFDIR|PGLOCALEDIR|PG_GRANDPARENT_PID)$/,
      );
    }
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

  it('reset again, twice at once: both reuse the running server, the second waits for the first and says so; what was added is dropped, same migrations, seed once, no deadlock or duplicate key', async () => {
    await withClient(parseDbUrl(url, 'test'), (client) => client.query('create table public.scratch (id int)'));
    const [first, second] = await Promise.all([runInProcess(reset, [], env), runInProcess(reset, [], env)]);
    for (const result of [first, second]) {
      expect(result.code, result.all).toBe(0);
      expect(result.stderr).toContain('already running on 127.0.0.1');
    }
    const waited = [first, second].filter((r) => r.stderr.includes('another supabase-reset is running'));
    expect(waited).toHaveLength(1);
    expect(waited[0]!.stderr).toMatch(
      new RegExp(
        `another supabase-reset is running \\(pid ${process.pid}, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\) on ${url.replace(/[.]/g, '\\.')}: waiting`,
      ),
    );
    expect(`${first.all}${second.all}`).not.toMatch(/deadlock|duplicate key/);
    await withClient(parseDbUrl(url, 'test'), async (client) => {
      const rows = await client.query<{ scratch: string | null; versions: string; users: string; repos: string }>(
        "select to_regclass('public.scratch')::text as scratch, (select count(*) from supabase_migrations.schema_migrations) as versions, (select count(*) from auth.users) as users, (select count(*) from public.repositories) as repos",
      );
      expect(rows.rows[0]).toEqual({ scratch: null, versions: String(LOCAL.length), users: '1', repos: '1' });
    });
  });

  it('local-db stop stops it (data kept); start brings it back with the data', async () => {
    const stop = await runInProcess(localDb, ['stop'], env);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain('local PostgreSQL stopped');
    expect((await runInProcess(localDb, ['status'], env)).stdout).toContain('stopped  (data ');
    const start = await runInProcess(localDb, ['start'], env);
    expect(start.code).toBe(0);
    expect(start.stdout.trim()).toBe(`DATABASE_URL=${url}`);
    await withClient(parseDbUrl(url, 'test'), async (client) => {
      expect((await client.query('select 1 from public.repositories')).rowCount).toBe(1);
    });
  });
});

describe('supabase-reset refuses what is not a local scratch database', () => {
  let db: TestDatabase;
  let scratch: TestDatabase;
  const server = () => testServer();
  const withPassword = (name: string, query = '') =>
    `postgresql://postgres:${encodeURIComponent(server().password)}@127.0.0.1:${server().port}/${name}${query}`;
  const untouched = async () =>
    expect(await db.query("select to_regclass('public.precious') is not null as kept")).toEqual([{ kept: true }]);

  beforeAll(async () => {
    db = await createTestDatabase('reset_guard', { bootstrap: true });
    await db.query('create table public.precious (id int)');
    scratch = await createTestDatabase('reset_scratch', { bootstrap: true });
  });
  afterAll(async () => {
    await db.drop();
    await scratch.drop();
  });

  // SUPABASE_CLI=/bin/false: had the CLI been called, the run would fail with exit 1, not 3.
  it.each([
    ['a remote host', 'postgresql://postgres:remote-secret-1@db.abcdefgh.supabase.co:5432/postgres'],
    ['a private-network host', 'postgresql://postgres@10.1.2.3:5432/postgres'],
  ])('%s: exit 3, nothing touched', async (_name, target) => {
    const result = await runInProcess(reset, ['--db-url', target], { SUPABASE_CLI: '/bin/false' });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('supabase-reset only resets a local database');
    expect(result.stderr).toContain('nothing was touched');
    expect(result.all).not.toContain('remote-secret-1');
  });

  it.each(['SUPABASE_DB_URL_STAGING', 'SUPABASE_DB_URL_PRODUCTION', 'SUPABASE_DB_URL'])(
    'the database %s names (spelled differently): exit 3, nothing touched',
    async (name) => {
      const sameDb = `postgresql://postgres:${encodeURIComponent(server().password)}@localhost:${server().port}/${db.name}?sslmode=disable`;
      const result = await runInProcess(reset, ['--db-url', db.url], { SUPABASE_CLI: '/bin/false', [name]: sameDb });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`it is the database ${name} names; nothing was touched`);
      await untouched();
    },
  );

  it('the database a variable really names, through its own ?dbname=: exit 3, nothing touched', async () => {
    const result = await runInProcess(reset, ['--db-url', db.url], {
      SUPABASE_CLI: '/bin/false',
      SUPABASE_DB_URL_STAGING: withPassword('postgres', `?dbname=${db.name}`),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('it is the database SUPABASE_DB_URL_STAGING names; nothing was touched');
    await untouched();
  });

  it.each([
    ['?dbname=precious (the attack that wiped it)', () => `?dbname=${db.name}&sslmode=disable`, 'dbname'],
    ['?host=/some/socket (another server)', () => '?host=/some/socket', 'host'],
    ['?port= (another server)', () => '?port=1', 'port'],
    ['?service= (a pg_service.conf entry)', () => '?service=prod', 'service'],
  ])(
    'a --db-url whose query changes the target, %s: exit 2 naming it, nothing touched',
    async (_name, query, param) => {
      const result = await runInProcess(reset, ['--db-url', withPassword(scratch.name, query())], {
        SUPABASE_CLI: '/bin/false',
      });
      expect(result.code, result.all).toBe(2);
      expect(result.stderr).toContain(`error: --db-url has the query parameter "${param}", which changes`);
      expect(result.stderr).toContain(`drop ?${param}=`);
      await untouched();
      expect(
        await scratch.query("select to_regclass('supabase_migrations.schema_migrations') is null as clean"),
      ).toEqual([{ clean: true }]);
    },
  );

  it('[::1] and ?password= work: brackets stripped for the client, the password reaches the CLI only as PGPASSWORD (never argv, never output)', async () => {
    const { password, port } = server();
    const target = await createTestDatabase('reset_v6_pw', { bootstrap: true });
    // The test server listens on 127.0.0.1 only: a relay on ::1 makes it reachable there.
    const relay = net.createServer((socket) => socket.pipe(net.connect(port, '127.0.0.1')).pipe(socket));
    await new Promise<void>((resolve) => relay.listen(0, '::1', resolve));
    const relayPort = (relay.address() as net.AddressInfo).port;
    try {
      const given = `postgresql://postgres@[::1]:${relayPort}/${target.name}?password=${encodeURIComponent(password)}&sslmode=disable`;
      const exec = recordingExec(baseEnv({})).fallback(processExecutor());
      const watch = watchArgvFor(password);
      const result = await runInProcess(reset, ['--db-url', given, '--no-seed'], {}, { exec });
      const hits = watch.stop();
      expect(result.code, result.all).toBe(0);
      expect(result.stdout.trim()).toBe(
        `DATABASE_URL=postgresql://postgres:***@[::1]:${relayPort}/${target.name}?sslmode=disable`,
      );
      expect(watch.samples).toBeGreaterThan(0);
      expect(hits).toEqual([]);
      const cli = exec.calls.filter((call) => call.argv[0] === 'supabase');
      expect(cli.map((call) => call.argv)).toEqual([
        [
          'supabase',
          'db',
          'reset',
          '--db-url',
          `postgresql://postgres@[::1]:${relayPort}/${target.name}?sslmode=disable`,
          '--yes',
          '--no-seed',
          '--workdir',
          fromRoot(),
        ],
      ]);
      expect(cli[0]!.env).toMatchObject({
        PGPASSWORD: password,
        PGSSLMODE: 'disable',
        SUPABASE_TELEMETRY_DISABLED: '1',
      });
      expect(await target.query('select count(*)::int as n from supabase_migrations.schema_migrations')).toEqual([
        { n: LOCAL.length },
      ]);
    } finally {
      relay.close();
      await target.drop();
    }
  });

  it("the embedded server's URL when a SUPABASE_DB_URL_* names it: exit 3 before starting anything", async () => {
    const base = path.join(tempDir('reset-guarded-'), 'postgres');
    const result = await runInProcess(reset, [], {
      SUPABASE_CLI: '/bin/false',
      KOTADB_LOCAL_DB_DIR: base,
      KOTADB_LOCAL_DB_PORT: '54399',
      SUPABASE_DB_URL_STAGING: 'postgresql://postgres:staging-secret-54399@127.0.0.1:54399/postgres',
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('it is the database SUPABASE_DB_URL_STAGING names');
    expect((await runInProcess(localDb, ['status'], { KOTADB_LOCAL_DB_DIR: base })).stdout).toContain('not created');
  });

  it('a migration needing an extension the engine lacks: exit 1 naming the extension and the file, nothing reset', async () => {
    const root = projectCopy('reset-ext-');
    writeFileSync(
      path.join(root, 'supabase', 'migrations', '20990101000000_embeddings.sql'),
      'create extension if not exists vector with schema extensions;\n',
    );
    const result = await runInProcess(reset, ['--db-url', db.url, '--root', root], { SUPABASE_CLI: '/bin/false' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'extension "vector" is not available on this PostgreSQL: supabase/migrations/20990101000000_embeddings.sql creates it',
    );
    expect(result.stderr).toContain('nothing was reset');
    await untouched();
  });

  it.each([
    [
      'supabase/migrations is a file',
      (root: string) => replaceWithFile(path.join(root, 'supabase', 'migrations')),
      'supabase/migrations is not a folder',
    ],
    [
      'config.toml is a folder',
      (root: string) => replaceWithFolder(path.join(root, 'supabase', 'config.toml')),
      'config.toml is not a file',
    ],
    [
      'a folder named 1_x.sql among the migrations',
      (root: string) => replaceWithFolder(path.join(root, 'supabase', 'migrations', '1_x.sql')),
      '1_x.sql is not a file: a migration must be a .sql file',
    ],
  ])('--root where %s: exit 2 with one line', async (_name, breakIt, message) => {
    const root = projectCopy('reset-root-');
    breakIt(root);
    const result = await runInProcess(reset, ['--db-url', db.url, '--root', root], { SUPABASE_CLI: '/bin/false' });
    expect(result.code, result.all).toBe(2);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
    expect(result.all).not.toContain('unexpected error');
    await untouched();
  });

  it('--engine docker when `docker info` fails: exit 3 with a hint, the CLI never called', async () => {
    const bin = tempDir('no-docker-');
    writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const result = await runInProcess(reset, ['--engine', 'docker'], {
      SUPABASE_CLI: '/bin/false',
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--engine docker needs a Docker engine, and `docker info` failed');
    expect(result.stderr).toContain('the default embedded engine needs no Docker');
  });

  it('answers --help with its flags only (no --yes: there is nothing to confirm)', async () => {
    const help = await runInProcess(reset, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).not.toContain('--yes');
    const yes = await runInProcess(reset, ['--yes']);
    expect(yes.code).toBe(2);
    expect(yes.stderr.trim()).toBe('error: unknown option --yes. Run with --help for usage.');
  });
});

describe('supabase-apply reads the URL the same way (its target, its production label)', () => {
  let prodlike: TestDatabase;
  let scratch3: TestDatabase;
  const notMigrated = async () =>
    expect(
      await prodlike.query("select to_regclass('supabase_migrations.schema_migrations') is null as untouched"),
    ).toEqual([{ untouched: true }]);

  beforeAll(async () => {
    prodlike = await createTestDatabase('prodlike', { bootstrap: true });
    scratch3 = await createTestDatabase('scratch3', { bootstrap: true });
  });
  afterAll(async () => {
    await prodlike.drop();
    await scratch3.drop();
  });

  it("'…/scratch3?dbname=prodlike' with SUPABASE_DB_URL_PRODUCTION naming prodlike: exit 2, prodlike not migrated", async () => {
    const result = await runInProcess(apply, [`${scratch3.url}?dbname=${prodlike.name}`], {
      SUPABASE_DB_URL_PRODUCTION: prodlike.url,
      SUPABASE_CLI: '/bin/false',
    });
    expect(result.code, result.all).toBe(2);
    expect(result.stderr).toContain('the database URL argument has the query parameter "dbname", which changes');
    await notMigrated();
  });

  it('a SUPABASE_DB_URL_PRODUCTION whose ?dbname= names the target makes the target production: no TTY, no --yes → exit 3', async () => {
    const result = await runInProcess(apply, [prodlike.url], {
      SUPABASE_DB_URL_PRODUCTION: `${scratch3.url}?dbname=${prodlike.name}`,
      SUPABASE_CLI: '/bin/false',
    });
    expect(result.code, result.all).toBe(3);
    expect(result.stderr).toContain('— production');
    await notMigrated();
  });
});

function replaceWithFile(target: string): void {
  rmSync(target, { recursive: true, force: true });
  writeFileSync(target, 'not a folder\n');
}

function replaceWithFolder(target: string): void {
  rmSync(target, { recursive: true, force: true });
  cpSync(fromRoot('supabase', 'bootstrap'), target, { recursive: true });
}
