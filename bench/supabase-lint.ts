/**
 * Benchmark: linting 500 migrations. `squawk` alone (the binary with the same flags
 * supabase-lint passes: JSON report, PostgreSQL major, one transaction per file, the timeout
 * rules left out) against the whole `supabase-lint --all` as a user runs it (Node + tsx start,
 * settings, squawk, the project's rules, expand/contract of every file, the report), the two
 * sides alternating. The files are the realistic shape of bench/lib.ts; every tenth one also
 * drops a column (so there are findings to parse and classify).
 *
 *   node --import tsx bench/supabase-lint.ts     # BENCH_RUNS=7 BENCH_MIGRATIONS=500
 */
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as squawk from '../lib/commands/squawk.ts';
import { rmSync } from 'node:fs';
import { EXCLUDED_BY_APPLY } from '../lib/db/lint/config.ts';
import { describeMachine, generatedProject, median, runner, script, seconds, tempDir } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const COUNT = Number(process.env.BENCH_MIGRATIONS ?? 500);

const dir = tempDir('kotadb-bench-lint-');
try {
  const root = generatedProject(dir, COUNT, 'realistic');
  const migrations = path.join(root, 'supabase', 'migrations');
  const files = readdirSync(migrations).sort();
  files.forEach((file, i) => {
    if (i % 10 === 5)
      appendFileSync(path.join(migrations, file), `alter table public.repositories drop column legacy_${i};\n`);
  });
  const relative = files.map((f) => path.join('supabase', 'migrations', f));
  const alone = squawk.lint(relative, {
    pgVersion: 17,
    assumeInTransaction: true,
    excludedRules: [...EXCLUDED_BY_APPLY],
  });
  const toolkit = script('supabase-lint', ['--all', '--root', root]);

  const times = { squawk: [] as number[], toolkit: [] as number[] };
  let findings = 0;
  for (let i = 0; i < RUNS; i++) {
    const a = await runner.run(alone, { cwd: root, check: false });
    times.squawk.push(a.durationMs);
    findings = (JSON.parse(a.stdout) as unknown[]).length;
    const b = await runner.run(toolkit, { check: false });
    if (b.exitCode !== 1)
      throw new Error(`supabase-lint should find the dropped columns (exit ${b.exitCode}): ${b.stderr}`);
    times.toolkit.push(b.durationMs);
  }
  const range = (v: number[]) => `${seconds(Math.min(...v))} – ${seconds(Math.max(...v))}`;
  console.log(
    `lint of ${files.length} migration files (${findings} squawk findings), ${RUNS} runs per side; ${describeMachine()}`,
  );
  console.log(`| side | median | min – max |`);
  console.log(`|---|---|---|`);
  console.log(`| squawk alone (binary, same flags) | ${seconds(median(times.squawk))} | ${range(times.squawk)} |`);
  console.log(`| supabase-lint --all (whole script) | ${seconds(median(times.toolkit))} | ${range(times.toolkit)} |`);
  console.log(
    `overhead: +${seconds(median(times.toolkit) - median(times.squawk))} (${(median(times.toolkit) / median(times.squawk)).toFixed(1)}×)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
