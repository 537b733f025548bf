/**
 * local-db in-process, with the real embedded PostgreSQL: which folders it may take (and hand
 * to the postgres user), a password-protected cluster (the password on initdb's stdin, in no
 * file and no argv), what a killed or interrupted creation leaves. The double Ctrl-C (signals
 * through the entry) is in test/e2e/local-db.test.ts.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INITDB_MARKER, OWNER_MARKER } from '../../lib/db/local-postgres.ts';
import { script as localDb } from '../../scripts/local-db.ts';
import { script as reset } from '../../scripts/supabase-reset.ts';
import { freePort } from '../helpers/free-port.ts';
import { processesMatching, waitUntil, watchArgvFor } from '../helpers/processes.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const dirs: string[] = [];
const started: Array<Record<string, string>> = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // the postgres user (when we are root) must be able to enter it
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const env of started) await runInProcess(localDb, ['stop'], env);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function engineEnv(base: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const env = { KOTADB_LOCAL_DB_DIR: base, KOTADB_LOCAL_DB_PORT: String(await freePort()), ...extra };
  started.push(env);
  return env;
}

/** Files under `dir` whose bytes contain `text` (the data folder included: we may be root). */
function filesContaining(dir: string, text: string): string[] {
  const hits: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && readFileSync(full).includes(text)) hits.push(full);
    }
  };
  if (existsSync(dir)) walk(dir);
  return hits;
}

/** A PID that is surely not running any more (a child that has exited). */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('KOTADB_LOCAL_DB_DIR: only a folder the toolkit created, or an empty one', () => {
  it('an existing folder with files in it: exit 3, nothing created, its owner unchanged', async () => {
    const home = tempDir('someones-home-');
    writeFileSync(path.join(home, '.bashrc'), 'export SECRET=1\n');
    const before = statSync(home);
    const result = await runInProcess(localDb, ['start'], await engineEnv(home));
    expect(result.code, result.all).toBe(3);
    expect(result.stderr).toContain(
      `${home} (KOTADB_LOCAL_DB_DIR) already holds files and was not created by the toolkit: refusing to create a PostgreSQL cluster in it or change its owner`,
    );
    expect(result.stderr).toContain('point KOTADB_LOCAL_DB_DIR at a new or empty folder');
    const after = statSync(home);
    expect([after.uid, after.gid, after.mode]).toEqual([before.uid, before.gid, before.mode]);
    expect(readdirSync(home)).toEqual(['.bashrc']);
  });

  it('a symbolic link: exit 3, nothing created', async () => {
    const target = tempDir('link-target-');
    const link = path.join(tempDir('link-'), 'postgres');
    symlinkSync(target, link);
    const result = await runInProcess(localDb, ['start'], await engineEnv(link));
    expect(result.code, result.all).toBe(3);
    expect(result.stderr).toContain(`${link} (KOTADB_LOCAL_DB_DIR) is not a folder but a symbolic link`);
    expect(readdirSync(target)).toEqual([]);
  });

  it('--dry-run checks the folder too (and creates nothing)', async () => {
    const full = tempDir('full-');
    writeFileSync(path.join(full, 'notes.txt'), 'mine\n');
    const result = await runInProcess(localDb, ['start', '--dry-run'], await engineEnv(full));
    expect(result.code).toBe(3);
    expect(readdirSync(full)).toEqual(['notes.txt']);
  });

  it("while another run creates the cluster (its PID in the marker, alive): exit 3 naming it, that run's files left alone", async () => {
    const base = path.join(tempDir('creating-'), 'postgres');
    mkdirSync(path.join(base, 'data'), { recursive: true });
    writeFileSync(path.join(base, OWNER_MARKER), 'test\n');
    writeFileSync(path.join(base, INITDB_MARKER), `${process.ppid}\n`);
    writeFileSync(path.join(base, 'data', 'PG_VERSION'), '17\n');
    const env = await engineEnv(base);
    const result = await runInProcess(localDb, ['start'], env);
    expect(result.code, result.all).toBe(3);
    expect(result.stderr).toContain(`another run (pid ${process.ppid}) is creating the local PostgreSQL cluster in`);
    expect(existsSync(path.join(base, 'data', 'PG_VERSION'))).toBe(true);
    expect((await runInProcess(localDb, ['status'], env)).stdout).toContain('not created');
  });
});

describe('a cluster created with KOTADB_LOCAL_DB_PASSWORD', () => {
  const password = 'local-cluster-secret-7d41b9';
  let base: string;
  let env: Record<string, string>;

  it('is created over what a killed run left half made; the password is on no argv and in no file', async () => {
    base = path.join(tempDir('pw-cluster-'), 'postgres');
    // What a run SIGKILLed during initdb leaves: its marker (a dead PID), a half-made data folder.
    mkdirSync(path.join(base, 'data'), { recursive: true });
    writeFileSync(path.join(base, OWNER_MARKER), 'test\n');
    writeFileSync(path.join(base, INITDB_MARKER), `${deadPid()}\n`);
    writeFileSync(path.join(base, 'data', 'PG_VERSION'), '17\n');
    writeFileSync(path.join(base, 'data', 'half-made'), '');
    env = await engineEnv(base, { KOTADB_LOCAL_DB_PASSWORD: password });

    const watch = watchArgvFor(password);
    const result = await runInProcess(localDb, ['start'], env);
    const hits = watch.stop();
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain('started (new cluster in');
    expect(result.stdout.trim()).toBe(
      `DATABASE_URL=postgresql://postgres:***@127.0.0.1:${env.KOTADB_LOCAL_DB_PORT}/postgres`,
    );
    expect(watch.samples).toBeGreaterThan(0);
    expect(hits).toEqual([]);
    expect(filesContaining(base, password)).toEqual([]);
    expect(existsSync(path.join(base, INITDB_MARKER))).toBe(false);
    expect(existsSync(path.join(base, 'data', 'half-made'))).toBe(false);
  });

  it('without KOTADB_LOCAL_DB_PASSWORD: exit 3 saying how to set it', async () => {
    const { KOTADB_LOCAL_DB_PASSWORD: _given, ...without } = env;
    const result = await runInProcess(localDb, ['start'], without);
    expect(result.code, result.all).toBe(3);
    expect(result.stderr).toContain(
      `the local PostgreSQL in ${base} was created with a password, and KOTADB_LOCAL_DB_PASSWORD is not set`,
    );
    expect(result.stderr).toContain('set KOTADB_LOCAL_DB_PASSWORD to the password it was created with');
  });

  it('with another password: the reset fails (exit 1) saying which variable is wrong', async () => {
    const result = await runInProcess(reset, [], { ...env, KOTADB_LOCAL_DB_PASSWORD: 'not-the-password-1' });
    expect(result.code, result.all).toBe(1);
    expect(result.stderr).toContain('password authentication failed');
    expect(result.stderr).toContain(
      `KOTADB_LOCAL_DB_PASSWORD is not the password the local cluster in ${base} was created with`,
    );
  });
});

describe('Ctrl-C while the cluster is being created', () => {
  it('stops initdb, exit 130 saying what was left; the half-made cluster is marked for the next start to remove', async () => {
    const base = path.join(tempDir('interrupted-'), 'postgres');
    const password = 'interrupted-secret-52c0e1';
    const env = await engineEnv(base, { KOTADB_LOCAL_DB_PASSWORD: password });
    const controller = new AbortController();
    const dataDir = path.join(base, 'data');
    const run = runInProcess(localDb, ['start'], env, { signal: controller.signal });
    await waitUntil(() => processesMatching(`initdb --pgdata ${dataDir}`).length > 0, 30_000, 'initdb to start');
    controller.abort();
    const result = await run;
    expect(result.code, result.all).toBe(130);
    expect(result.stderr).toContain('interrupted during db-start: run `npx just db-status` to see the state it left');
    expect(result.stderr).toContain(
      'a cluster interrupted while being created is removed by the next `npx just db-start`',
    );
    await waitUntil(() => processesMatching(dataDir).length === 0, 5000, 'initdb and its children to exit');
    expect(filesContaining(base, password)).toEqual([]);
    expect(readFileSync(path.join(base, INITDB_MARKER), 'utf8').trim()).toBe(String(process.pid));
    expect((await runInProcess(localDb, ['status'], env)).stdout).toContain('not created');
  });
});
