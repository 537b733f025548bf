/**
 * local-db as a child process, for what needs the real entry: two Ctrl-C (SIGINT) while the
 * cluster is being created. The second one SIGKILLs every child and exits at once, so no
 * `finally` runs: nothing secret may be on disk by then (the password went to initdb's stdin),
 * initdb must really be gone (setpriv execs it: the PID killed is initdb's), and what is left must
 * be marked as half made, for the next start to remove.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INITDB_MARKER } from '../../lib/db/local-postgres.ts';
import { script as localDb } from '../../scripts/local-db.ts';
import { freePort } from '../helpers/free-port.ts';
import { processesMatching, waitUntil } from '../helpers/processes.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { runScript } from '../helpers/run-script.ts';

const top = mkdtempSync(path.join(tmpdir(), 'local-db-e2e-'));
chmodSync(top, 0o755); // the postgres user (when we are root) must be able to enter it
let env: Record<string, string> = {};

afterAll(async () => {
  await runInProcess(localDb, ['stop'], env);
  rmSync(top, { recursive: true, force: true });
});

function filesContaining(dir: string, text: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => readFileSync(file).includes(text));
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function parentOf(pid: number): number {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** From /proc/<pid>/status: stopped, SIGINT (signal 2, bit 1) ignored or pending. */
function signalState(pid: number): { stopped: boolean; ignoresSigint: boolean; sigintPending: boolean } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mask = (name: string) => BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? '0'}`);
  return {
    stopped: /^State:\s*T/m.test(status),
    ignoresSigint: (mask('SigIgn') & 2n) !== 0n,
    sigintPending: ((mask('SigPnd') | mask('ShdPnd')) & 2n) !== 0n,
  };
}

describe('local-db start, interrupted twice during initdb', () => {
  it('exit 130 with the state line; no initdb left running, no password on disk, the half-made cluster marked as such', async () => {
    const base = path.join(top, 'postgres');
    const dataDir = path.join(base, 'data');
    const password = 'twice-interrupted-secret-8e21';
    env = {
      KOTADB_LOCAL_DB_DIR: base,
      KOTADB_LOCAL_DB_PORT: String(await freePort()),
      KOTADB_LOCAL_DB_PASSWORD: password,
    };
    let child: import('node:child_process').ChildProcess | undefined;
    const run = runScript('local-db', ['start'], { env, onSpawn: (c) => (child = c) });
    // The script's own child, once setsid and setpriv have exec'd initdb (not one initdb forked).
    let initdb = 0;
    await waitUntil(
      () => {
        const found = processesMatching(`initdb --pgdata ${dataDir}`).find(
          (p) => comm(p.pid) === 'initdb' && parentOf(p.pid) === child?.pid,
        );
        initdb = found?.pid ?? 0;
        return initdb !== 0;
      },
      30_000,
      'initdb to start',
    );
    // initdb stopped (SIGSTOP) cannot act on the first Ctrl-C's SIGINT: the script is still
    // waiting for it when the second Ctrl-C comes, as with a tool slow to stop. The second is
    // sent once the script has passed the first on to initdb (pending there), so that the two
    // cannot merge into one signal on a loaded machine.
    // initdb ignores SIGINT while it waits in system() for a step: stop it where it does not.
    for (;;) {
      process.kill(initdb, 'SIGSTOP');
      await waitUntil(() => signalState(initdb).stopped, 5000, 'initdb to stop');
      if (!signalState(initdb).ignoresSigint) break;
      process.kill(initdb, 'SIGCONT');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child!.kill('SIGINT');
    await waitUntil(() => signalState(initdb).sigintPending, 30_000, 'the first Ctrl-C to reach initdb');
    child!.kill('SIGINT');
    const result = await run;
    expect(result.code, result.all).toBe(130);
    expect(result.stderr).toContain(
      'interrupted again: every child process was killed. interrupted during db-start: run `npx just db-status` to see the state it left',
    );
    expect(result.stderr).toContain(
      'a cluster interrupted while being created is removed by the next `npx just db-start`',
    );
    await waitUntil(() => processesMatching(dataDir).length === 0, 5000, 'initdb and its children to exit');
    expect(filesContaining(base, password)).toEqual([]);
    // What is left is the state test/scripts/local-db.test.ts starts from (a killed run's
    // marker, a half-made cluster) and proves the next start cleans up.
    expect(readFileSync(path.join(base, INITDB_MARKER), 'utf8').trim()).toBe(String(child!.pid));
    expect((await runInProcess(localDb, ['status'], env)).stdout).toContain('not created');
  });
});
