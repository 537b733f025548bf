-- Checks row level security and the API key / rate limit functions on a database built by
-- supabase/bootstrap/plain-postgres.sql + `supabase db reset` (migrations + supabase/seed.sql).
-- Run as a superuser:
--   psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -f test/sql/rls_and_api_keys.sql URL
-- Prints one "ok - ..." NOTICE per check; the first failed check raises an error (exit 3 with
-- ON_ERROR_STOP). Everything happens in one transaction that is rolled back.

begin;

-- expect(label, actual, expected): notice on success, error on mismatch.
create function pg_temp.expect(label text, actual anyelement, expected anyelement)
  returns void language plpgsql as $$
begin
  if actual is distinct from expected then
    raise exception 'not ok - %: got %, expected %', label, actual, expected;
  end if;
  raise notice 'ok - %', label;
end $$;

-- expect_error(label, sql, sqlstate): the statement must fail with that SQLSTATE.
create function pg_temp.expect_error(label text, stmt text, state text)
  returns void language plpgsql as $$
begin
  begin
    execute stmt;
  exception when others then
    if sqlstate = state then
      raise notice 'ok - % (% %)', label, sqlstate, sqlerrm;
      return;
    end if;
    raise exception 'not ok - %: got % %, expected %', label, sqlstate, sqlerrm, state;
  end;
  raise exception 'not ok - %: succeeded, expected error %', label, state;
end $$;

-- A second user with one repository, to prove isolation in both directions.
insert into auth.users (id, email)
values ('0e0e0e0e-0000-4000-8000-000000000002', 'other@kotadb.local');
insert into public.repositories (id, user_id, full_name, git_url)
values ('0e0e0e0e-0000-4000-8000-000000000102', '0e0e0e0e-0000-4000-8000-000000000002',
        'other/private', 'https://github.com/other/private.git');

-- Remember the seed key's id for the roles that cannot see it.
select set_config('kotadb_test.seed_key_id',
  (select id::text from public.api_keys where user_id = '5eed0000-0000-4000-8000-000000000001'), true);

-- Seed timestamps are relative to when the seed ran: add 7 requests "now" (transaction time)
-- and remember how many requests the last minute holds.
insert into public.usage_metrics (user_id, api_key_id, endpoint, created_at)
select '5eed0000-0000-4000-8000-000000000001', current_setting('kotadb_test.seed_key_id')::uuid,
       '/api/v1/repositories', now() - n * interval '5 seconds'
from generate_series(0, 6) as n;
select set_config('kotadb_test.last_minute',
  (select count(*)::text from public.usage_metrics
   where api_key_id = current_setting('kotadb_test.seed_key_id')::uuid
     and created_at > now() - interval '1 minute'), true);
select set_config('kotadb_test.usage_rows', (select count(*)::text from public.usage_metrics), true);

-- Stored key material (as owner).
select pg_temp.expect('stored row holds no clear key',
  (select count(*) from public.api_keys k
   where row_to_json(k)::text like '%0123456789abcdef0123456789abcdef0123456789abcdef%'),
  0::bigint);
select pg_temp.expect('key_hash is sha256 of the key',
  (select key_hash from public.api_keys
   where user_id = '5eed0000-0000-4000-8000-000000000001'),
  encode(extensions.digest('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef', 'sha256'), 'hex'));
select pg_temp.expect('key_prefix is 16 chars',
  (select key_prefix from public.api_keys
   where user_id = '5eed0000-0000-4000-8000-000000000001'),
  'kdb_test_0123456'::text);

-- ---------------------------------------------------------------- seed user (authenticated)
set local role authenticated;
set local request.jwt.claims = '{"sub":"5eed0000-0000-4000-8000-000000000001","role":"authenticated"}';
select pg_temp.expect('seed user: auth.uid()', auth.uid(), '5eed0000-0000-4000-8000-000000000001'::uuid);
select pg_temp.expect('seed user: auth.role()', auth.role(), 'authenticated'::text);
select pg_temp.expect('seed user: api_keys', (select count(*) from public.api_keys), 1::bigint);
select pg_temp.expect('seed user: repositories (not the other user''s)', (select count(*) from public.repositories), 1::bigint);
select pg_temp.expect('seed user: indexing_jobs', (select count(*) from public.indexing_jobs), 3::bigint);
select pg_temp.expect('seed user: indexing_job_events', (select count(*) from public.indexing_job_events), 8::bigint);
select pg_temp.expect('seed user: usage_metrics', (select count(*) from public.usage_metrics),
  current_setting('kotadb_test.usage_rows')::bigint);
select pg_temp.expect('seed user: webhook_deliveries', (select count(*) from public.webhook_deliveries), 1::bigint);
select pg_temp.expect('seed user: token_usage', (select count(*) from public.token_usage), 2::bigint);
select pg_temp.expect('seed user: check_rate_limit counts the requests of the last minute',
  (select request_count from public.check_rate_limit(
     (select id from public.api_keys), interval '1 minute')),
  current_setting('kotadb_test.last_minute')::bigint);
select pg_temp.expect('seed user: ...and that is at least 7',
  current_setting('kotadb_test.last_minute')::bigint >= 7, true);
select pg_temp.expect('seed user: rate limit of a pro key over 10 s is 50',
  (select request_limit from public.check_rate_limit(
     (select id from public.api_keys), interval '10 seconds')), 50);
select pg_temp.expect('seed user: check_monthly_quota returns a row',
  (select count(*) from public.check_monthly_quota((select id from public.api_keys))), 1::bigint);
with u as (update public.api_keys set name = 'renamed' returning 1)
select pg_temp.expect('seed user: can rename own key', (select count(*) from u), 1::bigint);
select pg_temp.expect_error('seed user: cannot raise own rate limit',
  'update public.api_keys set rate_limit_per_minute = 100000', '42501');
select pg_temp.expect_error('seed user: cannot truncate (TRUNCATE ignores RLS)',
  'truncate public.usage_metrics', '42501');
select pg_temp.expect_error('seed user: cannot insert a key directly',
  $q$insert into public.api_keys (user_id, name, key_prefix, key_hash)
     values ('5eed0000-0000-4000-8000-000000000001', 'x', 'kdb_test_ffffff0', repeat('a', 64))$q$, '42501');
select pg_temp.expect_error('seed user: cannot call verify_api_key',
  $q$select * from public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef')$q$, '42501');
select pg_temp.expect_error('seed user: cannot call create_api_key',
  $q$select * from public.create_api_key('5eed0000-0000-4000-8000-000000000001', 'x')$q$, '42501');
with i as (
  insert into public.repositories (user_id, full_name, git_url)
  values ('5eed0000-0000-4000-8000-000000000001', 'dev/second', 'https://example.invalid/second.git')
  returning 1)
select pg_temp.expect('seed user: can add own repository', (select count(*) from i), 1::bigint);
select pg_temp.expect_error('seed user: cannot add a repository for someone else',
  $q$insert into public.repositories (user_id, full_name, git_url)
     values ('0e0e0e0e-0000-4000-8000-000000000002', 'x/y', 'https://example.invalid/x.git')$q$, '42501');
with d as (delete from public.repositories where id = '0e0e0e0e-0000-4000-8000-000000000102' returning 1)
select pg_temp.expect('seed user: cannot delete the other user''s repository (0 rows)',
  (select count(*) from d), 0::bigint);
reset role;

-- ---------------------------------------------------------------- other user (authenticated)
set local role authenticated;
set local request.jwt.claims = '{"sub":"0e0e0e0e-0000-4000-8000-000000000002","role":"authenticated"}';
select pg_temp.expect('other user: repositories (own only)', (select count(*) from public.repositories), 1::bigint);
select pg_temp.expect('other user: api_keys', (select count(*) from public.api_keys), 0::bigint);
select pg_temp.expect('other user: indexing_jobs', (select count(*) from public.indexing_jobs), 0::bigint);
select pg_temp.expect('other user: indexing_job_events', (select count(*) from public.indexing_job_events), 0::bigint);
select pg_temp.expect('other user: usage_metrics', (select count(*) from public.usage_metrics), 0::bigint);
select pg_temp.expect('other user: webhook_deliveries', (select count(*) from public.webhook_deliveries), 0::bigint);
select pg_temp.expect('other user: token_usage', (select count(*) from public.token_usage), 0::bigint);
select pg_temp.expect('other user: no rate-limit figures for the seed key',
  (select count(*) from public.check_rate_limit(current_setting('kotadb_test.seed_key_id')::uuid)),
  0::bigint);
select pg_temp.expect('other user: no monthly-quota figures for the seed key',
  (select count(*) from public.check_monthly_quota(current_setting('kotadb_test.seed_key_id')::uuid)),
  0::bigint);
reset role;

-- ---------------------------------------------------------------- unknown sub (authenticated)
set local role authenticated;
set local request.jwt.claims = '{"sub":"11111111-1111-4111-8111-111111111111","role":"authenticated"}';
select pg_temp.expect('unknown sub: repositories', (select count(*) from public.repositories), 0::bigint);
select pg_temp.expect('unknown sub: api_keys', (select count(*) from public.api_keys), 0::bigint);
select pg_temp.expect('unknown sub: usage_metrics', (select count(*) from public.usage_metrics), 0::bigint);
select pg_temp.expect('unknown sub: indexing_job_events', (select count(*) from public.indexing_job_events), 0::bigint);
reset role;

-- ---------------------------------------------------------------- legacy claim setting
set local role authenticated;
set local request.jwt.claims = '';
set local request.jwt.claim.sub = '5eed0000-0000-4000-8000-000000000001';
select pg_temp.expect('legacy request.jwt.claim.sub: auth.uid()', auth.uid(), '5eed0000-0000-4000-8000-000000000001'::uuid);
select pg_temp.expect('legacy request.jwt.claim.sub: api_keys', (select count(*) from public.api_keys), 1::bigint);
set local request.jwt.claim.sub = '';
reset role;

-- ---------------------------------------------------------------- anon (even with the seed sub)
set local role anon;
set local request.jwt.claims = '{"sub":"5eed0000-0000-4000-8000-000000000001","role":"anon"}';
select pg_temp.expect('anon: api_keys', (select count(*) from public.api_keys), 0::bigint);
select pg_temp.expect('anon: repositories', (select count(*) from public.repositories), 0::bigint);
select pg_temp.expect('anon: indexing_jobs', (select count(*) from public.indexing_jobs), 0::bigint);
select pg_temp.expect('anon: indexing_job_events', (select count(*) from public.indexing_job_events), 0::bigint);
select pg_temp.expect('anon: usage_metrics', (select count(*) from public.usage_metrics), 0::bigint);
select pg_temp.expect('anon: webhook_deliveries', (select count(*) from public.webhook_deliveries), 0::bigint);
select pg_temp.expect('anon: token_usage', (select count(*) from public.token_usage), 0::bigint);
select pg_temp.expect_error('anon: cannot insert a repository',
  $q$insert into public.repositories (user_id, full_name, git_url)
     values ('5eed0000-0000-4000-8000-000000000001', 'x/y', 'https://example.invalid/y.git')$q$, '42501');
select pg_temp.expect_error('anon: cannot truncate',
  'truncate public.indexing_jobs', '42501');
select pg_temp.expect_error('anon: cannot call check_rate_limit',
  $q$select * from public.check_rate_limit('5eed0000-0000-4000-8000-000000000001')$q$, '42501');
select pg_temp.expect_error('anon: cannot call verify_api_key',
  $q$select * from public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef')$q$, '42501');
reset role;

-- ---------------------------------------------------------------- service_role
set local role service_role;
set local request.jwt.claims = '{"role":"service_role"}';
select pg_temp.expect('service_role: repositories (all users)', (select count(*) from public.repositories), 3::bigint);
select pg_temp.expect('service_role: api_keys', (select count(*) from public.api_keys), 1::bigint);
select pg_temp.expect('service_role: indexing_job_events', (select count(*) from public.indexing_job_events), 8::bigint);
select pg_temp.expect('service_role: usage_metrics', (select count(*) from public.usage_metrics),
  current_setting('kotadb_test.usage_rows')::bigint);
select pg_temp.expect('service_role: verify dev key returns the key row',
  (select user_id from public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef')),
  '5eed0000-0000-4000-8000-000000000001'::uuid);
select pg_temp.expect('service_role: wrong key returns nothing',
  (select count(*) from public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdee')), 0::bigint);
select pg_temp.expect('service_role: malformed key returns nothing',
  (select count(*) from public.verify_api_key('not-a-key')), 0::bigint);
select pg_temp.expect('service_role: null key returns nothing',
  (select count(*) from public.verify_api_key(null)), 0::bigint);
create temp table new_key on commit drop as
  select * from public.create_api_key('0e0e0e0e-0000-4000-8000-000000000002', 'ci', 'team');
select pg_temp.expect('service_role: create_api_key returns a live key once',
  (select api_key ~ '^kdb_live_[0-9a-f]{48}$' from new_key), true);
select pg_temp.expect('service_role: new key verifies to its owner',
  (select v.user_id from new_key n, public.verify_api_key(n.api_key) v),
  '0e0e0e0e-0000-4000-8000-000000000002'::uuid);
select pg_temp.expect('service_role: team tier defaults',
  (select rate_limit_per_minute || '/' || monthly_quota from public.api_keys k, new_key n where k.id = n.key_id),
  '1000/1000000'::text);
select pg_temp.expect_error('service_role: bad tier rejected',
  $q$select * from public.create_api_key('0e0e0e0e-0000-4000-8000-000000000002', 'x', 'gold')$q$, '22023');
select pg_temp.expect_error('service_role: bad key format rejected',
  $q$select * from public.create_api_key('0e0e0e0e-0000-4000-8000-000000000002', 'x', p_key => 'secret')$q$, '22023');
update public.api_keys set revoked_at = now()
  where user_id = '5eed0000-0000-4000-8000-000000000001';
select pg_temp.expect('service_role: revoked key returns nothing',
  (select count(*) from public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef')), 0::bigint);
select pg_temp.expect_error('service_role: rate limit window must be positive',
  $q$select * from public.check_rate_limit((select id from public.api_keys limit 1), interval '0')$q$, '22023');
reset role;

-- ---------------------------------------------------------------- misc (owner)
with u as (
  update public.repositories set default_branch = 'trunk'
  where id = '5eed0000-0000-4000-8000-000000000101'
  returning updated_at > created_at as bumped)
select pg_temp.expect('set_updated_at trigger bumps updated_at', (select bumped from u), true);
delete from auth.users where id = '5eed0000-0000-4000-8000-000000000001';
select pg_temp.expect('deleting the user cascades to all its rows',
  (select count(*) from public.api_keys where user_id = '5eed0000-0000-4000-8000-000000000001')
  + (select count(*) from public.repositories where user_id = '5eed0000-0000-4000-8000-000000000001')
  + (select count(*) from public.indexing_jobs where user_id = '5eed0000-0000-4000-8000-000000000001')
  + (select count(*) from public.indexing_job_events)
  + (select count(*) from public.usage_metrics where user_id = '5eed0000-0000-4000-8000-000000000001')
  + (select count(*) from public.webhook_deliveries where user_id = '5eed0000-0000-4000-8000-000000000001')
  + (select count(*) from public.token_usage where user_id = '5eed0000-0000-4000-8000-000000000001'),
  0::bigint);
select pg_temp.expect('every public table has RLS enabled',
  (select count(*) from pg_class
   where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and not relrowsecurity),
  0::bigint);
select pg_temp.expect('only pgcrypto, uuid-ossp (and plpgsql) installed',
  (select string_agg(extname, ',' order by extname) from pg_extension),
  'pgcrypto,plpgsql,uuid-ossp'::text);
select pg_temp.expect('every SECURITY DEFINER function pins search_path',
  (select count(*) from pg_proc
   where pronamespace = 'public'::regnamespace and prosecdef
     and not exists (select 1 from unnest(proconfig) c where c like 'search_path=%')),
  0::bigint);

rollback;
