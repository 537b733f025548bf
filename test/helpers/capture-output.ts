import { Writable } from 'node:stream';
import { Output, type OutputOptions } from '../../lib/core/output.ts';

export interface CapturedOutput {
  out: Output;
  stdout: () => string;
  stderr: () => string;
  all: () => string;
}

/** An Output whose stdout and stderr are collected in memory. */
export function captureOutput(options: Omit<OutputOptions, 'stdout' | 'stderr'> = {}, tty = false): CapturedOutput {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    Object.assign(
      new Writable({
        write(chunk, _encoding, callback) {
          append(String(chunk));
          callback();
        },
      }),
      { isTTY: tty },
    );
  const out = new Output({
    env: { NO_COLOR: '1' },
    ...options,
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
  });
  return { out, stdout: () => stdout, stderr: () => stderr, all: () => stdout + stderr };
}
