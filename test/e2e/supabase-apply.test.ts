/**
 * supabase-apply end to end: the real script as a child process, the real Supabase CLI, the
 * test run's real PostgreSQL (test/setup/postgres.ts). Each test works on its own database.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as supabase from '../../lib/commands/supabase.ts';
import { connectionEnv, parseDbUrl, cliUrl } from '../../lib/db/url.ts';
import { MIGRATION_LOCK_KEY } from '../../lib/db/migration-lock.ts';
import { listLocalMigrations } from '../../lib/db/migrations.ts';
import { Output } from '../../lib/core/output.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import { connect, quoteIdent, withClient } from '../../lib/db/pg.ts';
import { Runner } from '../../lib/core/runner.ts';
import { parseMigrationList } from '../../lib/db/cli-output.ts';
import { createTestDatabase, testServer, testServerUrl, type TestDatabase } from '../helpers/postgres.ts';
import { recordedCalls, watchArgvFor } from '../helpers/processes.ts';
import { runScript, type ScriptResult } from '../helpers/run-script.ts';

const LOCAL = listLocalMigrations().migrations;
const RECORDER = fromRoot('test', 'fixtures', 'supabase-recorder.mjs');
const dirs: string[] = [];
const databases: TestDatabase[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function database(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix, { bootstrap: true });
  databases.push(db);
  return db;
}

async function versions(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ present: boolean }>(
    "select to_regclass('supabase_migrations.schema_migrations') is not null as present",
  );
  if (!rows[0]?.present) return [];
  return (
    await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version')
  ).map((r) => r.version);
}

/** A copy of supabase/ with extra migration files. */
function projectWith(files: Record<string, string>): string {
  const root = tempDir('apply-root-');
  cpSync(fromRoot('supabase', 'config.toml'), path.join(root, 'supabase', 'config.toml'));
  cpSync(fromRoot('supabase', 'migrations'), path.join(root, 'supabase', 'migrations'), { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(root, 'supabase', 'migrations', name), sql);
  return root;
}

/** Runs the script, calling onOutput with everything printed so far, as it arrives. */
function startScript(
  args: string[],
  env: Record<string, string>,
  onOutput: (all: string, child: ChildProcess) => void,
): Promise<ScriptResult> {
  let seen = '';
  return runScript('supabase-apply', args, {
    env,
    onSpawn: (child) => {
      const listen = (chunk: Buffer | string) => {
        seen += String(chunk);
        onOutput(seen, child);
      };
      child.stdout?.on('data', listen);
      child.stderr?.on('data', listen);
    },
  });
}

/** Holds the migration lock on its own connection, as another run would. */
async function holdLock(db: TestDatabase) {
  const client = await connect(db.db, { applicationName: 'test-lock-holder' });
  await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  return { release: () => client.end() };
}

function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (condition()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}

afterAll(async () => {
  for (const db of databases) await db.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('supabase-apply on one database: dry run, apply, no-op, drift', () => {
  let db: TestDatabase;
  let role: string;
  let password: string;
  let url: string;
  let record: string;

  beforeAll(async () => {
    db = await database('apply');
    // A role of its own, with a password no other test uses and that needs percent-encoding,
    // so a scan of every process's argv can only find it if this run leaked it.
    role = `apply_${process.pid}_${randomBytes(3).toString('hex')}`;
    password = `pw-${randomBytes(8).toString('hex')}-p@ss:w/rd?`;
    await withClient(parseDbUrl(testServerUrl(), 'test'), (client) =>
      client.query(`create role ${quoteIdent(role)} login superuser password '${password.replace(/'/g, "''")}'`),
    );
    const server = testServer();
    url = `postgresql://${role}:${encodeURIComponent(password)}@127.0.0.1:${server.port}/${db.name}`;
    record = path.join(tempDir('apply-record-'), 'calls.jsonl');
  });

  afterAll(async () => {
    await db.drop();
    databases.splice(databases.indexOf(db), 1);
    await withClient(parseDbUrl(testServerUrl(), 'test'), (client) =>
      client.query(`drop role if exists ${quoteIdent(role)}`),
    );
  });

  it('--dry-run lists the pending files and the push command, and changes nothing', async () => {
    const result = await runScript('supabase-apply', ['--dry-run'], {
      env: { SUPABASE_DB_URL: url, SUPABASE_CLI: RECORDER, KOTADB_TEST_CLI_RECORD: record },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Pending migrations for postgresql://${role}:***@127.0.0.1:${testServer().port}/${db.name} (${LOCAL.length}):`,
    );
    for (const m of LOCAL) expect(result.stdout).toContain(`  supabase/migrations/${m.file}`);
    expect(result.stdout).toContain(
      `$ PGPASSWORD=*** PGSSLMODE=disable supabase db push --db-url postgresql://${role}@127.0.0.1:${testServer().port}/${db.name} --yes`,
    );
    expect(result.stderr).toContain('dry run: nothing was applied');
    expect(await versions(db)).toEqual([]);
    expect(recordedCalls(record)).toEqual([]);
    expect(result.all).not.toContain(password);
  });

  it('applies every pending migration under the lock, prints each with its duration, and never exposes the password', async () => {
    const watch = watchArgvFor(password);
    const result = await runScript('supabase-apply', [], {
      env: { SUPABASE_DB_URL: url, SUPABASE_CLI: RECORDER, KOTADB_TEST_CLI_RECORD: record },
    });
    const leaks = watch.stop();
    expect(result.code, result.all).toBe(0);
    expect(await versions(db)).toEqual(LOCAL.map((m) => m.version));
    for (const m of LOCAL) expect(result.stdout).toMatch(new RegExp(`applied {2}${m.file} +\\d+(ms|\\.\\ds)`));
    expect(result.stderr).toContain('✓ take the migration lock');
    expect(result.stderr).toContain('✓ check nothing is left pending');

    // Never printed, in either spelling; never on the argv of any process (the CLI and whatever it starts).
    expect(result.all).not.toContain(password);
    expect(result.all).not.toContain(encodeURIComponent(password));
    expect(watch.samples).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
    // The CLI got the URL without the password, and the password as PGPASSWORD (the login worked).
    const calls = recordedCalls(record);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.argv).toEqual([
      'db',
      'push',
      '--db-url',
      `postgresql://${role}@127.0.0.1:${testServer().port}/${db.name}`,
      '--yes',
      '--workdir',
      fromRoot(),
    ]);
    expect(calls[0]!.envNames).toContain('PGPASSWORD');
    expect(calls[0]!.envNames).toContain('PGSSLMODE');
  });

  it("agrees with the CLI's own `migration list` (the toolkit reads the same table directly)", async () => {
    const target = parseDbUrl(url, 'test');
    const listed = await new Runner({ output: new Output() }).run(supabase.migrationList(fromRoot(), cliUrl(target)), {
      env: connectionEnv(target),
      cwd: fromRoot(),
    });
    const rows = parseMigrationList(listed.stdout);
    expect(rows.map((r) => r.remote)).toEqual(await versions(db));
    expect(rows.map((r) => r.local)).toEqual(LOCAL.map((m) => m.version));
  });

  it('a second apply is a no-op: nothing pending, the CLI is not even called', async () => {
    const before = recordedCalls(record).length;
    const result = await runScript('supabase-apply', [], {
      env: { SUPABASE_DB_URL: url, SUPABASE_CLI: RECORDER, KOTADB_TEST_CLI_RECORD: record },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`nothing to apply: all ${LOCAL.length} migrations are applied`);
    expect(result.stdout).toContain('is up to date');
    expect(recordedCalls(record)).toHaveLength(before);
    expect(result.all).not.toContain(password);
  });

  it('drift (a version recorded on the database, missing locally): exit 3 with the repair hint, nothing applied', async () => {
    await db.query(
      "insert into supabase_migrations.schema_migrations (version, name) values ('20991231000000', 'ghost')",
    );
    try {
      const root = projectWith({ '20991230000000_later.sql': 'create table public.later (id int);' });
      const result = await runScript('supabase-apply', ['--root', root], { env: { SUPABASE_DB_URL: url } });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        'drift: the database records 1 migration(s) that supabase/migrations does not have (20991231000000); nothing was applied',
      );
      expect(result.stderr).toContain(
        `supabase migration repair --status reverted 20991231000000 --db-url postgresql://${role}@127.0.0.1:${testServer().port}/${db.name}`,
      );
      expect(result.all).not.toContain(password);
      expect(await db.query("select to_regclass('public.later') as t")).toEqual([{ t: null }]);
    } finally {
      await db.query("delete from supabase_migrations.schema_migrations where version = '20991231000000'");
    }
  });

  it('a pending file older than the newest applied one needs --include-all (exit 3)', async () => {
    const root = projectWith({ '20200101000000_early.sql': 'create table public.early (id int);' });
    const result = await runScript('supabase-apply', ['--root', root], { env: { SUPABASE_DB_URL: url } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('older than the newest applied migration (20200101000000_early.sql)');
    expect(result.stderr).toContain('--include-all');
  });
});

describe('supabase-apply failures and guards', () => {
  it('a failing migration: exit 1 naming the file and the database error; earlier files stay recorded', async () => {
    const db = await database('apply_fail');
    const root = projectWith({
      '20990101000000_ok.sql': 'create table public.fine (id int);\n',
      '20990102000000_broken.sql': 'create table public.half (id int);\nselect 1/0;\n',
      '20990103000000_after.sql': 'create table public.never (id int);\n',
    });
    const result = await runScript('supabase-apply', [db.url, '--root', root], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: migration supabase/migrations/20990102000000_broken.sql failed: ERROR: division by zero (SQLSTATE 22012)',
    );
    expect(result.stderr).toContain('failing statement: select 1/0');
    expect(await versions(db)).toEqual([...LOCAL.map((m) => m.version), '20990101000000']);
    expect(
      await db.query(
        "select to_regclass('public.fine') is not null as fine, to_regclass('public.half') is null as rolled_back, to_regclass('public.never') is null as not_run",
      ),
    ).toEqual([{ fine: true, rolled_back: true, not_run: true }]);
  });

  it('production: refused without confirmation when nobody can answer (exit 3, nothing applied); --yes applies', async () => {
    const db = await database('apply_prod');
    const env = { SUPABASE_DB_URL_PRODUCTION: db.url };
    const refused = await runScript('supabase-apply', ['--env', 'production'], { env });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `refusing to apply ${LOCAL.length} migration(s) to production without confirmation`,
    );
    expect(await versions(db)).toEqual([]);

    const confirmed = await runScript('supabase-apply', ['--env', 'production', '--yes'], { env });
    expect(confirmed.code, confirmed.all).toBe(0);
    expect(confirmed.stderr).toContain('--yes: confirmed');
    expect(await versions(db)).toEqual(LOCAL.map((m) => m.version));
  });

  it('refuses the transaction pooler (port 6543) before connecting, with a hint; never prints the password', async () => {
    const result = await runScript(
      'supabase-apply',
      ['postgresql://postgres.abcd:pooler-secret-123@aws-0-us-east-1.pooler.supabase.com:6543/postgres'],
      {},
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "refusing postgresql://postgres.abcd:***@aws-0-us-east-1.pooler.supabase.com:6543/postgres: port 6543 is Supabase's transaction pooler",
    );
    expect(result.stderr).toContain('session pooler (port 5432)');
    expect(result.all).not.toContain('pooler-secret-123');
  });

  it('no URL anywhere: exit 2 naming where it looked', async () => {
    const result = await runScript('supabase-apply', ['--env', 'staging'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'no database URL: pass <postgres_url> or set SUPABASE_DB_URL or SUPABASE_DB_URL_STAGING',
    );
  });

  it('--if-configured with no URL anywhere: a notice (a GitHub annotation in Actions) and exit 0, nothing touched', async () => {
    const result = await runScript('supabase-apply', ['--env', 'production', '--yes', '--if-configured'], {
      env: { GITHUB_ACTIONS: 'true' },
    });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain('note: migrations skipped: SUPABASE_DB_URL_PRODUCTION is not configured');
    expect(result.stderr).toContain('::notice::migrations skipped: SUPABASE_DB_URL_PRODUCTION is not configured');
    expect(result.stderr).not.toContain('connect');
  });

  it('--if-configured with a URL configured applies as usual (the flag only covers "nothing configured")', async () => {
    const result = await runScript('supabase-apply', ['--env', 'staging', '--if-configured'], {
      env: { SUPABASE_DB_URL_STAGING: 'postgresql://postgres:pw@127.0.0.1:1/postgres' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot connect to postgresql://postgres:***@127.0.0.1:1/postgres');
  });

  it('a wrong password: exit 1, says so, never prints it', async () => {
    const server = testServer();
    const result = await runScript('supabase-apply', [], {
      env: { SUPABASE_DB_URL: `postgresql://postgres:wrong-pass-987@127.0.0.1:${server.port}/postgres` },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot connect to postgresql://postgres:***@127.0.0.1:${server.port}/postgres: password authentication failed`,
    );
    expect(result.all).not.toContain('wrong-pass-987');
  });
});

describe('supabase-apply: the migration lock', () => {
  it('two applies at once are serialised: both wait while the lock is held, then one applies and the other finds nothing to do', async () => {
    const db = await database('apply_lock');
    const lock = await holdLock(db);
    const waiting = new Set<number>();
    let released = false;
    const run = (id: number) =>
      startScript([], { SUPABASE_DB_URL: db.url }, (all) => {
        if (all.includes('waiting for the migration lock: test-lock-holder')) waiting.add(id);
      });
    const both = Promise.all([run(1), run(2)]);
    try {
      await waitFor(() => waiting.size === 2, 'both runs to wait for the lock');
    } finally {
      await lock.release();
      released = true;
    }
    const [a, b] = await both;
    expect(released).toBe(true);
    expect([a.code, b.code]).toEqual([0, 0]);
    const applied = [a, b].filter((r) => r.stdout.includes('applied  '));
    const noop = [a, b].filter((r) => r.stderr.includes('nothing to apply'));
    expect(applied).toHaveLength(1);
    expect(noop).toHaveLength(1);
    expect(noop[0]!.stderr).toMatch(
      /waiting for the migration lock: kotadb-ops supabase-apply|waiting for the migration lock: test-lock-holder/,
    );
    expect(await versions(db)).toEqual(LOCAL.map((m) => m.version));
  });

  it('gives up after --lock-timeout (exit 1) naming the holder; Ctrl-C while waiting exits 130 having changed nothing', async () => {
    const db = await database('apply_busy');
    const lock = await holdLock(db);
    try {
      const timedOut = await runScript('supabase-apply', [db.url, '--lock-timeout', '1'], {});
      expect(timedOut.code).toBe(1);
      expect(timedOut.stderr).toContain('waiting for the migration lock: test-lock-holder');
      expect(timedOut.stderr).toContain('gave up waiting for the migration lock after 1s: test-lock-holder');

      let signalled = false;
      const interrupted = await startScript([db.url], {}, (all, child) => {
        if (!signalled && all.includes('waiting for the migration lock')) {
          signalled = true;
          child.kill('SIGINT');
        }
      });
      expect(interrupted.code).toBe(130);
      expect(interrupted.stderr).toContain('interrupted while waiting for the migration lock: nothing was changed');
      expect(await versions(db)).toEqual([]);
    } finally {
      await lock.release();
    }
  });
});
