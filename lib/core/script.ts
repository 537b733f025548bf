/**
 * The one shape of every script:
 *
 *   export const script = defineScript({ usage, summary, positionals, options, run });
 *   if (isEntryPoint(import.meta.url)) await runEntry(script);
 *
 * `run` receives the parsed arguments and the run's I/O (runner, environment, output, clock,
 * abort signal, stdin, cwd) and reads top to bottom as named steps. The framework parses argv
 * (or prints --help), builds the runner (honouring --dry-run), turns the first Ctrl-C into one
 * abort signal and the second into "kill every child, say what state was left, exit 130", and
 * maps whatever is thrown to one redacted line and the documented exit code. Tests call
 * `script.main(argv, io)` with injected I/O: no process is started unless they want one.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatHelp, parseCommandLine, type CommandSpec, type OptionSpec, type OptionValues } from './cli.ts';
import { systemClock, type Clock } from './clock.ts';
import { ExitCode, Interrupted, isToolkitError, UsageError } from './errors.ts';
import type { Executor } from './exec.ts';
import { installSignalHandlers, resetProcessSignal } from './interrupt.ts';
import { Output } from './output.ts';
import { redact, secrets } from './redact.ts';
import { processExecutor, Runner } from './runner.ts';

/** Where prompts read from (a TTY or not). */
export type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** Everything a script touches outside itself; tests replace any part of it. */
export interface ScriptIO {
  readonly out: Output;
  /** The environment variables are read from, and that children inherit. */
  readonly env: NodeJS.ProcessEnv;
  /** Starts processes (real spawn by default; a recording executor in tests). */
  readonly exec: Executor;
  readonly clock: Clock;
  /** Aborted at the first Ctrl-C: every wait listens to it. */
  readonly signal: AbortSignal;
  readonly stdin: Input;
  /** Where git runs (the user's checkout), not where the toolkit lives. */
  readonly cwd: string;
}

export interface RunContext<O extends Record<string, OptionSpec>> {
  readonly options: OptionValues<O>;
  readonly positionals: string[];
  readonly io: ScriptIO;
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
  /** Built with the run's executor, environment and signal; dry when --dry-run was given. */
  readonly runner: Runner;
  readonly dryRun: boolean;
  /**
   * What to say when Ctrl-C stops the run now (called at that moment): replaces a bare
   * "interrupted" from the first Ctrl-C, and is printed by the second before exiting.
   */
  onInterrupt(explain: () => Interrupted): void;
}

export interface ScriptSpec<O extends Record<string, OptionSpec>> extends CommandSpec<O> {
  run(context: RunContext<O>): Promise<number | void>;
}

export interface Script<O extends Record<string, OptionSpec>> {
  readonly spec: ScriptSpec<O>;
  /** Parses argv, runs, returns the exit code. Never throws, never exits. */
  main(argv: readonly string[], io?: Partial<ScriptIO>): Promise<number>;
}

/** The I/O of a script started from a terminal (or by CI). */
export function processIO(overrides: Partial<ScriptIO> = {}): ScriptIO {
  const env = overrides.env ?? process.env;
  return {
    out: overrides.out ?? new Output({ env }),
    env,
    exec: overrides.exec ?? processExecutor(),
    clock: overrides.clock ?? systemClock,
    signal: overrides.signal ?? new AbortController().signal,
    stdin: overrides.stdin ?? process.stdin,
    cwd: overrides.cwd ?? process.cwd(),
  };
}

/** The explanation registered by the run in progress (the second Ctrl-C prints it). */
let currentExplanation: (() => Interrupted) | null = null;

export function defineScript<const O extends Record<string, OptionSpec>>(spec: ScriptSpec<O>): Script<O> {
  const main = async (argv: readonly string[], given: Partial<ScriptIO> = {}): Promise<number> => {
    const io = processIO(given);
    let explain: (() => Interrupted) | null = null;
    try {
      const parsed = parseCommandLine(spec, argv);
      if (parsed.help) {
        io.out.write(formatHelp(spec));
        return ExitCode.ok;
      }
      // Fly credentials are masked in everything any script prints, whoever reads them.
      secrets.add(io.env.FLY_API_TOKEN, io.env.FLY_ACCESS_TOKEN, io.env.FLY_STAGING_API_TOKEN);
      const dryRun = 'dry-run' in spec.options && (parsed.options as Record<string, unknown>)['dry-run'] === true;
      const runner = new Runner({ dryRun, output: io.out, env: io.env, exec: io.exec, signal: io.signal });
      const code = await spec.run({
        options: parsed.options,
        positionals: parsed.positionals,
        io,
        out: io.out,
        env: io.env,
        runner,
        dryRun,
        onInterrupt: (fn) => {
          explain = fn;
          currentExplanation = fn;
        },
      });
      return code ?? ExitCode.ok;
    } catch (error) {
      const reported = error instanceof Interrupted && explain !== null ? (explain as () => Interrupted)() : error;
      return reportError(reported, io.out, io.env);
    } finally {
      if (currentExplanation === explain) currentExplanation = null;
    }
  };
  return { spec, main };
}

/** Prints one message for any error and returns the exit code it maps to. */
export function reportError(error: unknown, out: Output, env: NodeJS.ProcessEnv = process.env): number {
  const debug = env.DEBUG === '1';
  if (debug && error instanceof Error && error.stack) out.dim(redact(error.stack));
  if (isToolkitError(error)) {
    if (error instanceof UsageError) out.error(`${error.message}. Run with --help for usage.`);
    else out.error(error.message, error.hint);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  out.error(`unexpected error: ${message}`, debug ? undefined : 'run again with DEBUG=1 for the stack trace');
  return ExitCode.failed;
}

/**
 * Entry point for `node --import tsx scripts/x.ts`: the first SIGINT/SIGTERM aborts the run;
 * a second one kills every child at once, prints the state the script registered, and exits 130.
 */
export async function runEntry<O extends Record<string, OptionSpec>>(script: Script<O>): Promise<never> {
  const controller = resetProcessSignal();
  const exec = processExecutor();
  const out = new Output();
  installSignalHandlers(controller, () => {
    exec.killAll('SIGKILL');
    out.clearProgress();
    const explained = currentExplanation?.() ?? new Interrupted('interrupted again: stopped at once');
    out.error(`interrupted again: every child process was killed. ${explained.message}`, explained.hint);
    process.exit(ExitCode.interrupted);
  });
  const code = await script.main(process.argv.slice(2), { out, exec, signal: controller.signal });
  process.exit(code);
}

/** True when the module at `moduleUrl` is the script node was asked to run. */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return path.resolve(entry) === fileURLToPath(moduleUrl);
}
