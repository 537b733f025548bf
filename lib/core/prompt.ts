/**
 * The production guard: the user types the app name to go on. `--yes` skips it; when nobody
 * can answer (no TTY, or CI=true) and there is no `--yes`, the action is refused (exit 3)
 * before anything mutating has run.
 *
 * The answer is read from the run's stdin with the terminal left in its normal (cooked) mode,
 * so the terminal echoes and edits the line and Ctrl-C is a real SIGINT: it reaches the run's
 * abort signal like a SIGINT or SIGTERM sent by `kill`, and all of them end the prompt with
 * exit 130 and "nothing was changed". Keys typed before the prompt appeared (during preflight,
 * say) are discarded when it opens, so they cannot answer a question nobody has read yet.
 */
import { Interrupted, PreconditionFailed } from './errors.ts';
import { processSignal } from './interrupt.ts';
import type { Output } from './output.ts';

/** Where prompts read from (a TTY or not). */
export type PromptInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** What the guard needs of an environment (lib/config/environments.ts provides it). */
export interface ConfirmTarget {
  readonly app: string;
  readonly requiresConfirmation: boolean;
}

export interface ConfirmOptions {
  env: ConfirmTarget;
  /** What is about to happen, e.g. "deploy to production". */
  action: string;
  yes: boolean;
  dryRun: boolean;
  out: Output;
  /** The run's stdin (io.stdin). */
  input?: PromptInput;
  /** The run's Ctrl-C (io.signal): aborting it ends the prompt with exit 130. */
  signal?: AbortSignal;
  processEnv?: NodeJS.ProcessEnv;
}

/** How long input already waiting when the prompt opens is read and dropped. */
const DISCARD_MS = 50;
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const NOTHING_CHANGED = 'interrupted at the confirmation prompt: nothing was changed';

export function canPrompt(input: { isTTY?: boolean } = process.stdin, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(input.isTTY) && env.CI !== 'true';
}

export async function confirmDangerousAction(options: ConfirmOptions): Promise<void> {
  const { env, action, out } = options;
  if (!env.requiresConfirmation) return;
  if (options.yes) {
    out.dim(`--yes: confirmed ${action} (${env.app})`);
    return;
  }
  if (options.dryRun) {
    out.dim(`dry run: a real run would ask you to type "${env.app}" to confirm ${action}`);
    return;
  }
  const input = options.input ?? process.stdin;
  if (!canPrompt(input, options.processEnv ?? process.env)) {
    throw new PreconditionFailed(
      `refusing to ${action} without confirmation: nobody can answer a prompt here (no TTY or CI=true)`,
      { hint: 're-run with --yes to confirm' },
    );
  }
  const signal = options.signal ?? processSignal();
  await discardPendingInput(input, signal);
  out.info(`Type the app name (${env.app}) and press Enter to ${action}, or Ctrl-C to stop:`);
  let answer: string;
  try {
    answer = await readLine(input, signal);
  } catch (error) {
    // The cursor is still on the answer line (after "^C" or what was typed): end it, so the
    // step's ✗ line starts on a line of its own.
    out.info('');
    throw error;
  }
  if (answer.trim() !== env.app) {
    throw new PreconditionFailed(`confirmation did not match "${env.app}": nothing was changed`);
  }
}

/**
 * Reads and drops what is already waiting. In raw mode the terminal also hands over a line
 * typed without Enter, which would otherwise be glued to the front of the answer.
 */
async function discardPendingInput(input: PromptInput, signal: AbortSignal): Promise<void> {
  const raw = Boolean(input.isTTY) && typeof input.setRawMode === 'function';
  const drop = () => undefined;
  if (raw) input.setRawMode?.(true);
  input.on('data', drop);
  input.resume();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, DISCARD_MS);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Interrupted(NOTHING_CHANGED));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    input.off('data', drop);
    input.pause();
    if (raw) input.setRawMode?.(false);
  }
}

/** One line from `input`; Interrupted on Ctrl-C (the signal, or a ^C byte), PreconditionFailed when input ends. */
function readLine(input: PromptInput, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (settle: () => void) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('close', onEnd);
      signal.removeEventListener('abort', onAbort);
      input.pause();
      settle();
    };
    const onData = (chunk: Buffer | string) => {
      text += String(chunk);
      if (text.includes(CTRL_C)) return finish(() => reject(new Interrupted(NOTHING_CHANGED)));
      const newline = text.search(/\r?\n|\r/);
      if (newline !== -1) return finish(() => resolve(text.slice(0, newline)));
      if (text.includes(CTRL_D)) return onEnd();
    };
    const onEnd = () =>
      finish(() => reject(new PreconditionFailed('no confirmation given (input closed): nothing was changed')));
    const onAbort = () => finish(() => reject(new Interrupted(NOTHING_CHANGED)));
    if (signal.aborted) return onAbort();
    if ((input as { readableEnded?: boolean }).readableEnded) return onEnd();
    signal.addEventListener('abort', onAbort, { once: true });
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('close', onEnd);
    input.resume();
  });
}
