/**
 * PostgreSQL URLs, read once at the edge exactly as the Supabase CLI will read them (its
 * driver, Go pgconn v1, the way libpq does): the query string is part of the target. pgconn
 * lets `?dbname=`, `?host=`, `?port=`, `?user=` and `?password=` override what the authority
 * and path say, and `service`, `servicefile`, `hostaddr` … bring in settings from elsewhere; so
 * a URL that looks like `127.0.0.1/scratch` can really be `precious`. Here:
 *
 * - `password` (anywhere) is folded into the target's password: it leaves the URL, goes to
 *   children as PGPASSWORD only, and is registered with the redactor;
 * - the harmless parameters the toolkit needs are kept (ALLOWED_PARAMS, README "How database
 *   URLs are read"); every other one is refused with exit 2 naming it: the target-changing
 *   ones because guards, locks and labels must see the database that will really be changed,
 *   the rest because nothing here would honour them the way the CLI does;
 * - the URLs handed on (argv, output) are rendered from the parsed target, never the text given,
 *   so they carry no password and no parameter the guards did not see.
 *
 * `readDbUrl` gives the same reading without refusing anything: for URLs the toolkit only
 * compares with (the SUPABASE_DB_URL* variables reset must not wipe), whose real target is
 * what matters.
 */
import type { CliDbUrl } from '../commands/supabase.ts';
import { InvalidInput } from '../core/errors.ts';
import { isLoopbackHost } from '../core/net.ts';
import { secrets } from '../core/redact.ts';

export interface DbUrl {
  readonly user: string;
  /** Decoded password (from the userinfo or `?password=`), or null when the URL has none. */
  readonly password: string | null;
  /** Host name or IP address; an IPv6 address without its brackets (`::1`). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The allowed query parameters given (ALLOWED_PARAMS), decoded. */
  readonly params: ReadonlyMap<string, string>;
}

export const TRANSACTION_POOLER_PORT = 6543;
const DEFAULT_PORT = 5432;

/** Query parameters that keep the target as it is, and that the toolkit needs or passes on. */
export const ALLOWED_PARAMS = ['sslmode', 'application_name', 'connect_timeout', 'options'] as const;
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
/** What `options` may set (`-c name=value`): session timeouts, nothing that picks a role, schema or tenant. */
export const ALLOWED_OPTION_SETTINGS = [
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'idle_session_timeout',
] as const;

/** Parameters pgconn/libpq read as (part of) the target: they override the authority and path. */
const TARGET_PARAMS: Record<string, string> = {
  dbname: 'the database (it overrides the path)',
  host: 'the server (it overrides the host)',
  hostaddr: 'the server address libpq connects to',
  port: 'the port (it overrides the one after the host)',
  user: 'the user, which on the Supabase pooler is the project',
  service: 'the whole target (read from a pg_service.conf entry)',
  servicefile: 'the whole target (read from that pg_service.conf file)',
  passfile: 'where the password comes from',
  target_session_attrs: 'which server of a list is used',
};

/** Variables the CLI's driver falls back to, or merges in, for what the URL leaves out: cleared for CLI children. */
const TARGET_ENV = [
  'PGHOST',
  'PGHOSTADDR',
  'PGPORT',
  'PGDATABASE',
  'PGUSER',
  'PGSERVICE',
  'PGSERVICEFILE',
  'PGOPTIONS',
  'PGTARGETSESSIONATTRS',
] as const;

const URL_SHAPE = 'postgresql://user:password@host:5432/database (percent-encode @ # / ? in the password)';

export interface RefusedParam {
  readonly name: string;
  readonly message: string;
  readonly hint: string;
}

export interface DbReading {
  /** The target as the CLI will see it: `dbname`, `host`, `port`, `user`, `password` folded in. */
  readonly db: DbUrl;
  /** Parameters parseDbUrl refuses (empty when the URL is usable as it is). */
  readonly refused: readonly RefusedParam[];
}

/**
 * Parses a postgres:// or postgresql:// URL the toolkit will connect to or hand to the CLI.
 * InvalidInput (exit 2) naming `label` when it is not one, or when it has a query parameter
 * outside ALLOWED_PARAMS. Registers the password with the redactor. Never quotes the value.
 */
export function parseDbUrl(value: string, label: string): DbUrl {
  const { db, refused } = readDbUrl(value, label);
  const first = refused[0];
  if (first) throw new InvalidInput(first.message, { hint: first.hint });
  return db;
}

/** The same reading, refusing nothing: where the URL really points (InvalidInput only when it is no URL at all). */
export function readDbUrl(value: string, label: string): DbReading {
  const invalid = (message: string, hint = `expected ${URL_SHAPE}`) => {
    registerPasswordOf(value);
    return new InvalidInput(message, { hint });
  };
  const scheme = /^(postgres|postgresql):\/\//.exec(value);
  if (!scheme) {
    const other = /^([a-z][a-z0-9+.-]*):/i.exec(value);
    if (other && /^postgres(ql)?$/i.test(other[1]!))
      throw invalid(
        `${label} must start with postgres:// or postgresql:// in lower case (the CLI reads anything else as key=value pairs)`,
      );
    if (other)
      throw invalid(`${label} must be a postgres:// or postgresql:// URL (got ${other[1]!.toLowerCase()}://…)`);
    throw invalid(`${label} is not a valid URL`);
  }
  if (/^postgres(ql)?:\/\/([^/@?#]*@)?[/?]/.test(value)) {
    throw invalid(
      `${label} has no host (a Unix socket as ?host=/dir is not supported: the Supabase CLI cannot reach one)`,
    );
  }
  // Go's URL parser refuses these; the WHATWG one would silently drop or keep them.
  if (/[\u0000-\u0020\u007f]/.test(value)) throw invalid(`${label} contains a space or a control character`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${label} is not a valid URL`);
  }
  if (url.hash) throw invalid(`${label} has a "#" outside the password`);

  const decode = (text: string, what: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw invalid(`${label} has a malformed percent-encoding in its ${what}`);
    }
  };
  let password = url.password ? decode(url.password, 'password') : null;
  secrets.add(password);
  const query = parseQuery(url.search, label, invalid);
  // pgconn lets ?password= override the userinfo's.
  const passwordParam = query.get('password');
  if (passwordParam !== undefined) password = passwordParam === '' ? null : passwordParam;

  let host = decode(url.hostname, 'host');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  let port = url.port ? Number(url.port) : DEFAULT_PORT;
  // Go trims every leading slash of the path.
  let database = decode(url.pathname.replace(/^\/+/, ''), 'database name');
  if (!url.password && url.pathname.includes('@')) {
    // `user:pa/ss@host/db` reads as host `user`, port `pa`, database `ss@host/db`.
    throw invalid(`${label} has an "@" after the host: a "/" in the password must be percent-encoded as %2F`);
  }
  let user = decode(url.username, 'user name') || 'postgres';

  const refused: RefusedParam[] = [];
  const params = new Map<string, string>();
  for (const [name, given] of query) {
    if (name === 'password') continue;
    if (Object.hasOwn(TARGET_PARAMS, name)) {
      refused.push({
        name,
        message: `${label} has the query parameter "${name}", which changes ${TARGET_PARAMS[name]}: the guards would check one database and the CLI change another`,
        hint: `write the target in the URL itself (${URL_SHAPE}) and drop ?${name}=`,
      });
      // Fold what can be folded, so a comparison still sees where the CLI would really go.
      if (name === 'dbname' && given) database = given;
      if (name === 'user' && given) user = given;
      if (name === 'port' && /^\d+$/.test(given)) port = Number(given);
      if (name === 'host' && isHostName(given)) host = given;
      continue;
    }
    const problem = paramProblem(name, given);
    if (problem) {
      refused.push({
        name,
        message: `${label}: ${problem}`,
        hint: `allowed query parameters: ${ALLOWED_PARAMS.join(', ')} (options: -c ${ALLOWED_OPTION_SETTINGS.join('|')}=…); see README "How database URLs are read"`,
      });
      continue;
    }
    params.set(name, given);
  }

  if (!host) throw invalid(`${label} has no host`);
  if (!isHostName(host)) {
    throw invalid(
      host.includes(',')
        ? `${label} names several hosts; the toolkit works on exactly one`
        : host.startsWith('/')
          ? `${label} names a Unix socket; the Supabase CLI cannot reach one`
          : `${label} has an invalid host name`,
      'use one host:port, e.g. 127.0.0.1:54332',
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`${label} has an invalid port`);
  if (!database) throw invalid(`${label} has no database name`, 'add it after the port: …:5432/postgres');
  return { db: { user, password, host, port, database, params }, refused };
}

/** One DNS name or IP address (no list, no socket path). */
function isHostName(host: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(host) || /^[0-9A-Fa-f:.]+$/.test(host);
}

/** `?a=1&b=2` the way Go's url.Query() reads it, minus its silent drops: those are refused instead. */
function parseQuery(search: string, label: string, invalid: (message: string) => InvalidInput): Map<string, string> {
  const query = new Map<string, string>();
  for (const piece of search.replace(/^\?/, '').split('&')) {
    if (piece === '') continue;
    if (piece.includes(';')) throw invalid(`${label} has a ";" in its query string (use "&" between parameters)`);
    const eq = piece.indexOf('=');
    const rawName = eq === -1 ? piece : piece.slice(0, eq);
    const rawValue = eq === -1 ? '' : piece.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      throw invalid(`${label} has a malformed percent-encoding in its query string`);
    }
    if (name === 'password') secrets.add(value, rawValue);
    if (!name) throw invalid(`${label} has a query parameter without a name`);
    // Go keeps the first of repeated keys, WHATWG's URLSearchParams readers often the last.
    if (query.has(name)) throw invalid(`${label} gives the query parameter "${name}" twice`);
    query.set(name, value);
  }
  return query;
}

/** Why an allowed-looking parameter cannot be used, or null. */
function paramProblem(name: string, value: string): string | null {
  switch (name) {
    case 'sslmode':
      return SSL_MODES.includes(value) ? null : `sslmode must be one of ${SSL_MODES.join(', ')}`;
    case 'connect_timeout':
      return /^\d{1,6}$/.test(value) ? null : 'connect_timeout must be a whole number of seconds';
    case 'application_name':
      return null;
    case 'options': {
      const settings = optionSettings(value);
      if (settings === null) return 'options must be a list of -c name=value settings';
      const other = settings.find((s) => !(ALLOWED_OPTION_SETTINGS as readonly string[]).includes(s));
      return other === undefined ? null : `options may only set ${ALLOWED_OPTION_SETTINGS.join(', ')} (not "${other}")`;
    }
    default:
      return `the query parameter "${name}" is not one the toolkit passes on`;
  }
}

/** Setting names in a libpq `options` value (`-c a=1 -c b=2`, `-ca=1`, `--a=1`), or null when it has anything else. */
function optionSettings(value: string): string[] | null {
  const words = value.trim().split(/\s+/).filter(Boolean);
  const names: string[] = [];
  for (let i = 0; i < words.length; i++) {
    let word = words[i]!;
    if (word === '-c') {
      const next = words[++i];
      if (next === undefined) return null;
      word = next;
    } else if (word.startsWith('-c')) word = word.slice(2);
    else if (word.startsWith('--')) word = word.slice(2);
    else return null;
    const match = /^([a-z_][a-z0-9_.]*)=/i.exec(word);
    if (!match) return null;
    names.push(match[1]!.toLowerCase().replace(/-/g, '_'));
  }
  return names;
}

/**
 * A URL that does not parse may still hold a password (unencoded `/`, `?` or `#` in it): mask
 * what sits between `user:` and the last `@`, so no later message can show it.
 */
function registerPasswordOf(value: string): void {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:(.+)@[^@]*$/is.exec(value);
  if (match?.[1]) secrets.add(match[1]);
}

export function isLocalDb(db: DbUrl): boolean {
  return isLoopbackHost(db.host);
}

export function isTransactionPooler(db: DbUrl): boolean {
  return db.port === TRANSACTION_POOLER_PORT;
}

/** The one renderer: from the parsed target, with the password given (or none), never the text the user gave. */
function format(db: DbUrl, password: string | null): string {
  const auth = `${encodeURIComponent(db.user)}${password === null ? '' : `:${password}`}@`;
  const host = db.host.includes(':') ? `[${db.host}]` : db.host;
  const query = ALLOWED_PARAMS.filter((name) => db.params.has(name))
    .map((name) => `${name}=${encodeURIComponent(db.params.get(name)!)}`)
    .join('&');
  return `postgresql://${auth}${host}:${db.port}/${encodeURIComponent(db.database)}${query ? `?${query}` : ''}`;
}

/** For argv: the URL without its password (pass connectionEnv() alongside). */
export function urlWithoutPassword(db: DbUrl): string {
  return format(db, null);
}

/** The same, typed for the Supabase CLI's argv builders. */
export function cliUrl(db: DbUrl): CliDbUrl {
  return format(db, null) as CliDbUrl;
}

/** For people and files: `postgresql://postgres:***@host:5432/postgres` (a password given as `?password=` too). */
export function displayDbUrl(db: DbUrl): string {
  return format(db, db.password === null ? null : '***');
}

/** The full URL with its password, for in-process clients only (never argv, never output). */
export function urlWithPassword(db: DbUrl): string {
  return format(db, db.password === null ? null : encodeURIComponent(db.password));
}

/**
 * Env for a CLI child that connects: the password as PGPASSWORD; the TLS mode as PGSSLMODE (the
 * CLI drops `sslmode` from the URL when it rebuilds it; a local server gets `disable`); and the
 * PG* variables that would fill in or override parts of the target removed (undefined = unset).
 */
export function connectionEnv(db: DbUrl): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of TARGET_ENV) env[name] = undefined;
  if (db.password !== null) env.PGPASSWORD = db.password;
  const sslmode = db.params.get('sslmode') ?? (isLocalDb(db) ? 'disable' : undefined);
  if (sslmode !== undefined) env.PGSSLMODE = sslmode;
  return env;
}

/** Options for the `pg` client. Supabase serves TLS with its own CA, so remote = TLS without CA pinning unless the URL asks for verification. */
export function pgClientConfig(db: DbUrl, connectTimeoutMs = 10_000) {
  const sslmode = db.params.get('sslmode') ?? (isLocalDb(db) ? 'disable' : 'require');
  const ssl =
    sslmode === 'disable'
      ? false
      : sslmode === 'verify-full' || sslmode === 'verify-ca'
        ? true
        : { rejectUnauthorized: false };
  const timeout = db.params.get('connect_timeout');
  return {
    host: db.host,
    port: db.port,
    user: db.user,
    ...(db.password !== null ? { password: db.password } : {}),
    database: db.database,
    ssl,
    // Explicit, so the caller's PGOPTIONS cannot add settings the URL does not have.
    options: db.params.get('options') ?? '',
    connectionTimeoutMillis: timeout !== undefined && timeout !== '0' ? Number(timeout) * 1000 : connectTimeoutMs,
  };
}
