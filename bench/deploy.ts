/**
 * Deploy and rollback benchmarks (not a test): `node --import tsx bench/deploy.ts [runs]`.
 * Runs the real deploy-fly script against the fake flyctl (answering at once) and a real local
 * HTTP server, and measures:
 *   1. toolkit overhead of a staging deploy: wall time minus the time spent inside flyctl
 *      (a wrapper script timestamps every flyctl call);
 *   2. time from the app being healthy to deploy noticing: the Health check step of a deploy
 *      whose app is healthy as soon as flyctl returns, and, for information, the lag when the
 *      app turns healthy while the poller is backing off;
 *   3. time from the failed health check to the rollback deploy starting.
 * Prints medians (and min/max) as a Markdown table for docs/BENCHMARKS.md.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FAKE_FLYCTL_BIN } from '../test/helpers/fake-fly.ts';
import { deployWorld, type DeployWorld, type DeployWorldOptions } from '../test/helpers/deploy-world.ts';
import { runScript, type ScriptResult } from '../test/helpers/run-script.ts';

const RUNS = Number(process.argv[2] ?? 7);
const scratch = mkdtempSync(path.join(tmpdir(), 'bench-deploy-'));

/** flyctl wrapper: runs the fake and appends "<start ns> <end ns> <argv…>" to $FLYCTL_TIMINGS. */
const wrapper = path.join(scratch, 'flyctl-timed.sh');
writeFileSync(
  wrapper,
  `#!/bin/sh\nstart=$(date +%s%N)\n"${process.execPath}" "${FAKE_FLYCTL_BIN}" "$@"\ncode=$?\necho "$start $(date +%s%N) $*" >> "$FLYCTL_TIMINGS"\nexit $code\n`,
);
chmodSync(wrapper, 0o755);

interface FlyctlCall {
  startMs: number;
  endMs: number;
  args: string;
}

interface TimedRun {
  world: DeployWorld;
  result: ScriptResult;
  calls: FlyctlCall[];
  json: { steps: Array<{ name: string; durationMs: number }> } | null;
}

async function timedDeploy(
  name: string,
  options: DeployWorldOptions,
  args: string[],
  during?: (w: DeployWorld) => Promise<void>,
): Promise<TimedRun> {
  const world = await deployWorld(options);
  const timings = path.join(scratch, `${name}-${Date.now()}.txt`);
  writeFileSync(timings, '');
  const image = 'registry.fly.io/kotadb-api-staging:deployment-01JBENCH000000000000000000';
  const running = runScript('deploy-fly', ['staging', '--image', image, '--url', world.app.url, '--json', ...args], {
    env: { ...world.fly.env, FLYCTL: wrapper, FLYCTL_TIMINGS: timings },
  });
  await during?.(world);
  const result = await running;
  const calls = readFileSync(timings, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start, end, ...rest] = line.split(' ');
      return { startMs: Number(start) / 1e6, endMs: Number(end) / 1e6, args: rest.join(' ') };
    });
  let json: TimedRun['json'] = null;
  try {
    json = JSON.parse(result.stdout) as TimedRun['json'];
  } catch {
    // a failed run prints its error on stderr; the caller reports it
  }
  return { world, result, calls, json };
}

/** Time covered by at least one flyctl call (preflight runs two at once: count the overlap once). */
function coveredMs(calls: readonly FlyctlCall[]): number {
  let total = 0;
  let reach = -Infinity;
  for (const call of [...calls].sort((a, b) => a.startMs - b.startMs)) {
    const from = Math.max(call.startMs, reach);
    if (call.endMs > from) total += call.endMs - from;
    reach = Math.max(reach, call.endMs);
  }
  return total;
}

function stats(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const ms = (n: number) => `${Math.round(n)} ms`;
const rows: string[] = [];
function report(what: string, values: number[], target: string): void {
  const s = stats(values);
  rows.push(`| ${what} | ${ms(s.median)} | ${ms(s.min)} – ${ms(s.max)} | ${target} |`);
  console.error(`${what}: median ${ms(s.median)} (min ${ms(s.min)}, max ${ms(s.max)}) over ${values.length} runs`);
}

function expectExit(run: TimedRun, code: number): void {
  if (run.result.code !== code) throw new Error(`expected exit ${code}, got ${run.result.code}:\n${run.result.stderr}`);
}

try {
  // 1 + 2a: healthy staging deploys.
  const overhead: number[] = [];
  const flyctlTotal: number[] = [];
  const wall: number[] = [];
  const noticeHealthy: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await timedDeploy('healthy', {}, []);
    expectExit(run, 0);
    const inFlyctl = coveredMs(run.calls);
    wall.push(run.result.durationMs);
    flyctlTotal.push(inFlyctl);
    overhead.push(run.result.durationMs - inFlyctl);
    noticeHealthy.push(run.json!.steps.find((s) => s.name === 'Health check')!.durationMs);
    await run.world.cleanup();
  }
  report('staging deploy: wall time', wall, '');
  report('staging deploy: inside flyctl (8 calls of the fake, overlaps counted once)', flyctlTotal, '');
  report('staging deploy: toolkit overhead (wall − flyctl)', overhead, '< 1500 ms');
  report('app healthy when flyctl returns → deploy notices (Health check step)', noticeHealthy, '< 1500 ms');

  // 2b (information): the app turns healthy while the poller backs off (1 s, 2 s, 4 s, 5 s…).
  const lag: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const flipAfterMs = 300 + Math.round((3700 * i) / Math.max(1, RUNS - 1));
    let flippedAt = 0;
    const run = await timedDeploy('turns-healthy', {}, ['--health-timeout', '30', '--skip-smoke'], async (w) => {
      await w.app.setMode('status-503');
      while (!w.app.requests().some((q) => q.path === '/health')) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, flipAfterMs));
      flippedAt = Date.now();
      await w.app.setMode('healthy');
    });
    const firstHealthy = run.world.app
      .requests()
      .find((q) => q.path === '/health' && Date.parse(q.time) >= flippedAt && q.status === 200);
    if (firstHealthy && run.result.code === 0) lag.push(Date.parse(firstHealthy.time) - flippedAt);
    await run.world.cleanup();
  }
  if (lag.length > 0)
    report('app turns healthy mid-poll → next probe sees it (bounded by the backoff)', lag, 'information');

  // 3: a failed health check → rollback deploy starts.
  const reaction: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await timedDeploy('rollback', { newMode: 'status-503' }, ['--health-timeout', '1']);
    expectExit(run, 1);
    const lastFailed = run.world.app
      .requests()
      .filter((q) => q.path === '/health' && q.status === 503)
      .at(-1)!;
    const rollbackDeploy = run.calls.filter((c) => c.args.startsWith('deploy ')).at(1)!;
    reaction.push(rollbackDeploy.startMs - Date.parse(lastFailed.time));
    await run.world.cleanup();
  }
  report('failed health check → rollback deploy starts', reaction, '< 1000 ms');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

console.log('| measurement | median | min – max | target |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(row);
