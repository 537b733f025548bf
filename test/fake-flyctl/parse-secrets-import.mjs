// @ts-check
/**
 * Exact port of flyctl's `secrets import` parser (internal/command/secrets/parser.go, v0.4.x):
 *
 *   scanner := bufio.NewScanner(reader)          // lines split on \n, one trailing \r dropped,
 *   for scanner.Scan() {                         // a line of >= 64 KiB stops the loop (ErrTooLong,
 *     line := scanner.Text()                     // never checked: the rest of the input is lost)
 *     single-line state:
 *       skip if HasPrefix(line, "#") || TrimSpace(line) == ""
 *       key, value, ok := Cut(line, "=")         // !ok -> error "Secrets must be provided as NAME=VALUE pairs (<line> is invalid)"
 *       key = TrimSpace(key); value = TrimLeft(value, " ")
 *       l, _, ok := Cut(value, "#"); if ok && Count(l, `"`)%2 == 0 { value = TrimRight(l, " ") }
 *       `"""x"""` (len >= 6) -> x;  `"""x` -> start multi-line with "x\n"
 *       else strip one pair of surrounding "…" or '…' (value[1:len-1]: a lone `"` panics in Go)
 *     multi-line state:
 *       HasSuffix(line, `"""`) -> append TrimSuffix(line, `"""`), store, back to single-line
 *       else append line + "\n"
 *   }                                            // an unterminated multi-line value is dropped
 *
 * Lines are scanned as bytes (Go strings are bytes); each line is decoded as UTF-8 afterwards.
 * All the syntax characters are ASCII, so cutting decoded strings gives the same result.
 */

/** bufio.MaxScanTokenSize: a line (bytes before its \n, a \r included) of this size or more ends the scan. */
export const MAX_SCAN_TOKEN_SIZE = 64 * 1024;

/** The error parseSecrets returns (flyctl wraps it: "Failed to parse secrets from stdin: …"). */
export class SecretsParseError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'SecretsParseError';
  }
}

/** A Go runtime panic (flyctl would crash with exit code 2). */
export class GoPanic extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'GoPanic';
  }
}

/**
 * Go's unicode.IsSpace.
 * @param {number} c
 */
function isGoSpace(c) {
  switch (c) {
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x20:
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200a;
  }
}

/**
 * Go's strings.TrimSpace (differs from String.prototype.trim: keeps U+FEFF, trims U+0085).
 * @param {string} s
 */
export function goTrimSpace(s) {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/**
 * bufio.Scanner with ScanLines and the default 64 KiB buffer.
 * @param {Buffer} buf
 * @returns {{ lines: string[], tooLong: boolean }}
 */
export function scanLines(buf) {
  /** @type {string[]} */
  const lines = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const end = nl === -1 ? buf.length : nl;
    // The buffer (max 64 KiB) must hold the line and its '\n'; at EOF a line of exactly 64 KiB
    // also fills the buffer before EOF is seen. Either way: ErrTooLong, scanning stops.
    if (end - pos >= MAX_SCAN_TOKEN_SIZE) return { lines, tooLong: true };
    let tokenEnd = end;
    if (tokenEnd > pos && buf[tokenEnd - 1] === 0x0d) tokenEnd--; // dropCR
    lines.push(buf.toString('utf8', pos, tokenEnd));
    if (nl === -1) break;
    pos = nl + 1;
  }
  return { lines, tooLong: false };
}

/**
 * @param {string} s
 * @param {string} ch
 */
function count(s, ch) {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/**
 * Parses `secrets import` input and also tells what was silently lost.
 * @param {string | Uint8Array} input
 * @returns {{ secrets: Record<string, string>, tooLong: boolean, unterminated: string | null }}
 *   tooLong: a >= 64 KiB line ended the input; unterminated: key of a dropped multi-line value.
 * @throws {SecretsParseError | GoPanic}
 */
export function parseSecretsImportDetailed(input) {
  const buf =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { lines, tooLong } = scanLines(buf);
  /** @type {Map<string, string>} */
  const secrets = new Map();
  let multiline = false;
  let parsedKey = '';
  let parsedVal = '';

  for (const line of lines) {
    if (!multiline) {
      if (line.startsWith('#') || goTrimSpace(line) === '') continue;
      const eq = line.indexOf('=');
      if (eq === -1) throw new SecretsParseError(`Secrets must be provided as NAME=VALUE pairs (${line} is invalid)`);
      const key = goTrimSpace(line.slice(0, eq));
      let value = line.slice(eq + 1).replace(/^ +/, '');
      const hash = value.indexOf('#');
      if (hash !== -1) {
        const l = value.slice(0, hash);
        if (count(l, '"') % 2 === 0) value = l.replace(/ +$/, '');
      }
      if (value.startsWith('"""') && value.endsWith('"""') && value.length >= 6) {
        secrets.set(key, value.slice(3, -3));
      } else if (value.startsWith('"""')) {
        multiline = true;
        parsedKey = key;
        parsedVal = value.slice(3) + '\n';
      } else {
        if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
          // Go: value = value[1 : len(value)-1]; a value that is one quote character panics.
          if (value.length < 2) throw new GoPanic('runtime error: slice bounds out of range [1:0]');
          value = value.slice(1, -1);
        }
        secrets.set(key, value);
      }
    } else if (line.endsWith('"""')) {
      parsedVal += line.slice(0, -3);
      secrets.set(parsedKey, parsedVal);
      parsedVal = '';
      parsedKey = '';
      multiline = false;
    } else {
      parsedVal += line + '\n';
    }
  }

  return { secrets: Object.fromEntries(secrets), tooLong, unterminated: multiline ? parsedKey : null };
}

/**
 * flyctl's parseSecrets: NAME -> value as flyctl would send them to Fly.
 * @param {string | Uint8Array} input
 * @returns {Record<string, string>}
 * @throws {SecretsParseError | GoPanic}
 */
export function parseSecretsImport(input) {
  return parseSecretsImportDetailed(input).secrets;
}
