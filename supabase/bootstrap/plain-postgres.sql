-- Supabase compatibility bootstrap for a PLAIN PostgreSQL (15 or 17).
--
-- APPLY ONLY ON THE EMBEDDED / PLAIN LOCAL ENGINE, NEVER ON A REMOTE SUPABASE DATABASE:
-- a Supabase project already has these roles, schemas, extensions and auth functions (with
-- more columns and other owners), and this file would fight with them.
--
-- It creates what supabase/migrations expect from a Supabase database: the API roles, the
-- extensions/auth/storage schemas, pgcrypto and uuid-ossp in `extensions`, a minimal
-- auth.users and the auth.uid()/role()/email()/jwt() helpers, the usual grants and the
-- supabase_realtime publication.
--
-- Idempotent: safe to run again at any time, including after `supabase db reset --db-url`
-- (that reset drops schemas not owned by supabase_admin, every routine/table in public and
-- every policy, and truncates auth.*; roles and supabase_admin-owned schemas survive).
-- Run as a superuser, in one transaction, e.g.
--   psql -v ON_ERROR_STOP=1 --single-transaction -f supabase/bootstrap/plain-postgres.sql URL
-- Plain SQL only (no psql meta-commands), so a driver can send it as one query string.

-- Re-runs would otherwise print a NOTICE per existing object ("... already exists, skipping").
set client_min_messages = warning;

-- Roles (cluster-wide). Attributes are re-asserted when the role already exists.
do $bootstrap$
declare
  spec record;
begin
  for spec in
    select *
    from (values
      ('anon',           'NOLOGIN NOINHERIT'),
      ('authenticated',  'NOLOGIN NOINHERIT'),
      ('service_role',   'NOLOGIN NOINHERIT BYPASSRLS'),
      ('authenticator',  'LOGIN NOINHERIT'),
      ('supabase_admin', 'NOLOGIN')
    ) as r(name, attrs)
  loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = spec.name) then
      execute format('create role %I %s', spec.name, spec.attrs);
    else
      execute format('alter role %I %s', spec.name, spec.attrs);
    end if;
  end loop;

  -- authenticator switches to the API roles (PostgREST does SET ROLE).
  for spec in
    select *
    from (values ('anon'), ('authenticated'), ('service_role')) as r(name)
  loop
    if not exists (
      select 1
      from pg_catalog.pg_auth_members m
      where m.roleid = (select oid from pg_catalog.pg_roles where rolname = spec.name)
        and m.member = (select oid from pg_catalog.pg_roles where rolname = 'authenticator')
    ) then
      execute format('grant %I to authenticator', spec.name);
    end if;
  end loop;
end
$bootstrap$;

-- Schemas owned by supabase_admin: a remote-style reset only drops schemas owned by others.
create schema if not exists extensions authorization supabase_admin;
create schema if not exists auth authorization supabase_admin;
create schema if not exists storage authorization supabase_admin;
alter schema extensions owner to supabase_admin;
alter schema auth owner to supabase_admin;
alter schema storage owner to supabase_admin;

-- Extensions live in `extensions`, as on Supabase. Move them there if created elsewhere.
do $bootstrap$
declare
  ext text;
begin
  foreach ext in array array['pgcrypto', 'uuid-ossp']
  loop
    if exists (
      select 1 from pg_catalog.pg_extension
      where extname = ext and extnamespace <> 'extensions'::regnamespace
    ) then
      execute format('alter extension %I set schema extensions', ext);
    end if;
  end loop;
end
$bootstrap$;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

-- Supabase puts `extensions` on the postgres role's search_path; do the same for this
-- database so that migrations behave as they would on Supabase.
do $bootstrap$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'postgres') then
    execute format(
      'alter role postgres in database %I set search_path = "$user", public, extensions',
      current_database());
  end if;
end
$bootstrap$;

-- auth.users: the subset of Supabase's columns that migrations and seeds use.
create table if not exists auth.users (
  id uuid not null default gen_random_uuid(),
  constraint users_pkey primary key (id)
);
alter table auth.users
  add column if not exists instance_id uuid,
  add column if not exists aud varchar(255),
  add column if not exists role varchar(255),
  add column if not exists email varchar(255),
  add column if not exists encrypted_password varchar(255),
  add column if not exists email_confirmed_at timestamptz,
  add column if not exists invited_at timestamptz,
  add column if not exists confirmation_token varchar(255),
  add column if not exists recovery_token varchar(255),
  add column if not exists email_change_token_new varchar(255),
  add column if not exists email_change varchar(255),
  add column if not exists last_sign_in_at timestamptz,
  add column if not exists raw_app_meta_data jsonb,
  add column if not exists raw_user_meta_data jsonb,
  add column if not exists is_super_admin boolean,
  add column if not exists created_at timestamptz default now(),
  add column if not exists updated_at timestamptz default now(),
  add column if not exists phone text default null,
  add column if not exists banned_until timestamptz,
  add column if not exists deleted_at timestamptz,
  add column if not exists is_sso_user boolean not null default false,
  add column if not exists is_anonymous boolean not null default false;
create unique index if not exists users_email_partial_key
  on auth.users (email) where (is_sso_user = false);
alter table auth.users owner to supabase_admin;
grant all on table auth.users to postgres;

-- JWT helpers, same semantics as Supabase: the legacy per-claim settings
-- (request.jwt.claim.sub, ...) win when set, else request.jwt.claims (JSON) is read.
create or replace function auth.uid() returns uuid
  language sql stable
as $fn$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$fn$;

create or replace function auth.role() returns text
  language sql stable
as $fn$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$fn$;

create or replace function auth.email() returns text
  language sql stable
as $fn$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$fn$;

create or replace function auth.jwt() returns jsonb
  language sql stable
as $fn$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$fn$;

alter function auth.uid() owner to supabase_admin;
alter function auth.role() owner to supabase_admin;
alter function auth.email() owner to supabase_admin;
alter function auth.jwt() owner to supabase_admin;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to public;

-- Schema usage for the API roles.
grant usage on schema public to postgres, anon, authenticated, service_role;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant usage on schema auth to postgres, anon, authenticated, service_role;
grant usage on schema storage to postgres, anon, authenticated, service_role;

-- Objects that postgres (the migration role) creates in public are exposed to the API roles;
-- row level security decides what each role actually sees. Migrations revoke more as needed.
alter default privileges for role postgres in schema public
  grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on functions to anon, authenticated, service_role;

-- Realtime's publication (empty, as on a new Supabase project).
do $bootstrap$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    -- A local server runs with wal_level=replica: silence the harmless
    -- 'wal_level is insufficient to publish logical changes' WARNING.
    perform pg_catalog.set_config('client_min_messages', 'error', true);
    create publication supabase_realtime;
  end if;
end
$bootstrap$;
