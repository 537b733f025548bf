/**
 * Shared by the Supabase benchmarks: a throw-away embedded PostgreSQL (the toolkit's own
 * lib/local-postgres.ts), scratch databases, timing of real commands through the runner,
 * and a little statistics. Benchmarks are scripts to run by hand, not tests.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import type { DbUrl } from '../lib/db-url.ts';
import { LocalPostgres, localPostgresConfig } from '../lib/local-postgres.ts';
import { Output } from '../lib/output.ts';
import { fromRoot } from '../lib/paths.ts';
import { quoteIdent, withClient } from '../lib/pg.ts';
import { applyBootstrap } from '../lib/plain-postgres.ts';
import { Runner, type Command, type RunOptions } from '../lib/runner.ts';

export const runner = new Runner({ output: new Output() });

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // the postgres user (when we are root) must be able to enter it
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A durable (fsync on, like a developer's) embedded server in a temp folder. */
export async function benchServer(dir: string): Promise<LocalPostgres> {
  return new LocalPostgres(localPostgresConfig({ env: {}, overrides: { baseDir: path.join(dir, 'pg'), port: await freePort(), password: null } }), runner);
}

export async function createDatabase(server: LocalPostgres, name: string, bootstrap: boolean): Promise<DbUrl> {
  await withClient(server.dbUrl(), (client) => client.query(`drop database if exists ${quoteIdent(name)} with (force)`).then(() => client.query(`create database ${quoteIdent(name)}`)));
  const db = server.dbUrl(name);
  if (bootstrap) await withClient(db, (client) => applyBootstrap(client, fromRoot('supabase', 'bootstrap', 'plain-postgres.sql')));
  return db;
}

/** A project folder (supabase/config.toml, bootstrap) with `count` generated migrations. */
export function generatedProject(dir: string, count: number): string {
  const root = path.join(dir, `project-${count}`);
  mkdirSync(path.join(root, 'supabase', 'migrations'), { recursive: true });
  cpSync(fromRoot('supabase', 'config.toml'), path.join(root, 'supabase', 'config.toml'));
  cpSync(fromRoot('supabase', 'bootstrap'), path.join(root, 'supabase', 'bootstrap'), { recursive: true });
  const start = Date.UTC(2026, 0, 1);
  for (let i = 1; i <= count; i++) {
    const version = new Date(start + i * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const table = `bench_${String(i).padStart(4, '0')}`;
    writeFileSync(
      path.join(root, 'supabase', 'migrations', `${version}_${table}.sql`),
      [
        `create table public.${table} (`,
        '  id uuid primary key default gen_random_uuid(),',
        '  user_id uuid not null references auth.users (id) on delete cascade,',
        '  name text not null,',
        "  payload jsonb not null default '{}'::jsonb,",
        '  created_at timestamptz not null default now(),',
        '  updated_at timestamptz not null default now()',
        ');',
        `create index ${table}_user_idx on public.${table} (user_id);`,
        `alter table public.${table} enable row level security;`,
        `create policy ${table}_owner on public.${table} for all to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());`,
        `comment on table public.${table} is 'benchmark table ${i}';`,
        '',
      ].join('\n'),
    );
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
  const load = os.loadavg().map((n) => n.toFixed(1)).join(' / ');
  return `node ${process.version}, ${os.cpus().length} cores, load average ${load} (1/5/15 min)`;
}

export async function cleanup(server: LocalPostgres, dir: string): Promise<void> {
  await server.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

