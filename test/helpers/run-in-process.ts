/**
 * Runs a script's main() in the test process with captured output and a clean environment
 * (the commands it spawns, e.g. the fake flyctl, are still real child processes). Faster than
 * runScript() (no Node + tsx start-up); use runScript() where signals, stdin or flyctl's own
 * terminal output matter.
 */
import type { ScriptIO } from '../../lib/core/main.ts';
import { captureOutput } from './capture-output.ts';
import { baseEnv } from './run-script.ts';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  all: string;
}

export async function runInProcess(
  main: (argv: string[], io: ScriptIO) => Promise<number>,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<InProcessResult> {
  const captured = captureOutput();
  const code = await main([...args], { out: captured.out, env: baseEnv(env) });
  return { code, stdout: captured.stdout(), stderr: captured.stderr(), all: captured.all() };
}
