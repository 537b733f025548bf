/**
 * The Supabase project folder the scripts work on (`<root>/supabase`): where its files are.
 * (The config.toml settings the toolkit respects are read by lib/db/project-config.ts.)
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { InvalidInput } from '../core/errors.ts';

export interface SupabaseProject {
  /** Folder holding supabase/ (the CLI's --workdir). */
  readonly root: string;
  readonly supabaseDir: string;
  readonly migrationsDir: string;
  readonly configFile: string;
  /** Plain-PostgreSQL compatibility SQL: applied on the local engine only, never remote. */
  readonly bootstrapFile: string;
}

/** The project at `root`; exit 2 when supabase/migrations is no folder or config.toml no file (a wrong --root). */
export function supabaseProject(root: string): SupabaseProject {
  const supabaseDir = path.join(root, 'supabase');
  const migrations = statSync(path.join(supabaseDir, 'migrations'), { throwIfNoEntry: false });
  if (!migrations?.isDirectory()) {
    throw new InvalidInput(
      `${root} is not a Supabase project folder: ${migrations ? 'supabase/migrations is not a folder' : 'there is no supabase/migrations in it'}`,
      { hint: '--root names the folder that holds supabase/' },
    );
  }
  const config = statSync(path.join(supabaseDir, 'config.toml'), { throwIfNoEntry: false });
  if (config && !config.isFile()) {
    throw new InvalidInput(`${path.join(supabaseDir, 'config.toml')} is not a file`, {
      hint: '--root names the folder that holds supabase/ (with supabase/config.toml a file, or absent)',
    });
  }
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
