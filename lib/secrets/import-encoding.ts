/**
 * The encoder for `flyctl secrets import` stdin. flyctl's parser (internal/command/secrets/
 * parser.go; see the flyctl reference) is not dotenv and has no escapes, so each value needs a
 * spelling it reads back byte for byte:
 *   - the value is cut at its first `#` unless the text before it holds an odd number of `"`;
 *   - leading spaces are dropped; one pair of surrounding "…" or '…' is removed;
 *   - `"""…"""` is a value on one line, `"""first` … `last"""` a multi-line one (a middle line
 *     ending in `"""` closes it early);
 *   - every line loses one trailing \r; a line of 64 KiB or more silently ends the input.
 * Values no spelling can carry (a multi-line value with a line ending in `"""` or \r, or a line
 * too long) go through `flyctl secrets set NAME=- --stage` with the value alone on stdin; that
 * path trims surrounding whitespace and takes at most 64 KiB, so the rest cannot be sent at all.
 * test/unit/secrets-import.test.ts checks all of this against the fake's port of parser.go.
 */

/** bufio.Scanner's default buffer: a line (bytes before \n) this long ends flyctl's input. */
export const MAX_IMPORT_LINE_BYTES = 64 * 1024;
/** `secrets set NAME=-` refuses a longer stdin. */
export const MAX_STDIN_VALUE_BYTES = 64 * 1024;

const TRIPLE = '"""';

/** flyctl keeps a `#` (and what follows) only when an odd number of `"` come before it. */
function keepsHash(text: string): boolean {
  const hash = text.indexOf('#');
  if (hash === -1) return true;
  let quotes = 0;
  for (let i = text.indexOf('"'); i !== -1 && i < hash; i = text.indexOf('"', i + 1)) quotes++;
  return quotes % 2 === 1;
}

const wrapped = (text: string, quote: string) => text.startsWith(quote) && text.endsWith(quote);

/** Spellings of a one-line value, simplest first; each returns null when flyctl would misread it. */
const ONE_LINE_SPELLINGS: ReadonlyArray<(value: string) => string | null> = [
  // plain: nothing for flyctl to trim, cut or unwrap
  (v) =>
    !v.startsWith(' ') &&
    !v.endsWith('\r') &&
    keepsHash(v) &&
    !v.startsWith(TRIPLE) &&
    !wrapped(v, '"') &&
    !wrapped(v, "'")
      ? v
      : null,
  // "…": the opening quote counts towards the `#` rule; must not look like `"""`
  (v) => (keepsHash(`"${v}"`) && !`"${v}"`.startsWith(TRIPLE) ? `"${v}"` : null),
  // '…': for a `#` preceded by an odd number of `"`
  (v) => (keepsHash(`'${v}'`) ? `'${v}'` : null),
  // """…""" on one line: covers what is left (e.g. `""#`)
  (v) => (keepsHash(`${TRIPLE}${v}${TRIPLE}`) ? `${TRIPLE}${v}${TRIPLE}` : null),
];

/** `"""first` / middle lines / `last"""`, when flyctl reads every line back as written. */
function multiLineSpelling(value: string): string | null {
  const lines = value.split('\n');
  const opening = `${TRIPLE}${lines[0]!}`;
  // The opening line is read in single-line mode: `#` rule, CR drop, and a `"""x"""` look-alike.
  if (!keepsHash(opening) || opening.endsWith('\r') || (opening.length >= 6 && opening.endsWith(TRIPLE))) return null;
  // Middle lines lose a trailing \r, and one ending in `"""` would close the value early.
  if (lines.slice(1, -1).some((line) => line.endsWith('\r') || line.endsWith(TRIPLE))) return null;
  return `${opening}\n${lines.slice(1).join('\n')}${TRIPLE}`;
}

/**
 * The text to write after `NAME=` so that flyctl's import reads back exactly `value`, or null
 * when the import syntax cannot carry it.
 */
export function importSpelling(name: string, value: string): string | null {
  const spelled = value.includes('\n') ? multiLineSpelling(value) : firstSpelling(value);
  if (spelled === null) return null;
  const tooLong = `${name}=${spelled}`.split('\n').some((line) => Buffer.byteLength(line) >= MAX_IMPORT_LINE_BYTES);
  return tooLong ? null : spelled;
}

function firstSpelling(value: string): string | null {
  for (const spell of ONE_LINE_SPELLINGS) {
    const spelled = spell(value);
    if (spelled !== null) return spelled;
  }
  return null;
}

/** Surrounding whitespace as Go's strings.TrimSpace sees it (Unicode White_Space; not U+FEFF). */
const SURROUNDING_SPACE = /^\p{White_Space}|\p{White_Space}$/u;

/** Whether `secrets set NAME=-` stores `value` unchanged (it trims whitespace, max 64 KiB). */
export function fitsStdinSet(value: string): boolean {
  return Buffer.byteLength(value) <= MAX_STDIN_VALUE_BYTES && !SURROUNDING_SPACE.test(value);
}

export interface UploadPlan {
  /** stdin of the one `secrets import` call (empty when no value goes that way). */
  readonly importInput: string;
  readonly importNames: readonly string[];
  /** One `secrets set NAME=- --stage` each, the value alone on stdin. */
  readonly stdinNames: readonly string[];
  /** Values neither path can carry, with why (never the value). */
  readonly unsendable: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

/** Sorts values onto the import, the one-by-one stdin path, or neither. Pure. */
export function planUpload(entries: ReadonlyArray<{ readonly name: string; readonly value: string }>): UploadPlan {
  const lines: string[] = [];
  const importNames: string[] = [];
  const stdinNames: string[] = [];
  const unsendable: Array<{ name: string; reason: string }> = [];
  for (const { name, value } of entries) {
    const spelled = importSpelling(name, value);
    if (spelled !== null) {
      lines.push(`${name}=${spelled}`);
      importNames.push(name);
    } else if (fitsStdinSet(value)) {
      stdinNames.push(name);
    } else {
      unsendable.push({ name, reason: unsendableReason(name, value) });
    }
  }
  return { importInput: lines.length > 0 ? `${lines.join('\n')}\n` : '', importNames, stdinNames, unsendable };
}

function unsendableReason(name: string, value: string): string {
  const longLine = `${name}=${value}`.split('\n').some((line) => Buffer.byteLength(line) >= MAX_IMPORT_LINE_BYTES);
  const importWhy = longLine
    ? 'has a line of 64 KiB or more'
    : 'mixes quotes, #, \\r or """ in a way flyctl\'s import format cannot write';
  const stdinWhy =
    Buffer.byteLength(value) > MAX_STDIN_VALUE_BYTES
      ? 'is over the 64 KiB `flyctl secrets set NAME=-` accepts'
      : 'has surrounding whitespace that `flyctl secrets set NAME=-` would trim';
  return `${importWhy}, and ${stdinWhy}`;
}
