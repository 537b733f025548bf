// Preloaded into a child (`--import` after tsx): records every module it loads — each URL the
// ESM resolver returns (through a resolve hook) and, at exit, every CommonJS file in require's
// cache — one per line in $KOTADB_MODULE_LOG. test/startup.test.ts reads it.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.KOTADB_MODULE_LOG;
if (log) {
  register(new URL('./module-recorder-hooks.mjs', import.meta.url), { data: { log } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => appendFileSync(log, Object.keys(require.cache).join('\n') + '\n'));
}
