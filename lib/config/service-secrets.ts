/**
 * The secrets the KotaDB API reads at run time (shared kotadb-api reference). Deploy preflight,
 * `fly-secrets` and `doctor` all check against this one list.
 */

export interface ServiceSecret {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
}

export const SERVICE_SECRETS: readonly ServiceSecret[] = [
  {
    name: 'DATABASE_URL',
    required: true,
    description: 'Supabase transaction pooler URL (port 6543) the API connects through',
  },
  { name: 'SUPABASE_URL', required: true, description: 'https://<project-ref>.supabase.co' },
  { name: 'SUPABASE_ANON_KEY', required: true, description: 'Supabase anon (public) API key' },
  { name: 'SUPABASE_SERVICE_KEY', required: true, description: 'Supabase service-role key (bypasses RLS)' },
  { name: 'SUPABASE_PROJECT_REF', required: false, description: 'Supabase project reference' },
  { name: 'SUPABASE_DB_URL', required: false, description: 'Direct database URL (port 5432)' },
  { name: 'JWT_SECRET', required: false, description: 'Secret used to verify JWTs' },
  { name: 'REDIS_URL', required: false, description: 'Redis connection URL' },
  { name: 'SENTRY_DSN', required: false, description: 'Sentry error reporting DSN' },
  { name: 'INTERNAL_API_KEY', required: false, description: 'Key for internal endpoints' },
  { name: 'KOTADB_WEBHOOK_BASE_URL', required: false, description: 'Public base URL for webhooks' },
  { name: 'GITHUB_CLIENT_ID', required: false, description: 'GitHub OAuth client id' },
  { name: 'GITHUB_CLIENT_SECRET', required: false, description: 'GitHub OAuth client secret' },
  { name: 'GITHUB_WEBHOOK_TOKEN', required: false, description: 'GitHub webhook signing secret' },
  { name: 'GITHUB_APP_PRIVATE_KEY', required: false, description: 'GitHub App private key (multi-line PEM)' },
  { name: 'DEFAULT_RATE_LIMIT', required: false, description: 'Requests per hour for new keys' },
  { name: 'DEFAULT_MONTHLY_QUOTA', required: false, description: 'Requests per month for new keys' },
  { name: 'SQLX_DISABLE_STATEMENT_CACHE', required: false, description: 'Set to true behind the transaction pooler' },
];

export const REQUIRED_SECRET_NAMES: readonly string[] = SERVICE_SECRETS.filter((s) => s.required).map((s) => s.name);

const KNOWN = new Set(SERVICE_SECRETS.map((s) => s.name));
export function isKnownSecret(name: string): boolean {
  return KNOWN.has(name);
}
