/**
 * Ctrl-C as one abort signal. The entry point (lib/core/script.ts) turns the process's first
 * SIGINT/SIGTERM into `abort()` on the run's controller: every wait (a child process, an HTTP
 * request, a backoff sleep, a lock wait) listens to that one signal and stops, and the script
 * then says what state it left. The second signal calls the script's last-resort handler
 * (kill every child, print the state, exit 130).
 */

/** The controller of the run in this process (scripts started from a terminal have exactly one). */
let processController = new AbortController();

/** The abort signal of this process's run: aborted at the first SIGINT/SIGTERM. */
export function processSignal(): AbortSignal {
  return processController.signal;
}

/** A fresh controller for a new in-process run (tests call main() many times in one process). */
export function resetProcessSignal(): AbortController {
  processController = new AbortController();
  return processController;
}

let installed = false;
let secondSignal: (() => void) | null = null;

/**
 * Installs the SIGINT/SIGTERM handlers once per process: the first signal aborts `controller`,
 * any later one calls `onSecondSignal` (the latest registered).
 */
export function installSignalHandlers(controller: AbortController, onSecondSignal: () => void): void {
  secondSignal = onSecondSignal;
  if (installed) return;
  installed = true;
  const handle = () => {
    if (!controller.signal.aborted) controller.abort();
    else secondSignal?.();
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** True once the signal was aborted (Ctrl-C). */
export function interrupted(signal: AbortSignal = processSignal()): boolean {
  return signal.aborted;
}
