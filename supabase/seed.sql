-- Development seed, applied by `supabase db reset` after the migrations. DEV ONLY: never run
-- against staging or production (`db push` does not apply seeds).
--
--   user     5eed0000-0000-4000-8000-000000000001  dev@kotadb.local (no password: the API
--            authenticates with the key below; RLS checks use request.jwt.claims.sub)
--   API key  kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef
--            (header X-API-Key; a fixed, public, dev-only value)
--
-- Safe to re-run: every insert skips rows that already exist.

insert into auth.users (
  instance_id, id, aud, role, email, email_confirmed_at,
  confirmation_token, recovery_token, email_change_token_new, email_change,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at
) values (
  '00000000-0000-0000-0000-000000000000',
  '5eed0000-0000-4000-8000-000000000001',
  'authenticated',
  'authenticated',
  'dev@kotadb.local',
  now(),
  -- empty strings, not NULL: GoTrue cannot scan NULL in these columns on a real Supabase
  '', '', '', '',
  '{"provider": "email", "providers": ["email"]}',
  '{"full_name": "KotaDB Dev"}',
  now(),
  now()
)
on conflict (id) do nothing;

-- The key is created through the same function the API server uses.
do $$
begin
  if not exists (
    select 1 from public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef')
  ) then
    perform public.create_api_key(
      p_user_id => '5eed0000-0000-4000-8000-000000000001',
      p_name => 'Local development',
      p_tier => 'pro',
      p_environment => 'test',
      p_key => 'kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef'
    );
  end if;
end
$$;

insert into public.repositories (
  id, user_id, provider, full_name, git_url, default_branch, status,
  last_indexed_at, last_indexed_commit, file_count, symbol_count
) values (
  '5eed0000-0000-4000-8000-000000000101',
  '5eed0000-0000-4000-8000-000000000001',
  'github',
  'kotadb-dev/sample-repo',
  'https://github.com/kotadb-dev/sample-repo.git',
  'main',
  'ready',
  now() - interval '2 days',
  '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
  412,
  9876
)
on conflict (id) do nothing;

insert into public.indexing_jobs (
  id, user_id, repository_id, api_key_id, status, source, git_ref, commit_sha,
  attempts, error_message, stats, queued_at, started_at, finished_at
)
select j.id, '5eed0000-0000-4000-8000-000000000001', '5eed0000-0000-4000-8000-000000000101',
       k.key_id, j.status, j.source, 'refs/heads/main', j.commit_sha,
       j.attempts, j.error_message, j.stats::jsonb, j.queued_at, j.started_at, j.finished_at
from (values
  ('5eed0000-0000-4000-8000-000000000201'::uuid, 'completed', 'api',
   '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39', 1, null::text,
   '{"files": 412, "symbols": 9876, "duration_ms": 48210}',
   now() - interval '2 days', now() - interval '2 days' + interval '3 seconds',
   now() - interval '2 days' + interval '51 seconds'),
  ('5eed0000-0000-4000-8000-000000000202'::uuid, 'failed', 'webhook',
   '8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a393f2a9c1d', 3, 'git clone failed: repository not reachable',
   '{}',
   now() - interval '1 day', now() - interval '1 day' + interval '2 seconds',
   now() - interval '1 day' + interval '95 seconds'),
  ('5eed0000-0000-4000-8000-000000000203'::uuid, 'queued', 'manual',
   null, 0, null,
   '{}',
   now() - interval '30 seconds', null, null)
) as j(id, status, source, commit_sha, attempts, error_message, stats, queued_at, started_at, finished_at)
left join public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef') k on true
on conflict (id) do nothing;

insert into public.indexing_job_events (job_id, event_type, level, message, payload, created_at)
select e.job_id, e.event_type, e.level, e.message, e.payload::jsonb, j.queued_at + e.after
from (values
  ('5eed0000-0000-4000-8000-000000000201'::uuid, 'queued', 'info', 'job queued', '{}', interval '0'),
  ('5eed0000-0000-4000-8000-000000000201'::uuid, 'started', 'info', 'indexing started', '{}', interval '3 seconds'),
  ('5eed0000-0000-4000-8000-000000000201'::uuid, 'progress', 'info', 'parsed files', '{"files_done": 206, "files_total": 412}', interval '25 seconds'),
  ('5eed0000-0000-4000-8000-000000000201'::uuid, 'completed', 'info', 'indexing completed', '{"files": 412, "symbols": 9876}', interval '51 seconds'),
  ('5eed0000-0000-4000-8000-000000000202'::uuid, 'queued', 'info', 'job queued by push webhook', '{}', interval '0'),
  ('5eed0000-0000-4000-8000-000000000202'::uuid, 'retry', 'warn', 'clone failed, retrying', '{"attempt": 2}', interval '40 seconds'),
  ('5eed0000-0000-4000-8000-000000000202'::uuid, 'failed', 'error', 'git clone failed: repository not reachable', '{"attempt": 3}', interval '95 seconds'),
  ('5eed0000-0000-4000-8000-000000000203'::uuid, 'queued', 'info', 'job queued', '{}', interval '0')
) as e(job_id, event_type, level, message, payload, after)
join public.indexing_jobs j on j.id = e.job_id
where not exists (
  select 1 from public.indexing_job_events x where x.job_id = e.job_id
);

insert into public.webhook_deliveries (
  id, user_id, repository_id, indexing_job_id, provider, delivery_id, event_type,
  signature_valid, status, payload, received_at, processed_at
) values (
  '5eed0000-0000-4000-8000-000000000301',
  '5eed0000-0000-4000-8000-000000000001',
  '5eed0000-0000-4000-8000-000000000101',
  '5eed0000-0000-4000-8000-000000000202',
  'github',
  'dev-delivery-0001',
  'push',
  true,
  'processed',
  '{"ref": "refs/heads/main", "after": "8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a393f2a9c1d"}',
  now() - interval '1 day',
  now() - interval '1 day' + interval '1 second'
)
on conflict (id) do nothing;

-- API traffic: 12 requests in the last minute, 18 more spread over the last 18 hours.
insert into public.usage_metrics (
  user_id, api_key_id, endpoint, method, status_code, response_time_ms, response_bytes, created_at
)
select k.user_id, k.key_id,
       case when n % 3 = 0 then '/api/v1/repositories' else '/mcp/tools/search_code' end,
       case when n % 3 = 0 then 'GET' else 'POST' end,
       200,
       15 + (n * 7) % 90,
       512 + n * 64,
       case when n < 12 then now() - n * interval '4 seconds'
            else now() - (n - 11) * interval '1 hour' end
from public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef') k
cross join generate_series(0, 29) as n
where not exists (
  select 1 from public.usage_metrics u where u.user_id = k.user_id
);

insert into public.token_usage (
  user_id, api_key_id, repository_id, indexing_job_id, operation, model,
  input_tokens, output_tokens, cost_usd, created_at
)
select k.user_id, k.key_id, '5eed0000-0000-4000-8000-000000000101', t.job_id, t.operation,
       t.model, t.input_tokens, t.output_tokens, t.cost_usd, now() - t.ago
from public.verify_api_key('kdb_test_0123456789abcdef0123456789abcdef0123456789abcdef') k
cross join (values
  ('5eed0000-0000-4000-8000-000000000201'::uuid, 'embedding', 'text-embedding-3-small',
   182000, 0, 0.003640::numeric, interval '2 days'),
  (null::uuid, 'mcp_summary', 'claude-3-5-haiku', 2400, 380, 0.003440::numeric, interval '2 hours')
) as t(job_id, operation, model, input_tokens, output_tokens, cost_usd, ago)
where not exists (
  select 1 from public.token_usage u where u.user_id = k.user_id
);
