/**
 * What promote's checks cost before deploy's path starts (not a test):
 *   node --import tsx bench/promote.ts [runs]
 * One world (the fake flyctl as a process answering at once, a real HTTP server per app, a
 * service checkout with an origin, the lock remote), staging deployed once through deploy,
 * then `promote production --yes --json` as a child process `runs` times (each promotes the
 * same staging image again: a new production release). From each run's step timings: promote's
 * own steps (validate, read staging — flyctl releases and status, the records on the lock
 * remote —, choose, staging health and smoke, git fetch + merge-base) against the whole run.
 * Prints medians (min–max) as a Markdown table for docs/BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAppServer } from '../test/helpers/app-server.ts';
import { deployWorld } from '../test/helpers/deploy-world.ts';
import { createGitRepo } from '../test/helpers/git-repo.ts';
import { createLockRemote } from '../test/helpers/lock-remote.ts';
import { runScript } from '../test/helpers/run-script.ts';

const RUNS = Number(process.argv[2] ?? 7) || 7;
const KEY = 'kdb_bench_Pr0m0teK3y';
const KEYS = { SAAS_STAGING_API_KEY: KEY, SAAS_PRODUCTION_API_KEY: KEY };
const IDENTITY = ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false'];
const PROMOTE_STEPS = ['Validate promotion', 'Read staging', 'Choose image', 'Staging health', 'Commit on main'];

const w = await deployWorld({ env: 'production', apiKey: KEY });
const staging = await startAppServer({ fakeFly: w.fly, app: 'kotadb-api-staging', apiKey: KEY });
const remote = createLockRemote();
const ops = remote.checkout('ops');
execFileSync('git', [...IDENTITY, 'switch', '-q', '-c', 'main'], { cwd: ops });
execFileSync('git', [...IDENTITY, 'commit', '-q', '--allow-empty', '-m', 'ops'], { cwd: ops });
execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: ops });
const service = createGitRepo({ origin: true });
writeFileSync(path.join(service.dir, 'Dockerfile.production'), 'FROM scratch\n');
service.git('add', 'Dockerfile.production');
service.git('commit', '-q', '-m', 'the service');
service.git('push', '-q', 'origin', 'main');

try {
  const env = { ...w.fly.env, ...KEYS };
  const staged = await runScript('deploy-fly', ['staging', '--source', service.dir, '--url', staging.url], {
    env,
    cwd: ops,
  });
  if (staged.code !== 0) throw new Error(`staging deploy failed:\n${staged.all}`);
  const own: number[] = [];
  const total: number[] = [];
  const deployPart: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = await runScript(
      'promote',
      ['production', '--yes', '--json', '--url', w.app.url, '--staging-url', staging.url, '--source', service.dir],
      { env, cwd: ops },
    );
    const wall = performance.now() - started;
    if (r.code !== 0) throw new Error(`promote failed:\n${r.all}`);
    const steps = (JSON.parse(r.stdout) as { steps: Array<{ name: string; durationMs: number }> }).steps;
    const mine = steps.filter((s) => PROMOTE_STEPS.includes(s.name)).reduce((sum, s) => sum + s.durationMs, 0);
    own.push(mine);
    total.push(wall);
    deployPart.push(steps.filter((s) => !PROMOTE_STEPS.includes(s.name)).reduce((sum, s) => sum + s.durationMs, 0));
  }
  const load = os.loadavg()[0]!.toFixed(1);
  console.log(`node ${process.version}, ${os.cpus().length} cores, load ${load}, ${RUNS} runs\n`);
  console.log('| measure | median | min–max |');
  console.log('|---|---|---|');
  for (const [label, values] of [
    ["promote's own steps (validate, read staging, choose, staging health + smoke, commit on main)", own],
    ["deploy's steps after them (preflight … record), as promote runs them", deployPart],
    ['whole run, wall (node + tsx start-up included)', total],
  ] as const)
    console.log(`| ${label} | ${ms(median(values))} | ${ms(Math.min(...values))}–${ms(Math.max(...values))} |`);
} finally {
  await staging.close();
  await w.cleanup();
  remote.cleanup();
  service.cleanup();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
