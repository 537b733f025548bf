/**
 * Which database a script may touch. supabase-reset wipes its target, so it only accepts a
 * local server that no SUPABASE_DB_URL* variable names; supabase-apply takes its URL from the
 * argument, SUPABASE_DB_URL or the environment's variable, and refuses the transaction pooler.
 */
import {
  displayDbUrl,
  isLocalDb,
  isTransactionPooler,
  parseDbUrl,
  TRANSACTION_POOLER_PORT,
  type DbUrl,
} from './url.ts';
import type { Environment } from '../config/environments.ts';
import { InvalidInput, PreconditionFailed, UsageError } from '../core/errors.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
/** SUPABASE_DB_URL and SUPABASE_DB_URL_<ANYTHING>, in any case: databases that matter to someone. */
const PROTECTED_VAR = /^SUPABASE_DB_URL(_[A-Z0-9_]+)?$/i;

/** Same server and database (passwords, users and parameters aside; loopback names are one host). */
export function sameDatabase(a: DbUrl, b: DbUrl): boolean {
  const host = (db: DbUrl) =>
    (LOOPBACK.has(db.host) ? 'loopback' : db.host.toLowerCase()) || `socket:${db.params.get('host') ?? ''}`;
  return host(a) === host(b) && a.port === b.port && a.database === b.database;
}

/** The SUPABASE_DB_URL* variables set in env, parsed (values that do not parse are compared as text). */
export function protectedDatabases(env: NodeJS.ProcessEnv): Array<{ name: string; value: string; db: DbUrl | null }> {
  const found: Array<{ name: string; value: string; db: DbUrl | null }> = [];
  for (const [name, value] of Object.entries(env)) {
    if (!PROTECTED_VAR.test(name) || !value) continue;
    let db: DbUrl | null = null;
    try {
      db = parseDbUrl(value, name);
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
      `refusing to reset ${displayDbUrl(db)}: supabase-reset only resets a local database (localhost, 127.0.0.1, ::1 or a Unix socket); nothing was touched`,
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
  if (rules.dockerDbPort !== undefined && db.host && LOOPBACK.has(db.host) && db.port === rules.dockerDbPort) {
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
      const other = parseDbUrl(specific, environment.migrationsUrlVar);
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
