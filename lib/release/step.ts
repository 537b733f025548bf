/**
 * A named step whose failure is a result, not an exception: a health check that stayed
 * unhealthy, smoke checks that regressed, a rollback that did not end healthy. The step line
 * shows ✗ (the summary and --json say the same), and the caller still gets the value to report.
 */
import type { Output } from '../core/output.ts';

export interface Judged<T> {
  readonly ok: boolean;
  readonly value: T;
}

class JudgedFailure<T> extends Error {
  constructor(readonly value: T) {
    super('step failed');
  }
}

export async function judgedStep<T>(
  out: Output,
  name: string,
  work: () => Promise<T>,
  failed: (value: T) => boolean,
  options: { group?: boolean } = {},
): Promise<Judged<T>> {
  try {
    const value = await out.step(
      name,
      async () => {
        const value = await work();
        if (failed(value)) throw new JudgedFailure(value);
        return value;
      },
      options,
    );
    return { ok: true, value };
  } catch (error) {
    if (error instanceof JudgedFailure) return { ok: false, value: error.value as T };
    throw error;
  }
}
