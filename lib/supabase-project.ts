/**
 * The Supabase project folder the scripts work on (`<root>/supabase`): where its files are.
 * (The config.toml settings the toolkit respects are read by lib/supabase-config.ts.)
 */
import path from 'node:path';

export interface SupabaseProject {
  /** Folder holding supabase/ (the CLI's --workdir). */
  readonly root: string;
  readonly supabaseDir: string;
  readonly migrationsDir: string;
  readonly configFile: string;
  /** Plain-PostgreSQL compatibility SQL: applied on the local engine only, never remote. */
  readonly bootstrapFile: string;
}

export function supabaseProject(root: string): SupabaseProject {
  const supabaseDir = path.join(root, 'supabase');
  return {
    root,
    supabaseDir,
    migrationsDir: path.join(supabaseDir, 'migrations'),
    configFile: path.join(supabaseDir, 'config.toml'),
    bootstrapFile: path.join(supabaseDir, 'bootstrap', 'plain-postgres.sql'),
  };
}

/** `supabase/migrations/x.sql`: how files are named in messages (relative to the project root). */
export function projectRelative(project: SupabaseProject, file: string): string {
  const relative = path.relative(project.root, file);
  return relative.startsWith('..') ? file : relative;
}
