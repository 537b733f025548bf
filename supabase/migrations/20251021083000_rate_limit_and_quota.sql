-- Rate limit and monthly quota checks, computed from public.usage_metrics.
-- Call them BEFORE recording the current request: a request is allowed while the count of
-- earlier requests is below the limit.
-- SECURITY INVOKER on purpose: the API server (service_role / owner) sees every key, while a
-- signed-in user calling them through the API only ever gets figures for their own keys (RLS);
-- for someone else's key they return no row.

-- Sliding window: requests of the key in (now() - p_window, now()] against the key's
-- rate_limit_per_minute scaled to the window (at least 1).
create or replace function public.check_rate_limit(
  p_key_id uuid,
  p_window interval default interval '1 minute'
)
  returns table (
    allowed boolean,
    request_count bigint,
    request_limit integer,
    remaining integer,
    window_start timestamptz,
    reset_at timestamptz
  )
  language plpgsql
  stable
  security invoker
  set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.now();
  v_limit integer;
  v_count bigint;
  v_oldest timestamptz;
begin
  if p_window is null or p_window <= interval '0' then
    raise exception 'rate limit window must be a positive interval, got %', p_window
      using errcode = '22023';
  end if;

  select greatest(1, floor(k.rate_limit_per_minute * extract(epoch from p_window) / 60))::integer
    into v_limit
  from public.api_keys k
  where k.id = p_key_id;

  if not found then
    return;
  end if;

  select count(*), min(m.created_at)
    into v_count, v_oldest
  from public.usage_metrics m
  where m.api_key_id = p_key_id
    and m.created_at > v_now - p_window
    and m.created_at <= v_now;

  return query
  select v_count < v_limit,
         v_count,
         v_limit,
         greatest(v_limit - v_count, 0)::integer,
         v_now - p_window,
         -- when the oldest counted request leaves the window (now if none)
         coalesce(v_oldest + p_window, v_now);
end;
$$;

comment on function public.check_rate_limit(uuid, interval) is
  'Sliding-window rate limit of an API key from usage_metrics; no row for an unknown/invisible key.';

-- Calendar month in UTC containing p_at: requests of the key against its monthly_quota
-- (null quota = unlimited: allowed, remaining null).
create or replace function public.check_monthly_quota(
  p_key_id uuid,
  p_at timestamptz default now()
)
  returns table (
    allowed boolean,
    used bigint,
    quota integer,
    remaining bigint,
    period_start timestamptz,
    period_end timestamptz
  )
  language plpgsql
  stable
  security invoker
  set search_path = ''
as $$
declare
  v_quota integer;
  v_used bigint;
  v_start timestamptz;
  v_end timestamptz;
begin
  select k.monthly_quota into v_quota
  from public.api_keys k
  where k.id = p_key_id;

  if not found then
    return;
  end if;

  v_start := pg_catalog.date_trunc('month', p_at at time zone 'UTC') at time zone 'UTC';
  v_end := (pg_catalog.date_trunc('month', p_at at time zone 'UTC') + interval '1 month')
    at time zone 'UTC';

  select count(*) into v_used
  from public.usage_metrics m
  where m.api_key_id = p_key_id
    and m.created_at >= v_start
    and m.created_at < v_end;

  return query
  select v_quota is null or v_used < v_quota,
         v_used,
         v_quota,
         case when v_quota is null then null else greatest(v_quota - v_used, 0) end,
         v_start,
         v_end;
end;
$$;

comment on function public.check_monthly_quota(uuid, timestamptz) is
  'Monthly (UTC calendar month) request quota of an API key from usage_metrics.';

revoke all on function public.check_rate_limit(uuid, interval) from public, anon;
revoke all on function public.check_monthly_quota(uuid, timestamptz) from public, anon;
grant execute on function public.check_rate_limit(uuid, interval) to authenticated, service_role;
grant execute on function public.check_monthly_quota(uuid, timestamptz) to authenticated, service_role;
