/**
 * The contract every script keeps, checked on each file in scripts/ as a user would meet it:
 * --help prints usage on stdout and exits 0; an unknown flag is one line on stderr ending
 * with "Run with --help for usage." and exit 2.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import { runScript } from '../helpers/run-script.ts';

const scripts = readdirSync(fromRoot('scripts'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

describe.each(scripts)('%s', (script) => {
  it('answers --help on stdout (exit 0) and documents the common flags and exit codes', async () => {
    const result = await runScript(script, ['--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: /);
    for (const flag of ['--help', '--dry-run', '--yes']) expect(result.stdout).toContain(flag);
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stderr).toBe('');
  });

  it('rejects an unknown flag with one line and exit 2', async () => {
    const result = await runScript(script, ['--no-such-flag']);
    expect(result.code).toBe(2);
    const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errorLines).toEqual(['error: unknown option --no-such-flag. Run with --help for usage.']);
    expect(result.all).not.toMatch(/\n\s+at /);
  });
});

it('covers every script the package runs', () => {
  expect(scripts.sort()).toEqual([
    'check-config',
    'deploy-fly',
    'doctor',
    'fly',
    'fly-secrets',
    'fly-setup',
    'local-db',
    'rollback',
    'supabase-apply',
    'supabase-generate',
    'supabase-reset',
  ]);
});
