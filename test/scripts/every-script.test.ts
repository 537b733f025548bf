/**
 * The contract every script keeps, checked on each file in scripts/: --help prints usage on
 * stdout and exits 0, listing exactly the flags the script declares; an unknown flag is one
 * line on stderr ending with "Run with --help for usage." and exit 2. In-process for every
 * script, plus one child process per contract to prove the entry wiring (real exit codes).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../lib/core/cli.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import type { Script } from '../../lib/core/script.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';

const scripts = readdirSync(fromRoot('scripts'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

async function load(name: string): Promise<{ spec: CommandSpec; run: Script<CommandSpec['options']> }> {
  const module = (await import(fromRoot('scripts', `${name}.ts`))) as { script?: Script<CommandSpec['options']> };
  if (!module.script) throw new Error(`scripts/${name}.ts exports no script (defineScript)`);
  return { spec: module.script.spec, run: module.script };
}

describe.each(scripts)('%s', (name) => {
  it('answers --help on stdout (exit 0), listing exactly its flags and the exit codes', async () => {
    const { spec, run } = await load(name);
    const result = await runInProcess(run, ['--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: /);
    const listed = [...result.stdout.matchAll(/^ {2}(?:-\w, | {4})(--[a-z][a-z-]*)/gm)].map((m) => m[1]);
    expect(listed).toEqual(Object.keys(spec.options).map((o) => `--${o}`));
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stderr).toBe('');
  });

  it('rejects an unknown flag with one line and exit 2', async () => {
    const { run } = await load(name);
    const result = await runInProcess(run, ['--no-such-flag']);
    expect(result.code).toBe(2);
    const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errorLines).toEqual(['error: unknown option --no-such-flag. Run with --help for usage.']);
    expect(result.all).not.toMatch(/\n\s+at /);
  });
});

describe('as a child process (the entry wiring)', () => {
  it('--help exits 0 with usage on stdout; an unknown flag exits 2', async () => {
    const help = await runScript('check-config', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: /);
    const bad = await runScript('check-config', ['--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: unknown option --no-such-flag. Run with --help for usage.');
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
    'lock',
    'promote',
    'rollback',
    'status',
    'supabase-apply',
    'supabase-generate',
    'supabase-lint',
    'supabase-reset',
  ]);
});
