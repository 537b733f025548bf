-- KotaDB SaaS API: initial schema.
-- Written for Supabase (PostgreSQL 17) and checked on plain PostgreSQL 15 and 17 after
-- supabase/bootstrap/plain-postgres.sql. Extensions live in schema `extensions`: always
-- schema-qualify their functions. gen_random_uuid() is core PostgreSQL (13+).
-- Row level security is enabled here, with the table; policies follow in the next migration,
-- so until then only the owner and service_role (BYPASSRLS) can read or write.

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

-- Shared trigger: keep updated_at current on every update.
create or replace function public.set_updated_at()
  returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- API keys. Only a SHA-256 hash of the key and a short display prefix are stored; the clear
-- key is shown once by public.create_api_key() and can never be read back.
create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 100),
  key_prefix text not null check (length(key_prefix) = 16),
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  tier text not null default 'free' check (tier in ('free', 'pro', 'team', 'enterprise')),
  scopes text[] not null default array['read']::text[],
  rate_limit_per_minute integer not null default 60 check (rate_limit_per_minute > 0),
  -- null = no monthly quota
  monthly_quota integer default 1000 check (monthly_quota is null or monthly_quota >= 0),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index api_keys_user_id_idx on public.api_keys (user_id);

create table public.repositories (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  provider text not null default 'github' check (provider in ('github', 'gitlab', 'bitbucket', 'git')),
  full_name text not null check (length(full_name) between 1 and 255),
  git_url text not null,
  default_branch text not null default 'main',
  is_private boolean not null default false,
  status text not null default 'pending'
    check (status in ('pending', 'indexing', 'ready', 'failed', 'archived')),
  last_indexed_at timestamptz,
  last_indexed_commit text,
  file_count integer not null default 0 check (file_count >= 0),
  symbol_count integer not null default 0 check (symbol_count >= 0),
  settings jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, git_url)
);

create table public.indexing_jobs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  repository_id uuid not null references public.repositories (id) on delete cascade,
  api_key_id uuid references public.api_keys (id) on delete set null,
  status text not null default 'queued'
    check (status in ('queued', 'in_progress', 'completed', 'failed', 'cancelled')),
  source text not null default 'api' check (source in ('api', 'webhook', 'manual', 'schedule')),
  git_ref text,
  commit_sha text,
  priority smallint not null default 0,
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null default 3 check (max_attempts > 0),
  error_message text,
  stats jsonb not null default '{}'::jsonb,
  queued_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index indexing_jobs_user_id_idx on public.indexing_jobs (user_id, created_at desc);
create index indexing_jobs_repository_id_idx on public.indexing_jobs (repository_id, created_at desc);
-- The worker's queue scan and the /health job_queue counters.
create index indexing_jobs_queue_idx on public.indexing_jobs (status, priority desc, queued_at)
  where status in ('queued', 'in_progress');
create index indexing_jobs_failed_idx on public.indexing_jobs (finished_at)
  where status = 'failed';

create table public.indexing_job_events (
  id bigint generated always as identity primary key,
  job_id uuid not null references public.indexing_jobs (id) on delete cascade,
  event_type text not null
    check (event_type in ('queued', 'started', 'progress', 'completed', 'failed', 'retry', 'cancelled', 'log')),
  level text not null default 'info' check (level in ('debug', 'info', 'warn', 'error')),
  message text,
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index indexing_job_events_job_id_idx on public.indexing_job_events (job_id, created_at);

-- One row per authenticated API request; the source of rate limits and monthly quotas.
create table public.usage_metrics (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  api_key_id uuid references public.api_keys (id) on delete set null,
  endpoint text not null,
  method text not null default 'GET',
  status_code smallint,
  response_time_ms integer check (response_time_ms is null or response_time_ms >= 0),
  request_bytes bigint,
  response_bytes bigint,
  created_at timestamptz not null default now()
);
create index usage_metrics_api_key_id_created_at_idx on public.usage_metrics (api_key_id, created_at desc);
create index usage_metrics_user_id_created_at_idx on public.usage_metrics (user_id, created_at desc);

-- Inbound webhook deliveries (GitHub push / pull_request ...).
create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  -- null until the delivery is matched to a registered repository
  user_id uuid references auth.users (id) on delete cascade,
  repository_id uuid references public.repositories (id) on delete cascade,
  indexing_job_id uuid references public.indexing_jobs (id) on delete set null,
  provider text not null default 'github',
  delivery_id text not null,
  event_type text not null,
  signature_valid boolean not null default false,
  status text not null default 'received'
    check (status in ('received', 'processed', 'ignored', 'failed')),
  payload jsonb not null default '{}'::jsonb,
  error_message text,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (provider, delivery_id)
);
create index webhook_deliveries_user_id_idx on public.webhook_deliveries (user_id, received_at desc);
create index webhook_deliveries_repository_id_idx on public.webhook_deliveries (repository_id);

-- LLM / embedding token consumption.
create table public.token_usage (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  api_key_id uuid references public.api_keys (id) on delete set null,
  repository_id uuid references public.repositories (id) on delete set null,
  indexing_job_id uuid references public.indexing_jobs (id) on delete set null,
  operation text not null,
  model text not null,
  input_tokens integer not null default 0 check (input_tokens >= 0),
  output_tokens integer not null default 0 check (output_tokens >= 0),
  total_tokens integer generated always as (input_tokens + output_tokens) stored,
  cost_usd numeric(12, 6),
  created_at timestamptz not null default now()
);
create index token_usage_user_id_created_at_idx on public.token_usage (user_id, created_at desc);

create trigger api_keys_set_updated_at before update on public.api_keys
  for each row execute function public.set_updated_at();
create trigger repositories_set_updated_at before update on public.repositories
  for each row execute function public.set_updated_at();
create trigger indexing_jobs_set_updated_at before update on public.indexing_jobs
  for each row execute function public.set_updated_at();
create trigger webhook_deliveries_set_updated_at before update on public.webhook_deliveries
  for each row execute function public.set_updated_at();

alter table public.api_keys enable row level security;
alter table public.repositories enable row level security;
alter table public.indexing_jobs enable row level security;
alter table public.indexing_job_events enable row level security;
alter table public.usage_metrics enable row level security;
alter table public.webhook_deliveries enable row level security;
alter table public.token_usage enable row level security;
