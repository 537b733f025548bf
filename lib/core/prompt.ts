/**
 * The production guard: the user types the app name to go on. `--yes` skips it; when nobody
 * can answer (no TTY, or CI=true) and there is no `--yes`, the action is refused (exit 3)
 * before anything mutating has run.
 */
import { createInterface } from 'node:readline';
import { Interrupted, PreconditionFailed } from './errors.ts';
import type { Output } from './output.ts';

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
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  processEnv?: NodeJS.ProcessEnv;
}

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
      {
        hint: 're-run with --yes to confirm',
      },
    );
  }
  const answer = await ask(input, `Type the app name (${env.app}) to ${action}: `);
  if (answer.trim() !== env.app) {
    throw new PreconditionFailed(`confirmation did not match "${env.app}": nothing was changed`);
  }
}

function ask(input: NodeJS.ReadableStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({
      input,
      output: process.stderr,
      terminal: Boolean((input as { isTTY?: boolean }).isTTY),
    });
    let answered = false;
    rl.on('SIGINT', () => {
      rl.close();
      reject(new Interrupted('interrupted at the confirmation prompt: nothing was changed'));
    });
    rl.on('close', () => {
      if (!answered) reject(new PreconditionFailed('no confirmation given (input closed): nothing was changed'));
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
  });
}
