/**
 * Shared by the fly-secrets end-to-end tests: env files in a temp folder, the script run
 * against the fake flyctl, and the two leak checks every test applies (no value on flyctl's
 * argv, no value in anything printed).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { FakeFly } from './fake-fly.ts';
import { runScript, type ScriptResult } from './run-script.ts';

export const STAGING = 'kotadb-api-staging';
export const PRODUCTION = 'kotadb-api';

export const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAx4Zk9QpemSecretLine1+/AbCdEf==',
  '#StartsWithHash0123456789abcdefABCDEF+/xyz=',
  '-----END RSA PRIVATE KEY-----',
  '',
].join('\n');

/** Values with everything that broke the old script, as dotenv reads them from RICH_ENV_FILE. */
export const RICH_VALUES: Record<string, string> = {
  DATABASE_URL:
    'postgresql://postgres.richref0001:R1ch%23pass%3Dword@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
  SUPABASE_URL: 'https://richref0001.supabase.co',
  SUPABASE_ANON_KEY: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.cmljaC1hbm9uLXNpZw==',
  SUPABASE_SERVICE_KEY: 'srv"key#with=hash"and==',
  JWT_SECRET: '  jwt secret with spaces #and hash  ',
  INTERNAL_API_KEY: 'it\'s "quoted" twice\'',
  GITHUB_APP_PRIVATE_KEY: PEM,
  SENTRY_DSN: 'https://pub1ickey0123@o123.ingest.sentry.io/4567#frag',
  KOTADB_WEBHOOK_BASE_URL: 'https://hooks.example.com/ünïcødé/日本',
  EXTRA_TOOL_TOKEN: 'tok==',
};

/** The same values as an env file: CRLF line ends, `export`, comments, every quoting style. */
export const RICH_ENV_FILE = [
  '# staging secrets',
  `export DATABASE_URL=${RICH_VALUES.DATABASE_URL}`,
  `SUPABASE_URL=${RICH_VALUES.SUPABASE_URL}   # the project URL`,
  `SUPABASE_ANON_KEY=${RICH_VALUES.SUPABASE_ANON_KEY}`,
  `SUPABASE_SERVICE_KEY='${RICH_VALUES.SUPABASE_SERVICE_KEY}'`,
  `JWT_SECRET="${RICH_VALUES.JWT_SECRET}"`,
  `INTERNAL_API_KEY=\`${RICH_VALUES.INTERNAL_API_KEY}\``,
  `GITHUB_APP_PRIVATE_KEY="${PEM}"`,
  `SENTRY_DSN="${RICH_VALUES.SENTRY_DSN}"`,
  `KOTADB_WEBHOOK_BASE_URL=${RICH_VALUES.KOTADB_WEBHOOK_BASE_URL}`,
  `EXTRA_TOOL_TOKEN=${RICH_VALUES.EXTRA_TOOL_TOKEN}`,
  '',
].join('\r\n');

export function tempFolder(): {
  dir: string;
  write: (name: string, text: string, mode?: number) => string;
  /** A symlink `name` -> `target` (relative to the folder). */
  link: (target: string, name: string) => string;
  /** A named pipe nobody writes to. */
  fifo: (name: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'fly-secrets-'));
  return {
    dir,
    write: (name, text, mode = 0o600) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      chmodSync(file, mode);
      return file;
    },
    link: (target, name) => {
      const file = path.join(dir, name);
      symlinkSync(target, file);
      return file;
    },
    fifo: (name) => {
      const file = path.join(dir, name);
      execFileSync('mkfifo', [file]);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function runSecrets(
  fake: FakeFly,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<ScriptResult> {
  return runScript('fly-secrets', args, { env: { ...fake.env, ...env } });
}

/** Every flyctl argv the fake recorded, in order. */
export function flyArgv(fake: FakeFly): string[][] {
  return fake.calls().map((call) => [...call.argv]);
}

/** What could identify a value in output: the value, and each long-enough line of it. */
function fragments(values: readonly string[]): string[] {
  return values
    .flatMap((value) => [
      value.trim(),
      ...value
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length >= 8),
    ])
    .filter(Boolean);
}

/** argv holds only subcommands, flags, names and `NAME=-` (never a value). */
export function expectNamesAndFlagsOnly(fake: FakeFly, values: readonly string[]): void {
  for (const argv of flyArgv(fake)) {
    for (const arg of argv) expect(arg).toMatch(/^(--[a-z-]+|[A-Za-z0-9_-]+(=-)?)$/);
    for (const fragment of fragments(values)) expect(argv.join(' ')).not.toContain(fragment);
  }
}

export function expectNoValueIn(text: string, values: readonly string[]): void {
  for (const fragment of fragments(values)) expect(text).not.toContain(fragment);
}
