/**
 * The first preflight of every Fly-changing script: flyctl is installed and logged in. In a
 * dry run either one missing is only a warning, so a newcomer without credentials still sees
 * the whole plan; the caller then skips the questions only Fly can answer.
 */
import { PreconditionFailed } from '../core/errors.ts';
import type { FlyClient } from './client.ts';
import type { Output } from '../core/output.ts';
import { requireFlyctl, requireLogin } from './preflight.ts';
import { secrets } from '../core/redact.ts';

/** Returns whether Fly can be asked (false only in a dry run). */
export async function requireFlyAccess(
  fly: FlyClient,
  options: { dryRun: boolean; out: Output; env: NodeJS.ProcessEnv },
): Promise<boolean> {
  // flyctl reads these itself; registering them keeps them out of anything we echo.
  secrets.add(options.env.FLY_API_TOKEN, options.env.FLY_ACCESS_TOKEN);
  try {
    const version = await requireFlyctl(fly);
    const account = await requireLogin(fly);
    options.out.dim(`${version.split(/\s+/).slice(0, 2).join(' ')}, logged in as ${account}`);
    return true;
  } catch (error) {
    if (options.dryRun && error instanceof PreconditionFailed) {
      options.out.warn(
        `${error.message}${error.hint ? ` (${error.hint})` : ''}; the dry run goes on without asking Fly`,
      );
      return false;
    }
    throw error;
  }
}
