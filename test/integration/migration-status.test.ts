/**
 * checkMigrationStatus: the one call doctor (or anything else) uses to ask "is this database
 * reachable, and which migrations are pending?", against the test run's real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDbUrl } from '../../lib/db-url.ts';
import { checkMigrationStatus } from '../../lib/migration-status.ts';
import { listLocalMigrations } from '../../lib/migrations.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestDatabase, testServer, type TestDatabase } from '../helpers/postgres.ts';

const LOCAL = listLocalMigrations().migrations;
let migrated: TestDatabase;
let empty: TestDatabase;

beforeAll(async () => {
  [migrated, empty] = await Promise.all([createTestDatabase('status_done', { migrate: true }), createTestDatabase('status_empty', { bootstrap: true })]);
});
afterAll(async () => {
  await Promise.all([migrated.drop(), empty.drop()]);
});

describe('checkMigrationStatus', () => {
  it('a migrated database: reachable, its server version, nothing pending', async () => {
    const status = await checkMigrationStatus(migrated.db);
    expect(status).toMatchObject({ reachable: true, pending: [], remoteOnly: [], applied: LOCAL.map((m) => m.version) });
    expect(status.reachable && status.serverVersion).toMatch(/^17\./);
  });

  it('a database with nothing applied: every local file pending', async () => {
    const status = await checkMigrationStatus(empty.db);
    expect(status.reachable && status.pending.map((m) => m.file)).toEqual(LOCAL.map((m) => m.file));
  });

  it('drift shows as remoteOnly', async () => {
    await migrated.query("insert into supabase_migrations.schema_migrations (version, name) values ('20991231000000', 'ghost')");
    const status = await checkMigrationStatus(migrated.db);
    expect(status.reachable && status.remoteOnly).toEqual(['20991231000000']);
  });

  it('unreachable or refused: reachable false with one line, never the password', async () => {
    const closed = await checkMigrationStatus(parseDbUrl(`postgresql://postgres:closed-port-pw@127.0.0.1:${await freePort()}/postgres`, 'test'), { connectTimeoutMs: 2000 });
    expect(closed).toMatchObject({ reachable: false, error: expect.stringContaining('cannot connect to postgresql://postgres:***@127.0.0.1:') });
    const wrong = await checkMigrationStatus(parseDbUrl(`postgresql://postgres:wrong-pw-555@127.0.0.1:${testServer().port}/postgres`, 'test'));
    expect(wrong).toMatchObject({ reachable: false, error: expect.stringContaining('password authentication failed') });
    expect(JSON.stringify([closed, wrong])).not.toMatch(/closed-port-pw|wrong-pw-555/);
  });
});
