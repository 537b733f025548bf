/**
 * Start-up cost of every script (not a test): `--help` wall time, the median of N runs, against
 * bare `node -e 0` and `node --import tsx -e 0` measured in the same rounds (each round runs the
 * two baselines and every script once, so load changes hit them alike).
 *
 *   node --import tsx bench/startup.ts [--runs N] [--root <checkout>]
 *
 * `--root` measures another checkout (a worktree of the commit before a change, with its own
 * node_modules or a link to one) with the same method. Target (issue 17): every script's
 * `--help` ≤ 4× bare node. Prints a Markdown table for docs/BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(flag('--runs') ?? 11) || 11;
const root = path.resolve(flag('--root') ?? here);
const TARGET = 4;

const scripts = readdirSync(path.join(root, 'scripts'))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.slice(0, -'.ts'.length))
  .sort();

interface Case {
  readonly label: string;
  readonly argv: readonly string[];
}

const bare: Case = { label: '`node -e 0`', argv: ['-e', '0'] };
const tsx: Case = { label: '`node --import tsx -e 0`', argv: ['--import', 'tsx', '-e', '0'] };
const cases: Case[] = [
  bare,
  tsx,
  ...scripts.map((name) => ({ label: `${name} --help`, argv: ['--import', 'tsx', `scripts/${name}.ts`, '--help'] })),
];

/** One run's wall time, from spawn to exit (stdout and stderr discarded). */
function once(argv: readonly string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: '' },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${argv.join(' ')}: exit ${code}`)),
    );
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const loadBefore = os.loadavg()[0]!;
const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
// One warm-up round (file cache, tsx's transform cache), not counted.
for (const c of cases) await once(c.argv);
for (let round = 0; round < runs; round++) {
  for (const c of cases) times.get(c)!.push(await once(c.argv));
}
const loadAfter = os.loadavg()[0]!;

const bareMs = median(times.get(bare)!);
const tsxMs = median(times.get(tsx)!);
console.log(
  `${root}: node ${process.version}, ${os.cpus().length} cores, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}, median of ${runs} runs`,
);
console.log('');
console.log(`| run | median | × \`node -e 0\` | × \`node --import tsx -e 0\` | ≤ ${TARGET}× bare node |`);
console.log('|---|---|---|---|---|');
const missed: string[] = [];
for (const c of cases) {
  const ms = median(times.get(c)!);
  const ratio = ms / bareMs;
  const isScript = c !== bare && c !== tsx;
  if (isScript && ratio > TARGET) missed.push(c.label);
  const verdict = isScript ? (ratio <= TARGET ? 'yes' : '**no**') : '';
  console.log(
    `| ${c.label} | ${Math.round(ms)} ms | ${ratio.toFixed(1)}× | ${(ms / tsxMs).toFixed(2)}× | ${verdict} |`,
  );
}
console.log('');
console.log(missed.length === 0 ? `every script within ${TARGET}×` : `over ${TARGET}×: ${missed.join(', ')}`);
