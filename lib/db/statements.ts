/**
 * SQL split into statements exactly as the Supabase CLI 2.117.0 splits a migration file (its
 * `pkg/parser` state machine, ported to TypeScript by the CLI itself and bundled in its binary):
 * a `;` ends a statement unless it is inside a quote, a dollar quote, a comment, parentheses or
 * a `BEGIN ATOMIC … END` body; each statement is then trimmed of trailing semicolons and
 * whitespace, and empty ones are dropped. The result is what the CLI executes and records in
 * `supabase_migrations.schema_migrations.statements`, so a file can be compared with its row,
 * and the CLI's "At statement: N" mapped back to a line of the file. Shared by supabase-apply
 * and the migration lint. Quirks (nested parentheses close at the first `)`) are kept on purpose.
 */

export interface SqlStatement {
  /** The statement as the CLI records and runs it (trailing `;` and outer whitespace trimmed). */
  readonly text: string;
  /** 0-based, as in the CLI's "At statement: N". */
  readonly index: number;
  /** 1-based line of the statement's first character that is not whitespace or a comment. */
  readonly line: number;
  /** 1-based line where `text` starts (its leading comments included). */
  readonly startLine: number;
  /** That line from that character on, trimmed: how a statement is named in messages. */
  readonly firstLine: string;
  /** The statement without its leading comments (the CLI classifies statements on this). */
  readonly code: string;
}

interface State {
  /** null: the character ends a statement. */
  next(char: string, text: Scanned): State | null;
}

/** The statement read so far: source[start, end). Slices are cut from the source on demand. */
class Scanned {
  constructor(
    readonly source: string,
    public start: number,
    public end: number,
  ) {}
  get length(): number {
    return this.end - this.start;
  }
  /** The last `n` UTF-16 units (fewer at the start of a statement), like `buf.slice(-n)`. */
  tail(n: number): string {
    return this.source.slice(Math.max(this.start, this.end - n), this.end);
  }
  slice(from: number): string {
    return this.source.slice(this.start + from, this.end);
  }
}

const IDENTIFIER = /[\p{L}\p{Nd}_$]/u;
const TAG_CHAR = /[\p{L}\p{Nd}_]/u;

class Ready implements State {
  next(char: string, text: Scanned): State | null {
    switch (char) {
      case '$':
        return new Tag(text.length - char.length);
      case "'":
      case '"':
        return new Quote(char);
      case '-':
        return new LineCommentStart();
      case '/':
        return new Block();
      case '\\':
        return new Escape();
      case ';':
        return null;
      case '(':
        return new Atomic(new Ready(), ')');
      case 'c':
      case 'C':
        return endsWithBeginAtomic(text) ? new Atomic(new Ready(), 'END') : this;
      default:
        return this;
    }
  }
}

class LineCommentStart implements State {
  next(char: string, text: Scanned): State | null {
    return char === '-' ? new Delimited('\n') : new Ready().next(char, text);
  }
}

class Block implements State {
  private depth = 0;
  next(char: string, text: Scanned): State | null {
    const window = text.tail(2);
    if (window === '/*') {
      this.depth += 1;
      return this;
    }
    if (this.depth === 0) return new Ready().next(char, text);
    if (window === '*/') {
      this.depth -= 1;
      if (this.depth === 0) return new Ready();
    }
    return this;
  }
}

class Quote implements State {
  private escape = false;
  constructor(private readonly delimiter: string) {}
  next(char: string, text: Scanned): State | null {
    if (this.escape) {
      if (char === this.delimiter) {
        this.escape = false;
        return this;
      }
      return new Ready().next(char, text);
    }
    if (char === this.delimiter) this.escape = true;
    return this;
  }
}

/** Inside a dollar quote (or a `--` comment, delimited by the newline): nothing is special. */
class Delimited implements State {
  constructor(private readonly delimiter: string) {}
  next(_char: string, text: Scanned): State | null {
    return text.tail(this.delimiter.length) === this.delimiter ? new Ready() : this;
  }
}

class Tag implements State {
  constructor(private readonly offset: number) {}
  next(char: string, text: Scanned): State | null {
    if (char === '$') return new Delimited(text.slice(this.offset));
    if (TAG_CHAR.test(char)) return this;
    return new Ready().next(char, text);
  }
}

class Escape implements State {
  next(): State | null {
    return new Ready();
  }
}

/** Parentheses or a `BEGIN ATOMIC` body: a `;` inside does not end the statement. */
class Atomic implements State {
  constructor(
    private prev: State,
    private readonly delimiter: string,
  ) {}
  next(char: string, text: Scanned): State | null {
    const next = this.prev.next(char, text);
    if (next !== null) this.prev = next;
    if (this.prev instanceof Ready && text.tail(this.delimiter.length).toUpperCase() === this.delimiter.toUpperCase())
      return new Ready();
    return this;
  }
}

/** `…BEGIN ATOMIC` just read (both whole words). */
function endsWithBeginAtomic(text: Scanned): boolean {
  if (text.length < 6 || text.tail(6).toUpperCase() !== 'ATOMIC') return false;
  const source = text.source;
  let i = text.end - 6;
  if (i > text.start && IDENTIFIER.test(source[i - 1]!)) return false;
  while (i > text.start && /\s/u.test(source[i - 1]!)) i -= 1;
  if (i - text.start < 5 || source.slice(i - 5, i).toUpperCase() !== 'BEGIN') return false;
  return i - 5 === text.start || !IDENTIFIER.test(source[i - 6]!);
}

interface Token {
  readonly start: number;
  readonly end: number;
}

function tokens(sql: string): Token[] {
  const found: Token[] = [];
  const text = new Scanned(sql, 0, 0);
  let state: State = new Ready();
  for (const char of sql) {
    text.end += char.length;
    const next = state.next(char, text);
    if (next === null) {
      found.push({ start: text.start, end: text.end });
      text.start = text.end;
      state = new Ready();
    } else {
      state = next;
    }
  }
  if (text.length > 0) found.push({ start: text.start, end: text.end });
  return found;
}

/** The CLI's trim of one statement. */
const trimStatement = (raw: string) => raw.replace(/;+$/u, '').trim();

/** Every statement of `sql`, as the CLI splits it. */
export function splitStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  const lineStarts = lineStartOffsets(sql);
  for (const token of tokens(sql)) {
    const text = trimStatement(sql.slice(token.start, token.end));
    if (text.length === 0) continue;
    const raw = sql.slice(token.start, token.end);
    const codeAt = token.start + leadingNonCode(raw);
    const line = lineOf(lineStarts, codeAt);
    const textAt = token.start + (raw.length - raw.trimStart().length);
    const lineEnd = sql.indexOf('\n', codeAt);
    statements.push({
      text,
      index: statements.length,
      line,
      startLine: lineOf(lineStarts, textAt),
      firstLine: trimStatement(sql.slice(codeAt, lineEnd === -1 ? token.end : Math.min(lineEnd, token.end))),
      code: withoutLeadingComments(text),
    });
  }
  return statements;
}

/** The statement texts only (what the CLI records). */
export function statementTexts(sql: string): string[] {
  return tokens(sql)
    .map((t) => trimStatement(sql.slice(t.start, t.end)))
    .filter((s) => s.length > 0);
}

const BOM = 0xfeff;

/**
 * The CLI's own "skip leading comments" (used to classify a statement): leading whitespace,
 * byte-order marks, `--` lines and `/* … *\/` blocks (not nested) are dropped.
 */
export function withoutLeadingComments(statement: string): string {
  let rest = statement.replace(/^[ \t\n\r]+/u, '');
  while (rest.charCodeAt(0) === BOM) rest = rest.slice(1).replace(/^[ \t\n\r]+/u, '');
  for (;;) {
    if (rest.startsWith('--')) {
      const newline = rest.indexOf('\n');
      if (newline < 0) return '';
      rest = rest.slice(newline + 1).replace(/^[ \t\n\r]+/u, '');
    } else if (rest.startsWith('/*')) {
      const close = rest.indexOf('*/');
      if (close < 0) return rest;
      rest = rest.slice(close + 2).replace(/^[ \t\n\r]+/u, '');
    } else {
      return rest.trim();
    }
  }
}

/** How many characters of `raw` come before its first code character (whitespace, BOMs, comments). */
function leadingNonCode(raw: string): number {
  let i = 0;
  for (;;) {
    while (i < raw.length && (/\s/u.test(raw[i]!) || raw.charCodeAt(i) === BOM)) i += 1;
    if (raw.startsWith('--', i)) {
      const newline = raw.indexOf('\n', i);
      if (newline < 0) return raw.length;
      i = newline + 1;
    } else if (raw.startsWith('/*', i)) {
      const close = raw.indexOf('*/', i + 2);
      if (close < 0) return i;
      i = close + 2;
    } else {
      return i;
    }
  }
}

/**
 * A statement reduced to what it does: comments removed and whitespace runs collapsed outside
 * quoted text, so that re-indenting a file or editing a comment is not "editing" a migration.
 */
export function normalizeStatement(statement: string): string {
  let out = '';
  let gap = false;
  const emit = (text: string) => {
    // Whitespace only matters between two words (`add column`) or two operator characters (`- -`).
    if (gap && out.length > 0) {
      const before = out[out.length - 1]!;
      const after = text[0]!;
      if ((WORDISH.test(before) && WORDISH.test(after)) || (OPERATOR.test(before) && OPERATOR.test(after))) out += ' ';
    }
    gap = false;
    out += text;
  };
  let i = 0;
  const n = statement.length;
  while (i < n) {
    const c = statement[i]!;
    if (c === '-' && statement[i + 1] === '-') {
      const newline = statement.indexOf('\n', i);
      i = newline < 0 ? n : newline + 1;
      gap = true;
    } else if (c === '/' && statement[i + 1] === '*') {
      let depth = 0;
      while (i < n) {
        if (statement.startsWith('/*', i)) {
          depth += 1;
          i += 2;
        } else if (statement.startsWith('*/', i)) {
          depth -= 1;
          i += 2;
          if (depth === 0) break;
        } else i += 1;
      }
      gap = true;
    } else if (/\s/u.test(c)) {
      while (i < n && /\s/u.test(statement[i]!)) i += 1;
      gap = true;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        const close = statement.indexOf(c, j);
        if (close < 0) {
          j = n;
          break;
        }
        if (statement[close + 1] === c) j = close + 2;
        else {
          j = close + 1;
          break;
        }
      }
      emit(statement.slice(i, j));
      i = j;
    } else if (c === '$' && DOLLAR_TAG.test(statement.slice(i, i + 64))) {
      const tag = DOLLAR_TAG.exec(statement.slice(i, i + 64))![0];
      const close = statement.indexOf(tag, i + tag.length);
      const j = close < 0 ? n : close + tag.length;
      emit(statement.slice(i, j));
      i = j;
    } else {
      emit(c);
      i += 1;
    }
  }
  return out;
}

const WORDISH = /[\p{L}\p{N}_$'"]/u;
const OPERATOR = /[-+*/<>=~!@#%^&|`?]/;
const DOLLAR_TAG = /^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/u;

function lineStartOffsets(sql: string): number[] {
  const starts = [0];
  for (let i = sql.indexOf('\n'); i !== -1; i = sql.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
