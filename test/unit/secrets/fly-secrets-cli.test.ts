/**
 * fly-secrets argument handling, through the script's main() in-process (the end-to-end tests
 * run it as a child process): usage errors are one line, exit 2, before anything else happens.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../scripts/fly-secrets.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  // No flyctl at all: a usage error must be reported before any call would be attempted.
  vi.stubEnv('FLYCTL', '/nonexistent/flyctl');
  const code = await main(args);
  vi.unstubAllEnvs();
  return { code, stdout, stderr };
}

describe('fly-secrets usage', () => {
  it.each([
    [
      ['staging', 'rotate'],
      'error: unknown action "rotate": expected one of set, list, unset, check, diff, deploy. Run with --help for usage.',
    ],
    [['staging'], 'error: missing <action>. Run with --help for usage.'],
    [
      ['qa', 'list'],
      'error: unknown environment "qa": expected one of staging, production. Run with --help for usage.',
    ],
    [['staging', 'list', '--stage'], 'error: --stage does not apply to list. Run with --help for usage.'],
    [['staging', 'set', '--json'], 'error: --json does not apply to set. Run with --help for usage.'],
    [['staging', 'check', 'DATABASE_URL'], 'error: unexpected argument "DATABASE_URL". Run with --help for usage.'],
    [['staging', 'unset'], 'error: unset needs at least one secret NAME. Run with --help for usage.'],
    [['staging', 'unset', 'A=b'], 'error: "A=b" is not a secret name. Run with --help for usage.'],
    [['staging', 'set', '--only', 'A,B-C'], 'error: --only: "B-C" is not a secret name. Run with --help for usage.'],
    [['staging', 'set', '--only', ' , '], 'error: --only needs at least one name. Run with --help for usage.'],
  ])('%j exits 2 with one line', async (args, line) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(line);
    expect(result.stdout).toBe('');
  });

  it('answers --help on stdout with every action and flag', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Usage: npx just secrets <staging\|production> <set\|list\|unset\|check\|diff\|deploy>/,
    );
    for (const flag of ['--file <path>', '--stage', '--only <A,B>', '--force', '--json', '--dry-run', '--yes'])
      expect(result.stdout).toContain(flag);
  });
});
