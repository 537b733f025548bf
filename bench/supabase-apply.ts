/**
 * Benchmark: applying 100 generated migrations through the toolkit (`supabase-apply`: Node +
 * tsx start, its own connection, the checks before, the migration lock, the checks again under
 * it, `supabase db push` with the session timeouts and its session watched, the check after)
 * versus plain `supabase db push --db-url … --yes`, on the same embedded PostgreSQL, each run on
 * a fresh database, the sides rotating. Goal (issue 17): ≤ 10% over `supabase db push`.
 * "plain" is what a user types (`npx supabase db push`: the npm launcher, which spawns the CLI
 * binary); "binary" calls that binary directly, as the toolkit does. "toolkit, timeouts off" is
 * `supabase-apply --lock-timeout-ddl 0 --statement-timeout 0` (issue 14: their cost).
 * Two shapes of migration: `realistic` (like supabase/migrations) and `tiny` (one bare table:
 * the worst case for a fixed cost).
 *
 *   node --import tsx bench/supabase-apply.ts     # BENCH_RUNS=5 BENCH_MIGRATIONS=100 BENCH_SHAPES=realistic,tiny
 */
import * as supabase from '../lib/commands/supabase.ts';
import { connectionEnv, displayDbUrl, type DbUrl, cliUrl } from '../lib/db/url.ts';
import { fromRoot } from '../lib/core/paths.ts';
import { withClient } from '../lib/db/pg.ts';
import { supabaseCliBinary, type Command } from '../lib/core/runner.ts';
import {
  benchServer,
  cleanup,
  createDatabase,
  describeMachine,
  generatedProject,
  median,
  runner,
  script,
  seconds,
  tempDir,
  type MigrationShape,
} from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COUNT = Number(process.env.BENCH_MIGRATIONS ?? 100);
const SHAPES = (process.env.BENCH_SHAPES ?? 'realistic,tiny').split(',') as MigrationShape[];

const LAUNCHER = fromRoot('node_modules', '.bin', 'supabase');
const withBinary = (command: Command, binary: string): Command => ({
  ...command,
  argv: [binary, ...command.argv.slice(1)],
});

const recorded = (db: DbUrl) =>
  withClient(db, async (c) =>
    Number(
      (await c.query<{ n: string }>('select count(*) as n from supabase_migrations.schema_migrations')).rows[0]!.n,
    ),
  );

const dir = tempDir('kotadb-bench-apply-');
const server = await benchServer(dir);
const rows: string[] = [];
try {
  await server.start();
  for (const shape of SHAPES) {
    const root = generatedProject(dir, COUNT, shape);
    const toolkit: number[] = [];
    const untimed: number[] = [];
    const plain: number[] = [];
    const binary: number[] = [];
    const sides = ['toolkit', 'untimed', 'plain', 'binary'] as const;
    for (let i = 0; i < RUNS; i++) {
      // Rotate the order so that drift in machine load does not favour one side.
      for (const side of [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)]) {
        const db = await createDatabase(server, `bench_${shape}_${side}_${i}`, true);
        const push = supabase.dbPush(root, cliUrl(db));
        const options = { env: connectionEnv(db), cwd: root, timeoutMs: 30 * 60_000 };
        if (side === 'toolkit' || side === 'untimed') {
          const off = side === 'untimed' ? ['--lock-timeout-ddl', '0', '--statement-timeout', '0'] : [];
          const run = await runner.run(script('supabase-apply', [displayDbUrl(db), '--root', root, ...off]), {
            timeoutMs: 30 * 60_000,
          });
          (side === 'toolkit' ? toolkit : untimed).push(run.durationMs);
        } else if (side === 'plain') {
          plain.push((await runner.run(withBinary(push, LAUNCHER), options)).durationMs);
        } else {
          binary.push((await runner.run(withBinary(push, supabaseCliBinary()), options)).durationMs);
        }
        const count = await recorded(db);
        if (count !== COUNT + 1)
          throw new Error(`${shape}/${side} run ${i}: ${count} of ${COUNT + 1} migrations recorded`);
      }
      process.stderr.write(
        `${shape} run ${i + 1}/${RUNS}: toolkit ${seconds(toolkit.at(-1)!)}, timeouts off ${seconds(untimed.at(-1)!)}, npx supabase db push ${seconds(plain.at(-1)!)}, binary ${seconds(binary.at(-1)!)}\n`,
      );
    }
    const t = median(toolkit);
    const p = median(plain);
    const b = median(binary);
    const u = median(untimed);
    const range = (xs: number[]) => `${seconds(median(xs))} (${seconds(Math.min(...xs))}–${seconds(Math.max(...xs))})`;
    const pct = (x: number, base: number) => `${x >= base ? '+' : ''}${(((x - base) / base) * 100).toFixed(1)}%`;
    rows.push(
      `| ${shape} | ${range(plain)} | ${range(binary)} | ${range(toolkit)} | ${range(untimed)} | ${pct(t, p)} | ${pct(t, b)} | ${pct(t, u)} |`,
    );
  }
  console.log(
    `## apply ${COUNT} generated migrations (+1 base file), ${RUNS} runs per side, medians (min–max) — ${describeMachine()}`,
  );
  console.log('');
  console.log(
    '| migrations | `npx supabase db push` (launcher) | CLI binary `db push` | `supabase-apply` (whole script) | `supabase-apply`, timeouts off | overhead vs launcher | overhead vs binary | timeouts on vs off |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await cleanup(server, dir);
}
