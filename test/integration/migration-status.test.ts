/**
 * "Is this database reachable, are migrations pending?" against the test run's real
 * PostgreSQL: doctor's migrations check (lib/doctor/checks.ts over readMigrationStatus) and
 * readMigrationState (the same comparison on an open connection: apply, generate, reset).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDbUrl } from '../../lib/db/url.ts';
import { checkMigrationsDatabase } from '../../lib/doctor/checks.ts';
import { ENVIRONMENTS } from '../../lib/config/environments.ts';
import { readMigrationState, readMigrationStatus } from '../../lib/db/migration-status.ts';
import { listLocalMigrations } from '../../lib/db/migrations.ts';
import { withClient } from '../../lib/db/pg.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestDatabase, testServer, type TestDatabase } from '../helpers/postgres.ts';

const LOCAL = listLocalMigrations().migrations;
const staging = ENVIRONMENTS.staging;
const options = { timeoutMs: 5000 };
let migrated: TestDatabase;
let empty: TestDatabase;

beforeAll(async () => {
  [migrated, empty] = await Promise.all([
    createTestDatabase('status_done', { migrate: true }),
    createTestDatabase('status_empty', { bootstrap: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([migrated.drop(), empty.drop()]);
});

describe('doctor: the migrations database check on a real PostgreSQL', () => {
  it('a migrated database is up to date', async () => {
    expect((await readMigrationStatus(migrated.db, options)).comparison).toEqual({
      pending: [],
      remoteOnly: [],
      outOfOrder: [],
    });
    expect(await checkMigrationsDatabase(migrated.db, staging, options)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining(`up to date (${LOCAL.length} applied, none pending)`),
    });
  });

  it('a database with nothing applied has every file pending', async () => {
    const outcome = await checkMigrationsDatabase(empty.db, staging, options);
    expect(outcome).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`${LOCAL.length} pending on 127.0.0.1:${testServer().port}/${empty.name}`),
    });
  });

  it('an applied file edited since (rows recorded by the real CLI): ✗ naming the file and line, with the fix', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'status-edited-'));
    try {
      for (const m of LOCAL) copyFileSync(m.path, path.join(dir, m.file));
      const edited = LOCAL[0]!;
      writeFileSync(
        path.join(dir, edited.file),
        `${readFileSync(edited.path, 'utf8')}\ncreate table public.sneaked_in (id int);\n`,
      );
      const outcome = await checkMigrationsDatabase(migrated.db, staging, { ...options, migrationsDir: dir });
      expect(outcome).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(
          new RegExp(
            `ran a different version of supabase/migrations/${edited.file}: line \\d+ now reads "create table public.sneaked_in \\(id int\\)", a statement the database never ran$`,
          ),
        ),
        fix: expect.stringContaining('put the change in a new migration'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unreachable or refused: a failed check with one line, never the password', async () => {
    const closed = await checkMigrationsDatabase(
      parseDbUrl(`postgresql://postgres:closed-port-pw@127.0.0.1:${await freePort()}/postgres`, 'test'),
      staging,
      options,
    );
    expect(closed).toMatchObject({ status: 'fail', detail: expect.stringContaining('connection refused') });
    const wrong = await checkMigrationsDatabase(
      parseDbUrl(`postgresql://postgres:wrong-pw-555@127.0.0.1:${testServer().port}/postgres`, 'test'),
      staging,
      options,
    );
    expect(wrong).toMatchObject({ status: 'fail', detail: expect.stringContaining('password authentication failed') });
    expect(JSON.stringify([closed, wrong])).not.toMatch(/closed-port-pw|wrong-pw-555/);
  });
});

describe('readMigrationState (on an open connection)', () => {
  it('lists local files, recorded versions, pending ones and drift', async () => {
    await migrated.query(
      "insert into supabase_migrations.schema_migrations (version, name) values ('20991231000000', 'ghost')",
    );
    try {
      const state = await withClient(migrated.db, (client) => readMigrationState(client));
      expect(state.local.map((m) => m.file)).toEqual(LOCAL.map((m) => m.file));
      expect(state.applied).toEqual([...LOCAL.map((m) => m.version), '20991231000000']);
      expect(state).toMatchObject({ pending: [], remoteOnly: ['20991231000000'], skipped: [] });
    } finally {
      await migrated.query("delete from supabase_migrations.schema_migrations where version = '20991231000000'");
    }
    const fresh = await withClient(empty.db, (client) => readMigrationState(client));
    expect(fresh.pending.map((m) => m.version)).toEqual(LOCAL.map((m) => m.version));
  });
});
