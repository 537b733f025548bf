/**
 * The one place that spawns processes. Commands are argv arrays built by pure functions in
 * lib/commands/; the runner resolves the binary, feeds stdin, adds env, applies a timeout,
 * captures or streams output (redacted), honours --dry-run for mutating commands and turns
 * failures into typed errors. No shell is involved, so no value is ever re-parsed or quoted.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Interrupted, OperationFailed, PreconditionFailed } from './errors.ts';
import { SpawnError, SpawnExecutor, type ExecResult, type Executor } from './exec.ts';
import { processSignal } from './interrupt.ts';
import { Output } from './output.ts';
import { fromRoot } from './paths.ts';
import { isSensitiveName, MASK, redact } from './redact.ts';

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
  /**
   * false: the child gets `env` only, nothing of the run's environment (a long-lived server
   * must not keep the caller's tokens where any local user can read them). Default true.
   */
  inheritEnv?: boolean;
  /** Stop the child (killSignal, then SIGKILL after killGraceMs) after this long and fail. */
  timeoutMs?: number;
  /** Default SIGTERM; flyctl deploy gets SIGINT so it can stop cleanly. */
  killSignal?: NodeJS.Signals;
  killGraceMs?: number;
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
  /** The signal that ended the process, if one did. */
  readonly signal?: NodeJS.Signals | null;
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
  readonly result: RunResult;
  constructor(message: string, timeoutMs: number, result: RunResult) {
    super(message);
    this.timeoutMs = timeoutMs;
    this.result = result;
  }
}

const INSTALL_HINTS: Record<string, string> = {
  flyctl: 'install flyctl (https://fly.io/docs/flyctl/install/) or set FLYCTL to its path',
  supabase: 'run `npm ci` (the Supabase CLI is a devDependency) or set SUPABASE_CLI',
  squawk: 'run `npm ci` (squawk-cli is a devDependency) or set SQUAWK',
  git: 'install git',
};

/** Maps a tool name to the binary to execute; env vars let tests and users substitute fakes. */
export function resolveBinary(tool: string, env: NodeJS.ProcessEnv = process.env): string {
  switch (tool) {
    case 'flyctl':
      return env.FLYCTL || 'flyctl';
    case 'supabase':
      return env.SUPABASE_CLI || supabaseCliBinary();
    case 'squawk':
      return env.SQUAWK || squawkBinary();
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

let squawkPath: string | undefined;

/** squawk-cli's platform binary, called directly like the Supabase CLI's (its launcher is a Node hop). */
export function squawkBinary(): string {
  if (squawkPath !== undefined) return squawkPath;
  const require = createRequire(fromRoot('package.json'));
  const name = process.platform === 'win32' ? 'squawk.exe' : 'squawk';
  try {
    return (squawkPath = require.resolve(`@squawk-cli/${process.platform}-${process.arch}/bin/${name}`));
  } catch {
    return (squawkPath = fromRoot('node_modules', '.bin', 'squawk'));
  }
}

/** `$ NAME=*** flyctl deploy --app x` — how a command is shown in plans and errors. */
export function describeCommand(argv: readonly string[], env: RunOptions['env'] = {}): string {
  const envPart = Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${isSensitiveName(name) ? MASK : maskThenQuote(String(value))}`);
  return redact([...envPart, ...argv.map(maskThenQuote)].join(' '));
}

// A word quoting leaves alone, standing in for the mask while the value is quoted.
const MASK_PLACEHOLDER = 'KOTADBMASKEDVALUE7f3a';

/**
 * Masks a value before quoting it: quoting may escape characters of a secret (a `'`), and the
 * escaped spelling would no longer match the registered value. The mask itself must not make
 * the shell quoting kick in (`***` would), hence the placeholder.
 */
function maskThenQuote(value: string): string {
  return quote(redact(value).split(MASK).join(MASK_PLACEHOLDER)).split(MASK_PLACEHOLDER).join(MASK);
}

/** zx's `quote` (bash ANSI-C quoting), which this replaces so that zx stays out of start-up. */
export function quote(arg: string): string {
  if (arg === '') return `$''`;
  if (/^[\w/.\-@:=]+$/.test(arg)) return arg;
  const escaped = arg
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\f/g, '\\f')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\v/g, '\\v')
    .replace(/\0/g, '\\0');
  return `$'${escaped}'`;
}

const KILL_GRACE_MS = 2000;
const ERROR_TAIL_LINES = 5;

export interface RunnerOptions {
  dryRun?: boolean;
  output?: Output;
  env?: NodeJS.ProcessEnv;
  /** Starts the processes (default: a real spawn; tests record or answer in-process). */
  exec?: Executor;
  /** The run's Ctrl-C (default: this process's signal). */
  signal?: AbortSignal;
}

export class Runner {
  readonly dryRun: boolean;
  readonly out: Output;
  readonly exec: Executor;
  readonly signal: AbortSignal;
  private readonly baseEnv: NodeJS.ProcessEnv;

  constructor(options: RunnerOptions = {}) {
    this.dryRun = options.dryRun ?? false;
    this.out = options.output ?? new Output();
    this.baseEnv = options.env ?? process.env;
    this.exec = options.exec ?? defaultExecutor;
    this.signal = options.signal ?? processSignal();
  }

  /** The same runner for a dry run or not (a step that must query even in a dry run). */
  withDryRun(dryRun: boolean): Runner {
    return new Runner({ dryRun, output: this.out, env: this.baseEnv, exec: this.exec, signal: this.signal });
  }

  /** The same runner listening to another signal (a cleanup that must still run after Ctrl-C). */
  withSignal(signal: AbortSignal): Runner {
    return new Runner({ dryRun: this.dryRun, output: this.out, env: this.baseEnv, exec: this.exec, signal });
  }

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    const tool = command.argv[0];
    if (tool === undefined) throw new Error('runner: empty command');
    if (this.signal.aborted) throw new Interrupted(`interrupted before ${tool} ${command.argv[1] ?? ''}`.trim());

    if (this.dryRun && command.mutating) {
      const stdinNote =
        options.input === undefined ? '' : `  # + stdin (${countLines(options.input)} lines, values hidden)`;
      // A child without the run's environment gets a whole one (PATH …): not worth a plan line.
      const shownEnv = options.inheritEnv === false ? {} : options.env;
      this.out.plan(`$ ${describeCommand(command.argv, shownEnv)}${stdinNote}`);
      return { argv: command.argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, dryRun: true };
    }

    return this.spawnAndWait(command.argv, tool, options);
  }

  private async spawnAndWait(argv: readonly string[], tool: string, options: RunOptions): Promise<RunResult> {
    const mode = options.output ?? 'capture';
    const binary = resolveBinary(tool, this.baseEnv);
    const env: NodeJS.ProcessEnv = options.inheritEnv === false ? {} : { ...this.baseEnv };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const shown = describeCommand(argv);
    const started = performance.now();
    let stdout = '';
    let stderr = '';
    const emitLine = (line: string, stream: 'stdout' | 'stderr') => {
      const safe = redact(line);
      if (mode === 'stream') this.out.passthrough(safe);
      options.onLine?.(safe, stream);
    };
    const outLines = lineSplitter((line) => emitLine(line, 'stdout'));
    const errLines = lineSplitter((line) => emitLine(line, 'stderr'));

    let ended: ExecResult;
    try {
      ended = await this.exec.execute({
        argv,
        binary,
        env,
        cwd: options.cwd,
        input: options.input,
        inherit: mode === 'inherit',
        timeoutMs: options.timeoutMs,
        killSignal: options.killSignal ?? 'SIGTERM',
        killGraceMs: options.killGraceMs ?? KILL_GRACE_MS,
        signal: this.signal,
        onStdout: (chunk) => {
          stdout += chunk;
          outLines.push(chunk);
        },
        onStderr: (chunk) => {
          stderr += chunk;
          errLines.push(chunk);
        },
      });
    } catch (error) {
      if (this.signal.aborted) throw new Interrupted(`interrupted before ${shown}`);
      if (error instanceof SpawnError && (error.code === 'ENOENT' || error.code === 'EACCES')) {
        const hint = INSTALL_HINTS[tool];
        throw new PreconditionFailed(
          `${tool} not found or not executable (${binary})`,
          hint ? { hint, cause: error } : { cause: error },
        );
      }
      throw new OperationFailed(`could not run ${shown}: ${redact((error as Error).message)}`, { cause: error });
    }
    outLines.flush();
    errLines.flush();

    const result: RunResult = {
      argv,
      exitCode: ended.exitCode ?? (ended.signal ? 128 + signalNumber(ended.signal) : 1),
      signal: ended.signal,
      stdout,
      stderr,
      durationMs: performance.now() - started,
      dryRun: false,
    };
    if (this.signal.aborted) throw new Interrupted(`interrupted while running: ${shown}`);
    if (ended.timedOut) {
      throw new CommandTimedOut(
        `${shown} timed out after ${formatSeconds(options.timeoutMs ?? 0)}`,
        options.timeoutMs ?? 0,
        result,
      );
    }
    if (result.exitCode !== 0 && options.check !== false)
      throw new CommandFailed(failureMessage(shown, result), result);
    return result;
  }
}

const defaultExecutor: Executor = new SpawnExecutor();

/** The executor scripts use unless told otherwise (the second Ctrl-C kills its children). */
export function processExecutor(): Executor {
  return defaultExecutor;
}

function lineSplitter(emit: (line: string) => void) {
  let pending = '';
  return {
    push: (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        emit(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    },
    flush: () => {
      if (pending) emit(pending.replace(/\r$/, ''));
      pending = '';
    },
  };
}

function failureMessage(shown: string, result: RunResult): string {
  // A signal, not the last words it cut off, is what ended the process.
  if (result.signal) return redact(`${shown} was killed by ${result.signal}`);
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
