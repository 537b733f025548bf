/**
 * Env files (`.env.staging`, `--file …`): read once, parsed by dotenv's own parser and never
 * loaded into process.env (the old script let the file overwrite shell variables). The values
 * that are secret (lib/secrets/masking.ts) are registered with the redactor before anything
 * is printed.
 *
 * dotenv silently skips lines it cannot read, and cuts an unquoted value at `#`. A secret sent
 * half-read is worse than an error, so the text is also scanned with dotenv's own line grammar
 * to name (by line number, never by content) every line it would have dropped or cut. Those
 * problems are returned, not thrown, so that a caller lists them together with its own checks
 * of the values: every problem of the file in one run.
 *
 * Limits (README): at most MAX_ENV_FILE_BYTES (1 MiB) and MAX_ENV_ENTRIES (1,000) names; the
 * file must be a regular file (a FIFO or a device would block the read, or never end).
 */
import fs from 'node:fs';
import { parse } from 'dotenv';
import { InvalidInput } from '../core/errors.ts';
import { secrets } from '../core/redact.ts';
import { plural } from '../core/text.ts';
import { valuesToMask } from './masking.ts';

export interface EnvEntry {
  readonly name: string;
  readonly value: string;
  /** 1-based line of the (last) assignment: dotenv keeps the last one. */
  readonly line: number;
}

/** Something wrong in the file, named by line (never by value). */
export interface EnvProblem {
  /** 1-based line, or null for the file as a whole (a required name missing). */
  readonly line: number | null;
  /** The entry the problem is about, when there is one (its value is then not checked further). */
  readonly name?: string;
  readonly text: string;
}

export interface EnvFile {
  /** How messages name the file (as the user would type it). */
  readonly label: string;
  /** In file order (first appearance). */
  readonly entries: readonly EnvEntry[];
  /** Permission bits (e.g. 0o644). */
  readonly mode: number;
  readonly warnings: readonly string[];
  /** Lines dotenv would drop or cut; see problemsError(). */
  readonly problems: readonly EnvProblem[];
}

/** An env file is a few dozen short lines; anything near this is not one. */
export const MAX_ENV_FILE_BYTES = 1024 * 1024;
/** The API reads 18 names; a file with more than this many is not an env file for it. */
export const MAX_ENV_ENTRIES = 1000;

/**
 * dotenv's LINE regex (dotenv 18.0.10, lib/main.js), with `d` for match indices. It must stay
 * identical to the parser's; parseEnvText cross-checks the names both find.
 */
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm;
/** What follows a name in dotenv's grammar, up to where the value starts. */
const SEPARATOR = /\s*=|:\s/y;
const QUOTES = new Set(['"', "'", '`']);
/** Names the service can read as environment variables. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GROUP_OR_OTHER = 0o077;
/** A value that is a URL (a `#` in it is most likely in the password). */
const URL_VALUE = /^\s*[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Reads and parses an env file. InvalidInput (exit 2, one line) when it cannot be read, is not
 * a regular file, or is over the limits; the lines dotenv would misread come back as problems.
 */
export function readEnvFile(filePath: string, label: string, missingHint?: string): EnvFile {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer, in a
    // synchronous call that not even Ctrl-C interrupts. fstat then refuses it.
    fd = fs.openSync(filePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const hint =
      code === 'ENOENT' ? missingHint : code === 'EACCES' ? `check its permissions (ls -l ${label})` : undefined;
    throw new InvalidInput(
      `${label}: cannot read the env file (${code})`,
      hint ? { hint, cause: error } : { cause: error },
    );
  }
  let text: string;
  let mode: number;
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new InvalidInput(`${label}: cannot read the env file (${notRegular(stat)})`);
    if (stat.size > MAX_ENV_FILE_BYTES)
      throw new InvalidInput(
        `${label}: the env file is ${formatSize(stat.size)}; an env file may hold at most ${formatSize(MAX_ENV_FILE_BYTES)}`,
      );
    mode = stat.mode & 0o777;
    text = fs.readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof InvalidInput) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InvalidInput(`${label}: cannot read the env file (${code})`, { cause: error });
  } finally {
    fs.closeSync(fd);
  }
  const parsed = parseEnvText(text, label);
  const warnings = [...parsed.warnings];
  if (mode & GROUP_OR_OTHER) {
    warnings.unshift(`${label} is accessible to other users (mode ${mode.toString(8)}): run chmod 600 ${label}`);
  }
  return { label, entries: parsed.entries, mode, warnings, problems: parsed.problems };
}

function notRegular(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'it is a directory';
  if (stat.isFIFO()) return 'it is a FIFO, not a regular file';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'it is a device, not a regular file';
  if (stat.isSocket()) return 'it is a socket, not a regular file';
  return 'not a regular file';
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Parses env-file text: the entries dotenv reads, and every line it would drop or cut as a
 * problem. Over MAX_ENV_ENTRIES names is InvalidInput (exit 2) before anything is registered.
 */
export function parseEnvText(
  text: string,
  label: string,
): { entries: EnvEntry[]; warnings: string[]; problems: EnvProblem[] } {
  const values = parse(text);
  const count = Object.keys(values).length;
  if (count > MAX_ENV_ENTRIES)
    throw new InvalidInput(
      `${label}: ${plural(count, 'name')} is more than an env file may hold (${MAX_ENV_ENTRIES}): is this the right file?`,
    );

  // dotenv turns CR LF and lone CR into LF before matching; scan the same text.
  const normalized = text.replace(/\r\n?/g, '\n');
  const lineOf = lineCounter(normalized);
  const problems: EnvProblem[] = [];
  const warnings: string[] = [];
  const lines = new Map<string, number>();
  let cursor = 0;
  const skipped = (from: number, to: number) =>
    skippedLines(normalized, from, to, lineOf).map((line) => ({
      line,
      text: 'not a NAME=VALUE line (dotenv would silently skip it)',
    }));

  for (const match of normalized.matchAll(DOTENV_LINE)) {
    problems.push(...skipped(cursor, match.index));
    cursor = match.index + match[0].length;
    const name = match[1]!;
    const [keyStart, keyEnd] = match.indices![1]!;
    const line = lineOf(keyStart);
    const previous = lines.get(name);
    if (previous !== undefined)
      warnings.push(`${label}:${line}: ${name} is also set on line ${previous}; this later one wins`);
    lines.set(name, line);

    if (!NAME.test(name)) {
      problems.push({
        line,
        name,
        text: `"${name}" is not a usable secret name (letters, digits and _, not starting with a digit)`,
      });
    }
    const raw = (match[2] ?? '').trim();
    if (QUOTES.has(raw[0] ?? '')) {
      if (!(raw.length >= 2 && raw.endsWith(raw[0]!))) {
        problems.push({
          line,
          name,
          text: `${name}: a quoted value must end with its closing quote, at the end of the line or before a # comment`,
        });
      }
      continue;
    }
    const valueEnd = match.indices![2]?.[1] ?? separatorEnd(normalized, keyEnd);
    if (normalized[valueEnd] === '#' && !/\s/.test(normalized[valueEnd - 1] ?? '')) {
      // In a URL the `#` is most likely in the password, where quoting alone is not enough:
      // the URL parser would then read it as the start of a fragment.
      const fix = URL_VALUE.test(raw)
        ? 'in a URL write it percent-encoded (# as %23; also @ %40, / %2F, ? %3F, % %25 in a password)'
        : 'quote the value ("…") or put a space before the comment';
      problems.push({
        line,
        name,
        text: `${name}: unquoted "#" starts a comment, so dotenv would cut the value there; ${fix}`,
      });
    }
  }
  problems.push(...skipped(cursor, normalized.length));

  const found = [...lines.keys()];
  if (found.length !== count || found.some((name) => !Object.hasOwn(values, name))) {
    // Only a dotenv upgrade that changed its grammar can get here.
    throw new Error(
      `env file scanner and dotenv disagree on the names in ${label}: update DOTENV_LINE in lib/secrets/env-file.ts`,
    );
  }
  const entries = found.map((name) => ({ name, value: values[name]!, line: lines.get(name)! }));
  secrets.addAll(valuesToMask(entries));
  return { entries, warnings, problems: problems.sort(byLine) };
}

/** File-wide problems first, then by line (a stable sort keeps each line's own order). */
export function byLine(a: EnvProblem, b: EnvProblem): number {
  return (a.line ?? 0) - (b.line ?? 0);
}

/**
 * One InvalidInput (exit 2) listing every problem, each as `file:line: …`; never a value.
 * The hint says how to write a value and where the names are listed.
 */
export function problemsError(label: string, problems: readonly EnvProblem[]): InvalidInput {
  const lines = [...problems].sort(byLine).map((p) => `${label}${p.line === null ? '' : `:${p.line}`}: ${p.text}`);
  const message = lines.length === 1 ? lines[0]! : `${label}: ${lines.length} problems:\n  ${lines.join('\n  ')}`;
  return new InvalidInput(message, {
    hint: `fix ${label} (.env.example shows the format and every name); nothing was sent`,
  });
}

/** Line numbers of the text between two matches that is neither blank nor a comment. */
function skippedLines(text: string, from: number, to: number, lineOf: (index: number) => number): number[] {
  const found: number[] = [];
  let start = from;
  for (const piece of text.slice(from, to).split('\n')) {
    const trimmed = piece.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) found.push(lineOf(start + piece.indexOf(trimmed[0]!)));
    start += piece.length + 1;
  }
  return found;
}

function separatorEnd(text: string, keyEnd: number): number {
  SEPARATOR.lastIndex = keyEnd;
  return SEPARATOR.exec(text) ? SEPARATOR.lastIndex : keyEnd;
}

/** index -> 1-based line number, for increasing indices (one pass over the text). */
function lineCounter(text: string): (index: number) => number {
  let position = 0;
  let line = 1;
  return (index: number) => {
    if (index < position) {
      position = 0;
      line = 1;
    }
    for (; position < index; position++) if (text.charCodeAt(position) === 10) line++;
    return line;
  };
}

/** Names valid as Fly secret / environment variable names. */
export function isValidSecretName(name: string): boolean {
  return NAME.test(name);
}
