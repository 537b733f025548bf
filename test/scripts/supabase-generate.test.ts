/**
 * supabase-generate in-process, on the real test PostgreSQL with the real Supabase CLI (and
 * squawk): a dev database with every migration, a copy of supabase/ to write into. Commands go
 * through a recording executor that passes everything on to real processes, so the calls the
 * script makes are asserted too (four CLI starts per round trip, no `migration repair`).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as supabase from '../../lib/commands/supabase.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import { Output } from '../../lib/core/output.ts';
import { processExecutor, Runner } from '../../lib/core/runner.ts';
import { withClient } from '../../lib/db/pg.ts';
import { cliUrl, connectionEnv, parseDbUrl } from '../../lib/db/url.ts';
import { script } from '../../scripts/supabase-generate.ts';
import { createTestDatabase, testServer, testServerUrl, type TestDatabase } from '../helpers/postgres.ts';
import { recordingExec, type RecordingExec } from '../helpers/recording-exec.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const databases: TestDatabase[] = [];
let root: string;
let dev: TestDatabase;

function migrationFiles(): string[] {
  return readdirSync(path.join(root, 'supabase', 'migrations')).sort();
}

async function shadowsLeft(): Promise<string[]> {
  return withClient(parseDbUrl(testServerUrl(), 'test'), async (client) =>
    (
      await client.query<{ datname: string }>(
        "select datname from pg_database where datname like 'kotadb\\_shadow\\_%'",
      )
    ).rows.map((r) => r.datname),
  );
}

function generate(args: string[], options: { exec?: RecordingExec; signal?: AbortSignal } = {}) {
  const exec = (options.exec ?? recordingExec()).fallback(processExecutor());
  const run = runInProcess(
    script,
    [...args, '--root', root],
    {},
    { exec, ...(options.signal ? { signal: options.signal } : {}) },
  );
  return run.then((result) => ({ ...result, exec }));
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'generate-root-'));
  cpSync(fromRoot('supabase'), path.join(root, 'supabase'), {
    recursive: true,
    filter: (src) => !src.includes('.temp'),
  });
  dev = await createTestDatabase('gen_dev', { migrate: true, root });
  databases.push(dev);
});

afterAll(async () => {
  for (const db of databases) await db.drop();
  rmSync(root, { recursive: true, force: true });
});

describe('supabase-generate (in-process, real PostgreSQL and Supabase CLI)', () => {
  it('no change: says "No schema changes found", writes nothing, drops its shadow', async () => {
    const before = migrationFiles();
    const result = await generate(['nothing_changed', '--db-url', dev.url]);
    expect(result.code, result.all).toBe(0);
    expect(result.stdout.trim()).toBe('No schema changes found');
    expect(migrationFiles()).toEqual(before);
    expect(await shadowsLeft()).toEqual([]);
    expect(result.exec.argvOf('supabase').map((argv) => argv.slice(0, 2))).toEqual([
      ['db', 'push'],
      ['db', 'diff'],
    ]);
  });

  it('a change made in the dev database becomes a migration that reproduces it (round trip verified)', async () => {
    await dev.query(`
      create table public.notes (
        id bigint generated always as identity primary key,
        user_id uuid not null references auth.users (id) on delete cascade,
        body text not null default '',
        created_at timestamptz not null default now()
      );
      alter table public.notes enable row level security;
      create policy notes_owner on public.notes for select to authenticated using (user_id = auth.uid());
      create index notes_user_idx on public.notes (user_id);
      alter table public.repositories add column stars integer not null default 0;
      create function public.note_count(p uuid) returns bigint language sql stable set search_path = '' as $$
      select count(*) from public.notes

      where user_id = p
      $$;`);
    const before = migrationFiles();
    const dryRun = await generate(['add_notes', '--db-url', dev.url, '--dry-run']);
    expect(dryRun.code, dryRun.all).toBe(0);
    expect(dryRun.stdout).toContain('CREATE TABLE "public"."notes"');
    expect(dryRun.stderr).toMatch(/dry run: would write supabase\/migrations\/\d{14}_add_notes\.sql/);
    expect(migrationFiles()).toEqual(before);

    const result = await generate(['add_notes', '--db-url', dev.url]);
    expect(result.code, result.all).toBe(0);
    const written = result.stdout.trim();
    expect(written).toMatch(/^supabase\/migrations\/\d{14}_add_notes\.sql$/);
    expect(result.stderr).toContain(
      'round trip verified: a shadow built with the new migration matches the dev database',
    );

    const sql = readFileSync(path.join(root, written), 'utf8');
    expect(sql).toContain('CREATE TABLE "public"."notes"');
    expect(sql).toContain('CREATE POLICY "notes_owner" ON "public"."notes"');
    expect(sql).toContain('ADD COLUMN "stars" integer NOT NULL DEFAULT 0');
    expect(sql).toContain(
      'GRANT DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE ON TABLE "public"."notes" TO "anon", "authenticated", "service_role";',
    );
    expect(
      sql
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n'),
    ).not.toMatch(/MAINTAIN/);
    expect(sql).not.toMatch(/^GRANT .*"postgres"/m);
    expect(await shadowsLeft()).toEqual([]);

    // The header names the source in words: no URL, so no host and never the password.
    const header = sql.split('\n').slice(0, 3).join('\n');
    expect(header).toContain(`the migrations and the dev database "${dev.name}".`);
    expect(header).not.toContain('postgresql://');
    expect(sql).not.toContain(testServer().password);

    // The new file was linted: squawk's findings are warnings, the run still exits 0.
    expect(result.stderr).toMatch(/warning: supabase-lint: \d+ findings? to review in the new file:/);
    expect(result.stderr).toContain(`${written}:`);
    expect(result.stderr).toContain(': prefer-bigint-over-int: ');

    // Four CLI starts: build the shadow, diff, push the new file to a clone of it, diff again.
    // The clone is a new database (not a rebuild) and the row is recorded without `migration repair`.
    const cli = result.exec.calls.filter((call) => call.argv[0] === 'supabase');
    expect(cli.map((call) => call.argv.slice(1, 3))).toEqual([
      ['db', 'push'],
      ['db', 'diff'],
      ['db', 'push'],
      ['db', 'diff'],
    ]);
    const [firstShadow, , clone] = cli.map((call) => call.argv[call.argv.indexOf('--db-url') + 1]);
    expect(clone).not.toBe(firstShadow);
    expect(cli.every((call) => call.env.SUPABASE_TELEMETRY_DISABLED === '1')).toBe(true);
    // …and one squawk start for the lint of the new file (it runs while the round trip does).
    expect(result.exec.argvOf('squawk')).toEqual([expect.arrayContaining(['--assume-in-transaction', '--', written])]);

    // Independently: a fresh database given every file (the new one included) has the change.
    const fresh = await createTestDatabase('gen_check', { migrate: true, root });
    databases.push(fresh);
    expect(
      await fresh.query(
        "select c.relrowsecurity as rls, (select count(*) from pg_policies where tablename = 'notes')::int as policies from pg_class c where c.oid = 'public.notes'::regclass",
      ),
    ).toEqual([{ rls: true, policies: 1 }]);

    // The dev database records the new file as applied (its changes are there), so it matches the migrations again
    // (the next tests generate against it) — with exactly the row `supabase migration repair` writes.
    const version = written.slice(20, 34);
    const row = 'select version, name, statements from supabase_migrations.schema_migrations where version = $1';
    const recorded = await dev.query(row, [version]);
    expect(recorded).toEqual([{ version, name: 'add_notes', statements: expect.any(Array) }]);
    expect((recorded[0]!.statements as string[]).length).toBeGreaterThan(5);
    await dev.query('delete from supabase_migrations.schema_migrations where version = $1', [version]);
    await new Runner({ output: new Output() }).run(
      supabase.migrationRepair(root, cliUrl(dev.db), [version], 'applied'),
      {
        env: connectionEnv(dev.db),
        cwd: root,
      },
    );
    expect(await dev.query(row, [version])).toEqual(recorded);
  });

  it('refuses a bad name (exit 2) before touching anything', async () => {
    const result = await generate(['Add-Notes', '--db-url', dev.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid migration name "Add-Notes"');
    expect(result.stderr).toContain('Run with --help for usage.');
    expect(result.exec.calls).toEqual([]);
  });

  it('refuses a dev database that lacks a migration (the diff would undo it): exit 3', async () => {
    const file = path.join(root, 'supabase', 'migrations', '20991231000000_not_applied.sql');
    writeFileSync(file, 'create table public.not_applied (id int);\n');
    try {
      const result = await generate(['whatever', '--db-url', dev.url]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('the dev database lacks 1 migration(s) (20991231000000_not_applied.sql)');
      expect(result.exec.calls).toEqual([]);
    } finally {
      rmSync(file);
    }
  });

  it('a shadow that cannot be built: exit 1 naming the file, and the shadow is dropped anyway', async () => {
    const file = path.join(root, 'supabase', 'migrations', '20991231000001_broken.sql');
    writeFileSync(file, 'select 1/0;\n');
    // The dev database claims to have it, so only the shadow build runs into it.
    await dev.query(
      "insert into supabase_migrations.schema_migrations (version, name) values ('20991231000001', 'broken')",
    );
    try {
      const result = await generate(['whatever', '--db-url', dev.url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'the shadow database could not be built: migration supabase/migrations/20991231000001_broken.sql failed: ERROR: division by zero',
      );
      expect(await shadowsLeft()).toEqual([]);
    } finally {
      rmSync(file);
      await dev.query("delete from supabase_migrations.schema_migrations where version = '20991231000001'");
    }
  });

  it('a remote --db-url is refused (exit 3): shadows need the dev database’s server', async () => {
    const result = await generate(['x', '--db-url', 'postgresql://postgres:s3cret-pw@db.example.com:5432/postgres']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('postgresql://postgres:***@db.example.com:5432/postgres is not local');
    expect(result.all).not.toContain('s3cret-pw');
  });

  it('a round trip that still differs: exit 1 naming the difference, the file kept for review, nothing recorded', async () => {
    const before = migrationFiles();
    let diffs = 0;
    const exec = recordingExec().on(['supabase', 'db', 'diff'], () =>
      ++diffs === 1
        ? { stdout: 'CREATE TABLE "public"."round_trip" ("id" bigint primary key);\n' }
        : { stdout: 'ALTER TABLE "public"."round_trip" ADD COLUMN "extra" text;\n' },
    );
    const result = await generate(['round_trip', '--db-url', dev.url], { exec });
    expect(result.code, result.all).toBe(1);
    expect(result.stderr).toContain('still differs from the dev database:');
    expect(result.stderr).toContain('  ALTER TABLE "public"."round_trip" ADD COLUMN "extra" text;');
    expect(result.stderr).toContain('round trip failed: the new migration does not reproduce every change');
    const [written] = migrationFiles().filter((f) => !before.includes(f));
    expect(written).toMatch(/^\d{14}_round_trip\.sql$/);
    expect(
      await dev.query("select version from supabase_migrations.schema_migrations where name = 'round_trip'"),
    ).toEqual([]);
    expect(await shadowsLeft()).toEqual([]);
    rmSync(path.join(root, 'supabase', 'migrations', written!));
  });

  it('Ctrl-C during the diff: exit 130 saying nothing was written, and the shadow is dropped', async () => {
    const controller = new AbortController();
    const exec = recordingExec().on(['supabase', 'db', 'diff'], () => {
      setTimeout(() => controller.abort(), 50);
      return { hang: true };
    });
    const before = migrationFiles();
    const result = await generate(['interrupted', '--db-url', dev.url], { exec, signal: controller.signal });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted: no migration was written; the shadow databases are dropped');
    expect(migrationFiles()).toEqual(before);
    expect(await shadowsLeft()).toEqual([]);
  });
});
