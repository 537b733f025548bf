import { describe, expect, it } from 'vitest';
import {
  connectionEnv,
  displayDbUrl,
  isLocalDb,
  isTransactionPooler,
  parseDbUrl,
  urlWithoutPassword,
} from '../../../lib/db/url.ts';
import { InvalidInput } from '../../../lib/core/errors.ts';
import { redact } from '../../../lib/core/redact.ts';

describe('parseDbUrl', () => {
  it('parses a Supabase direct URL and keeps the password off argv and out of output', () => {
    const db = parseDbUrl(
      'postgresql://postgres:p%40ss%23word@db.abc.supabase.co:5432/postgres',
      'SUPABASE_DB_URL_STAGING',
    );
    expect(db).toMatchObject({
      user: 'postgres',
      password: 'p@ss#word',
      host: 'db.abc.supabase.co',
      port: 5432,
      database: 'postgres',
    });
    expect(urlWithoutPassword(db)).toBe('postgresql://postgres@db.abc.supabase.co:5432/postgres');
    expect(displayDbUrl(db)).toBe('postgresql://postgres:***@db.abc.supabase.co:5432/postgres');
    expect(connectionEnv(db)).toEqual({ PGPASSWORD: 'p@ss#word' });
    expect(redact('password is p@ss#word')).toBe('password is ***');
  });

  it.each([
    ['postgresql://postgres@127.0.0.1:54332/postgres', true],
    ['postgres://postgres@localhost/postgres', true],
    ['postgresql://postgres@[::1]:5432/postgres', true],
    ['postgresql://postgres@/postgres?host=/tmp', true],
    ['postgresql://postgres@db.abc.supabase.co:5432/postgres', false],
    ['postgresql://postgres@127.0.0.2:5432/postgres', false],
  ])('%s is local: %s', (url, local) => {
    expect(isLocalDb(parseDbUrl(url, 'url'))).toBe(local);
  });

  it('local URLs connect without TLS', () => {
    expect(connectionEnv(parseDbUrl('postgresql://postgres:pw@127.0.0.1:54332/postgres', 'u'))).toEqual({
      PGPASSWORD: 'pw',
      PGSSLMODE: 'disable',
    });
  });

  it('spots the transaction pooler', () => {
    expect(
      isTransactionPooler(
        parseDbUrl('postgresql://postgres.abc:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres', 'u'),
      ),
    ).toBe(true);
    expect(
      isTransactionPooler(
        parseDbUrl('postgresql://postgres.abc:pw@aws-0-us-east-1.pooler.supabase.com:5432/postgres', 'u'),
      ),
    ).toBe(false);
  });

  it.each([
    ['not a url', 'DATABASE_URL is not a valid URL'],
    ['mysql://u:secretpw@h/db', 'DATABASE_URL must be a postgres:// or postgresql:// URL (got mysql://…)'],
    ['postgresql://u:secretpw@h:5432', 'DATABASE_URL has no database name'],
  ])('%s -> InvalidInput naming the variable, never the value', (value, message) => {
    let error: unknown;
    try {
      parseDbUrl(value, 'DATABASE_URL');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain('secretpw');
  });
});
