/**
 * supabase-apply through its entry, as a child process, for what only a process shows: a real
 * SIGINT, a kill -9 that leaves the CLI child and its statement behind, and the exit code the
 * shell sees. Real PostgreSQL, real Supabase CLI. Everything else is in-process
 * (test/scripts/supabase-apply.test.ts).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_KEY } from '../../lib/db/migration-lock.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import { withClient } from '../../lib/db/pg.ts';
import { script } from '../../scripts/supabase-apply.ts';
import { createTestDatabase, recordedVersions, type TestDatabase } from '../helpers/postgres.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript, type ScriptResult } from '../helpers/run-script.ts';

const dirs: string[] = [];
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const db of databases) await db.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function database(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix, { bootstrap: true });
  databases.push(db);
  return db;
}

/** A project whose second migration runs a long statement and records when it ended. */
function slowProject(seconds: number): string {
  const root = mkdtempSync(path.join(tmpdir(), 'apply-e2e-'));
  dirs.push(root);
  const migrations = path.join(root, 'supabase', 'migrations');
  mkdirSync(migrations, { recursive: true });
  cpSync(fromRoot('supabase', 'config.toml'), path.join(root, 'supabase', 'config.toml'));
  const files = {
    '20990101000000_first.sql': 'create table public.first (id bigint);\n',
    '20990102000000_slow.sql': `create table public.slow_done (at timestamptz);\nselect pg_sleep(${seconds});\ninsert into public.slow_done values (clock_timestamp());\n`,
    '20990103000000_after.sql': 'create table public.after_slow as select clock_timestamp() as at;\n',
  };
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(migrations, name), sql);
  return root;
}

/** Runs the entry; `onOutput` sees everything printed so far, as it arrives. */
function startScript(args: string[], onOutput: (all: string, child: ChildProcess) => void): Promise<ScriptResult> {
  let seen = '';
  return runScript('supabase-apply', args, {
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

const slowIsRunning = (db: TestDatabase) =>
  db.query("select 1 from pg_stat_activity where datname = current_database() and query like 'select pg_sleep(%'");

async function waitUntil(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('supabase-apply through its entry', () => {
  it('SIGINT during a long migration: exit 130, the statement cancelled on the server, the report true now and later', async () => {
    const db = await database('apply_sigint');
    let signalled = false;
    const run = startScript([db.url, '--root', slowProject(20)], (all, child) => {
      if (!signalled && all.includes('Applying migration 20990102000000_slow.sql')) {
        signalled = true;
        void waitUntil(async () => (await slowIsRunning(db)).length > 0, 'the slow statement').then(() =>
          child.kill('SIGINT'),
        );
      }
    });
    const result = await run;
    expect(result.code, result.all).toBe(130);
    expect(result.stderr).toContain(
      'error: interrupted during supabase db push: 1 of 3 pending files are applied and recorded (20990101000000_first.sql); 20990102000000_slow.sql was cancelled on the server and rolled back: nothing of it is applied, and it is not recorded; 1 file not started',
    );
    expect(result.stderr).toContain('run supabase-apply again to apply the rest');
    expect(await slowIsRunning(db)).toEqual([]);
    const free = await withClient(db.db, (c) =>
      c.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [MIGRATION_LOCK_KEY]),
    );
    expect(free.rows[0]!.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await recordedVersions(db)).toEqual(['20990101000000']);
  });

  it('kill -9 during a long migration, then an immediate re-run: it waits for the orphaned CLI session, never runs alongside it', async () => {
    const db = await database('apply_kill9');
    const root = slowProject(3);
    let killed = false;
    const first = startScript([db.url, '--root', root], (all, child) => {
      if (!killed && all.includes('Applying migration 20990102000000_slow.sql')) {
        killed = true;
        void waitUntil(async () => (await slowIsRunning(db)).length > 0, 'the slow statement').then(() =>
          child.kill('SIGKILL'),
        );
      }
    });
    const dead = await first;
    expect(dead.signal).toBe('SIGKILL');
    // The killed run's lock is gone with its connection; its CLI's statement is still running.
    expect((await slowIsRunning(db)).length).toBe(1);

    const again = await runInProcess(script, [db.url, '--root', root]);
    expect(again.code, again.all).toBe(0);
    expect(again.stderr).toMatch(
      /waiting for a Supabase CLI session still running on the database .*: pid \d+ \(@effect\/sql-pg, user postgres, active/,
    );
    expect(await recordedVersions(db)).toEqual(['20990101000000', '20990102000000', '20990103000000']);
    // The re-run's file started after the orphaned statement had finished: one at a time.
    const [order] = await db.query<{ sequential: boolean }>(
      'select (select at from public.slow_done) < (select at from public.after_slow) as sequential',
    );
    expect(order!.sequential).toBe(true);
  });

  it('exit codes reach the shell: a refused target is exit 3', async () => {
    const result = await runScript('supabase-apply', [
      'postgresql://postgres.abcd:pooler-secret-123@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("port 6543 is Supabase's transaction pooler");
    expect(result.all).not.toContain('pooler-secret-123');
  });
});
