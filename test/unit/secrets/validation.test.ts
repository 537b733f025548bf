import { describe, expect, it } from 'vitest';
import type { EnvFile } from '../../../lib/secrets/env-file.ts';
import { InvalidInput } from '../../../lib/core/errors.ts';
import { selectSecrets } from '../../../lib/secrets/validation.ts';

const POOLER = 'postgresql://postgres.ref:pw-7f3a@aws-0-us-east-1.pooler.supabase.com:6543/postgres';
const REQUIRED = {
  DATABASE_URL: POOLER,
  SUPABASE_URL: 'https://ref.supabase.co',
  SUPABASE_ANON_KEY: 'anon-key-1',
  SUPABASE_SERVICE_KEY: 'service-key-1',
};

function file(values: Record<string, string>): EnvFile {
  return {
    label: '.env.test',
    entries: Object.entries(values).map(([name, value], i) => ({ name, value, line: i + 1 })),
    mode: 0o600,
    warnings: [],
    problems: [],
  };
}

function problem(values: Record<string, string>, only: string[] | null = null): string {
  try {
    selectSecrets(file(values), only);
  } catch (error) {
    if (error instanceof InvalidInput) return error.message;
    throw error;
  }
  throw new Error('expected InvalidInput');
}

describe('selectSecrets', () => {
  it("accepts the query parameters the API's own driver reads in DATABASE_URL (they target nothing of ours)", () => {
    const url = `${POOLER}?sslmode=require&pgbouncer=true&statement_cache_capacity=0`;
    const selection = selectSecrets(file({ ...REQUIRED, DATABASE_URL: url }), null);
    expect(selection.toSet.find((e) => e.name === 'DATABASE_URL')?.value).toBe(url);
    expect(selection.warnings).toEqual([]);
  });

  it('sends known and unknown names, skips empty and placeholder optional ones, warns off the pooler', () => {
    const selection = selectSecrets(
      file({
        ...REQUIRED,
        DATABASE_URL: POOLER.replace(':6543', ':5432'),
        SENTRY_DSN: '',
        JWT_SECRET: '<your-jwt-secret>',
        SERVICE_ROLE_KEY: 'typo-1',
        DEFAULT_RATE_LIMIT: '1000',
      }),
      null,
    );
    expect(selection.toSet.map((e) => e.name)).toEqual([
      'DATABASE_URL',
      'SUPABASE_URL',
      'SUPABASE_ANON_KEY',
      'SUPABASE_SERVICE_KEY',
      'SERVICE_ROLE_KEY',
      'DEFAULT_RATE_LIMIT',
    ]);
    expect(selection.skipped.map((s) => [s.entry.name, s.reason])).toEqual([
      ['SENTRY_DSN', 'empty'],
      ['JWT_SECRET', 'placeholder'],
    ]);
    expect(selection.unknown).toEqual([{ name: 'SERVICE_ROLE_KEY' }]);
    expect(selection.warnings).toEqual([
      '.env.test:1: DATABASE_URL uses port 5432, not the transaction pooler port 6543 the API expects',
    ]);
  });

  it.each([
    [
      'DATABASE_URL',
      'postgresql://u:pw#secret@host:6543/db',
      '.env.test:1: DATABASE_URL is not a valid URL: expected postgresql://user:password@host:5432/database (percent-encode @ # / ? in the password)',
    ],
    [
      'DATABASE_URL',
      'https://u:secret@host/db',
      '.env.test:1: DATABASE_URL must be a postgres:// or postgresql:// URL',
    ],
    [
      'DATABASE_URL',
      'postgresql://u:secret@host:6543/',
      '.env.test:1: DATABASE_URL has no database name: add it after the port: …:5432/postgres',
    ],
    ['SUPABASE_URL', 'http://ref.supabase.co', '.env.test:2: SUPABASE_URL must be an https:// URL'],
    ['SUPABASE_URL', 'ref.supabase.co', '.env.test:2: SUPABASE_URL must be an https:// URL'],
    ['SUPABASE_ANON_KEY', '   ', '.env.test:3: SUPABASE_ANON_KEY is required but empty'],
    ['SUPABASE_SERVICE_KEY', '<service-role-key>', '.env.test:4: SUPABASE_SERVICE_KEY is required but a <placeholder>'],
  ])('rejects %s = %j with a message naming file, line and key only', (name, value, message) => {
    const text = problem({ ...REQUIRED, [name]: value });
    expect(text).toBe(message);
    expect(text).not.toContain('secret@');
    expect(text).not.toContain('pw#secret');
  });

  it('with --only: sends just those names, does not require the others, names what the file lacks', () => {
    const selection = selectSecrets(file({ JWT_SECRET: 'jwt-1', SENTRY_DSN: 'https://k@sentry.io/1' }), ['JWT_SECRET']);
    expect(selection.toSet.map((e) => e.name)).toEqual(['JWT_SECRET']);
    expect(problem({ JWT_SECRET: 'jwt-1' }, ['JWT_SECRET', 'REDIS_URL'])).toBe(
      '.env.test: --only names what the file does not set: REDIS_URL',
    );
    expect(problem({ SUPABASE_URL: '' }, ['SUPABASE_URL'])).toBe('.env.test:1: SUPABASE_URL is required but empty');
  });

  it('names every missing required secret', () => {
    expect(problem({ SUPABASE_URL: 'https://ref.supabase.co' })).toBe(
      '.env.test: required secrets missing: DATABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY',
    );
  });
});
