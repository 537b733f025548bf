/**
 * check-config in-process: the real configs pass; each kind of problem is exit 2 naming the file and key.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import { script } from '../../scripts/check-config.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const check = (args: string[]) => runInProcess(script, args);

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function configsWith(edit: (production: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'check-config-'));
  dirs.push(dir);
  cpSync(fromRoot('fly.staging.toml'), path.join(dir, 'fly.staging.toml'));
  writeFileSync(path.join(dir, 'fly.toml'), edit(readFileSync(fromRoot('fly.toml'), 'utf8')));
  return dir;
}

describe('check-config (npx just check), in-process', () => {
  it('passes on the real configs without a warning (the image comes from --source or --image, not [build])', async () => {
    const result = await check([]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('✓ fly.toml is valid for production (kotadb-api)');
    expect(result.stderr).toContain('✓ fly.staging.toml is valid for staging (kotadb-api-staging)');
    expect(result.stderr).not.toContain('warning');
  });

  it('exits 2 with one line for a config nested thousands of tables deep', async () => {
    const deep = `[${Array.from({ length: 5000 }, () => 'a').join('.')}]\nx = 1\n`;
    const result = await check(['--root', configsWith((t) => `${t}\n${deep}`)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '1 problem found:\n  ✗ fly.toml: tables or arrays nested 33 levels deep: not a fly config (at most 32)\n',
    );
  });

  it.each([
    [
      'a typo in a key',
      (t: string) => t.replace('strategy = "rolling"', 'strategy_ = "rolling"'),
      'fly.toml: deploy.strategy_: unknown key',
    ],
    [
      'a wrong strategy',
      (t: string) => t.replace('strategy = "rolling"', 'strategy = "immediate"'),
      'fly.toml: deploy.strategy: expected "rolling" for production, got "immediate"',
    ],
    [
      'an app name that does not match',
      (t: string) => t.replace('app = "kotadb-api"', 'app = "kotadb-api-prod"'),
      'fly.toml: app: expected "kotadb-api" for production, got "kotadb-api-prod"',
    ],
  ])('exits 2 naming file and key for %s', async (_name, edit, expected) => {
    const result = await check(['--root', configsWith(edit)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(expected);
  });

  it('exits 2 when a config file is missing', async () => {
    const dir = configsWith((t) => t);
    rmSync(path.join(dir, 'fly.staging.toml'));
    const result = await check(['--root', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('fly.staging.toml: cannot read it (ENOENT)');
  });

  it('answers --help on stdout with exit 0, and rejects unknown flags with exit 2', async () => {
    const help = await check(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npx just check/);
    const bad = await check(['--nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: unknown option --nope. Run with --help for usage.');
  });
});
