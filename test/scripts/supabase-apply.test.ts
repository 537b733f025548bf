/**
 * supabase-apply in-process, on the test run's real PostgreSQL with the real Supabase CLI (the
 * runner starts it; everything else runs in this process). Each test works on its own database.
 * Signals through the entry (SIGINT, kill -9) are in test/e2e/supabase-apply.test.ts.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as supabase from '../../lib/commands/supabase.ts';
import { connectionEnv, parseDbUrl, cliUrl } from '../../lib/db/url.ts';
import { MIGRATION_LOCK_KEY } from '../../lib/db/migration-lock.ts';
import { listLocalMigrations } from '../../lib/db/migrations.ts';
import { Output } from '../../lib/core/output.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import { connect, quoteIdent, withClient, type PgClient } from '../../lib/db/pg.ts';
import { processExecutor, Runner } from '../../lib/core/runner.ts';
import { parseMigrationList } from '../../lib/db/cli-output.ts';
import type { ScriptIO } from '../../lib/core/script.ts';
import { script } from '../../scripts/supabase-apply.ts';
import { captureOutput } from '../helpers/capture-output.ts';
import { manualClock } from '../helpers/manual-clock.ts';
import {
  createTestDatabase,
  recordedVersions,
  testServer,
  testServerUrl,
  type TestDatabase,
} from '../helpers/postgres.ts';
import { watchArgvFor } from '../helpers/processes.ts';
import { recordingExec } from '../helpers/recording-exec.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { baseEnv } from '../helpers/run-script.ts';

const LOCAL = listLocalMigrations().migrations;
const dirs: string[] = [];
const databases: TestDatabase[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function database(prefix: string, options = { bootstrap: true }): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix, options);
  databases.push(db);
  return db;
}

/** A copy of supabase/ (config, lint settings, migrations, bootstrap) with extra or replaced migration files. */
function projectWith(files: Record<string, string>, options: { base?: boolean } = { base: true }): string {
  const root = tempDir('apply-root-');
  mkdirSync(path.join(root, 'supabase', 'migrations'), { recursive: true });
  cpSync(fromRoot('supabase', 'config.toml'), path.join(root, 'supabase', 'config.toml'));
  cpSync(fromRoot('supabase', 'lint.toml'), path.join(root, 'supabase', 'lint.toml'));
  cpSync(fromRoot('supabase', 'bootstrap'), path.join(root, 'supabase', 'bootstrap'), { recursive: true });
  if (options.base !== false)
    cpSync(fromRoot('supabase', 'migrations'), path.join(root, 'supabase', 'migrations'), { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(root, 'supabase', 'migrations', name), sql);
  return root;
}

const apply = (args: string[], env: Record<string, string | undefined> = {}, io: Partial<ScriptIO> = {}) =>
  runInProcess(script, args, env, io);

/** Starts a run and lets the test watch what it prints as it prints it. */
function startApply(
  args: string[],
  env: Record<string, string | undefined> = {},
  io: Partial<ScriptIO> = {},
  outputEnv: NodeJS.ProcessEnv = { NO_COLOR: '1' },
) {
  const captured = captureOutput({ env: outputEnv });
  const done = script
    .main(args, {
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      ...io,
      out: captured.out,
      env: baseEnv(env),
    })
    .then((code) => ({ code, stdout: captured.stdout(), stderr: captured.stderr(), all: captured.all() }));
  return { done, output: captured.all };
}

function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = async () => {
      if (await condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 20);
    };
    void check();
  });
}

/** Holds the migration lock on its own connection, as another run would. */
async function holdLock(db: TestDatabase) {
  const client = await connect(db.db, { applicationName: 'test-lock-holder' });
  await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  return { release: () => client.end() };
}

async function lockIsFree(db: TestDatabase): Promise<boolean> {
  return withClient(db.db, async (client) => {
    const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [
      MIGRATION_LOCK_KEY,
    ]);
    return got.rows[0]!.ok;
  });
}

/** Supabase CLI sessions doing something on the database. */
async function busyCliSessions(db: TestDatabase): Promise<unknown[]> {
  return db.query(
    "select pid, state from pg_stat_activity where datname = current_database() and application_name = '@effect/sql-pg' and state <> 'idle'",
  );
}

afterAll(async () => {
  for (const db of databases) await db.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('supabase-apply on one database: dry run, apply, no-op, drift, edited files', () => {
  let db: TestDatabase;
  let role: string;
  let password: string;
  let url: string;
  let target: string;

  beforeAll(async () => {
    db = await database('apply');
    // A role of its own, with a password no other test uses and that needs percent-encoding,
    // so a scan of every process's argv can only find it if this run leaked it.
    role = `apply_${process.pid}_${randomBytes(3).toString('hex')}`;
    password = `pw-${randomBytes(8).toString('hex')}-p@ss:w/rd?`;
    await withClient(parseDbUrl(testServerUrl(), 'test'), (client) =>
      client.query(`create role ${quoteIdent(role)} login superuser password '${password.replace(/'/g, "''")}'`),
    );
    url = `postgresql://${role}:${encodeURIComponent(password)}@127.0.0.1:${testServer().port}/${db.name}`;
    target = `${role}@127.0.0.1:${testServer().port}/${db.name}`;
  });

  afterAll(async () => {
    await db.drop();
    databases.splice(databases.indexOf(db), 1);
    await withClient(parseDbUrl(testServerUrl(), 'test'), (client) =>
      client.query(`drop role if exists ${quoteIdent(role)}`),
    );
  });

  it('--dry-run lists the pending files and the push command (with the session timeouts), and changes nothing', async () => {
    const exec = recordingExec();
    const result = await apply(['--dry-run'], { SUPABASE_DB_URL: url }, { exec });
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toContain(
      `Pending migrations for postgresql://${role}:***@127.0.0.1:${testServer().port}/${db.name} (${LOCAL.length}):`,
    );
    for (const m of LOCAL) expect(result.stdout).toContain(`  supabase/migrations/${m.file}`);
    expect(result.stdout).toContain(
      `$ PGPASSWORD=*** PGSSLMODE=disable SUPABASE_TELEMETRY_DISABLED=1 supabase db push --db-url $'postgresql://${target}?options=-c%20lock_timeout%3D4s%20-c%20statement_timeout%3D10min' --yes --workdir ${fromRoot()}`,
    );
    expect(result.stderr).toContain('dry run: nothing was applied');
    expect(await recordedVersions(db)).toEqual([]);
    expect(exec.calls).toEqual([]);
    expect(result.all).not.toContain(password);
  });

  it('applies every pending migration under the lock, prints each with its duration, without the CLI prompt, never exposing the password', async () => {
    const exec = recordingExec(baseEnv()).fallback(processExecutor());
    const watch = watchArgvFor(password);
    const result = await apply([], { SUPABASE_DB_URL: url }, { exec });
    const leaks = watch.stop();
    expect(result.code, result.all).toBe(0);
    expect(await recordedVersions(db)).toEqual(LOCAL.map((m) => m.version));
    for (const m of LOCAL) expect(result.stdout).toMatch(new RegExp(`applied {2}${m.file} +\\d+(ms|\\.\\ds)`));
    expect(result.stderr).toContain('✓ take the migration lock');
    expect(result.stderr).toContain('✓ check nothing is left pending');
    expect(result.stderr).toContain('migration session: lock_timeout 4s, statement_timeout 10min');
    // The CLI's real progress passes; its prompt (answered by --yes) does not.
    expect(result.stderr).toContain(`│ Applying migration ${LOCAL[0]!.file}...`);
    expect(result.all).not.toMatch(/Do you want to push|\[Y\/n\]|•/);

    // Never printed, in either spelling; never on the argv of any process (the CLI and whatever it starts).
    expect(result.all).not.toContain(password);
    expect(result.all).not.toContain(encodeURIComponent(password));
    expect(watch.samples).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
    // The CLI got the URL without the password, and the password as PGPASSWORD (the login worked).
    expect(exec.argv()).toEqual([
      [
        'supabase',
        'db',
        'push',
        '--db-url',
        `postgresql://${target}?options=-c%20lock_timeout%3D4s%20-c%20statement_timeout%3D10min`,
        '--yes',
        '--workdir',
        fromRoot(),
      ],
    ]);
    // Nothing else it does not need: SUPABASE_DB_URL (the password inside) stays out of its environment.
    expect(exec.calls[0]!.env).toEqual({
      PGPASSWORD: password,
      PGSSLMODE: 'disable',
      SUPABASE_TELEMETRY_DISABLED: '1',
    });
  });

  it("agrees with the CLI's own `migration list` (the toolkit reads the same table directly)", async () => {
    const target = parseDbUrl(url, 'test');
    const listed = await new Runner({ output: new Output() }).run(supabase.migrationList(fromRoot(), cliUrl(target)), {
      env: connectionEnv(target),
      cwd: fromRoot(),
    });
    const rows = parseMigrationList(listed.stdout);
    expect(rows.map((r) => r.remote)).toEqual(await recordedVersions(db));
    expect(rows.map((r) => r.local)).toEqual(LOCAL.map((m) => m.version));
  });

  it('a second apply is a no-op: nothing pending, the CLI is not even called', async () => {
    const exec = recordingExec();
    const result = await apply([], { SUPABASE_DB_URL: url }, { exec });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`nothing to apply: all ${LOCAL.length} migrations are applied`);
    expect(result.stdout).toContain('is up to date');
    expect(exec.calls).toEqual([]);
    expect(result.all).not.toContain(password);
  });

  it('an applied file edited since: exit 3 naming the file and the first statement that differs, in a run and a dry run', async () => {
    const edited = LOCAL[1]!;
    const original = readFileSync(edited.path, 'utf8');
    const root = projectWith({
      [edited.file]: `${original}\n-- a comment or re-indenting is not an edit\n`.replace(
        /\bto authenticated\b/,
        'to anon',
      ),
    });
    for (const args of [
      ['--root', root],
      ['--root', root, '--dry-run'],
    ]) {
      const result = await apply(args, { SUPABASE_DB_URL: url });
      expect(result.code, result.all).toBe(3);
      expect(result.stderr).toMatch(
        new RegExp(
          `error: supabase/migrations/${edited.file} was edited after it was applied: line 10 now reads "for select to anon", the database ran "for select to authenticated"; nothing was applied`,
        ),
      );
      expect(result.stderr).toContain('put the change in a new migration (`npx just supabase-generate <name>`)');
    }
    // Comments and whitespace alone are not an edit.
    const reformatted = projectWith({ [edited.file]: `-- reviewed\n${original.replace(/\n/g, '\n\n')}` });
    expect((await apply(['--root', reformatted, '--dry-run'], { SUPABASE_DB_URL: url })).code).toBe(0);
  });

  it('drift (a version recorded on the database, missing locally): exit 3 with the repair hint, nothing applied, printed terminal-safe', async () => {
    await db.query(
      "insert into supabase_migrations.schema_migrations (version, name) values ('20991231000000', 'ghost'), (E'2099\\x1b[2J', 'x')",
    );
    try {
      const root = projectWith({ '20991230000000_later.sql': 'create table public.later (id bigint);' });
      const result = await apply(['--root', root], { SUPABASE_DB_URL: url });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        'drift: the database records 2 migration(s) that supabase/migrations does not have (2099\\x1b[2J, 20991231000000); nothing was applied',
      );
      expect(result.stderr).toContain(`supabase migration repair --status reverted`);
      expect(result.stderr).toContain(`--db-url postgresql://${target}`);
      expect(result.all).not.toContain('\u001b');
      expect(result.all).not.toContain(password);
      expect(await db.query("select to_regclass('public.later') as t")).toEqual([{ t: null }]);
    } finally {
      await db.query("delete from supabase_migrations.schema_migrations where version like '2099%'");
    }
  });

  it('a pending file older than the newest applied one needs --include-all (exit 3)', async () => {
    const root = projectWith({ '20200101000000_early.sql': 'create table public.early (id bigint);' });
    const result = await apply(['--root', root], { SUPABASE_DB_URL: url });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('older than the newest applied migration (20200101000000_early.sql)');
    expect(result.stderr).toContain('--include-all');
  });
});

describe('supabase-apply: what the CLI runs, and failures said as they are', () => {
  it('a failing migration: exit 1 naming the file, the statement (not the comment above it) by line, the error; earlier files stay recorded', async () => {
    const db = await database('apply_fail');
    const root = projectWith({
      '20990101000000_ok.sql': 'create table public.fine (id bigint);\n',
      '20990102000000_broken.sql': 'create table public.half (id bigint);\n-- this next one is broken\nselect 1/0;\n',
      '20990103000000_after.sql': 'create table public.never (id bigint);\n',
    });
    const result = await apply([db.url, '--root', root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: migration supabase/migrations/20990102000000_broken.sql failed: ERROR: division by zero (SQLSTATE 22012)',
    );
    expect(result.stderr).toContain(
      `failing statement (line 3): select 1/0 — the ${LOCAL.length + 1} files before it in this run stay applied and recorded; this file ran in one transaction, which was rolled back: nothing of it is applied, and it is not recorded`,
    );
    expect(await recordedVersions(db)).toEqual([...LOCAL.map((m) => m.version), '20990101000000']);
    expect(
      await db.query(
        "select to_regclass('public.fine') is not null as fine, to_regclass('public.half') is null as rolled_back, to_regclass('public.never') is null as not_run",
      ),
    ).toEqual([{ fine: true, rolled_back: true, not_run: true }]);
  });

  it('a file with CREATE INDEX CONCURRENTLY that fails later (let through the lint by --allow-unsafe): says which statements stay applied (the CLI commits them apart)', async () => {
    const db = await database('apply_split');
    const root = projectWith(
      {
        '20990101000000_split.sql':
          'create table public.y1 (id bigint);\ncreate index concurrently y1_id on public.y1 (id);\ncreate table public.y2 (id bigint);\nselect 1/0;\n',
      },
      { base: false },
    );
    const result = await apply([db.url, '--root', root, '--allow-unsafe']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'warning: --allow-unsafe: applying supabase/migrations/20990101000000_split.sql:2: kotadb-concurrently-not-alone:',
    );
    expect(result.stderr).toContain(
      'failing statement (line 4): select 1/0 — its first 2 statements stay applied (the CLI commits what comes before the create index concurrently y1_id at line 2 and runs that statement on its own); the rest was rolled back and the file is not recorded',
    );
    expect(
      await db.query(
        "select to_regclass('public.y1_id') is not null as kept, to_regclass('public.y2') is null as gone",
      ),
    ).toEqual([{ kept: true, gone: true }]);
    expect(await recordedVersions(db)).toEqual([]);
  });

  it('explicit transaction control is refused before anything runs (exit 3, file:line), in a run and a dry run, whatever the flags', async () => {
    const db = await database('apply_txn');
    const root = projectWith(
      {
        '20990101000000_fine.sql': 'create table public.first (id bigint);\n',
        '20990102000000_txn.sql':
          'create table public.a (id bigint);\n-- done with a\ncommit;\ncreate table public.b (id bigint);\n',
        '20990103000000_sp.sql': 'savepoint before_b;\n',
        '20990104000000_do.sql': 'do $$ begin perform 1; end $$;\n',
      },
      { base: false },
    );
    for (const args of [
      [db.url, '--root', root],
      [db.url, '--root', root, '--dry-run'],
      [db.url, '--root', root, '--allow-unsafe', '--allow-contract'],
    ]) {
      const result = await apply(args);
      expect(result.code, result.all).toBe(3);
      expect(result.stderr).toContain('error: 2 problems in pending migrations; nothing was applied:');
      expect(result.stderr).toContain(
        '  supabase/migrations/20990102000000_txn.sql:3: COMMIT: explicit transaction control',
      );
      expect(result.stderr).toContain(
        '  supabase/migrations/20990103000000_sp.sql:1: SAVEPOINT: savepoints cannot work',
      );
      expect(result.stderr).not.toContain('20990104000000_do.sql:');
    }
    expect(await recordedVersions(db)).toEqual([]);
    expect(await db.query("select to_regclass('public.first') as t")).toEqual([{ t: null }]);
  });

  it('the CLI session runs under --lock-timeout-ddl and --statement-timeout, kept by its RESET ALL after a file sets its own', async () => {
    const db = await database('apply_timeouts');
    const record = (n: number) =>
      `insert into public.seen select ${n}, current_setting('lock_timeout'), current_setting('statement_timeout');\n`;
    const root = projectWith(
      {
        '20990101000000_one.sql': `-- squawk-ignore prefer-bigint-over-int -- a test table of two rows\ncreate table public.seen (file int, lock_timeout text, statement_timeout text);\n${record(1)}set lock_timeout = '1s';\nset statement_timeout = '2s';\n`,
        '20990102000000_two.sql': record(2),
      },
      { base: false },
    );
    const off = await apply([
      db.url,
      '--root',
      root,
      '--dry-run',
      '--lock-timeout-ddl',
      '0',
      '--statement-timeout',
      '0',
    ]);
    expect(off.stdout).toContain(`--db-url postgresql://postgres@127.0.0.1:${testServer().port}/${db.name} --yes`);
    const result = await apply([db.url, '--root', root, '--lock-timeout-ddl', '3s', '--statement-timeout', '7s']);
    expect(result.code, result.all).toBe(0);
    expect(await db.query('select * from public.seen order by file')).toEqual([
      { file: 1, lock_timeout: '3s', statement_timeout: '7s' },
      { file: 2, lock_timeout: '3s', statement_timeout: '7s' },
    ]);
  });

  it.each([
    [
      ['--lock-timeout-ddl', '4'],
      '--lock-timeout-ddl must be a duration such as 4s, 500ms or 10m (or 0 for none), got "4"',
    ],
    [['--lock-retries', 'many'], '--lock-retries must be a whole number from 0 to 20, got "many"'],
    [
      ['--migration-lock-wait', '1', '--lock-timeout', '1'],
      '--lock-timeout is the old name of --migration-lock-wait: give only one',
    ],
  ])('%j: exit 2 before connecting', async (args, message) => {
    const result = await apply(['postgresql://postgres:pw@127.0.0.1:1/postgres', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}. Run with --help for usage.`);
    expect(result.stderr).not.toContain('connect');
  });

  it('a plain PostgreSQL (no Supabase schemas or roles): exit 3 in one line with what to do; --bootstrap prepares a scratch one first', async () => {
    const db = await database('apply_plain', { bootstrap: false });
    const refused = await apply([db.url]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      'error: the target is a plain PostgreSQL, not a Supabase database (no schema extensions, schema auth): the migrations would fail there; nothing was applied',
    );
    expect(refused.stderr).toContain('on a scratch PostgreSQL add --bootstrap');
    expect(await recordedVersions(db)).toEqual([]);

    const production = await apply(['--env', 'production', '--bootstrap', '--yes'], {
      SUPABASE_DB_URL_PRODUCTION: db.url,
    });
    expect(production.code).toBe(3);
    expect(production.stderr).toContain(
      '--bootstrap is for a scratch PostgreSQL, never production: nothing was changed',
    );

    const bootstrapped = await apply([db.url, '--bootstrap']);
    expect(bootstrapped.code, bootstrapped.all).toBe(0);
    expect(bootstrapped.stderr).toContain('✓ bootstrap the plain PostgreSQL');
    expect(await recordedVersions(db)).toEqual(LOCAL.map((m) => m.version));
  });
});

describe('supabase-apply: the migration lint on pending files (real squawk), before the prompt and the lock', () => {
  const INDEX = '20990101000000_index.sql';
  const createIndex = 'create index if not exists repositories_name_idx on public.repositories (full_name);\n';
  const index = `-- an index on a table that holds rows, without CONCURRENTLY\n${createIndex}`;
  const terminal = () => Object.assign(new PassThrough(), { isTTY: true });

  it('an unacknowledged finding: exit 3 naming file:line: rule and the fix, with no prompt and no lock, nothing applied, in a run and a dry run; --allow-unsafe applies it, loudly, and the summary says so', async () => {
    const db = await database('apply_lint_unsafe');
    const root = projectWith({ [INDEX]: index });
    const env = { SUPABASE_DB_URL_PRODUCTION: db.url };
    for (const args of [
      ['--env', 'production', '--root', root],
      ['--env', 'production', '--root', root, '--dry-run'],
    ]) {
      const refused = await apply(args, env, { stdin: terminal() });
      expect(refused.code, refused.all).toBe(3);
      expect(refused.stderr).toContain(
        `supabase/migrations/${INDEX}:2: require-concurrent-index-creation: During normal index creation, table updates are blocked`,
      );
      expect(refused.stderr).toMatch(/\n {2}fix: \S/);
      expect(refused.stderr).toContain(
        `error: 1 unacknowledged lint finding in pending migrations: supabase/migrations/${INDEX}:2 require-concurrent-index-creation; nothing was applied`,
      );
      expect(refused.stderr).toContain('-- squawk-ignore <rule> -- <reason>), or pass --allow-unsafe');
      // Refused before anyone is asked to type the app name, and before the lock.
      expect(refused.all).not.toContain('Type the app name');
      expect(refused.stderr).not.toContain('take the migration lock');
      expect(refused.stdout).not.toContain('$ PGPASSWORD');
    }
    expect(await recordedVersions(db)).toEqual([]);

    const planned = await apply(['--env', 'production', '--root', root, '--dry-run', '--allow-unsafe'], env);
    expect(planned.code, planned.all).toBe(0);
    expect(planned.stderr).toContain(`warning: --allow-unsafe: applying supabase/migrations/${INDEX}:2`);
    expect(planned.stdout).toContain('supabase db push');

    const github = { GITHUB_ACTIONS: 'true', NO_COLOR: '1' };
    const allowed = await startApply(
      ['--env', 'production', '--root', root, '--yes', '--allow-unsafe'],
      { ...env, ...github },
      {},
      github,
    ).done;
    expect(allowed.code, allowed.all).toBe(0);
    expect(allowed.stderr).toContain(
      `warning: --allow-unsafe: applying supabase/migrations/${INDEX}:2: require-concurrent-index-creation: During normal index creation`,
    );
    expect(allowed.stderr).toContain(
      `::warning::--allow-unsafe: applying supabase/migrations/${INDEX}:2: require-concurrent-index-creation`,
    );
    expect(allowed.stdout).toContain(
      `allowed  supabase/migrations/${INDEX}:2  require-concurrent-index-creation  (--allow-unsafe)`,
    );
    expect(await recordedVersions(db)).toEqual([...LOCAL.map((m) => m.version), '20990101000000']);
  });

  it('an undeclared contract migration: exit 3 unless --allow-contract (a warning, and the summary); a declared one, and an acknowledged finding, apply without a flag', async () => {
    const db = await database('apply_lint_contract');
    const drop =
      '-- squawk-ignore ban-drop-column -- the API stopped reading it in v41\nalter table public.repositories drop column if exists description;\n';
    const root = projectWith({ '20990101000000_drop.sql': drop });
    const refused = await apply([db.url, '--root', root, '--allow-unsafe']);
    expect(refused.code, refused.all).toBe(3);
    expect(refused.stderr).toContain(
      'error: 1 contract migration not declared safe: supabase/migrations/20990101000000_drop.sql (drops a column); the release still running may use what it removes; nothing was applied',
    );
    expect(refused.stderr).toContain('then add `-- kotadb: contract` to the file (or pass --allow-contract)');
    expect(await recordedVersions(db)).toEqual([]);

    const allowed = await apply([db.url, '--root', root, '--allow-contract']);
    expect(allowed.code, allowed.all).toBe(0);
    expect(allowed.stderr).toContain(
      'warning: --allow-contract: applying supabase/migrations/20990101000000_drop.sql, a contract migration not declared `-- kotadb: contract` (drops a column, line 2)',
    );
    expect(allowed.stdout).toContain(
      'allowed  supabase/migrations/20990101000000_drop.sql  contract: drops a column, line 2  (--allow-contract)',
    );

    const later = projectWith({
      '20990101000000_drop.sql': drop,
      '20990102000000_index.sql': `-- squawk-ignore require-concurrent-index-creation -- public.repositories is small here\n${createIndex}`,
      '20990103000000_drop_more.sql': `-- kotadb: contract\n${drop.replace(/description/g, 'homepage')}`,
    });
    const declared = await apply([db.url, '--root', later]);
    expect(declared.code, declared.all).toBe(0);
    expect(declared.all).not.toContain('--allow-');
    expect(await recordedVersions(db)).toEqual([
      ...LOCAL.map((m) => m.version),
      '20990101000000',
      '20990102000000',
      '20990103000000',
    ]);
  });

  it('a file pending under the lock that was not when linted (its record removed meanwhile): exit 3, nothing applied', async () => {
    const db = await database('apply_lint_changed');
    const one = 'create table if not exists public.one (id bigint primary key)';
    const root = projectWith(
      {
        '20990101000000_one.sql': `${one};\n`,
        '20990102000000_two.sql': 'create table if not exists public.two (id bigint primary key);\n',
      },
      { base: false },
    );
    // As the CLI would have recorded it.
    await db.query(
      `create schema supabase_migrations; create table supabase_migrations.schema_migrations (version text primary key, statements text[], name text); insert into supabase_migrations.schema_migrations values ('20990101000000', array['${one}'], 'one')`,
    );
    const lock = await holdLock(db);
    const run = startApply([db.url, '--root', root]);
    try {
      await waitFor(() => run.output().includes('waiting for the migration lock'), 'the lock wait');
      await db.query("delete from supabase_migrations.schema_migrations where version = '20990101000000'");
    } finally {
      await lock.release();
    }
    const result = await run.done;
    expect(result.code, result.all).toBe(3);
    expect(result.stderr).toContain(
      'error: what is pending changed since it was linted (now also 20990101000000_one.sql); nothing was applied',
    );
    expect(await recordedVersions(db)).toEqual([]);
  });
});

describe('supabase-apply: guards', () => {
  it('production: refused without confirmation when nobody can answer (exit 3, nothing applied); --yes applies', async () => {
    const db = await database('apply_prod');
    const env = { SUPABASE_DB_URL_PRODUCTION: db.url };
    const refused = await apply(['--env', 'production'], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`refusing to apply ${LOCAL.length} migrations to production without confirmation`);
    expect(await recordedVersions(db)).toEqual([]);

    const confirmed = await apply(['--env', 'production', '--yes'], env);
    expect(confirmed.code, confirmed.all).toBe(0);
    expect(confirmed.stderr).toContain('--yes: confirmed');
    expect(await recordedVersions(db)).toEqual(LOCAL.map((m) => m.version));
  });

  it('production asks before taking the lock; what changed meanwhile is said and nothing is applied (exit 3)', async () => {
    const db = await database('apply_prompt');
    const env = { SUPABASE_DB_URL_PRODUCTION: db.url };
    const terminal = () => Object.assign(new PassThrough(), { isTTY: true });

    // Answered: the lock was free the whole time the prompt waited.
    const stdin = terminal();
    const run = startApply(['--env', 'production'], env, { stdin });
    await waitFor(() => run.output().includes('Type the app name (kotadb-api)'), 'the prompt');
    expect(await lockIsFree(db)).toBe(true);
    stdin.write('kotadb-api\n');
    const answered = await run.done;
    expect(answered.code, answered.all).toBe(0);
    expect(await recordedVersions(db)).toEqual(LOCAL.map((m) => m.version));

    // Another run applies a file while the prompt waits: refused, nothing of ours applied.
    const root = projectWith({
      '20990101000000_a.sql': 'create table public.a (id bigint);\n',
      '20990102000000_b.sql': 'create table public.b (id bigint);\n',
    });
    const stdin2 = terminal();
    const second = startApply(['--env', 'production', '--root', root], env, { stdin: stdin2 });
    await waitFor(() => second.output().includes('Type the app name (kotadb-api)'), 'the prompt');
    await db.query(
      "create table public.a (id bigint); insert into supabase_migrations.schema_migrations (version, name, statements) values ('20990101000000', 'a', array['create table public.a (id bigint)'])",
    );
    stdin2.write('kotadb-api\n');
    const changed = await second.done;
    expect(changed.code).toBe(3);
    expect(changed.stderr).toContain(
      'error: what is pending changed while you were confirming (now 1 file: 20990102000000_b.sql); nothing was applied',
    );
    expect(await db.query("select to_regclass('public.b') as b")).toEqual([{ b: null }]);
  });

  it('Ctrl-C at the production prompt: exit 130, nothing changed, the lock never taken', async () => {
    const db = await database('apply_prompt_stop');
    const controller = new AbortController();
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const run = startApply(
      ['--env', 'production'],
      { SUPABASE_DB_URL_PRODUCTION: db.url },
      { stdin, signal: controller.signal },
    );
    await waitFor(() => run.output().includes('Type the app name (kotadb-api)'), 'the prompt');
    controller.abort();
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted at the confirmation prompt: nothing was changed');
    expect(result.stderr).not.toContain('take the migration lock');
    expect(await recordedVersions(db)).toEqual([]);
  });

  it('refuses the transaction pooler (port 6543) before connecting, with a hint; never prints the password', async () => {
    const result = await apply([
      'postgresql://postgres.abcd:pooler-secret-123@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "refusing postgresql://postgres.abcd:***@aws-0-us-east-1.pooler.supabase.com:6543/postgres: port 6543 is Supabase's transaction pooler",
    );
    expect(result.stderr).toContain('session pooler (port 5432)');
    expect(result.all).not.toContain('pooler-secret-123');
  });

  it('no URL anywhere: exit 2 naming where it looked', async () => {
    const result = await apply(['--env', 'staging']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'no database URL: pass <postgres_url> or set SUPABASE_DB_URL or SUPABASE_DB_URL_STAGING',
    );
  });

  it('--if-configured with no URL anywhere: a notice (a GitHub annotation in Actions) and exit 0, nothing touched', async () => {
    const env = { GITHUB_ACTIONS: 'true' };
    const result = await startApply(['--env', 'production', '--yes', '--if-configured'], env, {}, env).done;
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain('note: migrations skipped: SUPABASE_DB_URL_PRODUCTION is not configured');
    expect(result.stderr).toContain('::notice::migrations skipped: SUPABASE_DB_URL_PRODUCTION is not configured');
    expect(result.stderr).not.toContain('connect');
  });

  it('--if-configured with a URL configured applies as usual (the flag only covers "nothing configured")', async () => {
    const result = await apply(['--env', 'staging', '--if-configured'], {
      SUPABASE_DB_URL_STAGING: 'postgresql://postgres:pw@127.0.0.1:1/postgres',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot connect to postgresql://postgres:***@127.0.0.1:1/postgres');
  });

  it('a wrong password: exit 1, says so, never prints it', async () => {
    const server = testServer();
    const result = await apply([], {
      SUPABASE_DB_URL: `postgresql://postgres:wrong-pass-987@127.0.0.1:${server.port}/postgres`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot connect to postgresql://postgres:***@127.0.0.1:${server.port}/postgres: password authentication failed`,
    );
    expect(result.all).not.toContain('wrong-pass-987');
  });
});

describe('supabase-apply: the migration lock and the CLI sessions it covers', () => {
  it('two applies at once are serialised: both wait while the lock is held, then one applies and the other finds nothing to do', async () => {
    const db = await database('apply_lock');
    const lock = await holdLock(db);
    const runs = [startApply([], { SUPABASE_DB_URL: db.url }), startApply([], { SUPABASE_DB_URL: db.url })];
    try {
      await waitFor(
        () => runs.every((r) => r.output().includes('waiting for the migration lock: test-lock-holder')),
        'both runs to wait for the lock',
      );
    } finally {
      await lock.release();
    }
    const [a, b] = await Promise.all(runs.map((r) => r.done));
    expect([a!.code, b!.code]).toEqual([0, 0]);
    const applied = [a!, b!].filter((r) => r.stdout.includes('applied  '));
    const noop = [a!, b!].filter((r) => r.stderr.includes('nothing to apply'));
    expect(applied).toHaveLength(1);
    expect(noop).toHaveLength(1);
    expect(await recordedVersions(db)).toEqual(LOCAL.map((m) => m.version));
  });

  it('gives up after --migration-lock-wait (exit 1) naming the holder (and the deprecated --lock-timeout still works); Ctrl-C while waiting exits 130 having changed nothing', async () => {
    const db = await database('apply_busy');
    const lock = await holdLock(db);
    try {
      for (const flag of ['--migration-lock-wait', '--lock-timeout']) {
        const clock = manualClock();
        const timedOut = await apply([db.url, flag, '2'], {}, { clock: clock.clock });
        expect(timedOut.code).toBe(1);
        expect(timedOut.stderr).toContain('waiting for the migration lock: test-lock-holder');
        expect(timedOut.stderr).toContain('gave up waiting for the migration lock after 2.0s: test-lock-holder');
        expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(2000);
      }

      const controller = new AbortController();
      const run = startApply([db.url], {}, { signal: controller.signal });
      await waitFor(() => run.output().includes('waiting for the migration lock'), 'the lock wait');
      controller.abort();
      const interrupted = await run.done;
      expect(interrupted.code).toBe(130);
      expect(interrupted.stderr).toContain('interrupted while waiting for the migration lock: nothing was changed');
      expect(await recordedVersions(db)).toEqual([]);
    } finally {
      await lock.release();
    }
  });

  it('a Supabase CLI session still on the database (an earlier run killed mid-push): waits for it to end, or gives up naming it (exit 1)', async () => {
    const db = await database('apply_orphan');
    // What a killed run leaves: the CLI's session, still running the statement it was sent.
    const orphan = await connect(db.db, { applicationName: '@effect/sql-pg' });
    // The orphaned CLI dies at its next line of output once the statement is done: its session ends.
    const running = orphan.query('select pg_sleep(1)').finally(() => orphan.end());
    try {
      const clock = manualClock();
      const gaveUp = await apply([db.url, '--migration-lock-wait', '1'], {}, { clock: clock.clock });
      expect(gaveUp.code).toBe(1);
      expect(gaveUp.stderr).toMatch(
        /error: gave up waiting for a Supabase CLI session still on the database: pid \d+ \(@effect\/sql-pg, user postgres, active, transaction open [\d.]+m?s, query "select pg_sleep\(1\)"\); nothing was applied/,
      );
      expect(gaveUp.stderr).toContain('pg_terminate_backend(');

      const waited = await apply([db.url]);
      expect(waited.code, waited.all).toBe(0);
      expect(waited.stderr).toContain('waiting for a Supabase CLI session still running on the database');
      expect(await recordedVersions(db)).toEqual(LOCAL.map((m) => m.version));
    } finally {
      await running.catch(() => undefined);
    }
  });

  it('Ctrl-C during a long migration: the statement is cancelled on the server, the state reported is the real one, the lock released after', async () => {
    const db = await database('apply_ctrl_c');
    const root = projectWith(
      {
        '20990101000000_first.sql': 'create table public.first (id bigint);\n',
        '20990102000000_slow.sql': 'create table public.slow (id bigint);\nselect pg_sleep(20);\n',
        '20990103000000_last.sql': 'create table public.last (id bigint);\n',
      },
      { base: false },
    );
    const controller = new AbortController();
    const run = startApply([db.url, '--root', root], {}, { signal: controller.signal });
    await waitFor(
      async () =>
        run.output().includes('Applying migration 20990102000000_slow.sql') &&
        (await db.query("select 1 from pg_stat_activity where query like 'select pg_sleep(20)%'")).length > 0,
      'the slow statement to run',
    );
    const interruptedAt = Date.now();
    controller.abort();
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);
    expect(result.stderr).toMatch(/cancelling the CLI's statement still running on the server: pid \d+/);
    expect(result.stderr).toContain(
      'error: interrupted during supabase db push: 1 of 3 pending files are applied and recorded (20990101000000_first.sql); 20990102000000_slow.sql was cancelled on the server and rolled back: nothing of it is applied, and it is not recorded; 1 file not started',
    );
    // True now, and still true later: nothing commits behind the report's back.
    expect(await busyCliSessions(db)).toEqual([]);
    expect(await lockIsFree(db)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await recordedVersions(db)).toEqual(['20990101000000']);
    expect(await db.query("select to_regclass('public.slow') as slow")).toEqual([{ slow: null }]);
  });
});

describe('supabase-apply: lock timeouts on the migration session, retried', () => {
  /** A session holding ACCESS EXCLUSIVE on public.hot, as a long transaction of the app would. */
  async function holdTable(db: TestDatabase): Promise<{ client: PgClient; pid: number; release(): Promise<void> }> {
    const client = await connect(db.db, { applicationName: 'test table holder' });
    await client.query('begin');
    await client.query('lock table public.hot in access exclusive mode');
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    return { client, pid, release: async () => void (await client.query('rollback')) };
  }

  const alterHot = () =>
    projectWith({ '20990101000000_alter_hot.sql': 'alter table public.hot add column b bigint;\n' }, { base: false });

  it('a table locked by another session: each retry names it; after the last, exit 1 with it named and nothing recorded for the file, within timeout × (retries + 1) plus a margin', async () => {
    const db = await database('apply_blocked');
    await db.query('create table public.hot (id int)');
    const holder = await holdTable(db);
    try {
      const started = Date.now();
      const result = await apply([db.url, '--root', alterHot(), '--lock-timeout-ddl', '500ms', '--lock-retries', '1']);
      const elapsed = Date.now() - started;
      expect(result.code, result.all).toBe(1);
      const blocker = `blocked by pid ${holder.pid} (test table holder, user postgres, idle in transaction, transaction open`;
      expect(result.stderr).toContain(
        `warning: supabase/migrations/20990101000000_alter_hot.sql could not take a lock within 500ms (attempt 1 of 2): ${blocker}`,
      );
      expect(result.stderr).toContain('it was rolled back and is not recorded — retrying in 500ms');
      expect(result.stderr).toContain(
        `error: migration supabase/migrations/20990101000000_alter_hot.sql could not take a lock within 500ms, 2 attempts: ${blocker}`,
      );
      expect(result.stderr).toContain(`select pg_terminate_backend(${holder.pid})`);
      // 2 × 0.5 s of lock waits + 0.5 s of backoff + the CLI's own start-up, twice (up to 10 s
      // each on a loaded machine). Without the lock timeout it would wait for the holder: forever.
      expect(elapsed).toBeLessThan(1000 + 500 + 2 * 10_000);
      expect(await recordedVersions(db)).toEqual([]);
      expect(
        await db.query("select count(*)::int as n from information_schema.columns where table_name = 'hot'"),
      ).toEqual([{ n: 1 }]);
    } finally {
      await holder.release();
      await holder.client.end();
    }
  });

  it('the lock let go between tries: the retry applies the file', async () => {
    const db = await database('apply_unblocked');
    await db.query('create table public.hot (id int)');
    const holder = await holdTable(db);
    const run = startApply([db.url, '--root', alterHot(), '--lock-timeout-ddl', '500ms', '--lock-retries', '3']);
    await waitFor(() => run.output().includes('(attempt 1 of 4)'), 'the first lock timeout');
    await holder.release();
    await holder.client.end();
    const result = await run.done;
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain(`blocked by pid ${holder.pid}`);
    expect(result.stderr).toMatch(/applied 1 migration\(s\) to .* \(\d pushes: lock timeouts retried\)/);
    expect(await recordedVersions(db)).toEqual(['20990101000000']);
  });

  it('backs off 0.5 s, 1 s, 2 s between pushes on the run clock, pushing exactly retries + 1 times', async () => {
    const db = await database('apply_backoff');
    const root = alterHot();
    const failure = {
      exitCode: 1,
      stderr: [
        'Connecting to remote database...',
        'Applying migration 20990101000000_alter_hot.sql...',
        'ERROR: canceling statement due to lock timeout (SQLSTATE 55P03)',
        'At statement: 0',
        'alter table public.hot add column b bigint',
        '',
      ].join('\n'),
    };
    const exec = recordingExec().on(['supabase', 'db', 'push'], failure).fallback(processExecutor()); // the lint's squawk
    const clock = manualClock();
    const result = await apply([db.url, '--root', root, '--lock-retries', '3'], {}, { exec, clock: clock.clock });
    expect(result.code).toBe(1);
    expect(exec.argvOf('supabase')).toHaveLength(4);
    expect(clock.sleeps.filter((ms) => ms >= 500)).toEqual([500, 1000, 2000]);
    expect(result.stderr).toContain('could not take a lock within 4s, 4 attempts');
  });
});
