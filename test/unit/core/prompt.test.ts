import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { PreconditionFailed } from '../../../lib/core/errors.ts';
import { canPrompt, confirmDangerousAction } from '../../../lib/core/prompt.ts';
import { captureOutput } from '../../helpers/capture-output.ts';

const tty = () => Object.assign(new PassThrough(), { isTTY: true });
const base = { action: 'deploy to production', yes: false, dryRun: false, processEnv: {} };

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

  it('goes on when the user types the app name', async () => {
    const input = tty();
    const pending = confirmDangerousAction({ ...base, env: ENVIRONMENTS.production, out: captureOutput().out, input });
    input.write('kotadb-api\n');
    await expect(pending).resolves.toBeUndefined();
  });

  it('refuses (exit 3) when the user types something else', async () => {
    const input = tty();
    const pending = confirmDangerousAction({ ...base, env: ENVIRONMENTS.production, out: captureOutput().out, input });
    input.write('kotadb-api-staging\n');
    await expect(pending).rejects.toThrow(/confirmation did not match "kotadb-api"/);
  });

  it('canPrompt needs a TTY and no CI', () => {
    expect(canPrompt({ isTTY: true }, {})).toBe(true);
    expect(canPrompt({ isTTY: false }, {})).toBe(false);
    expect(canPrompt({ isTTY: true }, { CI: 'true' })).toBe(false);
  });
});
