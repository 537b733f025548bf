/**
 * Shared by the Supabase benchmarks: a throw-away embedded PostgreSQL (the toolkit's own
 * lib/db/local-postgres.ts), scratch databases, timing of real commands through the runner,
 * and a little statistics. Benchmarks are scripts to run by hand, not tests.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import type { DbUrl } from '../lib/db/url.ts';
import { LocalPostgres, localPostgresConfig } from '../lib/db/local-postgres.ts';
import { Output } from '../lib/core/output.ts';
import { fromRoot } from '../lib/core/paths.ts';
import { quoteIdent, withClient } from '../lib/db/pg.ts';
import { applyBootstrap } from '../lib/db/plain-postgres.ts';
import { Runner, type Command, type RunOptions } from '../lib/core/runner.ts';
import { freePort } from '../test/helpers/free-port.ts';

export { freePort };

export const runner = new Runner({ output: new Output() });

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // the postgres user (when we are root) must be able to enter it
  return dir;
}

/** A durable (fsync on, like a developer's) embedded server in a temp folder. */
export async function benchServer(dir: string): Promise<LocalPostgres> {
  return new LocalPostgres(
    localPostgresConfig({
      env: {},
      overrides: { baseDir: path.join(dir, 'pg'), port: await freePort(), password: null },
    }),
    runner,
  );
}

export async function createDatabase(server: LocalPostgres, name: string, bootstrap: boolean): Promise<DbUrl> {
  await withClient(server.dbUrl(), (client) =>
    client
      .query(`drop database if exists ${quoteIdent(name)} with (force)`)
      .then(() => client.query(`create database ${quoteIdent(name)}`)),
  );
  const db = server.dbUrl(name);
  if (bootstrap)
    await withClient(db, (client) => applyBootstrap(client, fromRoot('supabase', 'bootstrap', 'plain-postgres.sql')));
  return db;
}

export type MigrationShape = 'realistic' | 'tiny';

/**
 * One generated migration. `realistic` is shaped like the project's own files (a table with
 * foreign key and checks, indexes, the updated_at trigger, RLS with four policies, grants);
 * `tiny` is a bare table with one index and a policy (the least work per file, so the
 * toolkit's fixed cost weighs most).
 */
export function migrationSql(table: string, shape: MigrationShape): string {
  if (shape === 'tiny') {
    return [
      `create table public.${table} (id uuid primary key default gen_random_uuid(), user_id uuid not null references auth.users (id) on delete cascade, name text not null);`,
      `create index ${table}_user_idx on public.${table} (user_id);`,
      `alter table public.${table} enable row level security;`,
      `create policy ${table}_owner on public.${table} for all to authenticated using (user_id = auth.uid());`,
      '',
    ].join('\n');
  }
  return [
    `-- ${table}: generated for the benchmark, shaped like supabase/migrations.`,
    `create table public.${table} (`,
    '  id uuid primary key default gen_random_uuid(),',
    '  user_id uuid not null references auth.users (id) on delete cascade,',
    '  name text not null check (length(btrim(name)) between 1 and 200),',
    "  status text not null default 'active' check (status in ('active', 'archived')),",
    "  payload jsonb not null default '{}'::jsonb,",
    '  created_at timestamptz not null default now(),',
    '  updated_at timestamptz not null default now()',
    ');',
    `create index ${table}_user_idx on public.${table} (user_id);`,
    `create index ${table}_created_idx on public.${table} (created_at desc);`,
    `create trigger ${table}_updated_at before update on public.${table}`,
    '  for each row execute function public.set_updated_at();',
    `alter table public.${table} enable row level security;`,
    `create policy ${table}_select on public.${table} for select to authenticated using (user_id = (select auth.uid()));`,
    `create policy ${table}_insert on public.${table} for insert to authenticated with check (user_id = (select auth.uid()));`,
    `create policy ${table}_update on public.${table} for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));`,
    `create policy ${table}_delete on public.${table} for delete to authenticated using (user_id = (select auth.uid()));`,
    `revoke all on public.${table} from anon;`,
    `grant select, insert, update, delete on public.${table} to authenticated;`,
    `comment on table public.${table} is 'benchmark table';`,
    '',
  ].join('\n');
}

/**
 * A project folder (supabase/config.toml, bootstrap) with `count` generated migrations after
 * a first one that creates what they use (public.set_updated_at()).
 */
export function generatedProject(dir: string, count: number, shape: MigrationShape = 'realistic'): string {
  const root = path.join(dir, `project-${shape}-${count}`);
  mkdirSync(path.join(root, 'supabase', 'migrations'), { recursive: true });
  cpSync(fromRoot('supabase', 'config.toml'), path.join(root, 'supabase', 'config.toml'));
  cpSync(fromRoot('supabase', 'bootstrap'), path.join(root, 'supabase', 'bootstrap'), { recursive: true });
  const start = Date.UTC(2026, 0, 1);
  const version = (i: number) => new Date(start + i * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  writeFileSync(
    path.join(root, 'supabase', 'migrations', `${version(0)}_base.sql`),
    "create or replace function public.set_updated_at() returns trigger language plpgsql set search_path = '' as $$ begin new.updated_at := now(); return new; end; $$;\n",
  );
  for (let i = 1; i <= count; i++) {
    const table = `bench_${String(i).padStart(4, '0')}`;
    writeFileSync(path.join(root, 'supabase', 'migrations', `${version(i)}_${table}.sql`), migrationSql(table, shape));
  }
  return root;
}

/** `node --import tsx scripts/<name>.ts …`, as a user runs it. */
export function script(name: string, args: readonly string[]): Command {
  return { argv: [process.execPath, '--import', 'tsx', fromRoot('scripts', `${name}.ts`), ...args], mutating: true };
}

export async function timed(command: Command, options: RunOptions = {}): Promise<number> {
  const result = await runner.run(command, { timeoutMs: 30 * 60_000, ...options });
  return result.durationMs;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function describeMachine(): string {
  const load = os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
  return `node ${process.version}, ${os.cpus().length} cores, load average ${load} (1/5/15 min)`;
}

export async function cleanup(server: LocalPostgres, dir: string): Promise<void> {
  await server.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
