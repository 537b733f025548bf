/**
 * The `secrets import` encoder against the fake's exact port of flyctl's parser.go: every value
 * the encoder puts on the import must come back byte for byte; every value it sends another way
 * must be one that no spelling round-trips.
 */
import { describe, expect, it } from 'vitest';
import {
  fitsStdinSet,
  importSpelling,
  MAX_IMPORT_LINE_BYTES,
  planUpload,
} from '../../../lib/secrets/import-encoding.ts';
import { goTrimSpace, parseSecretsImportDetailed } from '../../fake-flyctl/parse-secrets-import.mjs';

/** What flyctl stores for `NAME=<spelled>` alone on stdin (null when it errors or panics). */
function flyctlReads(name: string, spelled: string): string | null {
  try {
    const parsed = parseSecretsImportDetailed(`${name}=${spelled}\n`);
    return parsed.tooLong || parsed.unterminated !== null ? null : (parsed.secrets[name] ?? null);
  } catch {
    return null;
  }
}

/** Every spelling an encoder could choose (the multi-line form is `"""value"""` too). */
const candidates = (value: string) => [value, `"${value}"`, `'${value}'`, `"""${value}"""`];

// The characters flyctl's parser treats specially, plus PEM, URL and unicode material.
const FRAGMENTS = [
  '#',
  '=',
  '==',
  '"',
  "'",
  '"""',
  '""',
  "''",
  '`',
  ' ',
  '  ',
  '\t',
  '\r',
  '\r\n',
  '\n',
  '\n\n',
  '#c',
  '\n#not-a-comment\n',
  'abc',
  'Z9',
  'é',
  '日本',
  '🔑',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\u0085',
  '\\n',
  '\\',
  'K=V',
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEA',
  'postgresql://u:p#w@h:6543/db',
  '"""\n',
  '\n"""',
  '"\n',
  "'\n",
];

/** mulberry32: a seeded PRNG, so a failure names a value that reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateValues(count: number, seed: number): string[] {
  const next = random(seed);
  const values: string[] = [];
  while (values.length < count) {
    const parts = 1 + Math.floor(next() * 8);
    let value = '';
    for (let i = 0; i < parts; i++) value += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
    values.push(value);
  }
  return values;
}

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Zk9Q==\n#AbC+/def==\n-----END RSA PRIVATE KEY-----\n';

describe('importSpelling / planUpload (against the port of flyctl parser.go)', () => {
  const values = generateValues(6000, 20260101);

  it('round-trips every value it puts on the import, and sends the rest only when no spelling could', () => {
    const counts = { import: 0, stdin: 0, unsendable: 0 };
    for (const value of values) {
      const plan = planUpload([{ name: 'K', value }]);
      if (plan.importNames.length === 1) {
        counts.import++;
        expect(parseSecretsImportDetailed(plan.importInput), JSON.stringify(value)).toEqual({
          secrets: { K: value },
          tooLong: false,
          unterminated: null,
        });
        continue;
      }
      for (const spelled of candidates(value)) expect(flyctlReads('K', spelled), JSON.stringify(value)).not.toBe(value);
      if (plan.stdinNames.length === 1) {
        counts.stdin++;
        expect(goTrimSpace(value), JSON.stringify(value)).toBe(value);
      } else {
        counts.unsendable++;
        expect(plan.unsendable.map((u) => u.name)).toEqual(['K']);
        expect(goTrimSpace(value)).not.toBe(value);
      }
    }
    // The generator must reach every branch, or this test proves less than it claims.
    expect(counts.import).toBeGreaterThan(4000);
    expect(counts.stdin).toBeGreaterThan(50);
    expect(counts.unsendable).toBeGreaterThan(50);
  });

  it('keeps values independent when many share one stdin', () => {
    const entries = values
      .map((value, i) => ({ name: `S${i}`, value }))
      .filter((e) => importSpelling(e.name, e.value) !== null);
    const plan = planUpload(entries);
    expect(plan.stdinNames).toEqual([]);
    expect(parseSecretsImportDetailed(plan.importInput)).toEqual({
      secrets: Object.fromEntries(entries.map((e) => [e.name, e.value])),
      tooLong: false,
      unterminated: null,
    });
  });

  it.each([
    ['a # inside', 'abc#def', '"abc#def"'],
    ['base64 padding', 'c2lnbmF0dXJl==', 'c2lnbmF0dXJl=='],
    ['a value that is a quoted string', '"quoted"', '""quoted""'],
    ['an odd quote before # (flyctl keeps it)', 'a"b#c', 'a"b#c'],
    ['an even number of quotes before #', 'a""b#c', '"a""b#c"'],
    ['a leading space and an odd number of quotes before #', ' a"b#c', `' a"b#c'`],
    ['leading spaces', '  padded', '"  padded"'],
    ['`""` before #', '""#', '"""""#"""'],
    ['a multi-line PEM', PEM, `"""${PEM}"""`],
  ])('spells %s so flyctl reads it back', (_what, value, spelled) => {
    expect(importSpelling('K', value)).toBe(spelled);
    expect(flyctlReads('K', spelled)).toBe(value);
  });

  it.each([
    ['a CRLF PEM', 'stdin', PEM.replace(/\n/g, '\r\n').trimEnd()],
    ['a middle line ending in """', 'stdin', 'a\nb"""\nc'],
    ['a CRLF PEM with its trailing newline (set NAME=- would trim it)', 'unsendable', PEM.replace(/\n/g, '\r\n')],
  ])('sends %s: %s', (_what, route, value) => {
    const plan = planUpload([{ name: 'GITHUB_APP_PRIVATE_KEY', value }]);
    expect(plan.importNames).toEqual([]);
    expect(route === 'stdin' ? plan.stdinNames : plan.unsendable.map((u) => u.name)).toEqual([
      'GITHUB_APP_PRIVATE_KEY',
    ]);
  });

  it('respects the 64 KiB line limit on both paths', () => {
    const name = 'BIG';
    const longest = 'x'.repeat(MAX_IMPORT_LINE_BYTES - name.length - 2);
    expect(importSpelling(name, longest)).toBe(longest);
    expect(flyctlReads(name, longest)).toBe(longest);
    expect(importSpelling(name, `${longest}x`)).toBeNull();
    expect(planUpload([{ name, value: `${longest}x` }]).stdinNames).toEqual([name]);
    expect(fitsStdinSet('x'.repeat(64 * 1024))).toBe(true);
    const huge = planUpload([{ name, value: 'x'.repeat(64 * 1024 + 1) }]);
    expect(huge.unsendable).toEqual([
      { name, reason: 'has a line of 64 KiB or more, and is over the 64 KiB `flyctl secrets set NAME=-` accepts' },
    ]);
    // Many short lines are fine on the import, whatever the total size.
    const tall = Array.from({ length: 3000 }, (_, i) => `line ${i} MIIEowIBAAKCAQEA`).join('\n');
    expect(flyctlReads(name, importSpelling(name, tall)!)).toBe(tall);
  });

  it('never puts a value in an unsendable reason', () => {
    const value = ' secret-value\r\nsecond"""\nthird ';
    const [entry] = planUpload([{ name: 'K', value }]).unsendable;
    expect(entry?.reason).toBeDefined();
    expect(entry?.reason).not.toContain('secret-value');
  });
});
