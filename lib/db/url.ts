/**
 * PostgreSQL URLs, parsed once at the edge. The password never travels on argv (it goes to
 * child processes as PGPASSWORD) and is never printed (display() masks it). Error messages
 * show the masked URL, never the raw value.
 */
import { InvalidInput } from '../core/errors.ts';
import type { CliDbUrl } from '../commands/supabase.ts';
import { secrets } from '../core/redact.ts';

export interface DbUrl {
  readonly user: string;
  /** Decoded password, or null when the URL has none. */
  readonly password: string | null;
  /** Empty for a Unix socket given as ?host=/path. */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly params: ReadonlyMap<string, string>;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
export const TRANSACTION_POOLER_PORT = 6543;
const SOCKET_PLACEHOLDER = 'unix-socket.invalid';

/**
 * Parses a postgres:// or postgresql:// URL; InvalidInput (exit 2) naming `label` otherwise.
 * Registers the password with the redactor so no later output can show it.
 */
export function parseDbUrl(value: string, label: string): DbUrl {
  let url: URL;
  // WHATWG URLs reject an empty host with credentials (`postgresql://user@/db?host=/tmp`, the
  // libpq spelling for a Unix socket): parse with a placeholder host and drop it afterwards.
  const socketForm = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)\//.exec(value);
  try {
    url = new URL(socketForm ? value.replace(socketForm[1]!, `${socketForm[1]}${SOCKET_PLACEHOLDER}`) : value);
  } catch {
    throw new InvalidInput(`${label} is not a valid URL`, {
      hint: 'expected postgresql://user:password@host:5432/database (percent-encode @ # / ? in the password)',
    });
  }
  if (url.password) secrets.add(url.password, safeDecode(url.password));
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InvalidInput(`${label} must be a postgres:// or postgresql:// URL (got ${url.protocol}//…)`);
  }
  const params = new Map(url.searchParams.entries());
  const socketHost = params.get('host');
  const host = url.hostname === SOCKET_PLACEHOLDER ? '' : url.hostname;
  if (!host && !socketHost?.startsWith('/')) {
    throw new InvalidInput(`${label} has no host`, { hint: 'expected postgresql://user:password@host:5432/database' });
  }
  const database = safeDecode(url.pathname.replace(/^\//, ''));
  if (!database)
    throw new InvalidInput(`${label} has no database name`, { hint: 'add it after the port: …:5432/postgres' });
  const port = url.port ? Number(url.port) : 5432;
  return {
    user: safeDecode(url.username) || 'postgres',
    password: url.password ? safeDecode(url.password) : null,
    host,
    port,
    database,
    params,
  };
}

export function isLocalDb(db: DbUrl): boolean {
  if (!db.host) return (db.params.get('host') ?? '').startsWith('/');
  return LOCAL_HOSTS.has(db.host);
}

export function isTransactionPooler(db: DbUrl): boolean {
  return db.port === TRANSACTION_POOLER_PORT;
}

function format(db: DbUrl, password: string | null): string {
  const auth = `${encodeURIComponent(db.user)}${password === null ? '' : `:${password}`}@`;
  const hostPart = db.host.includes(':') && !db.host.startsWith('[') ? `[${db.host}]` : db.host;
  const query = [...db.params.entries()].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `postgresql://${auth}${hostPart}${db.host ? `:${db.port}` : ''}/${encodeURIComponent(db.database)}${query ? `?${query}` : ''}`;
}

/** For argv: the URL without its password (pass connectionEnv() alongside). */
export function urlWithoutPassword(db: DbUrl): string {
  return format(db, null);
}

/** The same, typed for the Supabase CLI's argv builders. */
export function cliUrl(db: DbUrl): CliDbUrl {
  return format(db, null) as CliDbUrl;
}

/** For people: `postgresql://postgres:***@host:5432/postgres`. */
export function displayDbUrl(db: DbUrl): string {
  return format(db, db.password === null ? null : '***');
}

/** The full URL with its password, for in-process clients only (never argv, never output). */
export function urlWithPassword(db: DbUrl): string {
  return format(db, db.password === null ? null : encodeURIComponent(db.password));
}

/** Env for a child that connects: the password as PGPASSWORD, and no TLS for a local server. */
export function connectionEnv(db: DbUrl): Record<string, string> {
  const env: Record<string, string> = {};
  if (db.password !== null) env.PGPASSWORD = db.password;
  if (isLocalDb(db)) env.PGSSLMODE = 'disable';
  return env;
}

/** Options for the `pg` client. Supabase serves TLS with its own CA, so remote = TLS without CA pinning unless the URL asks for verify-full. */
export function pgClientConfig(db: DbUrl, connectTimeoutMs = 10_000) {
  const sslmode = db.params.get('sslmode') ?? (isLocalDb(db) ? 'disable' : 'require');
  const ssl = sslmode === 'disable' ? false : sslmode === 'verify-full' ? true : { rejectUnauthorized: false };
  return {
    host: db.host || db.params.get('host') || 'localhost',
    port: db.port,
    user: db.user,
    ...(db.password !== null ? { password: db.password } : {}),
    database: db.database,
    ssl,
    connectionTimeoutMillis: connectTimeoutMs,
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
