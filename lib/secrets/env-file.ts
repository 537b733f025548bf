/**
 * Env files (`.env.staging`, `--file …`): read once, parsed by dotenv's own parser and never
 * loaded into process.env (the old script let the file overwrite shell variables). Every value
 * is registered as a secret before anything is printed.
 *
 * dotenv silently skips lines it cannot read, and cuts an unquoted value at `#`. A secret sent
 * half-read is worse than an error, so the text is also scanned with dotenv's own line grammar
 * to name (by line number, never by content) every line it would have dropped or cut.
 */
import fs from 'node:fs';
import { parse } from 'dotenv';
import { InvalidInput } from '../core/errors.ts';
import { secrets } from '../core/redact.ts';

export interface EnvEntry {
  readonly name: string;
  readonly value: string;
  /** 1-based line of the (last) assignment: dotenv keeps the last one. */
  readonly line: number;
}

export interface EnvFile {
  /** How messages name the file (as the user would type it). */
  readonly label: string;
  /** In file order (first appearance). */
  readonly entries: readonly EnvEntry[];
  /** Permission bits (e.g. 0o644). */
  readonly mode: number;
  readonly warnings: readonly string[];
}

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

/** Reads and parses an env file; InvalidInput (exit 2) naming the file and every bad line. */
export function readEnvFile(filePath: string, label: string, missingHint?: string): EnvFile {
  let fd: number;
  try {
    fd = fs.openSync(filePath, 'r');
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
    if (!stat.isFile())
      throw new InvalidInput(
        `${label}: cannot read the env file (${stat.isDirectory() ? 'it is a directory' : 'not a regular file'})`,
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
  return { label, entries: parsed.entries, mode, warnings };
}

/** Parses env-file text; InvalidInput listing every line dotenv would drop or cut. */
export function parseEnvText(text: string, label: string): { entries: EnvEntry[]; warnings: string[] } {
  const values = parse(text);
  secrets.add(...Object.values(values));

  // dotenv turns CR LF and lone CR into LF before matching; scan the same text.
  const normalized = text.replace(/\r\n?/g, '\n');
  const lineOf = lineCounter(normalized);
  const problems: string[] = [];
  const warnings: string[] = [];
  const lines = new Map<string, number>();
  let cursor = 0;

  for (const match of normalized.matchAll(DOTENV_LINE)) {
    problems.push(
      ...skippedLines(normalized, cursor, match.index, lineOf).map(
        (n) => `line ${n}: not a NAME=VALUE line (dotenv would silently skip it)`,
      ),
    );
    cursor = match.index + match[0].length;
    const name = match[1]!;
    const [keyStart, keyEnd] = match.indices![1]!;
    const line = lineOf(keyStart);
    const previous = lines.get(name);
    if (previous !== undefined)
      warnings.push(`${label}:${line}: ${name} is also set on line ${previous}; this later one wins`);
    lines.set(name, line);

    if (!NAME.test(name)) {
      problems.push(
        `line ${line}: "${name}" is not a usable secret name (letters, digits and _, not starting with a digit)`,
      );
    }
    const raw = (match[2] ?? '').trim();
    if (QUOTES.has(raw[0] ?? '')) {
      if (!(raw.length >= 2 && raw.endsWith(raw[0]!))) {
        problems.push(
          `line ${line}: ${name}: a quoted value must end with its closing quote, at the end of the line or before a # comment`,
        );
      }
      continue;
    }
    const valueEnd = match.indices![2]?.[1] ?? separatorEnd(normalized, keyEnd);
    if (normalized[valueEnd] === '#' && !/\s/.test(normalized[valueEnd - 1] ?? '')) {
      problems.push(
        `line ${line}: ${name}: unquoted "#" starts a comment, so dotenv would cut the value there; quote the value ("…") or put a space before the comment`,
      );
    }
  }
  problems.push(
    ...skippedLines(normalized, cursor, normalized.length, lineOf).map(
      (n) => `line ${n}: not a NAME=VALUE line (dotenv would silently skip it)`,
    ),
  );

  const found = [...lines.keys()];
  if (found.length !== Object.keys(values).length || found.some((name) => !Object.hasOwn(values, name))) {
    // Only a dotenv upgrade that changed its grammar can get here.
    throw new Error(
      `env file scanner and dotenv disagree on the names in ${label}: update DOTENV_LINE in lib/secrets/env-file.ts`,
    );
  }
  if (problems.length > 0) {
    const summary =
      problems.length === 1
        ? `${label}:${problems[0]!.replace(/^line /, '')}`
        : `${label}: ${problems.length} problems:\n  ${problems.join('\n  ')}`;
    throw new InvalidInput(summary, {
      hint: 'format: NAME=value, NAME="value with # or spaces", multi-line values in double quotes',
    });
  }
  return { entries: found.map((name) => ({ name, value: values[name]!, line: lines.get(name)! })), warnings };
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
