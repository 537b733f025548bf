/**
 * The one place that spawns processes. Commands are argv arrays built by pure functions in
 * lib/commands/; the runner resolves the binary, feeds stdin, adds env, applies a timeout,
 * captures or streams output (redacted), honours --dry-run for mutating commands and turns
 * failures into typed errors. No shell is involved, so no value is ever re-parsed or quoted.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { quote } from 'zx/core';
import { Interrupted, OperationFailed, PreconditionFailed } from './errors.ts';
import { interruptRequested, trackChild } from './interrupt.ts';
import { Output } from './output.ts';
import { fromRoot } from './paths.ts';
import { isSensitiveName, redact } from './redact.ts';

export interface Command {
  /** argv[0] is a tool name (`flyctl`, `supabase`, `git`, …) or a path. */
  readonly argv: readonly string[];
  /** Mutating commands are printed, not run, in a dry run. Read-only queries still run. */
  readonly mutating: boolean;
}

export type OutputMode = 'capture' | 'stream' | 'inherit';

export interface RunOptions {
  /** Written to the child's stdin, then stdin is closed. Never printed. */
  input?: string;
  /** Extra environment for the child (values of sensitive names are never printed). */
  env?: Record<string, string | undefined>;
  /** Kill the child (SIGTERM, then SIGKILL) after this long and fail. */
  timeoutMs?: number;
  /** capture (default): keep output; stream: also pass lines to stderr; inherit: the user's terminal. */
  output?: OutputMode;
  cwd?: string;
  /** When false, a non-zero exit is returned instead of thrown. Default true. */
  check?: boolean;
  /** Sees every output line (redacted) as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RunResult {
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly dryRun: boolean;
}

/** A command ran and exited non-zero. */
export class CommandFailed extends OperationFailed {
  readonly result: RunResult;
  constructor(message: string, result: RunResult) {
    super(message);
    this.result = result;
  }
}

/** A command ran longer than its timeout and was killed. */
export class CommandTimedOut extends OperationFailed {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

const INSTALL_HINTS: Record<string, string> = {
  flyctl: 'install flyctl (https://fly.io/docs/flyctl/install/) or set FLYCTL to its path',
  supabase: 'run `npm ci` (the Supabase CLI is a devDependency) or set SUPABASE_CLI',
  git: 'install git',
};

/** Maps a tool name to the binary to execute; env vars let tests and users substitute fakes. */
export function resolveBinary(tool: string, env: NodeJS.ProcessEnv = process.env): string {
  switch (tool) {
    case 'flyctl':
      return env.FLYCTL || 'flyctl';
    case 'supabase':
      return env.SUPABASE_CLI || supabaseCliBinary();
    default:
      return tool;
  }
}

let supabaseBinary: string | undefined;

/**
 * The Supabase CLI npm installed. `node_modules/.bin/supabase` is a Node launcher that only
 * finds the platform package's binary and spawns it: calling that binary directly saves a Node
 * start (~0.2 s) on every CLI call. The launcher stays the fallback.
 */
export function supabaseCliBinary(): string {
  if (supabaseBinary !== undefined) return supabaseBinary;
  const launcher = fromRoot('node_modules', '.bin', 'supabase');
  const require = createRequire(fromRoot('package.json'));
  const arch = process.arch;
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  for (const suffix of [`${platform}-${arch}`, `${platform}-${arch}-musl`]) {
    try {
      const binary = path.join(
        path.dirname(require.resolve(`@supabase/cli-${suffix}/package.json`)),
        'bin',
        `supabase${process.platform === 'win32' ? '.exe' : ''}`,
      );
      if (existsSync(binary)) return (supabaseBinary = binary);
    } catch {
      // not installed for this platform: try the next candidate, then the launcher
    }
  }
  return (supabaseBinary = launcher);
}

/** `$ NAME=*** flyctl deploy --app x` — how a command is shown in plans and errors. */
export function describeCommand(argv: readonly string[], env: RunOptions['env'] = {}): string {
  const envPart = Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${isSensitiveName(name) ? '***' : quote(String(value))}`);
  return redact([...envPart, ...argv.map((arg) => quote(arg))].join(' '));
}

const KILL_GRACE_MS = 2000;
const ERROR_TAIL_LINES = 5;

export interface RunnerOptions {
  dryRun?: boolean;
  output?: Output;
  env?: NodeJS.ProcessEnv;
}

export class Runner {
  readonly dryRun: boolean;
  readonly out: Output;
  private readonly baseEnv: NodeJS.ProcessEnv;

  constructor(options: RunnerOptions = {}) {
    this.dryRun = options.dryRun ?? false;
    this.out = options.output ?? new Output();
    this.baseEnv = options.env ?? process.env;
  }

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    const tool = command.argv[0];
    if (tool === undefined) throw new Error('runner: empty command');
    if (interruptRequested()) throw new Interrupted(`interrupted before ${tool} ${command.argv[1] ?? ''}`.trim());

    if (this.dryRun && command.mutating) {
      const stdinNote =
        options.input === undefined ? '' : `  # + stdin (${countLines(options.input)} lines, values hidden)`;
      this.out.plan(`$ ${describeCommand(command.argv, options.env)}${stdinNote}`);
      return { argv: command.argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, dryRun: true };
    }

    return this.spawnAndWait(command.argv, tool, options);
  }

  private spawnAndWait(argv: readonly string[], tool: string, options: RunOptions): Promise<RunResult> {
    const mode = options.output ?? 'capture';
    const binary = resolveBinary(tool, this.baseEnv);
    const env: NodeJS.ProcessEnv = { ...this.baseEnv };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const shown = describeCommand(argv);
    const started = performance.now();

    return new Promise<RunResult>((resolve, reject) => {
      const child = spawn(binary, argv.slice(1), {
        cwd: options.cwd,
        env,
        stdio: [
          options.input === undefined ? (mode === 'inherit' ? 'inherit' : 'ignore') : 'pipe',
          mode === 'inherit' ? 'inherit' : 'pipe',
          mode === 'inherit' ? 'inherit' : 'pipe',
        ],
      });
      const untrack = trackChild(child);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      let settled = false;

      const lineSplitter = (stream: 'stdout' | 'stderr') => {
        let pending = '';
        return {
          push: (chunk: string) => {
            pending += chunk;
            let newline = pending.indexOf('\n');
            while (newline !== -1) {
              emitLine(pending.slice(0, newline).replace(/\r$/, ''), stream);
              pending = pending.slice(newline + 1);
              newline = pending.indexOf('\n');
            }
          },
          flush: () => {
            if (pending) emitLine(pending.replace(/\r$/, ''), stream);
            pending = '';
          },
        };
      };
      const emitLine = (line: string, stream: 'stdout' | 'stderr') => {
        const safe = redact(line);
        if (mode === 'stream') this.out.passthrough(safe);
        options.onLine?.(safe, stream);
      };
      const outLines = lineSplitter('stdout');
      const errLines = lineSplitter('stderr');
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        outLines.push(chunk);
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        errLines.push(chunk);
      });
      if (options.input !== undefined && child.stdin) {
        // A child that exits without reading stdin must not crash us with EPIPE.
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.input);
      }

      let timer: NodeJS.Timeout | undefined;
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
        }, options.timeoutMs);
      }

      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        untrack();
        fn();
      };

      child.on('error', (error: NodeJS.ErrnoException) => {
        finish(() => {
          if (error.code === 'ENOENT' || error.code === 'EACCES') {
            const hint = INSTALL_HINTS[tool];
            reject(
              new PreconditionFailed(
                `${tool} not found or not executable (${binary})`,
                hint ? { hint, cause: error } : { cause: error },
              ),
            );
          } else {
            reject(new OperationFailed(`could not run ${shown}: ${redact(error.message)}`, { cause: error }));
          }
        });
      });

      child.on('close', (code, signal) => {
        outLines.flush();
        errLines.flush();
        finish(() => {
          const result: RunResult = {
            argv,
            exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1),
            stdout,
            stderr,
            durationMs: performance.now() - started,
            dryRun: false,
          };
          if (interruptRequested()) {
            reject(new Interrupted(`interrupted while running: ${shown}`));
          } else if (timedOut) {
            reject(
              new CommandTimedOut(
                `${shown} timed out after ${formatSeconds(options.timeoutMs ?? 0)}`,
                options.timeoutMs ?? 0,
              ),
            );
          } else if (result.exitCode !== 0 && options.check !== false) {
            reject(new CommandFailed(failureMessage(shown, result), result));
          } else {
            resolve(result);
          }
        });
      });
    });
  }
}

function failureMessage(shown: string, result: RunResult): string {
  const tail = lastLines(result.stderr || result.stdout, ERROR_TAIL_LINES);
  return redact(`${shown} failed (exit ${result.exitCode})${tail ? `: ${tail}` : ''}`);
}

/** The last meaningful lines of a tool's output, joined on one line for an error message. */
export function lastLines(text: string, count: number): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' | ');
}

function countLines(text: string): number {
  return text === '' ? 0 : text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1).length;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
function signalNumber(signal: NodeJS.Signals): number {
  return SIGNALS[signal] ?? 1;
}
