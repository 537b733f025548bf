-- API key issue and verification.
-- Key format: kdb_<live|test>_<48 hex chars> (192 random bits from pgcrypto).
-- Stored: key_prefix = first 16 characters (for display) and key_hash = hex SHA-256 of the whole
-- key. A plain hash (no per-key salt) is enough for random 192-bit secrets and keeps
-- verification to one unique-index lookup per request; passwords would need crypt() instead.
-- Both functions are SECURITY DEFINER (they must see every key, past RLS) and are executable by
-- service_role (and the owner) only.

create or replace function public.create_api_key(
  p_user_id uuid,
  p_name text,
  p_tier text default 'free',
  p_environment text default 'live',
  p_rate_limit_per_minute integer default null,
  p_monthly_quota integer default null,
  p_expires_at timestamptz default null,
  p_key text default null
)
  returns table (key_id uuid, api_key text, key_prefix text, created_at timestamptz)
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  v_key text;
  v_rate integer;
  v_quota integer;
begin
  if p_tier is null or p_tier not in ('free', 'pro', 'team', 'enterprise') then
    raise exception 'invalid tier %: expected free, pro, team or enterprise', p_tier
      using errcode = '22023';
  end if;
  if p_environment is null or p_environment not in ('live', 'test') then
    raise exception 'invalid environment %: expected live or test', p_environment
      using errcode = '22023';
  end if;

  -- p_key lets fixtures (supabase/seed.sql, tests) create a known key; production callers
  -- leave it null and get a fresh random key.
  if p_key is null then
    v_key := 'kdb_' || p_environment || '_'
      || pg_catalog.encode(extensions.gen_random_bytes(24), 'hex');
  elsif p_key ~ '^kdb_(live|test)_[0-9a-f]{48}$' then
    v_key := p_key;
  else
    raise exception 'invalid api key format: expected kdb_<live|test>_<48 hex characters>'
      using errcode = '22023';
  end if;

  -- Tier defaults; explicit arguments win. A null monthly quota means unlimited.
  v_rate := coalesce(p_rate_limit_per_minute, case p_tier
    when 'free' then 60 when 'pro' then 300 when 'team' then 1000 when 'enterprise' then 5000
  end);
  v_quota := case
    when p_monthly_quota is not null then p_monthly_quota
    when p_tier = 'free' then 1000
    when p_tier = 'pro' then 100000
    when p_tier = 'team' then 1000000
    else null
  end;

  return query
  insert into public.api_keys as k
    (user_id, name, key_prefix, key_hash, tier, rate_limit_per_minute, monthly_quota, expires_at)
  values (
    p_user_id,
    p_name,
    pg_catalog.left(v_key, 16),
    pg_catalog.encode(extensions.digest(v_key, 'sha256'), 'hex'),
    p_tier,
    v_rate,
    v_quota,
    p_expires_at
  )
  returning k.id, v_key, k.key_prefix, k.created_at;
end;
$$;

comment on function public.create_api_key(uuid, text, text, text, integer, integer, timestamptz, text) is
  'Creates an API key for a user and returns the clear key ONCE; only its SHA-256 hash is stored.';

-- Returns the active key matching a presented clear key, or no row.
create or replace function public.verify_api_key(p_key text)
  returns table (
    key_id uuid,
    user_id uuid,
    name text,
    key_prefix text,
    tier text,
    scopes text[],
    rate_limit_per_minute integer,
    monthly_quota integer,
    expires_at timestamptz
  )
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select k.id, k.user_id, k.name, k.key_prefix, k.tier, k.scopes,
         k.rate_limit_per_minute, k.monthly_quota, k.expires_at
  from public.api_keys k
  where p_key ~ '^kdb_(live|test)_[0-9a-f]{48}$'
    and k.key_hash = pg_catalog.encode(extensions.digest(p_key, 'sha256'), 'hex')
    and k.revoked_at is null
    and (k.expires_at is null or k.expires_at > pg_catalog.now())
$$;

comment on function public.verify_api_key(text) is
  'Looks up an active (not revoked, not expired) API key by its clear value; no row when invalid.';

-- Functions are executable by PUBLIC by default, and Supabase's default privileges also grant
-- anon/authenticated: take that away.
revoke all on function public.create_api_key(uuid, text, text, text, integer, integer, timestamptz, text)
  from public, anon, authenticated;
revoke all on function public.verify_api_key(text) from public, anon, authenticated;
grant execute on function public.create_api_key(uuid, text, text, text, integer, integer, timestamptz, text)
  to service_role;
grant execute on function public.verify_api_key(text) to service_role;
