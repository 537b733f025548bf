/**
 * A migration file as statements and comments, with 1-based line numbers. A lexer, not a
 * parser: it knows what ends a statement (`;` outside quotes, dollar quotes, comments and
 * `BEGIN ATOMIC … END` bodies) so the lint can name lines, find transaction control and read
 * the comments that acknowledge findings or declare a file. squawk does the real analysis.
 */

export interface SqlStatement {
  /** The statement as written, comments included, without the closing `;`. */
  readonly text: string;
  /** The same with every comment blanked out (same length, same newlines). */
  readonly code: string;
  /** Line of the statement's first character that is not blank or comment. */
  readonly line: number;
  /** Line of its last character (the `;`, when there is one). */
  readonly endLine: number;
}

export interface SqlComment {
  /** What follows `--`, or what is between `/*` and `*\/`, trimmed. */
  readonly body: string;
  readonly line: number;
}

export interface ScannedSql {
  readonly statements: SqlStatement[];
  readonly comments: SqlComment[];
}

export function scanSql(sql: string): ScannedSql {
  const statements: SqlStatement[] = [];
  const comments: SqlComment[] = [];
  let line = 1;
  let text = '';
  let code = '';
  let firstLine: number | null = null;
  // BEGIN ATOMIC bodies (SQL-standard function bodies) hold `;` that do not end the statement.
  let atomicDepth = 0;

  // What was taken last, kept apart: reading the end of a string built by += would flatten it each time.
  let lastChar = '';
  let lastWord: string | null = null;
  let lastKeyword: string | null = null;

  const finish = () => {
    if (firstLine !== null) statements.push({ text: text.trim(), code: code.trim(), line: firstLine, endLine: line });
    text = '';
    code = '';
    firstLine = null;
    lastChar = ';';
    lastWord = null;
    lastKeyword = null;
  };
  const take = (chunk: string, asCode: string = chunk, word: string | null = null) => {
    if (firstLine === null && /\S/.test(asCode))
      firstLine = line + (asCode.slice(0, asCode.search(/\S/)).match(/\n/g)?.length ?? 0);
    text += chunk;
    code += asCode;
    if (chunk.includes('\n')) line += chunk.match(/\n/g)!.length;
    lastChar = asCode.at(-1) ?? lastChar;
    lastWord = word;
    if (word !== null) lastKeyword = word.toUpperCase();
    else if (/\S/.test(asCode)) lastKeyword = null;
  };

  const DOLLAR = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
  const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;
  // Runs of characters that can neither start a token nor end a statement, taken at once.
  const PLAIN = /[^'"$;\-/A-Za-z_]+/y;
  const lastWordChar = () => /[A-Za-z0-9_$]/.test(lastChar);
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const comment = sql.slice(i, end === -1 ? sql.length : end);
      comments.push({ body: comment.slice(2).trim(), line });
      take(comment, blank(comment));
      i += comment.length;
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const comment = blockComment(sql, i);
      comments.push({ body: comment.slice(2, -2).trim(), line });
      take(comment, blank(comment));
      i += comment.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      // E'…' strings take backslash escapes; the E must be a word of its own.
      const escapes = ch === "'" && (lastWord === 'E' || lastWord === 'e');
      const literal = quoted(sql, i, ch, escapes);
      take(literal);
      i += literal.length;
      continue;
    }
    if (ch === '$' && !lastWordChar()) {
      DOLLAR.lastIndex = i;
      const dollar = DOLLAR.exec(sql);
      if (dollar) {
        const end = sql.indexOf(dollar[0], i + dollar[0].length);
        const body = sql.slice(i, end === -1 ? sql.length : end + dollar[0].length);
        take(body);
        i += body.length;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(ch) && !lastWordChar()) {
      WORD.lastIndex = i;
      const word = WORD.exec(sql)![0];
      const upper = word.toUpperCase();
      if (upper === 'ATOMIC' && lastKeyword === 'BEGIN') atomicDepth++;
      else if (atomicDepth > 0 && upper === 'CASE') atomicDepth++;
      else if (atomicDepth > 0 && upper === 'END') atomicDepth--;
      take(word, word, word);
      i += word.length;
      continue;
    }
    if (ch === ';' && atomicDepth === 0) {
      finish();
      i += 1;
      continue;
    }
    PLAIN.lastIndex = i;
    const plain = PLAIN.exec(sql);
    const chunk = plain && plain[0].length > 1 && !/[A-Za-z0-9_$]/.test(plain[0].at(-1)!) ? plain[0] : ch;
    take(chunk);
    i += chunk.length;
  }
  finish();
  return { statements, comments };
}

/** Statements that open or close a transaction: the migration tool owns the one each file runs in. */
const TRANSACTION_CONTROL =
  /^(?:begin(?!\s+atomic)\b|start\s+transaction\b|commit\b|end\b|rollback\b(?!\s+to\b)|abort\b|prepare\s+transaction\b)/i;

export function isTransactionControl(statement: SqlStatement): boolean {
  return TRANSACTION_CONTROL.test(statement.code);
}

/** The statements of `sql` that open or close a transaction (for the lint and for apply's own guard). */
export function findTransactionControl(sql: string): SqlStatement[] {
  return scanSql(sql).statements.filter(isTransactionControl);
}

function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

function blockComment(sql: string, start: number): string {
  // PostgreSQL block comments nest.
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) break;
    } else i++;
  }
  return sql.slice(start, i);
}

function quoted(sql: string, start: number, quote: string, backslashEscapes: boolean): string {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (backslashEscapes && ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return sql.slice(start, i + 1);
    }
    i++;
  }
  return sql.slice(start);
}
