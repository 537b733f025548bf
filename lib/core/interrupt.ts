/**
 * Ctrl-C handling shared by the runner and the top-level handler. The first SIGINT is
 * forwarded to the running child (so flyctl can stop cleanly) and makes the runner throw
 * Interrupted once the child is gone; the script then says what state it left. A second
 * SIGINT exits at once.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let requested = false;
let installed = false;
const FORCE_KILL_AFTER_MS = 5000;

export function interruptRequested(): boolean {
  return requested;
}

export function trackChild(child: ChildProcess): () => void {
  children.add(child);
  return () => children.delete(child);
}

/** Installs the SIGINT/SIGTERM handlers once per process. */
export function installInterruptHandler(onSecondSignal: () => void): void {
  if (installed) return;
  installed = true;
  const handle = (signal: NodeJS.Signals) => {
    if (requested) {
      onSecondSignal();
      return;
    }
    requested = true;
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS);
      timer.unref();
      child.once('exit', () => clearTimeout(timer));
    }
    // Nothing running: the script is between steps. Let it notice at its next runner call.
    for (const listener of listeners) listener();
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

const listeners = new Set<() => void>();

/** Called on the first interrupt (lets a sleep or a health poll stop waiting). */
export function onInterrupt(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
