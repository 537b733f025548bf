/**
 * Benchmark of fly-setup, doctor and the everyday recipes, run as users run them (child
 * processes) against the fake flyctl and a local HTTP server playing the API:
 *   node --import tsx bench/ops.ts [runs]
 * Prints the median and spread of each scenario's wall time, and for doctor how much the
 * parallel checks save over running them one after another.
 */
import { startAppServer } from '../test/helpers/app-server.ts';
import { createFakeFly, type FakeFly } from '../test/helpers/fake-fly.ts';
import { runScript, type ScriptResult } from '../test/helpers/run-script.ts';

const runs = Number(process.argv[2] ?? 7);

interface Sample {
  wallMs: number;
  /** doctor: time from the first check to the last answer, and the sum of every check's own time. */
  checks?: { phaseMs: number; sumMs: number };
}

async function measure(name: string, once: () => Promise<Sample>): Promise<void> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  const walls = samples.map((s) => s.wallMs).sort((a, b) => a - b);
  const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? 0;
  let line = `${name.padEnd(46)} median ${Math.round(median(walls))} ms  (min ${Math.round(walls[0] ?? 0)}, max ${Math.round(walls.at(-1) ?? 0)})`;
  const checks = samples.map((s) => s.checks).filter((c) => c !== undefined);
  if (checks.length > 0) {
    const phase = median(checks.map((c) => c.phaseMs).sort((a, b) => a - b));
    const sum = median(checks.map((c) => c.sumMs).sort((a, b) => a - b));
    line += `\n${''.padEnd(46)} checks phase ${Math.round(phase)} ms, sum of the checks' own times ${Math.round(sum)} ms`;
  }
  console.log(line);
}

function expectCode(result: ScriptResult, code: number, what: string): void {
  if (result.code !== code) throw new Error(`${what}: exit ${result.code}, expected ${code}\n${result.stderr}`);
}

async function withFake<T>(opts: Parameters<typeof createFakeFly>[0], fn: (fly: FakeFly) => Promise<T>): Promise<T> {
  const fly = createFakeFly(opts);
  try {
    return await fn(fly);
  } finally {
    fly.cleanup();
  }
}

const app = await startAppServer({ mode: 'healthy' });
console.log(`${runs} runs each, Node ${process.version}`);

await measure('fly-setup staging, fresh account (creates 2)', () =>
  withFake({ world: 'empty' }, async (fly) => {
    const result = await runScript('fly-setup', ['staging'], { env: fly.env });
    expectCode(result, 0, 'fly-setup');
    return { wallMs: result.durationMs };
  }),
);

await measure('fly-setup staging, second run (no-op)', () =>
  withFake({}, async (fly) => {
    const result = await runScript('fly-setup', ['staging'], { env: fly.env });
    expectCode(result, 0, 'fly-setup');
    return { wallMs: result.durationMs };
  }),
);

await measure('doctor production, all green', () =>
  withFake({}, async (fly) => {
    const result = await runScript('doctor', ['production', '--url', app.url, '--json'], { env: fly.env });
    expectCode(result, 0, 'doctor');
    const report = JSON.parse(result.stdout) as { durationMs: number; checks: { durationMs: number }[] };
    return {
      wallMs: result.durationMs,
      checks: { phaseMs: report.durationMs, sumMs: report.checks.reduce((sum, c) => sum + c.durationMs, 0) },
    };
  }),
);

await measure('doctor production, `status` hangs, --timeout 2', () =>
  withFake({}, async (fly) => {
    fly.fault('status', { hang: true });
    const result = await runScript('doctor', ['production', '--url', app.url, '--timeout', '2'], { env: fly.env });
    expectCode(result, 1, 'doctor');
    return { wallMs: result.durationMs };
  }),
);

await measure('fly status staging (recipe wrapper)', () =>
  withFake({}, async (fly) => {
    const result = await runScript('fly', ['status', 'staging'], { env: fly.env });
    expectCode(result, 0, 'fly status');
    return { wallMs: result.durationMs };
  }),
);

await measure('fake flyctl status alone (the wrapped call)', () =>
  withFake({}, async (fly) => {
    const started = performance.now();
    const result = await fly.run(['status', '--app', 'kotadb-api-staging']);
    if (result.code !== 0) throw new Error(result.stderr);
    return { wallMs: performance.now() - started };
  }),
);

await app.close();
