/**
 * Which database a script may touch. supabase-reset wipes its target, so it only accepts a
 * local server that no SUPABASE_DB_URL* variable names; supabase-apply takes its URL from the
 * argument, SUPABASE_DB_URL or the environment's variable, and refuses the transaction pooler.
 */
import os from 'node:os';
import {
  displayDbUrl,
  isLocalDb,
  isTransactionPooler,
  parseDbUrl,
  readDbUrl,
  TRANSACTION_POOLER_PORT,
  type DbUrl,
} from './url.ts';
import type { Environment } from '../config/environments.ts';
import { InvalidInput, PreconditionFailed, UsageError } from '../core/errors.ts';
import { isLoopbackHost } from '../core/net.ts';

/** SUPABASE_DB_URL and SUPABASE_DB_URL_<ANYTHING>, in any case: databases that matter to someone. */
const PROTECTED_VAR = /^SUPABASE_DB_URL(_[A-Z0-9_]+)?$/i;
const SUPABASE_DIRECT_HOST = /^db\.([a-z0-9]+)\.supabase\.co$/;
const SUPABASE_POOLER_HOST = /\.pooler\.supabase\.com$/;

/**
 * What one database is called, whatever the spelling of its URL: passwords and parameters
 * aside, every name of this machine is one host, and on Supabase the project decides. Its
 * direct host `db.<ref>.supabase.co` and its pooler (`*.pooler.supabase.com`, session 5432 or
 * transaction 6543), where staging and production share host, port and database and only
 * the user `<role>.<ref>` says which project it is, are the same database. Elsewhere the user
 * does not change the database, so it is left out: a protected database stays protected
 * whoever logs in to it.
 */
export function databaseIdentity(db: DbUrl): string {
  const host = normaliseHost(db.host);
  const direct = SUPABASE_DIRECT_HOST.exec(host);
  if (direct) return `supabase project ${direct[1]} / ${db.database}`;
  if (SUPABASE_POOLER_HOST.test(host)) {
    const dot = db.user.indexOf('.');
    return dot > 0
      ? `supabase project ${db.user.slice(dot + 1).toLowerCase()} / ${db.database}`
      : `supabase pooler ${host} user ${db.user} / ${db.database}`;
  }
  return `${isThisMachine(host) ? 'this machine' : host}:${db.port} / ${db.database}`;
}

/** The same database (see databaseIdentity). */
export function sameDatabase(a: DbUrl, b: DbUrl): boolean {
  return databaseIdentity(a) === databaseIdentity(b);
}

/** Lower case, no trailing dot, IPv4 shorthands (`127.1`) and IPv6 spellings in their canonical form. */
function normaliseHost(host: string): string {
  const bare = host.toLowerCase().replace(/\.$/, '');
  try {
    return new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return bare;
  }
}

/** Loopback names, this machine's host name and the addresses of its interfaces. */
function isThisMachine(host: string): boolean {
  if (isLoopbackHost(host)) return true;
  if (host === os.hostname().toLowerCase()) return true;
  return Object.values(os.networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((a) => normaliseHost(a.address) === host),
  );
}

export interface ProtectedDatabase {
  readonly name: string;
  readonly value: string;
  /** Where the value really points (query parameters folded in), or null when it is no URL. */
  readonly db: DbUrl | null;
}

/** The SUPABASE_DB_URL* variables set in env, read as the CLI would (values that are no URL are compared as text). */
export function protectedDatabases(env: NodeJS.ProcessEnv): ProtectedDatabase[] {
  const found: ProtectedDatabase[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!PROTECTED_VAR.test(name) || !value) continue;
    let db: DbUrl | null = null;
    try {
      db = readDbUrl(value, name).db;
    } catch {
      db = null;
    }
    found.push({ name, value, db });
  }
  return found.sort((x, y) => x.name.localeCompare(y.name));
}

export interface ResetTargetRules {
  env: NodeJS.ProcessEnv;
  /** The raw value given, to compare with variables that do not parse. */
  raw?: string;
  /** supabase/config.toml `[db] port`: the CLI's Docker port on localhost. */
  dockerDbPort?: number;
}

/** Throws PreconditionFailed (exit 3) unless `db` is a local database no variable protects. */
export function assertResettable(db: DbUrl, rules: ResetTargetRules): void {
  if (!isLocalDb(db)) {
    throw new PreconditionFailed(
      `refusing to reset ${displayDbUrl(db)}: supabase-reset only resets a local database (localhost, 127.0.0.1 or ::1); nothing was touched`,
      {
        hint: 'to bring a remote database up to date, use supabase-apply (it never drops anything)',
      },
    );
  }
  for (const { name, value, db: other } of protectedDatabases(rules.env)) {
    if ((other && sameDatabase(db, other)) || (rules.raw !== undefined && rules.raw === value)) {
      throw new PreconditionFailed(
        `refusing to reset ${displayDbUrl(db)}: it is the database ${name} names; nothing was touched`,
        {
          hint: `a database some variable points at is not a scratch database: use another database, or unset ${name}`,
        },
      );
    }
  }
  if (rules.dockerDbPort !== undefined && isLoopbackHost(db.host) && db.port === rules.dockerDbPort) {
    throw new PreconditionFailed(
      `port ${db.port} is supabase/config.toml's [db] port: the Supabase CLI takes it for its Docker stack`,
      {
        hint: 'use --engine docker for the Docker stack, or another port for a plain PostgreSQL',
      },
    );
  }
}

export interface ApplyTarget {
  readonly db: DbUrl;
  /** Where the URL came from (an argument or a variable name), for messages. */
  readonly source: string;
}

/**
 * The URL supabase-apply works on: the argument, else SUPABASE_DB_URL, else the environment's
 * SUPABASE_DB_URL_<ENV>. Exit 2 when none is given or it is not a usable URL.
 */
export function resolveApplyTarget(
  arg: string | undefined,
  environment: Environment | null,
  env: NodeJS.ProcessEnv,
): ApplyTarget {
  if (arg !== undefined) return { db: parseDbUrl(arg, 'the database URL argument'), source: 'the argument' };
  const general = env.SUPABASE_DB_URL || undefined;
  const specific = environment ? env[environment.migrationsUrlVar] || undefined : undefined;
  if (general !== undefined) {
    const db = parseDbUrl(general, 'SUPABASE_DB_URL');
    if (environment && specific !== undefined) {
      const other = readDbUrl(specific, environment.migrationsUrlVar).db;
      if (!sameDatabase(db, other)) {
        throw new InvalidInput(
          `SUPABASE_DB_URL and ${environment.migrationsUrlVar} name different databases; which one is ${environment.name}?`,
          {
            hint: `unset SUPABASE_DB_URL, or pass the URL as the argument`,
          },
        );
      }
    }
    return { db, source: 'SUPABASE_DB_URL' };
  }
  if (specific !== undefined)
    return { db: parseDbUrl(specific, environment!.migrationsUrlVar), source: environment!.migrationsUrlVar };
  const where = environment
    ? `SUPABASE_DB_URL or ${environment.migrationsUrlVar}`
    : 'SUPABASE_DB_URL (or use --env staging|production)';
  throw new UsageError(`no database URL: pass <postgres_url> or set ${where}`);
}

/** Whether resolveApplyTarget has any URL to work with (CI skips migrations when none is configured). */
export function applyTargetConfigured(
  arg: string | undefined,
  environment: Environment | null,
  env: NodeJS.ProcessEnv,
): boolean {
  return (
    arg !== undefined ||
    Boolean(env.SUPABASE_DB_URL) ||
    (environment !== null && Boolean(env[environment.migrationsUrlVar]))
  );
}

/** Exit 3 for the transaction pooler (it breaks the CLI's prepared statements and session locks). */
export function assertNotTransactionPooler(db: DbUrl, allowPooler: boolean): void {
  if (!isTransactionPooler(db) || allowPooler) return;
  throw new PreconditionFailed(
    `refusing ${displayDbUrl(db)}: port ${TRANSACTION_POOLER_PORT} is Supabase's transaction pooler, which breaks migrations (prepared statements, the session lock)`,
    {
      hint: 'use the direct connection or the session pooler (port 5432) URL, or pass --allow-pooler if you know better',
    },
  );
}
