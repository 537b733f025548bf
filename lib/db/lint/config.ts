/**
 * How the migration lint is set up for this project: squawk's settings follow how the files
 * really run (the Supabase CLI wraps each file in one transaction; `[db] major_version` of
 * supabase/config.toml), and supabase/lint.toml records the baseline (files applied before the
 * lint existed are not linted) and any rule the team chose to leave out.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidInput } from '../../core/errors.ts';
import type { SquawkSettings } from '../../commands/squawk.ts';
import type { SupabaseProject } from '../project.ts';

/**
 * supabase-apply gives every migration session a lock_timeout and a statement_timeout, so
 * squawk's rules asking each file to set them (require-lock-timeout, require-statement-timeout)
 * would only be noise. Nothing else is left out unless lint.toml says so.
 */
export const EXCLUDED_BY_APPLY = ['require-timeout-settings'] as const;

export interface LintConfig {
  /** Migrations with a version up to and including this one are baselined (strong_migrations' start_after). */
  readonly startAfter: string | null;
  /** Rules the project leaves out, besides EXCLUDED_BY_APPLY. */
  readonly exclude: readonly string[];
  readonly squawk: SquawkSettings;
  /** Where the settings came from, for messages. */
  readonly file: string;
}

export const lintConfigFile = (project: SupabaseProject) => path.join(project.supabaseDir, 'lint.toml');

const RULE_NAME = /^[a-z][a-z0-9-]*$/;

export async function readLintConfig(project: SupabaseProject): Promise<LintConfig> {
  const file = lintConfigFile(project);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // The TOML parser loads only when a lint runs (supabase-apply's start-up path stays light).
  const [{ default: TOML }, { readProjectConfig }] = await Promise.all([
    import('@iarna/toml'),
    import('../project-config.ts'),
  ]);
  let parsed: Record<string, unknown>;
  try {
    parsed = TOML.parse(text);
  } catch (error) {
    throw new InvalidInput(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const unknown = Object.keys(parsed).filter((key) => key !== 'start_after' && key !== 'exclude');
  if (unknown.length)
    throw new InvalidInput(`${file}: unknown key ${unknown.join(', ')} (expected start_after, exclude)`);
  const startAfter = parsed.start_after ?? null;
  if (startAfter !== null && (typeof startAfter !== 'string' || !/^\d+$/.test(startAfter)))
    throw new InvalidInput(`${file}: start_after must be a migration version in quotes, like "20251021083000"`);
  const exclude = parsed.exclude ?? [];
  if (!Array.isArray(exclude) || !exclude.every((rule) => typeof rule === 'string' && RULE_NAME.test(rule)))
    throw new InvalidInput(`${file}: exclude must be a list of squawk rule names, like ["prefer-robust-stmts"]`);
  return {
    startAfter,
    exclude: exclude as string[],
    file,
    squawk: {
      pgVersion: readProjectConfig(project).majorVersion,
      assumeInTransaction: true,
      excludedRules: [...EXCLUDED_BY_APPLY, ...(exclude as string[])],
    },
  };
}
