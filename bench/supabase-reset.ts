/**
 * Benchmark: `supabase-reset` (the whole script, as `npx just supabase-reset` runs it) from an
 * empty data folder (initdb + start + bootstrap + every migration + seed) and warm (server
 * already running), the warm runs against the same steps done by hand in the same run, the
 * sides rotating so that load changes hit them alike:
 *
 *   - by hand: `psql -f supabase/bootstrap/plain-postgres.sql` (one transaction), then the CLI
 *     binary's `supabase db reset --db-url … --yes`, as a user would type them;
 *   - by hand, telemetry off: the same with SUPABASE_TELEMETRY_DISABLED=1 (what the toolkit
 *     passes its CLI children), to show what the toolkit itself costs.
 *
 * The ratio warm toolkit / by hand is the figure issue 17 sets (≤ 1.2×).
 *
 *   node --import tsx bench/supabase-reset.ts            # BENCH_COLD_RUNS=3 BENCH_WARM_RUNS=7
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as supabase from '../lib/commands/supabase.ts';
import { fromRoot } from '../lib/core/paths.ts';
import type { Command } from '../lib/core/runner.ts';
import { LocalPostgres, localPostgresConfig } from '../lib/db/local-postgres.ts';
import { cliUrl, connectionEnv, urlWithoutPassword } from '../lib/db/url.ts';
import { describeMachine, freePort, median, runner, script, seconds, tempDir, timed } from './lib.ts';

const COLD = Number(process.env.BENCH_COLD_RUNS ?? 3);
const WARM = Number(process.env.BENCH_WARM_RUNS ?? 7);

const psql = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('bench/supabase-reset.ts needs psql on PATH for the by-hand baseline');
  }
})();

const dir = tempDir('kotadb-bench-reset-');
const port = await freePort();
const baseDir = path.join(dir, 'pg');
const env = { KOTADB_LOCAL_DB_DIR: baseDir, KOTADB_LOCAL_DB_PORT: String(port) };
const server = new LocalPostgres(localPostgresConfig({ env }), runner);
const db = server.dbUrl();

const byHand: Command[] = [
  {
    argv: [
      psql,
      '--no-psqlrc',
      '--quiet',
      '-v',
      'ON_ERROR_STOP=1',
      '--single-transaction',
      '-f',
      fromRoot('supabase', 'bootstrap', 'plain-postgres.sql'),
      urlWithoutPassword(db),
    ],
    mutating: true,
  },
  supabase.dbReset(fromRoot(), cliUrl(db)),
];

async function handSteps(telemetryOff: boolean): Promise<number> {
  let total = 0;
  for (const command of byHand) {
    total += await timed(command, {
      env: { ...connectionEnv(db), ...(telemetryOff ? { SUPABASE_TELEMETRY_DISABLED: '1' } : {}) },
      cwd: fromRoot(),
    });
  }
  return total;
}

const cold: number[] = [];
const sides = {
  toolkit: [] as number[],
  hand: [] as number[],
  handQuiet: [] as number[],
};
try {
  for (let i = 0; i < COLD; i++) {
    await server.stop();
    rmSync(baseDir, { recursive: true, force: true });
    cold.push(await timed(script('supabase-reset', []), { env, timeoutMs: 10 * 60_000 }));
    process.stderr.write(`cold ${i + 1}/${COLD}: ${seconds(cold.at(-1)!)}\n`);
  }
  if (COLD === 0) await timed(script('supabase-reset', []), { env });
  const order = [
    ['toolkit', () => timed(script('supabase-reset', []), { env })],
    ['hand', () => handSteps(false)],
    ['handQuiet', () => handSteps(true)],
  ] as const;
  for (let i = 0; i < WARM; i++) {
    for (let k = 0; k < order.length; k++) {
      const [side, run] = order[(i + k) % order.length]!;
      sides[side].push(await run());
    }
    process.stderr.write(
      `warm ${i + 1}/${WARM}: toolkit ${seconds(sides.toolkit.at(-1)!)}, by hand ${seconds(sides.hand.at(-1)!)}, by hand (telemetry off) ${seconds(sides.handQuiet.at(-1)!)}\n`,
    );
  }
  const row = (label: string, values: number[]) =>
    `| ${label} | ${values.length} | ${seconds(median(values))} | ${seconds(Math.min(...values))} | ${seconds(Math.max(...values))} |`;
  console.log(`## supabase-reset (4 migrations + seed) — ${describeMachine()}`);
  console.log('');
  console.log('| | runs | median | min | max |');
  console.log('|---|---|---|---|---|');
  if (COLD > 0) console.log(row('from an empty data folder (initdb, start, bootstrap, migrations, seed)', cold));
  console.log(row('warm: `supabase-reset` (whole script)', sides.toolkit));
  console.log(row('warm: by hand (psql bootstrap + `supabase db reset`)', sides.hand));
  console.log(row('warm: by hand, SUPABASE_TELEMETRY_DISABLED=1', sides.handQuiet));
  console.log('');
  const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
  console.log(`ratio toolkit / by hand: ${ratio(sides.toolkit, sides.hand)}× (target ≤ 1.20×)`);
  console.log(`ratio toolkit / by hand with telemetry off: ${ratio(sides.toolkit, sides.handQuiet)}×`);
  console.log(
    `toolkit overhead over the telemetry-off steps: ${seconds(median(sides.toolkit) - median(sides.handQuiet))}`,
  );
} finally {
  await server.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
