/**
 * Watching every process on the machine while a script runs: proves a secret never appears
 * on the command line (argv) of any process — ours, the CLI's, or anything they start.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ArgvWatch {
  /** Stops watching; returns the command lines that contained the secret. */
  stop(): string[];
  /** How many process listings were taken (to know the watch really ran). */
  readonly samples: number;
}

export function watchArgvFor(secret: string, intervalMs = 5): ArgvWatch {
  const hits = new Set<string>();
  let samples = 0;
  const scan = () => {
    samples++;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      } catch {
        continue; // the process exited meanwhile
      }
      if (cmdline.includes(secret) || cmdline.includes(encodeURIComponent(secret)))
        hits.add(cmdline.replace(/\0/g, ' '));
    }
  };
  const timer = setInterval(scan, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      scan();
      return [...hits];
    },
    get samples() {
      return samples;
    },
  };
}

export interface RecordedCall {
  argv: string[];
  envNames: string[];
}

/** The calls test/fixtures/supabase-recorder.mjs wrote to `file`. */
export function recordedCalls(file: string): RecordedCall[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordedCall);
}

/** The processes running now whose command line (NULs as spaces) contains `text`. */
export function processesMatching(text: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue; // the process exited meanwhile
    }
    if (cmdline.includes(text)) found.push({ pid: Number(entry), cmdline });
  }
  return found;
}

/** Polls until `predicate` holds (every 5 ms), or throws after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
