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
