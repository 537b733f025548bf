import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAX_ENV_ENTRIES,
  MAX_ENV_FILE_BYTES,
  parseEnvText,
  problemsError,
  readEnvFile,
} from '../../../lib/secrets/env-file.ts';
import { InvalidInput } from '../../../lib/core/errors.ts';
import { fromRoot } from '../../../lib/core/paths.ts';
import { redact } from '../../../lib/core/redact.ts';
import { SERVICE_SECRETS } from '../../../lib/config/service-secrets.ts';
import { parseDbUrl } from '../../../lib/db/url.ts';

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Zk9Q==\n#AbC+/def==\n-----END RSA PRIVATE KEY-----';

/** The one error fly-secrets would print for the file's problems. */
function problemOf(text: string): InvalidInput {
  const { problems } = parseEnvText(text, '.env.test');
  if (problems.length === 0) throw new Error('expected problems');
  return problemsError('.env.test', problems);
}

describe('parseEnvText (dotenv values, every dropped or cut line named)', () => {
  it('reads what dotenv reads: #, =, ==, quotes, spaces, export, CRLF, multi-line PEM', () => {
    const text = [
      '# comment',
      'export DATABASE_URL="postgresql://u:p#w=d@h:6543/db"',
      'SUPABASE_ANON_KEY=eyJh.eyJy.c2ln==',
      `QUOTED='say "hi"'`,
      'PADDED="  two spaces  "',
      'UNQUOTED=  trimmed value   # trailing comment',
      `GITHUB_APP_PRIVATE_KEY="${PEM}"`,
      'ESCAPED="line1\\nline2"',
      '',
    ].join('\r\n');
    const { entries, warnings } = parseEnvText(text, '.env.test');
    expect(entries).toEqual([
      { name: 'DATABASE_URL', value: 'postgresql://u:p#w=d@h:6543/db', line: 2 },
      { name: 'SUPABASE_ANON_KEY', value: 'eyJh.eyJy.c2ln==', line: 3 },
      { name: 'QUOTED', value: 'say "hi"', line: 4 },
      { name: 'PADDED', value: '  two spaces  ', line: 5 },
      { name: 'UNQUOTED', value: 'trimmed value', line: 6 },
      { name: 'GITHUB_APP_PRIVATE_KEY', value: PEM, line: 7 },
      { name: 'ESCAPED', value: 'line1\nline2', line: 11 },
    ]);
    expect(warnings).toEqual([]);
  });

  it('registers the secret values before anything can print them', () => {
    parseEnvText('TOKEN_A=fresh-value-for-redaction-1\nTOKEN_B="multi\nline-value-secret"\n', '.env.test');
    expect(redact('got fresh-value-for-redaction-1 and line-value-secret')).toBe('got *** and ***');
  });

  it('masks only what is secret: secret names whatever their length, long values, URL passwords; ordinary words survive', () => {
    parseEnvText(
      [
        'JWT_SECRET=hunter2',
        'MY_PASSWORD=pw4',
        'APP_LABEL=kotadb',
        'ENABLED=1',
        'COLOR="\x1b[31m"',
        'DEFAULT_RATE_LIMIT=1000',
        'SUPABASE_URL=https://projref0001.supabase.co',
        'GITHUB_CLIENT_ID=Iv1.publicclientid0',
        'EXTRA_SETTING=long-enough-value-42',
        'CACHE_URL=redis://cache:tiny@cache.internal:6379',
        '',
      ].join('\n'),
      '.env.test',
    );
    // Secret names: masked even when short (as whole words only, never inside other words).
    expect(redact('jwt hunter2 / hunter2x / pw4.')).toBe('jwt *** / hunter2x / ***.');
    // Values 8+ characters long of other names, and the password of a URL in any value.
    expect(redact('got long-enough-value-42 from redis://cache:tiny@cache.internal:6379')).not.toMatch(
      /long-enough|tiny/,
    );
    // Ordinary words, numbers and public settings stay readable.
    expect(redact('kotadb uses 1 app, 1000 requests, https://projref0001.supabase.co, Iv1.publicclientid0')).toBe(
      'kotadb uses 1 app, 1000 requests, https://projref0001.supabase.co, Iv1.publicclientid0',
    );
  });

  it('names a # glued to a URL value with both fixes at once (percent-encode it in the password)', () => {
    expect(problemOf('DATABASE_URL=postgresql://u:pa#ss@h:6543/db\n').message).toBe(
      '.env.test:1: DATABASE_URL: unquoted "#" starts a comment, so dotenv would cut the value there; in a URL write it percent-encoded (# as %23; also @ %40, / %2F, ? %3F, % %25 in a password)',
    );
  });

  it(`refuses more than ${MAX_ENV_ENTRIES} names with one line, and registers none of them`, () => {
    const text = Array.from({ length: MAX_ENV_ENTRIES + 1 }, (_, i) => `K${i}=value-number-${i}-long`).join('\n');
    expect(() => parseEnvText(text, '.env.big')).toThrow(
      expect.objectContaining({
        message: `.env.big: ${MAX_ENV_ENTRIES + 1} names is more than an env file may hold (${MAX_ENV_ENTRIES}): is this the right file?`,
        exitCode: 2,
      }),
    );
    expect(redact('value-number-7-long')).toBe('value-number-7-long');
  });

  it('warns when a name is set twice (the last one wins, as in dotenv)', () => {
    const { entries, warnings } = parseEnvText('A=1\nB=2\nA=3\n', '.env.test');
    expect(entries).toEqual([
      { name: 'A', value: '3', line: 3 },
      { name: 'B', value: '2', line: 2 },
    ]);
    expect(warnings).toEqual(['.env.test:3: A is also set on line 1; this later one wins']);
  });

  it.each([
    [
      'a line without =',
      'A=1\nthis is not an assignment\nB=2\n',
      '.env.test:2: not a NAME=VALUE line (dotenv would silently skip it)',
    ],
    [
      'a name with a space',
      'A=1\n\nMY KEY=value\n',
      '.env.test:3: not a NAME=VALUE line (dotenv would silently skip it)',
    ],
    [
      'a stray PEM line after an unquoted value',
      'A=1\nKEY=-----BEGIN KEY-----\nMIIEow\n',
      '.env.test:3: not a NAME=VALUE line (dotenv would silently skip it)',
    ],
    [
      'an unterminated quote',
      'A=1\nSECRET="abc\n',
      '.env.test:2: SECRET: a quoted value must end with its closing quote, at the end of the line or before a # comment',
    ],
    [
      'text after a closing quote',
      "SECRET='abc' def\n",
      '.env.test:1: SECRET: a quoted value must end with its closing quote, at the end of the line or before a # comment',
    ],
    [
      'an unquoted # glued to the value',
      'SECRET=abc#def\n',
      '.env.test:1: SECRET: unquoted "#" starts a comment, so dotenv would cut the value there; quote the value ("…") or put a space before the comment',
    ],
    [
      'a value that starts with #',
      'SECRET=#abc\n',
      '.env.test:1: SECRET: unquoted "#" starts a comment, so dotenv would cut the value there; quote the value ("…") or put a space before the comment',
    ],
    [
      'a name the service cannot read',
      'my-key=1\n',
      '.env.test:1: "my-key" is not a usable secret name (letters, digits and _, not starting with a digit)',
    ],
  ])('rejects %s, naming the line and never the value', (_what, text, message) => {
    const error = problemOf(text);
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toMatch(/abc|MIIEow|assignment/);
  });

  it('lists every problem at once, by line', () => {
    expect(problemOf('bad one\nA=1\nB="open\nbad two').message).toBe(
      [
        '.env.test: 3 problems:',
        '  .env.test:1: not a NAME=VALUE line (dotenv would silently skip it)',
        '  .env.test:3: B: a quoted value must end with its closing quote, at the end of the line or before a # comment',
        '  .env.test:4: not a NAME=VALUE line (dotenv would silently skip it)',
      ].join('\n'),
    );
  });
});

describe('readEnvFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'env-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('warns when group or others can access the file', () => {
    const file = path.join(dir, 'open.env');
    writeFileSync(file, 'A=1\n');
    chmodSync(file, 0o644);
    expect(readEnvFile(file, 'open.env').warnings).toEqual([
      'open.env is accessible to other users (mode 644): run chmod 600 open.env',
    ]);
    chmodSync(file, 0o600);
    expect(readEnvFile(file, 'open.env').warnings).toEqual([]);
  });

  it('names a missing file with the hint, and a directory (which even root cannot read as a file)', () => {
    expect(() => readEnvFile(path.join(dir, 'nope'), '.env.nope', 'copy .env.example')).toThrow(
      expect.objectContaining({
        message: '.env.nope: cannot read the env file (ENOENT)',
        hint: 'copy .env.example',
        exitCode: 2,
      }),
    );
    const sub = path.join(dir, 'a-dir');
    mkdirSync(sub);
    expect(() => readEnvFile(sub, 'a-dir')).toThrow(
      expect.objectContaining({ message: 'a-dir: cannot read the env file (it is a directory)', exitCode: 2 }),
    );
  });

  it('refuses a FIFO at once instead of waiting for a writer (a blocking open would outlast Ctrl-C)', () => {
    const fifo = path.join(dir, 'env.fifo');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    expect(() => readEnvFile(fifo, 'env.fifo')).toThrow(
      expect.objectContaining({
        message: 'env.fifo: cannot read the env file (it is a FIFO, not a regular file)',
        exitCode: 2,
      }),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(() => readEnvFile('/dev/null', '/dev/null')).toThrow(
      expect.objectContaining({ message: '/dev/null: cannot read the env file (it is a device, not a regular file)' }),
    );
  });

  it('refuses a file over 1 MiB with one line, before parsing it (150,000 entries)', () => {
    const file = path.join(dir, 'huge.env');
    writeFileSync(file, Array.from({ length: 150_000 }, (_, i) => `KEY_${i}=v${i}`).join('\n'));
    expect(() => readEnvFile(file, 'huge.env')).toThrow(
      expect.objectContaining({
        message: `huge.env: the env file is 2.5 MiB; an env file may hold at most ${MAX_ENV_FILE_BYTES / 1024 / 1024} MiB`,
        exitCode: 2,
      }),
    );
  });
});

describe('.env.example', () => {
  it('lists every secret the API reads, each after its description, with no value', () => {
    const file = readEnvFile(fromRoot('.env.example'), '.env.example');
    expect(file.entries.map((e) => [e.name, e.value])).toEqual(SERVICE_SECRETS.map((s) => [s.name, '']));
    const lines = readFileSync(fromRoot('.env.example'), 'utf8').split('\n');
    for (const secret of SERVICE_SECRETS)
      expect(lines[lines.indexOf(`${secret.name}=`) - 1]).toBe(`# ${secret.description}`);
  });

  it('its percent-encoding example is read as the password it names, with no problem', () => {
    const text = readFileSync(fromRoot('.env.example'), 'utf8');
    const example = /^#\s+(DATABASE_URL=postgresql:\S+)$/m.exec(text)?.[1];
    expect(example).toBeDefined();
    const line = example!.replace('<project-ref>', 'ref').replace('<pooler-host>', 'pooler.example.com');
    const { entries, problems } = parseEnvText(`${line}\n`, '.env.example');
    expect(problems).toEqual([]);
    expect(parseDbUrl(entries[0]!.value, 'DATABASE_URL').password).toBe('p#ss@word');
  });
});
