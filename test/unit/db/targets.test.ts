import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseDbUrl } from '../../../lib/db/url.ts';
import {
  applyTargetConfigured,
  assertNotTransactionPooler,
  assertResettable,
  resolveApplyTarget,
  sameDatabase,
} from '../../../lib/db/targets.ts';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { ExitCode, type ToolkitError } from '../../../lib/core/errors.ts';

const url = (value: string) => parseDbUrl(value, 'test');

function exitCodeOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as ToolkitError).exitCode;
  }
}

describe('sameDatabase', () => {
  const pooler = 'aws-0-eu-central-1.pooler.supabase.com';
  it.each([
    ['postgresql://a:x@127.0.0.1:5432/db', 'postgres://b@localhost:5432/db?sslmode=disable', true],
    ['postgresql://a@127.0.0.1:5432/db', 'postgresql://a@127.1:5432/db', true],
    ['postgresql://a@[::1]:5432/db', 'postgresql://a@[0:0:0:0:0:0:0:1]:5432/db', true],
    [`postgresql://a@127.0.0.1:5432/db`, `postgresql://a@${os.hostname()}:5432/db`, true],
    ['postgresql://a@db.x.supabase.co:5432/postgres', 'postgresql://a@DB.X.SUPABASE.CO.:5432/postgres', true],
    ['postgresql://a@127.0.0.1:5432/db', 'postgresql://a@127.0.0.1:5433/db', false],
    ['postgresql://a@127.0.0.1:5432/db', 'postgresql://a@127.0.0.1:5432/other', false],
    // Supabase's pooler: the user's suffix is the project.
    [
      `postgresql://postgres.stgref@${pooler}:5432/postgres`,
      `postgresql://postgres.prodref@${pooler}:5432/postgres`,
      false,
    ],
    [
      `postgresql://postgres.prodref@${pooler}:5432/postgres`,
      `postgresql://other_role.prodref@${pooler}:5432/postgres`,
      true,
    ],
    [
      `postgresql://postgres.prodref@${pooler}:5432/postgres`,
      `postgresql://postgres.prodref@${pooler}:6543/postgres`,
      true,
    ],
    [
      'postgresql://postgres@db.prodref.supabase.co:5432/postgres',
      `postgresql://postgres.prodref@${pooler}:6543/postgres`,
      true,
    ],
    [
      'postgresql://postgres@db.stgref.supabase.co:5432/postgres',
      `postgresql://postgres.prodref@${pooler}:5432/postgres`,
      false,
    ],
  ])('%s vs %s -> %s', (a, b, expected) => {
    expect(sameDatabase(url(a), url(b))).toBe(expected);
  });
});

describe('assertResettable', () => {
  const env = {
    SUPABASE_DB_URL_STAGING: 'postgresql://postgres:stg@127.0.0.1:6000/staging',
    SUPABASE_DB_URL: 'not a url',
  };

  it.each([
    ['a remote host', 'postgresql://postgres:pw@db.abc.supabase.co:5432/postgres', ExitCode.refused],
    ['a private-network host', 'postgresql://postgres@10.0.0.5:5432/postgres', ExitCode.refused],
    [
      'the database SUPABASE_DB_URL_STAGING names (other spelling)',
      'postgresql://postgres@localhost:6000/staging',
      ExitCode.refused,
    ],
    ["config.toml's Docker port", 'postgresql://postgres@127.0.0.1:54322/postgres', ExitCode.refused],
    ['a local database', 'postgresql://postgres@127.0.0.1:54332/postgres', null],
    ['::1', 'postgresql://postgres@[::1]:54332/postgres', null],
  ])('%s', (_name, value, code) => {
    expect(exitCodeOf(() => assertResettable(url(value), { env, raw: value, dockerDbPort: 54322 }))).toBe(code);
  });

  it('reads a protected variable the way the CLI would: its ?dbname= is the database it protects', () => {
    const folded = { SUPABASE_DB_URL_PRODUCTION: 'postgresql://postgres@127.0.0.1:6000/scratch?dbname=prodlike' };
    const target = 'postgresql://postgres@127.0.0.1:6000/prodlike';
    expect(exitCodeOf(() => assertResettable(url(target), { env: folded, raw: target }))).toBe(ExitCode.refused);
    const scratch = 'postgresql://postgres@127.0.0.1:6000/scratch';
    expect(exitCodeOf(() => assertResettable(url(scratch), { env: folded, raw: scratch }))).toBe(null);
  });

  it('protected variables match in any case of their name', () => {
    const target = 'postgresql://postgres@127.0.0.1:6000/staging';
    expect(
      exitCodeOf(() =>
        assertResettable(url(target), { env: { supabase_db_url_staging: target + '?sslmode=disable' } }),
      ),
    ).toBe(ExitCode.refused);
  });

  it('compares variables that do not parse as text', () => {
    const raw = 'postgresql://postgres@127.0.0.1:7000/x';
    expect(exitCodeOf(() => assertResettable(url(raw), { env: { SUPABASE_DB_URL_LOCAL: raw }, raw }))).toBe(
      ExitCode.refused,
    );
  });
});

describe('resolveApplyTarget', () => {
  const staging = ENVIRONMENTS.staging;
  const S = 'postgresql://postgres:s@db.stg.supabase.co:5432/postgres';
  const G = 'postgresql://postgres:g@db.gen.supabase.co:5432/postgres';

  it('takes the argument first, then SUPABASE_DB_URL, then the environment variable', () => {
    expect(resolveApplyTarget('postgresql://u@h:5432/d', staging, { SUPABASE_DB_URL: G }).source).toBe('the argument');
    expect(resolveApplyTarget(undefined, null, { SUPABASE_DB_URL: G }).db.host).toBe('db.gen.supabase.co');
    expect(resolveApplyTarget(undefined, staging, { SUPABASE_DB_URL_STAGING: S })).toMatchObject({
      source: 'SUPABASE_DB_URL_STAGING',
    });
  });

  it('exit 2 when no URL is given, or SUPABASE_DB_URL and the environment disagree', () => {
    expect(exitCodeOf(() => resolveApplyTarget(undefined, null, {}))).toBe(ExitCode.invalid);
    expect(exitCodeOf(() => resolveApplyTarget(undefined, staging, {}))).toBe(ExitCode.invalid);
    expect(
      exitCodeOf(() => resolveApplyTarget(undefined, staging, { SUPABASE_DB_URL: G, SUPABASE_DB_URL_STAGING: S })),
    ).toBe(ExitCode.invalid);
    expect(exitCodeOf(() => resolveApplyTarget('https://example.com/x', null, {}))).toBe(ExitCode.invalid);
    expect(exitCodeOf(() => resolveApplyTarget('postgresql://u@h:5432/scratch3?dbname=prodlike', null, {}))).toBe(
      ExitCode.invalid,
    );
  });

  it('on the pooler, staging and production differ by the user only: SUPABASE_DB_URL must name the same project', () => {
    const pooler = (ref: string) => `postgresql://postgres.${ref}:pw@aws-0-us-east-1.pooler.supabase.com:5432/postgres`;
    expect(
      exitCodeOf(() =>
        resolveApplyTarget(undefined, staging, {
          SUPABASE_DB_URL: pooler('prodref'),
          SUPABASE_DB_URL_STAGING: pooler('stgref'),
        }),
      ),
    ).toBe(ExitCode.invalid);
    expect(
      resolveApplyTarget(undefined, staging, {
        SUPABASE_DB_URL: pooler('stgref'),
        SUPABASE_DB_URL_STAGING: 'postgresql://postgres:pw@db.stgref.supabase.co:5432/postgres',
      }).source,
    ).toBe('SUPABASE_DB_URL');
  });
});

describe('assertNotTransactionPooler', () => {
  it('refuses 6543 (exit 3) unless allowed; accepts the session pooler on 5432', () => {
    const pooler = url('postgresql://postgres.abc:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres');
    expect(exitCodeOf(() => assertNotTransactionPooler(pooler, false))).toBe(ExitCode.refused);
    expect(exitCodeOf(() => assertNotTransactionPooler(pooler, true))).toBe(null);
    expect(
      exitCodeOf(() =>
        assertNotTransactionPooler(
          url('postgresql://postgres.abc:pw@aws-0-us-east-1.pooler.supabase.com:5432/postgres'),
          false,
        ),
      ),
    ).toBe(null);
  });
});

describe('applyTargetConfigured', () => {
  it.each([
    ['an argument', 'postgresql://x@h/db', null, {}, true],
    ['SUPABASE_DB_URL', undefined, null, { SUPABASE_DB_URL: 'postgresql://x@h/db' }, true],
    [
      "the environment's variable",
      undefined,
      ENVIRONMENTS.staging,
      { SUPABASE_DB_URL_STAGING: 'postgresql://x@h/db' },
      true,
    ],
    [
      "another environment's variable only",
      undefined,
      ENVIRONMENTS.staging,
      { SUPABASE_DB_URL_PRODUCTION: 'postgresql://x@h/db' },
      false,
    ],
    ['an empty variable', undefined, ENVIRONMENTS.production, { SUPABASE_DB_URL_PRODUCTION: '' }, false],
    ['nothing', undefined, null, {}, false],
  ] as const)('%s -> %s', (_name, arg, environment, env, expected) => {
    expect(applyTargetConfigured(arg, environment, env)).toBe(expected);
  });
});
