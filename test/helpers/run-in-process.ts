/**
 * Runs a script's main() in the test process with captured output and a clean environment.
 * Commands it runs go to `exec` when given (a recording executor, the in-process fake flyctl),
 * else they are real child processes. Far faster than runScript() (no Node + tsx start-up);
 * use runScript() where signals, stdin/TTY or the entry wiring itself are under test.
 */
import { Readable } from 'node:stream';
import type { OptionSpec } from '../../lib/core/cli.ts';
import type { Script, ScriptIO } from '../../lib/core/script.ts';
import { captureOutput } from './capture-output.ts';
import { baseEnv } from './run-script.ts';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  all: string;
}

export interface InProcessOptions extends Partial<Omit<ScriptIO, 'out' | 'env'>> {
  /** Output as on a terminal (progress lines, colours off). */
  tty?: boolean;
}

export async function runInProcess<O extends Record<string, OptionSpec>>(
  script: Script<O>,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  io: InProcessOptions = {},
): Promise<InProcessResult> {
  const { tty, ...rest } = io;
  const captured = captureOutput({}, tty ?? false);
  const fullEnv = baseEnv(env);
  const code = await script.main([...args], { stdin: emptyStdin(), ...rest, out: captured.out, env: fullEnv });
  return { code, stdout: captured.stdout(), stderr: captured.stderr(), all: captured.all() };
}

/** No terminal and nothing to read: what CI gives a script. */
function emptyStdin(): ScriptIO['stdin'] {
  return Object.assign(Readable.from([]), { isTTY: false });
}
