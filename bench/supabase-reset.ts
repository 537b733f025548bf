/**
 * Benchmark: `supabase-reset` (the whole script, as `npx just supabase-reset` runs it) from an
 * empty data folder (initdb + start + bootstrap + every migration + seed) and warm (server
 * already running: bootstrap + `supabase db reset`).
 *
 *   node --import tsx bench/supabase-reset.ts            # BENCH_COLD_RUNS=3 BENCH_WARM_RUNS=5
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { LocalPostgres, localPostgresConfig } from '../lib/db/local-postgres.ts';
import { describeMachine, freePort, median, runner, script, seconds, tempDir } from './lib.ts';

const COLD = Number(process.env.BENCH_COLD_RUNS ?? 3);
const WARM = Number(process.env.BENCH_WARM_RUNS ?? 5);

const dir = tempDir('kotadb-bench-reset-');
const port = await freePort();
const cold: number[] = [];
const warm: number[] = [];
const baseDir = path.join(dir, 'pg');
const env = { KOTADB_LOCAL_DB_DIR: baseDir, KOTADB_LOCAL_DB_PORT: String(port) };
const server = new LocalPostgres(localPostgresConfig({ env }), runner);
try {
  for (let i = 0; i < COLD; i++) {
    await server.stop();
    rmSync(baseDir, { recursive: true, force: true });
    const result = await runner.run(script('supabase-reset', []), { env, timeoutMs: 10 * 60_000 });
    cold.push(result.durationMs);
    process.stderr.write(`cold ${i + 1}/${COLD}: ${seconds(result.durationMs)}\n`);
  }
  for (let i = 0; i < WARM; i++) {
    const result = await runner.run(script('supabase-reset', []), { env, timeoutMs: 10 * 60_000 });
    warm.push(result.durationMs);
    process.stderr.write(`warm ${i + 1}/${WARM}: ${seconds(result.durationMs)}\n`);
  }
  console.log(`## supabase-reset (4 migrations + seed) — ${describeMachine()}`);
  console.log('');
  console.log('| | runs | median | min | max |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| from an empty data folder (initdb, start, bootstrap, migrations, seed) | ${COLD} | ${seconds(median(cold))} | ${seconds(Math.min(...cold))} | ${seconds(Math.max(...cold))} |`,
  );
  console.log(
    `| warm (server running) | ${WARM} | ${seconds(median(warm))} | ${seconds(Math.min(...warm))} | ${seconds(Math.max(...warm))} |`,
  );
} finally {
  await server.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
