/**
 * Benchmark: one `supabase-generate` round trip (the whole script as a user runs it: Node + tsx
 * start, checks, shadow, diff, write, lint, clone + push of the new file, diff, record) against
 * the same steps done by hand with the minimum CLI calls (the CLI binary, telemetry off, the
 * database work over one in-process connection: create + bootstrap the shadow, `db push`,
 * `db diff`, write the file, clone the shadow, `db push`, `db diff`, insert the row, drop).
 * For reference, the steps as generate did them before (a second full shadow, then
 * `migration repair`). Same embedded PostgreSQL, same dev database and change, sides rotating;
 * after each run the new file and its row are removed so the next run finds the change again.
 * Target (issue 17): generate ≤ 1.5× by hand.
 *
 *   node --import tsx bench/supabase-generate.ts     # BENCH_RUNS=5
 */
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as supabase from '../lib/commands/supabase.ts';
import { fromRoot } from '../lib/core/paths.ts';
import type { Command } from '../lib/core/runner.ts';
import { quoteIdent, withClient } from '../lib/db/pg.ts';
import { applyBootstrap } from '../lib/db/plain-postgres.ts';
import { cliUrl, connectionEnv, urlWithPassword, type DbUrl } from '../lib/db/url.ts';
import {
  benchServer,
  cleanup,
  createDatabase,
  describeMachine,
  median,
  runner,
  script,
  seconds,
  tempDir,
} from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHANGE = `create table public.bench_notes (id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade, body text not null default '');
alter table public.bench_notes enable row level security;
create index bench_notes_user_idx on public.bench_notes (user_id);`;

const dir = tempDir('kotadb-bench-generate-');
const server = await benchServer(dir);
try {
  await server.start();
  const root = path.join(dir, 'project');
  cpSync(fromRoot('supabase'), path.join(root, 'supabase'), { recursive: true, filter: (s) => !s.includes('.temp') });
  const migrations = path.join(root, 'supabase', 'migrations');
  const original = new Set(readdirSync(migrations));
  const dev = await createDatabase(server, 'bench_dev', true);
  const env = { ...connectionEnv(dev), SUPABASE_TELEMETRY_DISABLED: '1' };
  const cli = (command: Command) => runner.run(command, { env, cwd: root, timeoutMs: 10 * 60_000 });
  await cli(supabase.dbPush(root, cliUrl(dev)));
  await withClient(dev, (c) => c.query(CHANGE));

  const admin = server.dbUrl('postgres');
  let n = 0;
  const shadow = async (template: string | null): Promise<DbUrl> => {
    const name = `bench_shadow_${++n}`;
    await withClient(admin, (c) =>
      c.query(`create database ${quoteIdent(name)}${template ? ` template ${quoteIdent(template)}` : ''}`),
    );
    const db = server.dbUrl(name);
    if (!template)
      await withClient(db, (c) => applyBootstrap(c, path.join(root, 'supabase', 'bootstrap', 'plain-postgres.sql')));
    return db;
  };
  const dropShadows = () =>
    withClient(admin, async (c) => {
      const rows = await c.query<{ datname: string }>(
        "select datname from pg_database where datname like 'bench\\_shadow\\_%'",
      );
      for (const r of rows.rows) await c.query(`drop database ${quoteIdent(r.datname)} with (force)`);
    });
  const reset = async () => {
    for (const file of readdirSync(migrations)) if (!original.has(file)) rmSync(path.join(migrations, file));
    await withClient(dev, (c) =>
      c.query("delete from supabase_migrations.schema_migrations where name in ('bench_change', 'bench_by_hand')"),
    );
  };

  /** The minimum by hand: two CLI diffs, a push for the shadow and one for the new file on its clone. */
  const byHand = async (oldWay: boolean) => {
    const first = await shadow(null);
    await cli(supabase.dbPush(root, cliUrl(first)));
    const sql = (await cli(supabase.dbDiff(root, cliUrl(first), cliUrl(dev)))).stdout;
    const version = '20991231000000';
    writeFileSync(path.join(migrations, `${version}_bench_by_hand.sql`), sql);
    const second = await shadow(oldWay ? null : first.database);
    await cli(supabase.dbPush(root, cliUrl(second)));
    const rest = (await cli(supabase.dbDiff(root, cliUrl(second), cliUrl(dev)))).stdout;
    if (rest.trim()) throw new Error(`by hand: the round trip still differs: ${rest}`);
    if (oldWay) await cli(supabase.migrationRepair(root, cliUrl(dev), [version], 'applied'));
    else
      await withClient(second, async (from) => {
        const row = (
          await from.query(
            'select version, name, statements from supabase_migrations.schema_migrations where version = $1',
            [version],
          )
        ).rows[0];
        await withClient(dev, (to) =>
          to.query(
            'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
            [row.version, row.name, row.statements],
          ),
        );
      });
    await dropShadows();
  };
  const generate = async () => {
    const result = await runner.run(
      script('supabase-generate', ['bench_change', '--db-url', urlWithPassword(dev), '--root', root]),
      {
        check: false,
        timeoutMs: 10 * 60_000,
      },
    );
    if (result.exitCode !== 0) throw new Error(`supabase-generate failed: ${result.stderr}`);
    if (process.env.BENCH_VERBOSE) console.log(result.stderr);
  };

  const sides = { generate: [] as number[], byHand: [] as number[], oldWay: [] as number[] };
  const order: Array<keyof typeof sides> = ['generate', 'byHand', 'oldWay'];
  for (let i = 0; i < RUNS; i++) {
    for (const side of [...order.slice(i % 3), ...order.slice(0, i % 3)]) {
      const started = performance.now();
      if (side === 'generate') await generate();
      else await byHand(side === 'oldWay');
      sides[side].push(performance.now() - started);
      await reset();
    }
  }
  const range = (v: number[]) => `${seconds(Math.min(...v))} – ${seconds(Math.max(...v))}`;
  console.log(`generate round trip, ${RUNS} runs per side; ${describeMachine()}`);
  console.log('| side | CLI starts | median | min – max |');
  console.log('|---|---|---|---|');
  console.log(
    `| supabase-generate (whole script) | 4 | ${seconds(median(sides.generate))} | ${range(sides.generate)} |`,
  );
  console.log(`| by hand, minimum CLI calls (clone) | 4 | ${seconds(median(sides.byHand))} | ${range(sides.byHand)} |`);
  console.log(
    `| by hand, as generate did before (2 full shadows + repair) | 5 | ${seconds(median(sides.oldWay))} | ${range(sides.oldWay)} |`,
  );
  console.log(
    `ratio generate / by hand: ${(median(sides.generate) / median(sides.byHand)).toFixed(2)}× (target ≤ 1.5×)`,
  );
} finally {
  await cleanup(server, dir);
}
