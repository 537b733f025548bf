/**
 * Benchmark: applying 100 generated migrations through the toolkit (`supabase-apply`: its
 * own connection, the migration lock, the checks before and after, and `supabase db push`)
 * versus plain `supabase db push --db-url … --yes`, on the same embedded PostgreSQL, each run
 * on a fresh database. Goal: toolkit overhead under 15%.
 *
 *   node --import tsx bench/supabase-apply.ts            # BENCH_RUNS=5 BENCH_MIGRATIONS=100
 */
import { supabaseDbPush } from '../lib/commands/supabase.ts';
import { connectionEnv, displayDbUrl } from '../lib/db-url.ts';
import { withClient } from '../lib/pg.ts';
import { benchServer, cleanup, createDatabase, describeMachine, generatedProject, median, runner, script, seconds, tempDir } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COUNT = Number(process.env.BENCH_MIGRATIONS ?? 100);

const dir = tempDir('kotadb-bench-apply-');
const server = await benchServer(dir);
try {
  await server.start();
  const root = generatedProject(dir, COUNT);
  const toolkit: number[] = [];
  const plain: number[] = [];
  const pushInside: number[] = [];

  const count = (db: Parameters<typeof withClient>[0]) =>
    withClient(db, async (c) => Number((await c.query<{ n: string }>('select count(*) as n from supabase_migrations.schema_migrations')).rows[0]!.n));

  for (let i = 0; i < RUNS; i++) {
    // Alternate the order so that drift in machine load does not favour one side.
    for (const side of i % 2 === 0 ? (['toolkit', 'plain'] as const) : (['plain', 'toolkit'] as const)) {
      const db = await createDatabase(server, `bench_${side}_${i}`, true);
      if (side === 'toolkit') {
        const result = await runner.run(script('supabase-apply', [displayDbUrl(db), '--root', root]), { timeoutMs: 30 * 60_000 });
        toolkit.push(result.durationMs);
        const inside = /✓ supabase db push \(\d+ files\) \((\d+(?:\.\d+)?)(ms|s)\)/.exec(result.stderr);
        if (inside) pushInside.push(Number(inside[1]) * (inside[2] === 's' ? 1000 : 1));
      } else {
        const result = await runner.run(supabaseDbPush(root, db), { env: connectionEnv(db), cwd: root, timeoutMs: 30 * 60_000 });
        plain.push(result.durationMs);
      }
      const applied = await count(db);
      if (applied !== COUNT) throw new Error(`${side} run ${i}: ${applied} of ${COUNT} migrations recorded`);
    }
    process.stderr.write(`run ${i + 1}/${RUNS}: toolkit ${seconds(toolkit.at(-1)!)}, plain push ${seconds(plain.at(-1)!)}\n`);
  }

  const t = median(toolkit);
  const p = median(plain);
  const overhead = ((t - p) / p) * 100;
  console.log(`## apply ${COUNT} migrations (${RUNS} runs each, median) — ${describeMachine()}`);
  console.log('');
  console.log('| | median | min | max |');
  console.log('|---|---|---|---|');
  console.log(`| plain \`supabase db push --db-url … --yes\` | ${seconds(p)} | ${seconds(Math.min(...plain))} | ${seconds(Math.max(...plain))} |`);
  console.log(`| \`supabase-apply\` (whole script: Node + tsx start, lock, checks, push, verify) | ${seconds(t)} | ${seconds(Math.min(...toolkit))} | ${seconds(Math.max(...toolkit))} |`);
  if (pushInside.length) console.log(`| the push step inside \`supabase-apply\` | ${seconds(median(pushInside))} | | |`);
  console.log('');
  console.log(`overhead: ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}% (${seconds(t - p)}) — goal < 15%`);
} finally {
  await cleanup(server, dir);
}
