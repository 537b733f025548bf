/**
 * The deploy lock of one script run, and what its Ctrl-C explanation must say about it:
 *
 *   const lock = new RunLock({ runner, io, env, command: 'deploy staging', waitSeconds });
 *   onInterrupt(() => lock.explain(stateLine()));
 *   const outcome = await lock.hold(async () => … everything that changes the environment …);
 *
 * `hold` runs the body under withDeployLock and follows where the lock is, so that `explain`
 * adds the truth to the script's own state line: after the first Ctrl-C the lock was given back
 * in `finally` (or could not be); the second Ctrl-C exits at once and leaves it held, so the
 * hint says to free it first — the next deploy or rollback would wait for that very lock.
 */
import { Interrupted } from '../core/errors.ts';
import { withDeployLock, type DeployLockOptions, type LockState } from './deploy-lock.ts';

export class RunLock {
  private state: LockState | 'idle' | 'not-taken' = 'idle';
  /** What the lock said when Ctrl-C stopped taking it (it looked whether its push had landed). */
  private stoppedWhileTaking: Interrupted | null = null;

  constructor(private readonly options: Omit<DeployLockOptions, 'onState'>) {}

  async hold<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await withDeployLock({ ...this.options, onState: (state) => (this.state = state) }, body);
    } catch (error) {
      if (this.state === 'taking') {
        this.state = 'not-taken';
        if (error instanceof Interrupted) this.stoppedWhileTaking = error;
      }
      throw error;
    }
  }

  /** The script's Ctrl-C explanation, with the state of the lock added (unchanged when none was taken). */
  explain(interrupted: Interrupted): Interrupted {
    const environment = this.options.env.name;
    const lock = `the ${environment} deploy lock`;
    const status = `npx just lock ${environment} status`;
    const release = `npx just lock ${environment} release`;
    switch (this.state) {
      case 'idle':
        return interrupted;
      case 'not-taken':
        // Nothing changes before the lock is taken: the lock's own account is the whole story.
        return this.stoppedWhileTaking ?? interrupted;
      case 'taking':
        return withNote(
          interrupted,
          `${lock} may be held by this run`,
          `check with ${status}; free it with ${release}`,
        );
      case 'held':
        return withNote(interrupted, `${lock} stays held by this run`, `free the lock first: ${release}`);
      case 'releasing':
        return withNote(
          interrupted,
          `${lock} may still be held by this run`,
          `check with ${status}; free it with ${release}`,
        );
      case 'released':
        return withNote(interrupted, `${lock} was released`);
      case 'lost':
        return withNote(interrupted, `${lock} was no longer this run's (broken or taken over meanwhile)`);
      case 'kept':
        return withNote(
          interrupted,
          `${lock} could not be released: it stays held by this run`,
          `free the lock once the remote is reachable: ${release}`,
        );
    }
  }
}

/** The lock's state after the script's; what to do about the lock before what the script says to do next. */
function withNote(interrupted: Interrupted, note: string, first?: string): Interrupted {
  const hint = first && interrupted.hint ? `${first}; then ${interrupted.hint}` : (first ?? interrupted.hint);
  return new Interrupted(`${interrupted.message}; ${note}`, hint === undefined ? undefined : { hint });
}
