/**
 * pg_stat_activity / pg_locks readers (lib/db/sessions.ts) on the test run's real PostgreSQL:
 * old transactions, who blocks whom, cancelling a statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type PgClient } from '../../lib/db/pg.ts';
import {
  blockersOf,
  cancelBackends,
  describeSession,
  oldTransactions,
  sessionsNamed,
  serverNow,
} from '../../lib/db/sessions.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

let db: TestDatabase;
const clients: PgClient[] = [];
const open = async (applicationName: string) => {
  const client = await connect(db.db, { applicationName });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  db = await createTestDatabase('sessions');
  await db.query('create table hot (id int)');
});
afterAll(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  await db.drop();
});

const until = async (what: () => Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await what()); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('sessions on the database', () => {
  it('names a transaction left open, with its age, and only once it is old enough', async () => {
    const me = await open('me');
    const holder = await open('holder');
    await holder.query('begin');
    await holder.query('select 1 as "long \u001b[2J transaction"');
    expect(await oldTransactions(me, 60_000)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const [old] = await oldTransactions(me, 200);
    expect(old).toMatchObject({ application: 'holder', state: 'idle in transaction', user: 'postgres' });
    expect(old!.transactionAgeMs).toBeGreaterThanOrEqual(200);
    expect(describeSession(old!)).toMatch(
      /^pid \d+ \(holder, user postgres, idle in transaction, transaction open \d+ms, query "select 1 as "long \\x1b\[2J transaction""\)$/,
    );
    await holder.query('rollback');
  });

  it('finds who blocks a waiting session, and cancels a running statement', async () => {
    const me = await open('me');
    const holder = await open('lock holder');
    const since = await serverNow(me);
    const waiter = await open('waiter');
    await holder.query('begin');
    await holder.query('lock table hot in access exclusive mode');
    const waiting = waiter.query('alter table hot add column b int').catch((error: { code?: string }) => error.code);
    await until(async () => (await blockersOf(me, 'waiter', { startedSince: since })).length > 0);
    const [blocker] = await blockersOf(me, 'waiter', { startedSince: since });
    expect(blocker).toMatchObject({ application: 'lock holder', state: 'idle in transaction' });
    expect(await blockersOf(me, 'waiter', { startedSince: new Date(Date.now() + 60_000) })).toEqual([]);

    const [session] = await sessionsNamed(me, 'waiter');
    expect(session).toMatchObject({ state: 'active', waitEvent: 'Lock:relation' });
    await cancelBackends(me, [session!.pid]);
    expect(await waiting).toBe('57014');
    await holder.query('rollback');
  });
});
