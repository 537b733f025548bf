import { describe, expect, it } from 'vitest';
import {
  cliUrl,
  connectionEnv,
  displayDbUrl,
  isLocalDb,
  isTransactionPooler,
  parseDbUrl,
  pgClientConfig,
  readDbUrl,
  urlWithoutPassword,
  urlWithPassword,
} from '../../../lib/db/url.ts';
import { InvalidInput } from '../../../lib/core/errors.ts';
import { redact } from '../../../lib/core/redact.ts';

/** The InvalidInput parseDbUrl throws (the test fails when it throws nothing). */
function refusal(value: string, label = 'DATABASE_URL'): InvalidInput {
  try {
    parseDbUrl(value, label);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInput);
    return error as InvalidInput;
  }
  throw new Error(`parseDbUrl accepted ${value}`);
}

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
    ['postgresql://postgres@LOCALHOST/postgres', true],
    ['postgresql://postgres@[::1]:5432/postgres', true],
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

  it('[::1]: the brackets are stripped for the client and put back in every URL rendered', () => {
    const db = parseDbUrl('postgresql://postgres@[::1]:54332/postgres', 'u');
    expect(db.host).toBe('::1');
    expect(pgClientConfig(db).host).toBe('::1');
    expect(cliUrl(db)).toBe('postgresql://postgres@[::1]:54332/postgres');
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
    [
      'POSTGRESQL://u:secretpw@h:5432/db',
      'DATABASE_URL must start with postgres:// or postgresql:// in lower case (the CLI reads anything else as key=value pairs)',
    ],
    [
      'postgresql://u:secretpw@/db?host=/var/run/postgresql',
      'DATABASE_URL has no host (a Unix socket as ?host=/dir is not supported: the Supabase CLI cannot reach one)',
    ],
    ['postgresql://u:secretpw@h1,h2:5432/db', 'DATABASE_URL names several hosts; the toolkit works on exactly one'],
    ['postgresql://u:secretpw@h:5432/db\n', 'DATABASE_URL contains a space or a control character'],
    ['postgresql://u:secretpw@h:5432/db#x', 'DATABASE_URL has a "#" outside the password'],
    ['postgresql://u:secretpw@h:5432/d%zzb', 'DATABASE_URL has a malformed percent-encoding in its database name'],
    [
      'postgresql://u:secretpw@h:5432/db?sslmode=disable;x=1',
      'DATABASE_URL has a ";" in its query string (use "&" between parameters)',
    ],
    [
      'postgresql://u:secretpw@h:5432/db?sslmode=disable&sslmode=require',
      'DATABASE_URL gives the query parameter "sslmode" twice',
    ],
  ])('%j -> InvalidInput naming the variable, never the value', (value, message) => {
    const error = refusal(value);
    expect(error.message).toBe(message);
    expect(`${error.message} ${error.hint}`).not.toContain('secretpw');
  });

  it('a password with an unencoded "/" is refused without showing it, and masked wherever it is printed', () => {
    for (const value of [
      'postgresql://postgres:sl/ash-secret-1@127.0.0.1:5432/db',
      'postgresql://postgres:1234/ash-secret-2@127.0.0.1:5432/db',
    ]) {
      const error = refusal(value);
      expect(`${error.message} ${error.hint}`).not.toMatch(/ash-secret/);
      expect(redact(`psql ${value} failed`)).not.toMatch(/ash-secret/);
    }
    expect(redact('postgresql://u:un/registered-pw@host:5432/db')).toBe('postgresql://u:***@host:5432/db');
    expect(redact('https://registry.example.com:443/@scope/pkg')).toBe('https://registry.example.com:443/@scope/pkg');
  });
});

describe('query parameters: the target the CLI really connects to', () => {
  it.each([
    ['dbname', 'postgresql://postgres@127.0.0.1:5432/scratch?dbname=precious', 'the database'],
    ['host', 'postgresql://postgres@127.0.0.1:5432/scratch?host=/some/socket', 'the server'],
    ['hostaddr', 'postgresql://postgres@127.0.0.1:5432/scratch?hostaddr=10.0.0.9', 'the server address'],
    ['port', 'postgresql://postgres@127.0.0.1:5432/scratch?port=6000', 'the port'],
    ['user', 'postgresql://postgres@pooler.example.com:5432/postgres?user=postgres.prod', 'the user'],
    ['service', 'postgresql://postgres@127.0.0.1:5432/scratch?service=prod', 'the whole target'],
    ['servicefile', 'postgresql://postgres@127.0.0.1:5432/scratch?servicefile=/tmp/x', 'the whole target'],
    ['passfile', 'postgresql://postgres@127.0.0.1:5432/scratch?passfile=/tmp/x', 'where the password comes from'],
    [
      'target_session_attrs',
      'postgresql://postgres@127.0.0.1:5432/scratch?target_session_attrs=any',
      'which server of a list',
    ],
  ])('?%s= is refused (exit 2), naming the parameter', (name, value, what) => {
    const error = refusal(value, '--db-url');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`--db-url has the query parameter "${name}", which changes ${what}`);
    expect(error.hint).toContain(`drop ?${name}=`);
  });

  it.each([
    ['sslrootcert', '?sslrootcert=/tmp/ca.pem', 'the query parameter "sslrootcert" is not one the toolkit passes on'],
    ['an unknown one', '?pool_max_conns=3', 'the query parameter "pool_max_conns" is not one the toolkit passes on'],
    [
      'a bad sslmode',
      '?sslmode=maybe',
      'sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full',
    ],
    ['a bad connect_timeout', '?connect_timeout=soon', 'connect_timeout must be a whole number of seconds'],
    ['options setting search_path', '?options=-c%20search_path%3Devil', 'options may only set'],
    ["options naming a pooler tenant (Supavisor's reference=)", '?options=reference%3Dprodref', 'options must be'],
  ])('%s is refused with the allow-list in the hint', (_name, query, message) => {
    const error = refusal(`postgresql://postgres@db.abc.supabase.co:5432/postgres${query}`);
    expect(error.message).toContain(message);
    expect(error.hint).toContain('allowed query parameters: sslmode, application_name, connect_timeout, options');
  });

  it('keeps the allowed ones, in one order, on every URL it renders', () => {
    const db = parseDbUrl(
      'postgresql://postgres:pw-allowed-1@db.abc.supabase.co/postgres?options=-c%20statement_timeout%3D5s%20-c%20lock_timeout%3D2s&connect_timeout=7&application_name=me&sslmode=require',
      'u',
    );
    expect(cliUrl(db)).toBe(
      'postgresql://postgres@db.abc.supabase.co:5432/postgres?sslmode=require&application_name=me&connect_timeout=7&options=-c%20statement_timeout%3D5s%20-c%20lock_timeout%3D2s',
    );
    expect(pgClientConfig(db)).toMatchObject({
      options: '-c statement_timeout=5s -c lock_timeout=2s',
      connectionTimeoutMillis: 7000,
      ssl: { rejectUnauthorized: false },
    });
    // The CLI drops sslmode when it rebuilds the URL: it gets it as PGSSLMODE too.
    expect(connectionEnv(db)).toEqual({ PGPASSWORD: 'pw-allowed-1', PGSSLMODE: 'require' });
  });

  it('?password= is moved to PGPASSWORD: never in argv, output or an error, and it wins over the userinfo one', () => {
    const db = parseDbUrl(
      'postgresql://postgres:old-pw@127.0.0.1:5432/db?password=query-secret-1&sslmode=disable',
      'u',
    );
    expect(db.password).toBe('query-secret-1');
    expect(cliUrl(db)).toBe('postgresql://postgres@127.0.0.1:5432/db?sslmode=disable');
    expect(displayDbUrl(db)).toBe('postgresql://postgres:***@127.0.0.1:5432/db?sslmode=disable');
    expect(urlWithPassword(db)).toBe('postgresql://postgres:query-secret-1@127.0.0.1:5432/db?sslmode=disable');
    expect(connectionEnv(db)).toMatchObject({ PGPASSWORD: 'query-secret-1' });
    expect(redact('target: …/db?password=query-secret-1')).toBe('target: …/db?password=***');
    // Even in a URL refused for another parameter, the password is masked.
    const error = refusal('postgresql://postgres@127.0.0.1:5432/db?password=query-secret-2&dbname=x');
    expect(error.message).not.toContain('query-secret-2');
    expect(redact('query-secret-2')).toBe('***');
  });

  it('readDbUrl folds dbname, user, port and host into the target: where the CLI would really go', () => {
    const { db, refused } = readDbUrl(
      'postgresql://postgres@127.0.0.1:5432/postgres?dbname=prodlike&port=6000&user=admin',
      'SUPABASE_DB_URL_PRODUCTION',
    );
    expect(db).toMatchObject({ host: '127.0.0.1', port: 6000, user: 'admin', database: 'prodlike' });
    expect(refused.map((r) => r.name)).toEqual(['dbname', 'port', 'user']);
  });

  it('children lose the PG* variables that would fill in or override the target', () => {
    const env = connectionEnv(parseDbUrl('postgresql://postgres@127.0.0.1:5432/db', 'u'));
    for (const name of ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSERVICE', 'PGSERVICEFILE', 'PGOPTIONS']) {
      expect(Object.hasOwn(env, name) && env[name] === undefined, name).toBe(true);
    }
    expect(pgClientConfig(parseDbUrl('postgresql://postgres@127.0.0.1:5432/db', 'u')).options).toBe('');
  });
});
