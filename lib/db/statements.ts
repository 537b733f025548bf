/**
 * SQL split into statements exactly as the Supabase CLI 2.117.0 splits a migration file (its
 * `pkg/parser` state machine, ported to TypeScript by the CLI itself and bundled in its binary):
 * a `;` ends a statement unless it is inside a quote, a dollar quote, a comment, parentheses or
 * a `BEGIN ATOMIC … END` body; each statement is then trimmed of trailing semicolons and
 * whitespace, and empty ones are dropped. The result is what the CLI executes and records in
 * `supabase_migrations.schema_migrations.statements`, so a file can be compared with its row,
 * and the CLI's "At statement: N" mapped back to a line of the file. Shared by supabase-apply
 * and the migration lint (the one splitter: the lint must see the statements the CLI will run).
 * Quirks (nested parentheses close at the first `)`, `E'\''` strings) are kept on purpose.
 * The same pass notes where the CLI's comments are (`--` to the end of the line, nested block
 * comments), for the lint's patterns and acknowledgements.
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
  /** 1-based line of its last character that is not whitespace (the `;`, when there is one). */
  readonly endLine: number;
  /** The statement with every comment blanked out (newlines kept), trimmed; '' for a comment alone. */
  readonly withoutComments: string;
}

export interface SqlComment {
  /** What follows `--`, or what is between `/*` and `*\/`, trimmed. */
  readonly body: string;
  /** 1-based line where it starts. */
  readonly line: number;
}

export interface ScannedSql {
  /** Every statement as the CLI splits it (a comment after the last `;` is a statement of its own). */
  readonly statements: SqlStatement[];
  /** Every comment of the file, in order. */
  readonly comments: SqlComment[];
}

interface State {
  /** null: the character ends a statement. */
  next(char: string, text: Scanned): State | null;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/** The statement read so far: source[start, end). Slices are cut from the source on demand. */
class Scanned {
  /** Comments met so far in the whole source, in order. */
  readonly comments: Span[] = [];
  private commentStart: number | null = null;
  constructor(
    readonly source: string,
    public start: number,
    public end: number,
  ) {}
  openComment(at: number): void {
    this.commentStart = at;
  }
  closeComment(at: number): void {
    if (this.commentStart === null) return;
    this.comments.push({ start: this.commentStart, end: at });
    this.commentStart = null;
  }
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
    if (char !== '-') return new Ready().next(char, text);
    text.openComment(text.end - 2);
    return new Delimited('\n', true);
  }
}

class Block implements State {
  private depth = 0;
  next(char: string, text: Scanned): State | null {
    const window = text.tail(2);
    if (window === '/*') {
      this.depth += 1;
      if (this.depth === 1) text.openComment(text.end - 2);
      return this;
    }
    if (this.depth === 0) return new Ready().next(char, text);
    if (window === '*/') {
      this.depth -= 1;
      if (this.depth === 0) {
        text.closeComment(text.end);
        return new Ready();
      }
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
  constructor(
    private readonly delimiter: string,
    private readonly comment = false,
  ) {}
  next(_char: string, text: Scanned): State | null {
    if (text.tail(this.delimiter.length) !== this.delimiter) return this;
    if (this.comment) text.closeComment(text.end - this.delimiter.length);
    return new Ready();
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

/** The statements' spans, and the comments' (a comment open at the end closes there). */
function tokens(sql: string): { statements: Span[]; comments: Span[] } {
  const found: Span[] = [];
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
  text.closeComment(sql.length);
  return { statements: found, comments: text.comments };
}

/** The CLI's trim of one statement. */
const trimStatement = (raw: string) => raw.replace(/;+$/u, '').trim();

/** Every statement of `sql`, as the CLI splits it, and every comment. */
export function scanSql(sql: string): ScannedSql {
  const statements: SqlStatement[] = [];
  const lineStarts = lineStartOffsets(sql);
  const spans = tokens(sql);
  let next = 0; // the first comment not before the current statement
  for (const token of spans.statements) {
    const raw = sql.slice(token.start, token.end);
    const text = trimStatement(raw);
    while (next < spans.comments.length && spans.comments[next]!.end <= token.start) next += 1;
    const inside: Span[] = [];
    for (let c = next; c < spans.comments.length && spans.comments[c]!.start < token.end; c++)
      inside.push(spans.comments[c]!);
    if (text.length === 0) continue;
    const codeAt = firstCode(sql, token, inside);
    const line = lineOf(lineStarts, codeAt);
    const lineEnd = sql.indexOf('\n', codeAt);
    statements.push({
      text,
      index: statements.length,
      line,
      startLine: lineOf(lineStarts, token.start + (raw.length - raw.trimStart().length)),
      firstLine: trimStatement(sql.slice(codeAt, lineEnd === -1 ? token.end : Math.min(lineEnd, token.end))),
      code: withoutLeadingComments(text),
      endLine: Math.max(line, lineOf(lineStarts, token.start + raw.trimEnd().length - 1)),
      withoutComments: inside.length ? trimStatement(blankComments(sql, token, inside)) : text,
    });
  }
  const comments = spans.comments.map((span): SqlComment => {
    const comment = sql.slice(span.start, span.end);
    const body = comment.startsWith('--')
      ? comment.slice(2)
      : comment.slice(2, comment.endsWith('*/') ? -2 : undefined);
    return { body: body.trim(), line: lineOf(lineStarts, span.start) };
  });
  return { statements, comments };
}

/** Every statement of `sql`, as the CLI splits it. */
export function splitStatements(sql: string): SqlStatement[] {
  return scanSql(sql).statements;
}

/** The statement texts only (what the CLI records). */
export function statementTexts(sql: string): string[] {
  return tokens(sql)
    .statements.map((t) => trimStatement(sql.slice(t.start, t.end)))
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

/** Offset of the statement's first character that is not whitespace, a byte-order mark or a comment (its end if none). */
function firstCode(sql: string, token: Span, comments: readonly Span[]): number {
  let i = token.start;
  let c = 0;
  while (i < token.end) {
    if (c < comments.length && comments[c]!.start === i) {
      i = comments[c]!.end;
      c += 1;
    } else if (/\s/u.test(sql[i]!) || sql.charCodeAt(i) === BOM) i += 1;
    else return i;
  }
  return token.end;
}

/** The statement's source with its comments replaced by spaces (newlines kept, so lines stay). */
function blankComments(sql: string, token: Span, comments: readonly Span[]): string {
  let out = '';
  let at = token.start;
  for (const comment of comments) {
    const start = Math.max(comment.start, token.start);
    const end = Math.min(comment.end, token.end);
    out += sql.slice(at, start) + sql.slice(start, end).replace(/[^\n]/gu, ' ');
    at = end;
  }
  return out + sql.slice(at, token.end);
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
