/**
 * The database engine behind supabase-reset, supabase-generate and local-db: `embedded` (the
 * default: a PostgreSQL 17 from npm, no Docker) or `docker` (the Supabase CLI's own stack,
 * only when a Docker engine answers). The default never depends on whether Docker happens
 * to run today, so the local database and its URL stay the same from one run to the next.
 */
import { dockerInfo } from '../commands/supabase.ts';
import { PreconditionFailed, UsageError } from '../core/errors.ts';
import type { Runner } from '../core/runner.ts';

export const ENGINES = ['embedded', 'docker'] as const;
export type Engine = (typeof ENGINES)[number];

export function parseEngine(value: string | undefined): Engine {
  if (value === undefined) return 'embedded';
  if ((ENGINES as readonly string[]).includes(value)) return value as Engine;
  throw new UsageError(`unknown engine "${value}": expected one of ${ENGINES.join(', ')}`);
}

/** `docker info` must exit 0 (exit 3 otherwise: the precondition for --engine docker). */
export async function assertDockerAnswers(runner: Runner): Promise<void> {
  let result;
  try {
    result = await runner.run(dockerInfo(), { check: false, timeoutMs: 30_000 });
  } catch (error) {
    if (error instanceof PreconditionFailed) {
      throw new PreconditionFailed('--engine docker needs Docker, and there is no docker command here', {
        hint: 'drop --engine docker: the default embedded engine needs no Docker',
      });
    }
    throw error;
  }
  if (result.exitCode !== 0) {
    throw new PreconditionFailed(
      '--engine docker needs a Docker engine, and `docker info` failed (is the daemon running?)',
      {
        hint: 'start Docker, or drop --engine docker: the default embedded engine needs no Docker',
      },
    );
  }
}
