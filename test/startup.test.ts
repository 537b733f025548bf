/**
 * The start-up rule (docs/ARCHITECTURE.md, "Start-up: what loads when"): `--help` loads none of
 * the heavy packages — they load when a step needs them. Each script's --help runs once in a
 * child with a recorder preloaded (test/helpers/module-recorder.mjs), all at once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../lib/core/paths.ts';
import { baseEnv } from './helpers/run-script.ts';

const HEAVY = ['zod', 'zx', 'pg', '@iarna/toml', 'undici'];
const RECORDER = fromRoot('test', 'helpers', 'module-recorder.mjs');
const TSX = import.meta.resolve('tsx');
const scripts = readdirSync(fromRoot('scripts'))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.slice(0, -3));
const dir = mkdtempSync(path.join(tmpdir(), 'kotadb-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packages (node_modules/<name>) a script's --help loaded, and its exit code. */
function helpLoads(script: string): Promise<{ code: number | null; packages: string[] }> {
  const log = path.join(dir, `${script}.log`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', TSX, '--import', RECORDER, fromRoot('scripts', `${script}.ts`), '--help'],
      { cwd: fromRoot(), env: baseEnv({ KOTADB_MODULE_LOG: log }), stdio: 'ignore' },
    );
    child.on('error', reject);
    child.on('exit', (code) => {
      const packages = new Set<string>();
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
        if (match) packages.add(match[1]!);
      }
      resolve({ code, packages: [...packages].sort() });
    });
  });
}

const results = new Map(scripts.map((script) => [script, helpLoads(script)]));

describe('--help loads no heavy package', () => {
  it('finds every script', () => expect(scripts.length).toBeGreaterThan(10));

  it.each(scripts)('%s --help', async (script) => {
    const { code, packages } = await results.get(script)!;
    expect(code).toBe(0);
    // The recorder sees packages at all (tsx is one): an empty log would prove nothing.
    expect(packages).toContain('tsx');
    expect(packages.filter((name) => HEAVY.includes(name))).toEqual([]);
  });
});
