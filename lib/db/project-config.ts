/**
 * The two settings of supabase/config.toml the toolkit must respect. Kept apart from
 * lib/db/project.ts so that supabase-apply, which does not need them, does not load a
 * TOML parser at start-up.
 */
import { readFileSync } from 'node:fs';
import TOML from '@iarna/toml';
import { InvalidInput } from '../core/errors.ts';
import type { SupabaseProject } from './project.ts';

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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { dbPort: DEFAULT_DB_PORT, majorVersion: DEFAULT_MAJOR };
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
