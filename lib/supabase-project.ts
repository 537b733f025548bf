/**
 * The Supabase project folder the scripts work on (`<root>/supabase`): where its files are,
 * and the two settings of config.toml the toolkit must respect.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import TOML from '@iarna/toml';
import { InvalidInput } from './errors.ts';

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

export interface ProjectConfig {
  /**
   * `[db] port`: on localhost the CLI takes this port for its own Docker stack and refuses
   * without Docker, so the embedded server must never use it.
   */
  readonly dbPort: number;
  /** `[db] major_version`: the PostgreSQL major of the hosted project. */
  readonly majorVersion: number;
}

const DEFAULT_DB_PORT = 54322;
const DEFAULT_MAJOR = 17;

export function readProjectConfig(project: SupabaseProject): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(project.configFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { dbPort: DEFAULT_DB_PORT, majorVersion: DEFAULT_MAJOR };
    throw error;
  }
  let parsed: TOML.JsonMap;
  try {
    parsed = TOML.parse(text);
  } catch (error) {
    throw new InvalidInput(`${project.configFile}: ${(error as Error).message.split('\n')[0]}`);
  }
  const db = (parsed.db ?? {}) as { port?: unknown; major_version?: unknown };
  return {
    dbPort: typeof db.port === 'number' ? db.port : DEFAULT_DB_PORT,
    majorVersion: typeof db.major_version === 'number' ? db.major_version : DEFAULT_MAJOR,
  };
}

/** `supabase/migrations/x.sql`: how files are named in messages (relative to the project root). */
export function projectRelative(project: SupabaseProject, file: string): string {
  const relative = path.relative(project.root, file);
  return relative.startsWith('..') ? file : relative;
}
