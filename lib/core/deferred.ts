/**
 * Start-up stays light (docs/ARCHITECTURE.md, "Start-up: what loads when"): heavy packages and
 * what is built from them (zod schemas, the TOML parser) are loaded the first time a step uses
 * them, not when a script's imports are evaluated. Async steps use `await import()`; the parsers
 * that are synchronous by nature (a fly.toml read, a JSON answer, a lock record) get their
 * package here, synchronously, through `require` (CommonJS: one copy, the one every caller shares).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A value built on first use, then kept. */
export function deferred<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

export const zod = deferred(() => require('zod') as typeof import('zod'));
export const toml = deferred(() => require('@iarna/toml') as typeof import('@iarna/toml'));
