/**
 * Turning `supabase db diff --from <shadow> --to <dev>` output into a migration that applies
 * on PostgreSQL 15 and 17. The diff lists every privilege of a new object, including the
 * 17-only MAINTAIN and the owner's own grants to "postgres": both are noise (the owner has
 * them anyway; MAINTAIN breaks on 15), so they are taken out of each privilege list — the
 * GRANT/REVOKE itself stays. REVOKEs are kept but flagged: the diff tool revokes ALL and a
 * human must check what should remain.
 */

export interface NormalisedDiff {
  /** The SQL to write ('' when nothing is left). */
  readonly sql: string;
  /** REVOKE statements kept in sql (to review). */
  readonly revokes: string[];
  /** Statements removed entirely (every privilege or grantee was noise). */
  readonly dropped: string[];
}

const NOISE_PRIVILEGES = new Set(['MAINTAIN']);
const NOISE_GRANTEES = new Set(['postgres', '"postgres"']);

const PRIVILEGE_STATEMENT =
  /^(ALTER DEFAULT PRIVILEGES\b.*?\s)?(GRANT|REVOKE)(\s+GRANT OPTION FOR)?\s+(.+?)\s+ON\s+(.+?)\s+(TO|FROM)\s+(.+?)(\s+WITH GRANT OPTION)?(\s+GRANTED BY\s+\S+)?(\s+CASCADE|\s+RESTRICT)?;$/is;

export function normaliseDiff(raw: string): NormalisedDiff {
  const revokes: string[] = [];
  const dropped: string[] = [];
  const out: string[] = [];
  let meaningful = false;
  // Line by line, so that everything but the rewritten privilege lines (function bodies
  // above all) stays byte for byte what the diff printed.
  let quote: string | null = null;
  for (const line of raw.replace(/\r\n/g, '\n').split('\n')) {
    const atTopLevel = quote === null;
    quote = dollarQuoteAfter(line, quote);
    if (!atTopLevel || !/^(GRANT|REVOKE|ALTER DEFAULT PRIVILEGES)\b/i.test(line)) {
      out.push(line);
      if (line.trim() && !/^SET\s/i.test(line)) meaningful = true;
      continue;
    }
    const rewritten = rewritePrivileges(line.trimEnd());
    if (rewritten === null) {
      dropped.push(line.trimEnd());
      if (out.at(-1)?.trim() === '') out.pop(); // and the blank line that separated it
      continue;
    }
    if (/^(ALTER DEFAULT PRIVILEGES\b.*?\s)?REVOKE\b/is.test(rewritten)) revokes.push(rewritten);
    out.push(rewritten);
    meaningful = true;
  }
  const sql = out.join('\n').trim();
  return { sql: meaningful ? `${sql}\n` : '', revokes, dropped };
}

/** The dollar-quote tag still open after `line` (null when outside any $tag$ … $tag$). */
export function dollarQuoteAfter(line: string, open: string | null): string | null {
  let current = open;
  for (const match of line.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)?\$/g)) {
    if (current === null) current = match[0];
    else if (match[0] === current) current = null;
  }
  return current;
}

/** A GRANT/REVOKE without the noise (null when nothing is left); any other statement unchanged. */
export function rewritePrivileges(statement: string): string | null {
  const m = PRIVILEGE_STATEMENT.exec(statement);
  if (!m) return statement;
  const [
    ,
    prefix = '',
    verb,
    grantOption = '',
    privileges,
    target,
    direction,
    grantees,
    withGrant = '',
    grantedBy = '',
    behaviour = '',
  ] = m;
  const privs = splitList(privileges!).filter((p) => !NOISE_PRIVILEGES.has(p.toUpperCase()));
  const who = splitList(grantees!).filter((g) => !NOISE_GRANTEES.has(g));
  if (privs.length === 0 || who.length === 0) return null;
  return `${prefix}${verb}${grantOption} ${privs.join(', ')} ON ${target} ${direction} ${who.join(', ')}${withGrant}${grantedBy}${behaviour};`;
}

function splitList(list: string): string[] {
  // Column privileges carry their own commas: SELECT (a, b) — keep parentheses together.
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of list) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) items.push(current.trim());
  return items;
}
