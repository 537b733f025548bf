/**
 * The process boundary. The Runner (lib/core/runner.ts) decides what to run and how to report
 * it; an Executor only starts one process and reports how it ended. The real one spawns
 * (no shell); tests swap in a recording executor with scripted answers, or one that runs the
 * fake flyctl in-process, so orchestration is tested without starting processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ExecRequest {
  /** argv[0] is the tool name the command was built with (`flyctl`, `git`, …). */
  readonly argv: readonly string[];
  /** The binary to start for argv[0] (FLYCTL / SUPABASE_CLI already applied). */
  readonly binary: string;
  /** The child's whole environment. */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string | undefined;
  /** Written to stdin, then stdin is closed. Without it stdin is /dev/null (or the terminal when inherit). */
  readonly input?: string | undefined;
  /** The user's terminal: no capture, the child talks to it directly. */
  readonly inherit: boolean;
  /** Stop the child after this long (killSignal, then SIGKILL after killGraceMs). */
  readonly timeoutMs?: number | undefined;
  readonly killSignal: NodeJS.Signals;
  readonly killGraceMs: number;
  /** Aborted at the first Ctrl-C: the child gets the interrupt, then SIGKILL after killGraceMs. */
  readonly signal: AbortSignal;
  readonly onStdout: (chunk: string) => void;
  readonly onStderr: (chunk: string) => void;
}

export interface ExecResult {
  /** null when a signal ended the process. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
}

/** Starting the binary failed (ENOENT, EACCES, …): nothing ran. */
export class SpawnError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

export interface Executor {
  execute(request: ExecRequest): Promise<ExecResult>;
  /** Second Ctrl-C: every child still running is killed at once. */
  killAll(signal: NodeJS.Signals): void;
  /** How many children run now (the second Ctrl-C reports it). */
  running(): number;
}

/** The real executor: one child per request, argv passed as is (no shell). */
export class SpawnExecutor implements Executor {
  private readonly children = new Set<ChildProcess>();

  running(): number {
    return this.children.size;
  }

  killAll(signal: NodeJS.Signals): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  }

  execute(request: ExecRequest): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      if (request.signal.aborted) {
        reject(new SpawnError('interrupted before start', 'ABORT_ERR'));
        return;
      }
      const { inherit } = request;
      const child = spawn(request.binary, request.argv.slice(1), {
        cwd: request.cwd,
        env: request.env,
        stdio: [
          request.input === undefined ? (inherit ? 'inherit' : 'ignore') : 'pipe',
          inherit ? 'inherit' : 'pipe',
          inherit ? 'inherit' : 'pipe',
        ],
      });
      this.children.add(child);
      let timedOut = false;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const stop = (signal: NodeJS.Signals) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill(signal);
        const force = setTimeout(() => child.kill('SIGKILL'), request.killGraceMs);
        force.unref();
        timers.push(force);
      };
      const onAbort = () => stop('SIGINT');
      request.signal.addEventListener('abort', onAbort, { once: true });
      if (request.timeoutMs !== undefined) {
        timers.push(
          setTimeout(() => {
            timedOut = true;
            stop(request.killSignal);
          }, request.timeoutMs),
        );
      }
      child.stdout?.setEncoding('utf8').on('data', request.onStdout);
      child.stderr?.setEncoding('utf8').on('data', request.onStderr);
      if (request.input !== undefined && child.stdin) {
        // A child that exits without reading stdin must not crash us with EPIPE.
        child.stdin.on('error', () => undefined);
        child.stdin.end(request.input);
      }
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        request.signal.removeEventListener('abort', onAbort);
        this.children.delete(child);
        fn();
      };
      child.on('error', (error: NodeJS.ErrnoException) =>
        finish(() => reject(new SpawnError(error.message, error.code, error))),
      );
      child.on('close', (code, signal) => finish(() => resolve({ exitCode: code, signal, timedOut })));
    });
  }
}
