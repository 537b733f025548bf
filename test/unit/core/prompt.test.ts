import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { Interrupted, PreconditionFailed } from '../../../lib/core/errors.ts';
import { canPrompt, confirmDangerousAction } from '../../../lib/core/prompt.ts';
import { captureOutput } from '../../helpers/capture-output.ts';

const tty = () => Object.assign(new PassThrough(), { isTTY: true });
const base = { action: 'deploy to production', yes: false, dryRun: false, processEnv: {} };
const QUESTION = 'Type the app name (kotadb-api) and press Enter to deploy to production, or Ctrl-C to stop:';

/** Asks on a TTY-like input; resolves once the question is on screen. */
function ask(signal = new AbortController().signal) {
  const input = tty();
  const captured = captureOutput();
  const pending = confirmDangerousAction({ ...base, env: ENVIRONMENTS.production, out: captured.out, input, signal });
  pending.catch(() => undefined);
  const asked = (async () => {
    while (!captured.stderr().includes(QUESTION)) await new Promise((r) => setTimeout(r, 5));
  })();
  return { input, captured, pending, asked };
}

describe('confirmDangerousAction', () => {
  it('does nothing for staging', async () => {
    await expect(
      confirmDangerousAction({
        ...base,
        env: ENVIRONMENTS.staging,
        out: captureOutput().out,
        input: new PassThrough(),
      }),
    ).resolves.toBeUndefined();
  });

  it('is skipped by --yes', async () => {
    await expect(
      confirmDangerousAction({
        ...base,
        yes: true,
        env: ENVIRONMENTS.production,
        out: captureOutput().out,
        input: new PassThrough(),
      }),
    ).resolves.toBeUndefined();
  });

  it('refuses with exit 3 when nobody can answer (no TTY)', async () => {
    const error = await confirmDangerousAction({
      ...base,
      env: ENVIRONMENTS.production,
      out: captureOutput().out,
      input: new PassThrough(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as PreconditionFailed).hint).toContain('--yes');
  });

  it('refuses under CI=true even with a TTY', async () => {
    const error = await confirmDangerousAction({
      ...base,
      processEnv: { CI: 'true' },
      env: ENVIRONMENTS.production,
      out: captureOutput().out,
      input: tty(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
  });

  it('goes on when the user types the app name after the question', async () => {
    const { input, pending, asked } = ask();
    await asked;
    input.write('kotadb-api\n');
    await expect(pending).resolves.toBeUndefined();
  });

  it('refuses (exit 3) when the user types something else', async () => {
    const { input, pending, asked } = ask();
    await asked;
    input.write('kotadb-api-staging\n');
    await expect(pending).rejects.toThrow(/confirmation did not match "kotadb-api"/);
  });

  it('does not let keys typed before the question answer it', async () => {
    const { input, pending, asked } = ask();
    input.write('kotadb-api\n'); // typed ahead, while preflight ran
    await asked;
    input.write('no\n');
    await expect(pending).rejects.toThrow(/confirmation did not match/);
  });

  it("the run's Ctrl-C (a SIGINT or SIGTERM) ends it: Interrupted, nothing changed, the ✗ line on its own line", async () => {
    const controller = new AbortController();
    const { captured, pending, asked } = ask(controller.signal);
    await asked;
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Interrupted);
    expect((error as Interrupted).message).toBe('interrupted at the confirmation prompt: nothing was changed');
    expect(captured.stderr().endsWith(`${QUESTION}\n\n`)).toBe(true);
  });

  it('a ^C byte (a terminal without signals) is Ctrl-C too; closed input is exit 3', async () => {
    const first = ask();
    await first.asked;
    first.input.write('kot\u0003');
    await expect(first.pending).rejects.toBeInstanceOf(Interrupted);
    const second = ask();
    await second.asked;
    second.input.end();
    await expect(second.pending).rejects.toThrow('no confirmation given (input closed): nothing was changed');
  });

  it('canPrompt needs a TTY and no CI', () => {
    expect(canPrompt({ isTTY: true }, {})).toBe(true);
    expect(canPrompt({ isTTY: false }, {})).toBe(false);
    expect(canPrompt({ isTTY: true }, { CI: 'true' })).toBe(false);
  });
});
