// Preloaded into every Node process of a benchmarked run (NODE_OPTIONS=--import): appends one
// line per process start (async or sync) to $KOTADB_SPAWN_LOG, naming the binary. Node
// processes started by the run inherit NODE_OPTIONS, so grandchildren are counted too.
import { appendFileSync } from 'node:fs';
import childProcess, { ChildProcess } from 'node:child_process';
import path from 'node:path';

const log = process.env.KOTADB_SPAWN_LOG;
if (log) {
  const record = (file) => {
    try {
      appendFileSync(log, `${path.basename(String(file))}\n`);
    } catch {
      // the log folder is gone: the benchmark ended
    }
  };
  const spawn = ChildProcess.prototype.spawn;
  ChildProcess.prototype.spawn = function patched(options) {
    record(options?.file ?? '?');
    return spawn.call(this, options);
  };
  for (const name of ['spawnSync', 'execFileSync', 'execSync']) {
    const original = childProcess[name];
    childProcess[name] = function patched(file, ...rest) {
      record(name === 'execSync' ? 'sh' : file);
      return original.call(this, file, ...rest);
    };
  }
}
