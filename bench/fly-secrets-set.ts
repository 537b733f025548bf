/**
 * Benchmark: `fly-secrets staging set` with 500 secrets against the fake flyctl.
 * Checks that it makes ONE flyctl call and measures the toolkit's own overhead: the script's
 * wall time minus the time the same `secrets import` takes when the fake runs it alone.
 *
 *   node --import tsx bench/fly-secrets-set.ts [runs=7]
 *
 * Exits 1 when there is more than one flyctl call or the median overhead reaches 1 s.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { readEnvFile } from '../lib/secrets/env-file.ts';
import { fromRoot } from '../lib/core/paths.ts';
import { planUpload } from '../lib/secrets/import-encoding.ts';
import { selectSecrets } from '../lib/secrets/validation.ts';
import { createFakeFly, FAKE_FLYCTL_BIN } from '../test/helpers/fake-fly.ts';
import { baseEnv } from '../test/helpers/run-script.ts';
import { fakePem } from '../test/fixtures/fake-pem.ts';

const SECRETS = 500;
const RUNS = Number(process.argv[2] ?? 7);
const OVERHEAD_LIMIT_MS = 1000;

/** 500 realistic values: tokens with `=`/`==`, `#`, quotes, URLs, and a multi-line PEM every 50. */
function envFileText(): string {
  const pem = fakePem(
    Array.from(
      { length: 25 },
      (_, i) => `MIIEowIBAAKCAQEA${String(i).padStart(4, '0')}x4Zk9QpemLine+/AbCdEf0123456789`,
    ),
  );
  const lines = [
    "DATABASE_URL='postgresql://postgres.benchref:b3nch%23pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres'",
    'SUPABASE_URL=https://benchref.supabase.co',
    'SUPABASE_ANON_KEY=eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.YmVuY2gtYW5vbg==',
    'SUPABASE_SERVICE_KEY=eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZSJ9.YmVuY2gtc2VydmljZQ==',
  ];
  for (let i = lines.length; i < SECRETS; i++) {
    const token = Buffer.from(`bench-secret-${i}-`.repeat(4)).toString('base64');
    if (i % 50 === 0) lines.push(`BENCH_PEM_${i}="${pem}"`);
    else if (i % 3 === 0) lines.push(`BENCH_${i}="${token}#part=${i}"`);
    else if (i % 3 === 1) lines.push(`BENCH_${i}='say "${token}"'`);
    else lines.push(`BENCH_${i}=${token}`);
  }
  return lines.join('\n') + '\n';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timed(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

const dir = mkdtempSync(path.join(tmpdir(), 'bench-secrets-'));
const file = path.join(dir, '.env.bench');
writeFileSync(file, envFileText());
chmodSync(file, 0o600);

const totals: number[] = [];
const flyAlone: number[] = [];
let calls = 0;
let stdinBytes = 0;
try {
  for (let run = 0; run < RUNS; run++) {
    const fake = createFakeFly();
    try {
      const env = baseEnv(fake.env);
      let status: number | null = null;
      totals.push(
        timed(() => {
          status = spawnSync(
            process.execPath,
            ['--import', 'tsx', fromRoot('scripts', 'fly-secrets.ts'), 'staging', 'set', '--file', file],
            { env, encoding: 'utf8' },
          ).status;
        }),
      );
      if (status !== 0) throw new Error(`fly-secrets exited ${status}`);
      const recorded = fake.calls();
      calls = recorded.length;
      const input = recorded[0]?.stdin ?? '';
      stdinBytes = Buffer.byteLength(input);
      flyAlone.push(
        timed(() => {
          spawnSync(FAKE_FLYCTL_BIN, ['secrets', 'import', '--app', 'kotadb-api-staging'], { env, input });
        }),
      );
    } finally {
      fake.cleanup();
    }
  }

  // The in-process part alone: read + validate + encode.
  const inProcess = median(
    Array.from({ length: RUNS }, () =>
      timed(() => planUpload(selectSecrets(readEnvFile(file, '.env.bench'), null).toSet)),
    ),
  );
  const startup = median(
    Array.from({ length: RUNS }, () =>
      timed(() => {
        spawnSync(process.execPath, ['--import', 'tsx', fromRoot('scripts', 'fly-secrets.ts'), '--help'], {
          env: baseEnv(),
        });
      }),
    ),
  );

  const overhead = median(totals) - median(flyAlone);
  const row = (label: string, ms: number) => console.log(`${label.padEnd(52)}${ms.toFixed(0).padStart(6)} ms`);
  console.log(
    `fly-secrets staging set: ${SECRETS} secrets, ${(stdinBytes / 1024).toFixed(0)} KiB of import stdin, ${RUNS} runs (medians), node ${process.version}`,
  );
  console.log(`${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (other processes inflate wall times)`);
  console.log(`flyctl calls per run: ${calls}`);
  row('script wall time (fake flyctl included)', median(totals));
  row('the same secrets import, fake flyctl alone', median(flyAlone));
  row('toolkit overhead (difference)', overhead);
  row('  of which: node + tsx + imports (--help)', startup);
  row('  of which: read + validate + encode, in process', inProcess);
  if (calls !== 1 || overhead >= OVERHEAD_LIMIT_MS) {
    console.error(`FAIL: expected 1 flyctl call and overhead < ${OVERHEAD_LIMIT_MS} ms`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
