/**
 * The secrets the KotaDB API reads at run time (shared kotadb-api reference). Deploy preflight,
 * `fly-secrets` and `doctor` all check against this one list. `secret: false` marks the few
 * the service treats as public settings (a project URL, a client id, a number): their values
 * are not masked in output (README, "What is masked").
 */

export interface ServiceSecret {
  readonly name: string;
  readonly required: boolean;
  /** The value must never be printed (false: a public setting, printed as is). */
  readonly secret: boolean;
  readonly description: string;
}

export const SERVICE_SECRETS: readonly ServiceSecret[] = [
  {
    name: 'DATABASE_URL',
    required: true,
    secret: true,
    description: 'Supabase transaction pooler URL (port 6543) the API connects through',
  },
  { name: 'SUPABASE_URL', required: true, secret: false, description: 'https://<project-ref>.supabase.co' },
  { name: 'SUPABASE_ANON_KEY', required: true, secret: true, description: 'Supabase anon (public) API key' },
  {
    name: 'SUPABASE_SERVICE_KEY',
    required: true,
    secret: true,
    description: 'Supabase service-role key (bypasses RLS)',
  },
  { name: 'SUPABASE_PROJECT_REF', required: false, secret: false, description: 'Supabase project reference' },
  { name: 'SUPABASE_DB_URL', required: false, secret: true, description: 'Direct database URL (port 5432)' },
  { name: 'JWT_SECRET', required: false, secret: true, description: 'Secret used to verify JWTs' },
  { name: 'REDIS_URL', required: false, secret: true, description: 'Redis connection URL' },
  { name: 'SENTRY_DSN', required: false, secret: true, description: 'Sentry error reporting DSN' },
  { name: 'INTERNAL_API_KEY', required: false, secret: true, description: 'Key for internal endpoints' },
  { name: 'KOTADB_WEBHOOK_BASE_URL', required: false, secret: false, description: 'Public base URL for webhooks' },
  { name: 'GITHUB_CLIENT_ID', required: false, secret: false, description: 'GitHub OAuth client id' },
  { name: 'GITHUB_CLIENT_SECRET', required: false, secret: true, description: 'GitHub OAuth client secret' },
  { name: 'GITHUB_WEBHOOK_TOKEN', required: false, secret: true, description: 'GitHub webhook signing secret' },
  {
    name: 'GITHUB_APP_PRIVATE_KEY',
    required: false,
    secret: true,
    description: 'GitHub App private key (multi-line PEM)',
  },
  { name: 'DEFAULT_RATE_LIMIT', required: false, secret: false, description: 'Requests per hour for new keys' },
  { name: 'DEFAULT_MONTHLY_QUOTA', required: false, secret: false, description: 'Requests per month for new keys' },
  {
    name: 'SQLX_DISABLE_STATEMENT_CACHE',
    required: false,
    secret: false,
    description: 'Set to true behind the transaction pooler',
  },
];

export const REQUIRED_SECRET_NAMES: readonly string[] = SERVICE_SECRETS.filter((s) => s.required).map((s) => s.name);

const BY_NAME = new Map(SERVICE_SECRETS.map((s) => [s.name, s]));
export function isKnownSecret(name: string): boolean {
  return BY_NAME.has(name);
}

/** The service's own entry for `name`, or undefined when it does not read that name. */
export function serviceSecret(name: string): ServiceSecret | undefined {
  return BY_NAME.get(name);
}

/** The name the service reads that differs from `name` only in case (`database_url` -> DATABASE_URL). */
export function caseVariantOf(name: string): string | undefined {
  if (BY_NAME.has(name)) return undefined;
  const upper = name.toUpperCase();
  return SERVICE_SECRETS.find((s) => s.name === upper)?.name;
}
