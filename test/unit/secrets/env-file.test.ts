import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvText, readEnvFile } from '../../../lib/secrets/env-file.ts';
import { InvalidInput } from '../../../lib/core/errors.ts';
import { fromRoot } from '../../../lib/core/paths.ts';
import { redact } from '../../../lib/core/redact.ts';
import { SERVICE_SECRETS } from '../../../lib/config/service-secrets.ts';

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Zk9Q==\n#AbC+/def==\n-----END RSA PRIVATE KEY-----';

function problemOf(text: string): InvalidInput {
  try {
    parseEnvText(text, '.env.test');
  } catch (error) {
    if (error instanceof InvalidInput) return error;
    throw error;
  }
  throw new Error('expected InvalidInput');
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

  it('registers every value as a secret before anything can print it', () => {
    parseEnvText('TOKEN_A=fresh-value-for-redaction-1\nTOKEN_B="multi\nline-value-secret"\n', '.env.test');
    expect(redact('got fresh-value-for-redaction-1 and line-value-secret')).toBe('got *** and ***');
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

  it('lists every problem at once', () => {
    expect(problemOf('bad one\nA=1\nB="open\nbad two').message).toBe(
      [
        '.env.test: 3 problems:',
        '  line 1: not a NAME=VALUE line (dotenv would silently skip it)',
        '  line 3: B: a quoted value must end with its closing quote, at the end of the line or before a # comment',
        '  line 4: not a NAME=VALUE line (dotenv would silently skip it)',
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
});

describe('.env.example', () => {
  it('lists every secret the API reads, each after its description, with no value', () => {
    const file = readEnvFile(fromRoot('.env.example'), '.env.example');
    expect(file.entries.map((e) => [e.name, e.value])).toEqual(SERVICE_SECRETS.map((s) => [s.name, '']));
    const lines = readFileSync(fromRoot('.env.example'), 'utf8').split('\n');
    for (const secret of SERVICE_SECRETS)
      expect(lines[lines.indexOf(`${secret.name}=`) - 1]).toBe(`# ${secret.description}`);
  });
});
