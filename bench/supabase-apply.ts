/**
 * Benchmark: applying 100 generated migrations through the toolkit (`supabase-apply`: Node +
 * tsx start, its own connection, the migration lock, the checks before and after, and
 * `supabase db push`) versus plain `supabase db push --db-url … --yes`, on the same embedded
 * PostgreSQL, each run on a fresh database, the two sides alternating. Goal: overhead < 15%.
 * Two shapes of migration: `realistic` (like supabase/migrations) and `tiny` (one bare table:
 * the worst case for a fixed cost).
 *
 *   node --import tsx bench/supabase-apply.ts     # BENCH_RUNS=5 BENCH_MIGRATIONS=100 BENCH_SHAPES=realistic,tiny
 */
import { supabaseDbPush } from '../lib/commands/supabase.ts';
import { connectionEnv, displayDbUrl, type DbUrl } from '../lib/db-url.ts';
import { withClient } from '../lib/pg.ts';
import { benchServer, cleanup, createDatabase, describeMachine, generatedProject, median, runner, script, seconds, tempDir, type MigrationShape } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COUNT = Number(process.env.BENCH_MIGRATIONS ?? 100);
const SHAPES = (process.env.BENCH_SHAPES ?? 'realistic,tiny').split(',') as MigrationShape[];

const recorded = (db: DbUrl) =>
  withClient(db, async (c) => Number((await c.query<{ n: string }>('select count(*) as n from supabase_migrations.schema_migrations')).rows[0]!.n));

const dir = tempDir('kotadb-bench-apply-');
const server = await benchServer(dir);
const rows: string[] = [];
try {
  await server.start();
  for (const shape of SHAPES) {
    const root = generatedProject(dir, COUNT, shape);
    const toolkit: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate the order so that drift in machine load does not favour one side.
      for (const side of i % 2 === 0 ? (['toolkit', 'plain'] as const) : (['plain', 'toolkit'] as const)) {
        const db = await createDatabase(server, `bench_${shape}_${side}_${i}`, true);
        if (side === 'toolkit') {
          toolkit.push((await runner.run(script('supabase-apply', [displayDbUrl(db), '--root', root]), { timeoutMs: 30 * 60_000 })).durationMs);
        } else {
          plain.push((await runner.run(supabaseDbPush(root, db), { env: connectionEnv(db), cwd: root, timeoutMs: 30 * 60_000 })).durationMs);
        }
        const count = await recorded(db);
        if (count !== COUNT + 1) throw new Error(`${shape}/${side} run ${i}: ${count} of ${COUNT + 1} migrations recorded`);
      }
      process.stderr.write(`${shape} run ${i + 1}/${RUNS}: toolkit ${seconds(toolkit.at(-1)!)}, plain push ${seconds(plain.at(-1)!)}\n`);
    }
    const t = median(toolkit);
    const p = median(plain);
    const overhead = ((t - p) / p) * 100;
    rows.push(
      `| ${shape} | ${seconds(p)} (${seconds(Math.min(...plain))}–${seconds(Math.max(...plain))}) | ${seconds(t)} (${seconds(Math.min(...toolkit))}–${seconds(Math.max(...toolkit))}) | +${seconds(t - p)} | ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}% |`,
    );
  }
  console.log(`## apply ${COUNT} generated migrations (+1 base file), ${RUNS} runs per side, medians (min–max) — ${describeMachine()}`);
  console.log('');
  console.log('| migrations | plain `supabase db push` | `supabase-apply` (whole script) | difference | overhead |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await cleanup(server, dir);
}
