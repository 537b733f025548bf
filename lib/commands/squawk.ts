/**
 * squawk (the PostgreSQL migration linter, npm `squawk-cli`) as data. Pure; unit-tested by
 * exact equality. Settings go as flags so the run does not depend on a `.squawk.toml` that
 * happens to sit above the project; findings come back as one JSON array on stdout.
 */
import type { Command } from '../core/runner.ts';

export interface SquawkSettings {
  /** `--pg-version`: the PostgreSQL major the migrations run on (`[db] major_version`). */
  readonly pgVersion: number;
  /** Each file runs in one transaction its tool opens (the Supabase CLI does). */
  readonly assumeInTransaction: boolean;
  /** Rules (or rule groups such as `require-timeout-settings`) left out. */
  readonly excludedRules: readonly string[];
}

/** Lints `files` (paths relative to the cwd or absolute); exit 0 clean, 1 findings, 2 bad flags. */
export function lint(files: readonly string[], settings: SquawkSettings): Command {
  return {
    argv: [
      'squawk',
      '--reporter',
      'json',
      '--pg-version',
      String(settings.pgVersion),
      settings.assumeInTransaction ? '--assume-in-transaction' : '--no-assume-in-transaction',
      ...(settings.excludedRules.length ? ['--exclude', settings.excludedRules.join(',')] : []),
      '--',
      ...files,
    ],
    mutating: false,
  };
}

export const version = (): Command => ({ argv: ['squawk', '--version'], mutating: false });
