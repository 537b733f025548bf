/**
 * A recording executor for in-process orchestration tests (Kamal's CLI tests are the model):
 * every command the script runs is recorded (argv, the env it added, stdin, cwd) and answered
 * from a script of answers, so ordered command lists can be asserted exactly and any failure
 * injected without starting a process.
 *
 *   const exec = recordingExec()
 *     .on(['flyctl', 'releases'], { stdout: JSON.stringify(releases) })
 *     .once(['flyctl', 'deploy'], { exitCode: 1, stderr: 'Error: boom\n' })
 *     .fallback(otherExecutor);             // e.g. the in-process fake flyctl
 *   await script.main(['staging'], { exec, env });
 *   expect(exec.argv()).toEqual([['flyctl', 'version'], …]);
 *
 * A command with no answer (and no fallback) fails the test with the argv it did not expect.
 */
import type { ExecRequest, ExecResult, Executor } from '../../lib/core/exec.ts';
import { SpawnError } from '../../lib/core/exec.ts';

export interface RecordedCall {
  readonly argv: readonly string[];
  /** Variables the call's environment has beyond (or different from) the run's base env. */
  readonly env: NodeJS.ProcessEnv;
  readonly input: string | undefined;
  readonly cwd: string | undefined;
  readonly timeoutMs: number | undefined;
}

export interface Answer {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  /** Ended by this signal (exitCode null). */
  signal?: NodeJS.Signals;
  /** Never exits by itself: only a timeout or Ctrl-C (the run's signal) ends it. */
  hang?: boolean;
  /** Not found on PATH (ENOENT). */
  missing?: boolean;
  /** Waits this long (real ms) before answering. */
  delayMs?: number;
}

export type Responder = Answer | ((call: RecordedCall, request: ExecRequest) => Answer | Promise<Answer>);

interface Rule {
  prefix: readonly string[];
  respond: Responder;
  remaining: number;
}

export interface RecordingExec extends Executor {
  /** Answer every call whose argv starts with `prefix` (latest rule wins). */
  on(prefix: readonly string[], respond: Responder): RecordingExec;
  /** Answer the next `times` matching calls only (checked before `on` rules). */
  once(prefix: readonly string[], respond: Responder, times?: number): RecordingExec;
  /** Who answers calls no rule matches. */
  fallback(executor: Executor): RecordingExec;
  readonly calls: RecordedCall[];
  /** argv of every call, in order. */
  argv(): string[][];
  /** argv of calls to one tool, without the tool name. */
  argvOf(tool: string): string[][];
}

export function recordingExec(baseEnv: NodeJS.ProcessEnv = {}): RecordingExec {
  const rules: Rule[] = [];
  const onceRules: Rule[] = [];
  const calls: RecordedCall[] = [];
  let next: Executor | null = null;
  let live = 0;
  const hung = new Set<() => void>();

  const find = (argv: readonly string[]): Rule | undefined => {
    const matches = (rule: Rule) => rule.remaining > 0 && rule.prefix.every((part, i) => argv[i] === part);
    return onceRules.find(matches) ?? [...rules].reverse().find(matches);
  };

  const exec: RecordingExec = {
    calls,
    on(prefix, respond) {
      rules.push({ prefix, respond, remaining: Infinity });
      return exec;
    },
    once(prefix, respond, times = 1) {
      onceRules.push({ prefix, respond, remaining: times });
      return exec;
    },
    fallback(executor) {
      next = executor;
      return exec;
    },
    argv: () => calls.map((c) => [...c.argv]),
    argvOf: (tool) => calls.filter((c) => c.argv[0] === tool).map((c) => c.argv.slice(1)),
    running: () => live,
    killAll: () => {
      for (const stop of hung) stop();
    },
    async execute(request) {
      const env: NodeJS.ProcessEnv = {};
      for (const [name, value] of Object.entries(request.env)) if (baseEnv[name] !== value) env[name] = value;
      const call: RecordedCall = {
        argv: request.argv,
        env,
        input: request.input,
        cwd: request.cwd,
        timeoutMs: request.timeoutMs,
      };
      calls.push(call);
      const rule = find(request.argv);
      if (!rule) {
        if (next) return next.execute(request);
        throw new Error(`recording executor: unexpected command ${JSON.stringify(request.argv)}`);
      }
      rule.remaining -= 1;
      const answer = typeof rule.respond === 'function' ? await rule.respond(call, request) : rule.respond;
      if (answer.missing) throw new SpawnError(`spawn ${request.binary} ENOENT`, 'ENOENT');
      live += 1;
      try {
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        if (answer.stdout) request.onStdout(answer.stdout);
        if (answer.stderr) request.onStderr(answer.stderr);
        if (answer.hang) return await hangUntilStopped(request, hung);
        if (request.signal.aborted) return { exitCode: null, signal: 'SIGINT', timedOut: false };
        return answer.signal
          ? { exitCode: null, signal: answer.signal, timedOut: false }
          : { exitCode: answer.exitCode ?? 0, signal: null, timedOut: false };
      } finally {
        live -= 1;
      }
    },
  };
  return exec;
}

/** A hung child: ends with the timeout (timedOut) or the run's Ctrl-C (SIGINT), or killAll (SIGKILL). */
function hangUntilStopped(request: ExecRequest, hung: Set<() => void>): Promise<ExecResult> {
  return new Promise((resolve) => {
    const end = (result: ExecResult) => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      hung.delete(kill);
      resolve(result);
    };
    const onAbort = () => end({ exitCode: null, signal: 'SIGINT', timedOut: false });
    const kill = () => end({ exitCode: null, signal: 'SIGKILL', timedOut: false });
    const timer =
      request.timeoutMs === undefined
        ? undefined
        : setTimeout(() => end({ exitCode: null, signal: request.killSignal, timedOut: true }), request.timeoutMs);
    if (request.signal.aborted) onAbort();
    else request.signal.addEventListener('abort', onAbort, { once: true });
    hung.add(kill);
  });
}
