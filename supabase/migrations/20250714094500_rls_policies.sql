-- Row level security policies, and table privileges that match them.
-- Signed-in users (role `authenticated`, JWT `sub` = auth.uid()) see their own rows only;
-- `anon` has no policy anywhere, so it sees nothing. service_role has BYPASSRLS on Supabase;
-- the explicit `to service_role` policies keep it working where that attribute is missing.
-- `(select auth.uid())` is evaluated once per statement instead of once per row.

-- api_keys: users list and revoke/rename their own keys. Keys are created by the API server
-- (service_role) through public.create_api_key(); users cannot insert or change limits.
create policy api_keys_select_own on public.api_keys
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy api_keys_update_own on public.api_keys
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy api_keys_service_role_all on public.api_keys
  for all to service_role
  using (true) with check (true);


-- repositories: full CRUD on own rows.
create policy repositories_select_own on public.repositories
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy repositories_insert_own on public.repositories
  for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy repositories_update_own on public.repositories
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy repositories_delete_own on public.repositories
  for delete to authenticated
  using (user_id = (select auth.uid()));
create policy repositories_service_role_all on public.repositories
  for all to service_role
  using (true) with check (true);

-- indexing_jobs: read own; jobs are queued and updated by the API server.
create policy indexing_jobs_select_own on public.indexing_jobs
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy indexing_jobs_service_role_all on public.indexing_jobs
  for all to service_role
  using (true) with check (true);

-- indexing_job_events: visible when the parent job is.
create policy indexing_job_events_select_own on public.indexing_job_events
  for select to authenticated
  using (exists (
    select 1 from public.indexing_jobs j
    where j.id = indexing_job_events.job_id
      and j.user_id = (select auth.uid())
  ));
create policy indexing_job_events_service_role_all on public.indexing_job_events
  for all to service_role
  using (true) with check (true);

-- usage_metrics: read own.
create policy usage_metrics_select_own on public.usage_metrics
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy usage_metrics_service_role_all on public.usage_metrics
  for all to service_role
  using (true) with check (true);

-- webhook_deliveries: read own (unmatched deliveries have no user and stay hidden).
create policy webhook_deliveries_select_own on public.webhook_deliveries
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy webhook_deliveries_service_role_all on public.webhook_deliveries
  for all to service_role
  using (true) with check (true);

-- token_usage: read own.
create policy token_usage_select_own on public.token_usage
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy token_usage_service_role_all on public.token_usage
  for all to service_role
  using (true) with check (true);

-- Privileges. Supabase's default privileges give anon and authenticated ALL on new tables,
-- including TRUNCATE (which ignores RLS) and, on 17, MAINTAIN. Keep SELECT for both (RLS turns
-- it into "own rows" / "no rows") and grant writes only where a policy allows them.
-- service_role keeps its defaults. A table added later must do the same.
revoke all on table
  public.api_keys, public.repositories, public.indexing_jobs, public.indexing_job_events,
  public.usage_metrics, public.webhook_deliveries, public.token_usage
  from anon, authenticated;
grant select on table
  public.api_keys, public.repositories, public.indexing_jobs, public.indexing_job_events,
  public.usage_metrics, public.webhook_deliveries, public.token_usage
  to anon, authenticated;
grant insert, update, delete on table public.repositories to authenticated;
grant update (name, revoked_at) on table public.api_keys to authenticated;
