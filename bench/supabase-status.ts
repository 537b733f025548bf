/**
 * Benchmark: the dry-run status of 500 migrations (`supabase-apply --dry-run`: connect, read
 * the tracking table, compare with 500 files, print the pending ones) on a database with 250
 * of them recorded, next to the CLI's own views of the same (`migration list`,
 * `db push --dry-run`).
 *
 *   node --import tsx bench/supabase-status.ts           # BENCH_RUNS=5 BENCH_MIGRATIONS=500
 */
import * as supabase from '../lib/commands/supabase.ts';
import { connectionEnv, displayDbUrl, cliUrl } from '../lib/db/url.ts';
import { withClient } from '../lib/db/pg.ts';
import type { Command } from '../lib/core/runner.ts';
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
} from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COUNT = Number(process.env.BENCH_MIGRATIONS ?? 500);

const dir = tempDir('kotadb-bench-status-');
const server = await benchServer(dir);
try {
  await server.start();
  const root = generatedProject(dir, COUNT, 'tiny');
  const db = await createDatabase(server, 'bench_status', true);
  await runner.run(supabase.dbPush(root, cliUrl(db)), { env: connectionEnv(db), cwd: root, timeoutMs: 30 * 60_000 });
  // Forget the newer half: 250 recorded, 250 pending.
  await withClient(db, (c) =>
    c.query(
      'delete from supabase_migrations.schema_migrations where version in (select version from supabase_migrations.schema_migrations order by version desc limit $1)',
      [COUNT / 2],
    ),
  );

  const dryRunPush: Command = {
    ...supabase.dbPush(root, cliUrl(db)),
    argv: [...supabase.dbPush(root, cliUrl(db)).argv, '--dry-run'],
    mutating: false,
  };
  const cases: Array<[string, Command, boolean]> = [
    [
      '`supabase-apply --dry-run` (whole script)',
      script('supabase-apply', [displayDbUrl(db), '--root', root, '--dry-run']),
      false,
    ],
    ['`supabase migration list --output-format json`', supabase.migrationList(root, cliUrl(db)), true],
    ['`supabase db push --dry-run`', dryRunPush, true],
  ];
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, command, cli] of cases) {
      const result = await runner.run(command, {
        ...(cli ? { env: connectionEnv(db), cwd: root } : {}),
        timeoutMs: 10 * 60_000,
      });
      if (!cli && !result.stdout.includes(`(${COUNT / 2}):`))
        throw new Error('supabase-apply --dry-run did not list the pending files');
      times.get(name)!.push(result.durationMs);
    }
  }
  console.log(
    `## dry-run status of ${COUNT} migrations (+1 base file: ${COUNT / 2 + 1} recorded, ${COUNT / 2} pending; ${RUNS} runs, median) — ${describeMachine()}`,
  );
  console.log('');
  console.log('| | median | min | max |');
  console.log('|---|---|---|---|');
  for (const [name, values] of times)
    console.log(
      `| ${name} | ${seconds(median(values))} | ${seconds(Math.min(...values))} | ${seconds(Math.max(...values))} |`,
    );
} finally {
  await cleanup(server, dir);
}
