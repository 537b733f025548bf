/**
 * The one top-level handler every script uses: parse argv (or print --help), run the
 * script's steps, and turn whatever is thrown into one clear, redacted message and the
 * documented exit code. A stack trace only with DEBUG=1.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatHelp, parseCommandLine, type CommandSpec, type OptionSpec, type OptionValues } from './cli.ts';
import { ExitCode, isToolkitError, UsageError } from './errors.ts';
import { installSignalHandlers, resetProcessSignal } from './interrupt.ts';
import { processExecutor } from './runner.ts';
import { Output } from './output.ts';
import { redact, secrets } from './redact.ts';

/** What a script's main() may be given instead of the process's own (tests run main() in-process). */
export interface ScriptIO {
  out?: Output;
  /** Environment for the commands it runs and the variables it reads. */
  env?: NodeJS.ProcessEnv;
}

export interface Invocation<O extends Record<string, OptionSpec>> {
  options: OptionValues<O>;
  positionals: string[];
}

/**
 * Parses argv against the spec and runs the body. Returns the exit code; never throws and
 * never exits, so tests can call a script's main() in-process.
 */
export async function withCli<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
  body: (invocation: Invocation<O>) => Promise<number | void>,
  out: Output = new Output(),
): Promise<number> {
  try {
    const parsed = parseCommandLine(spec, argv);
    if (parsed.help) {
      out.write(formatHelp(spec));
      return ExitCode.ok;
    }
    // As defineScript does: scripts not yet converted mask the Fly credentials too.
    secrets.add(process.env.FLY_API_TOKEN, process.env.FLY_ACCESS_TOKEN);
    const code = await body({ options: parsed.options, positionals: parsed.positionals });
    return code ?? ExitCode.ok;
  } catch (error) {
    return reportError(error, out);
  }
}

/** Prints one message for any error and returns the exit code it maps to. */
export function reportError(error: unknown, out: Output = new Output()): number {
  if (process.env.DEBUG === '1' && error instanceof Error && error.stack) out.dim(redact(error.stack));
  if (isToolkitError(error)) {
    if (error instanceof UsageError) {
      out.error(`${error.message}. Run with --help for usage.`);
    } else {
      out.error(error.message, error.hint);
    }
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  out.error(
    `unexpected error: ${message}`,
    process.env.DEBUG === '1' ? undefined : 'run again with DEBUG=1 for the stack trace',
  );
  return ExitCode.failed;
}

/** Entry point for `node --import tsx scripts/x.ts`: run main, then exit with its code. */
export async function runMain(main: (argv: string[]) => Promise<number>): Promise<never> {
  installSignalHandlers(resetProcessSignal(), () => {
    processExecutor().killAll('SIGKILL');
    process.stderr.write('\ninterrupted again: every child process was killed; exiting now\n');
    process.exit(ExitCode.interrupted);
  });
  const code = await main(process.argv.slice(2));
  process.exit(code);
}

/** True when the module at `moduleUrl` is the script node was asked to run. */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return path.resolve(entry) === fileURLToPath(moduleUrl);
}
