/**
 * The test suite's cost: wall time of `npx vitest run` and every process it starts (counted by
 * bench/spawn-counter.mjs, preloaded into each Node process), grouped by binary.
 *
 *   node --import tsx bench/test-suite.ts [--runs N] [--root <checkout>] [-- <vitest args>]
 *
 * `--root` measures another checkout (e.g. a worktree of the commit before a change) with the
 * same counter, so before/after numbers come from one method.
 *
 * Run it on a quiet machine: process start-up dominates, and load inflates it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const counter = path.join(here, 'bench', 'spawn-counter.mjs');
const dashDash = process.argv.indexOf('--');
const own = dashDash === -1 ? process.argv.slice(2) : process.argv.slice(2, dashDash);
const vitestArgs = dashDash === -1 ? [] : process.argv.slice(dashDash + 1);
const flag = (name: string) => (own.includes(name) ? own[own.indexOf(name) + 1] : undefined);
const runs = Number(flag('--runs') ?? 1) || 1;
const root = path.resolve(flag('--root') ?? here);

function formatDuration(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)}s`
    : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

interface RunResult {
  wallMs: number;
  code: number | null;
  spawns: Map<string, number>;
  summary: string;
}

async function once(): Promise<RunResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kotadb-bench-suite-'));
  const log = path.join(dir, 'spawns.log');
  const started = performance.now();
  let output = '';
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npx', ['vitest', 'run', ...vitestArgs], {
      cwd: root,
      env: {
        ...process.env,
        KOTADB_SPAWN_LOG: log,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${counter}`.trim(),
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('close', resolve);
  });
  const wallMs = performance.now() - started;
  const spawns = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    // nothing was spawned
  }
  for (const line of text.split('\n').filter(Boolean)) spawns.set(line, (spawns.get(line) ?? 0) + 1);
  rmSync(dir, { recursive: true, force: true });
  const summary = output
    .split('\n')
    .filter((l) => /^\s*(Test Files|Tests|Duration)\s/.test(l))
    .map((l) => l.trim())
    .join(' · ');
  return { wallMs, code, spawns, summary };
}

for (let i = 1; i <= runs; i++) {
  const r = await once();
  const total = [...r.spawns.values()].reduce((a, b) => a + b, 0);
  const top = [...r.spawns.entries()].sort((a, b) => b[1] - a[1]);
  console.log(`run ${i}: exit ${r.code}, wall ${formatDuration(r.wallMs)}, ${total} process starts`);
  console.log(`  ${r.summary}`);
  console.log(`  by binary: ${top.map(([name, n]) => `${name} ${n}`).join(', ')}`);
}
