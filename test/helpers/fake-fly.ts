/**
 * Test harness for the fake flyctl (test/fake-flyctl/flyctl.mjs).
 *
 *   const fly = createFakeFly();                 // the "kotadb" world, logged in
 *   runToolkit({ env: { ...fly.env } });          // FLYCTL=<fake>, FAKE_FLYCTL_STATE=<dir>
 *   fly.fault('deploy', { healthTimeout: true, times: 1 });
 *   expect(fly.mutatingCalls()).toEqual([]);
 *   fly.cleanup();
 *
 * In-process (no process start): `fakeFlyExec(fly)` is an Executor that runs every `flyctl`
 * call through the fake's code in this process against the same state directory (same
 * calls.jsonl), and hands other tools (git, supabase) to a real spawn; `fly.runInProcess(args)`
 * is `fly.run(args)` without the spawn.
 *
 * The default world ("kotadb"): logged in as dev@example.com; apps `kotadb-api-staging` then
 * `kotadb-api` (in that `apps list` order, so "first app whose name starts with kotadb-api" is
 * the WRONG one), each with releases v1..v3 complete (distinct images
 * registry.fly.io/<app>:deployment-01J…), the four required secrets (Deployed), started
 * machines (staging 1, production 2) with passing checks, and one volume per machine, each
 * attached to its machine (kotadb_staging_data 5 GB / 2 × kotadb_data 10 GB, iad), as
 * flyctl needs for machines with [[mounts]]. `decoys: true` puts `kotadb-api-old` and
 * `kotadb-api-staging-old` in front of them. `deployToken: 'kotadb-api'` makes the token in
 * fly.env an app-scoped deploy token for that app (org-wide calls are refused).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_USER,
  MUTATING_COMMANDS,
  emptyState,
  loadState,
  makeApp,
  mutateState,
  runFlyctl,
  saveState,
  type MakeAppOptions,
} from '../fake-flyctl/flyctl.mjs';
import { SpawnError, SpawnExecutor, type ExecRequest, type ExecResult, type Executor } from '../../lib/core/exec.ts';
import type {
  FakeApp,
  FakeFlyCallRecord,
  FakeFlyState,
  FakeImage,
  FakeRelease,
  FaultSpec,
  SecretsJsonShape,
} from '../fake-flyctl/types.js';

export type {
  FakeApp,
  FakeFlyCallRecord,
  FakeFlyState,
  FakeImage,
  FakeLogEntry,
  FakeMachine,
  FakeRelease,
  FakeSecret,
  FakeUser,
  FakeVolume,
  FaultSpec,
  SecretStatus,
  SecretsJsonShape,
} from '../fake-flyctl/types.js';
export type { MakeAppOptions } from '../fake-flyctl/flyctl.mjs';

/** Absolute path of the fake flyctl executable. */
export const FAKE_FLYCTL_BIN = fileURLToPath(new URL('../fake-flyctl/flyctl.mjs', import.meta.url));

export const KOTADB_APPS = { production: 'kotadb-api', staging: 'kotadb-api-staging' } as const;
export const DECOY_APPS = ['kotadb-api-old', 'kotadb-api-staging-old'] as const;
export const REQUIRED_SECRETS = ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'] as const;

/**
 * Secret values of the kotadb world (fake, but shaped like the real ones: `#`, `=`, `%` inside).
 * Useful for "never printed" assertions.
 */
export const KOTADB_SECRETS: Record<
  (typeof KOTADB_APPS)[keyof typeof KOTADB_APPS],
  Record<(typeof REQUIRED_SECRETS)[number], string>
> = {
  'kotadb-api': {
    DATABASE_URL:
      'postgresql://postgres.prodfakeref00001:Pr0d#pass=word@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
    SUPABASE_URL: 'https://prodfakeref00001.supabase.co',
    SUPABASE_ANON_KEY: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiIsInJlZiI6InByb2QifQ.cHJvZC1hbm9uLXNpZw==',
    SUPABASE_SERVICE_KEY:
      'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIiwicmVmIjoicHJvZCJ9.cHJvZC1zZXJ2aWNlLXNpZw==',
  },
  'kotadb-api-staging': {
    DATABASE_URL:
      'postgresql://postgres.stagfakeref00002:St4g#pass=word@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
    SUPABASE_URL: 'https://stagfakeref00002.supabase.co',
    SUPABASE_ANON_KEY: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiIsInJlZiI6InN0YWcifQ.c3RhZy1hbm9uLXNpZw==',
    SUPABASE_SERVICE_KEY:
      'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIiwicmVmIjoic3RhZyJ9.c3RhZy1zZXJ2aWNlLXNpZw==',
  },
};

/** Fault keys: the fake's command paths (`apps releases` counts as `releases`). */
export type FaultCommand =
  | 'version'
  | 'auth whoami'
  | 'apps list'
  | 'apps create'
  | 'releases'
  | 'deploy'
  | 'status'
  | 'secrets list'
  | 'secrets set'
  | 'secrets unset'
  | 'secrets import'
  | 'secrets deploy'
  | 'volumes list'
  | 'volumes create'
  | 'logs'
  | 'scale memory'
  | 'scale count'
  | 'certs list'
  | 'apps open';

export interface CreateFakeFlyOptions {
  /** "kotadb" (default): the two KotaDB apps; "empty": no apps. */
  world?: 'kotadb' | 'empty';
  /** Logged in as dev@example.com (default true). When false, only a token env var logs in. */
  loggedIn?: boolean;
  /** Add kotadb-api-old and kotadb-api-staging-old, listed first (prefix/first-match bugs). */
  decoys?: boolean;
  /** Shape of `secrets list --json` (default "new"). */
  secretsJsonShape?: SecretsJsonShape;
  /** Start from this exact state instead of a world. */
  state?: FakeFlyState;
  /** Parent of the temp dir (default os.tmpdir()). */
  tmpRoot?: string;
  /**
   * fly.env carries FLY_API_TOKEN, an app-scoped deploy token for this app (`fly tokens create
   * deploy --app <app>`): `apps list` / `apps create` are refused, other apps are not found.
   */
  deployToken?: string;
}

export interface SeedAppOptions extends MakeAppOptions {
  /** Where in `apps list` order (default: last; an existing app of that name is replaced in place). */
  position?: 'first' | 'last';
}

/** A call as recorded by the fake, with its stdin (if it read any) merged in. */
export type FakeFlyCall = FakeFlyCallRecord;

export interface RunOptions {
  /** Written to stdin (then closed). Default: empty stdin pipe. */
  input?: string | Buffer;
  /** "ignore" gives the fake /dev/null as stdin (a character device: "no piped stdin"). */
  stdin?: 'pipe' | 'ignore';
  /** Extra env (undefined removes a variable). FLY_* variables of the test process are never inherited. */
  env?: Record<string, string | undefined>;
  /** Default: the state dir (no fly.toml there, so nothing is picked up by accident). */
  cwd?: string;
  /** Kill (SIGKILL) after this long (default 15 s). */
  timeoutMs?: number;
  /** runInProcess only: aborting it is Ctrl-C (SIGINT) for the call. */
  signal?: AbortSignal;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface FakeFly {
  /** The state directory (FAKE_FLYCTL_STATE). */
  dir: string;
  /** Absolute path of the fake flyctl (FLYCTL). */
  bin: string;
  /** Merge into a child's env (FLY_API_TOKEN only with `deployToken`). */
  env: { FLYCTL: string; FAKE_FLYCTL_STATE: string; FLY_API_TOKEN?: string };
  /** Every call so far, oldest first (hanging calls included). */
  calls(): FakeFlyCall[];
  /** Calls of commands that change the world (deploy, apps create, secrets set/unset/import/deploy, volumes create, scale memory). */
  mutatingCalls(): FakeFlyCall[];
  state(): FakeFlyState;
  writeState(state: FakeFlyState): void;
  /** Read-modify-write under the fake's lock; fn may mutate in place or return a new state. */
  update(fn: (state: FakeFlyState) => FakeFlyState | void): FakeFlyState;
  /** Adds a fault for a command (null clears that command's faults). */
  fault(command: FaultCommand, fault: FaultSpec | null): void;
  clearFaults(): void;
  /** Adds (or replaces) an app built like the world's apps. */
  seedApp(name: string, opts?: SeedAppOptions): FakeApp;
  /** The app's current state (throws when missing). */
  app(name: string): FakeApp;
  /** Image the app's machines run now (null before the first deploy). */
  currentImage(name: string): string | null;
  /** Releases, newest first. */
  releases(name: string): FakeRelease[];
  /** Secret values as flyctl received them (name -> value). */
  secretValues(name: string): Record<string, string>;
  /** The registry no longer has this image (`deploy --image` fails with `could not find image`). */
  pruneImage(ref: string): void;
  /** Images built and pushed through the fake (`deploy`, `deploy --build-only --push`). */
  images(): FakeImage[];
  /** Appends a log line to an app (streaming `flyctl logs` picks it up). */
  log(name: string, message: string, opts?: { level?: string; instance?: string; region?: string }): void;
  /** Runs the fake like the toolkit does (spawned by path, not through a shell). */
  run(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** run() without a process: the same code, state and calls.jsonl, in this process. */
  runInProcess(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Spawns the fake and returns the child (for hang/interrupt tests). Killed by cleanup(). */
  spawn(args: readonly string[], opts?: RunOptions): ChildProcess;
  /** Resolves with the first call matching pred (polls calls.jsonl). */
  waitForCall(pred: (call: FakeFlyCall) => boolean, timeoutMs?: number): Promise<FakeFlyCall>;
  /** Kills children started by spawn()/run() and removes the state dir. */
  cleanup(): void;
}

let chmodChecked = false;
function ensureExecutable(): void {
  if (chmodChecked) return;
  chmodChecked = true;
  try {
    fs.accessSync(FAKE_FLYCTL_BIN, fs.constants.X_OK);
  } catch {
    fs.chmodSync(FAKE_FLYCTL_BIN, 0o755);
  }
}

/** The "kotadb" world (see the file comment). */
export function kotadbWorld(
  opts: { loggedIn?: boolean; decoys?: boolean; secretsJsonShape?: SecretsJsonShape } = {},
): FakeFlyState {
  const state = emptyState();
  state.user = opts.loggedIn === false ? null : { ...DEFAULT_USER };
  state.secretsJsonShape = opts.secretsJsonShape ?? 'new';
  if (opts.decoys) {
    state.apps.push(
      makeApp('kotadb-api-old', {
        releases: 1,
        secrets: { DATABASE_URL: 'postgresql://decoy@old.invalid:6543/postgres' },
      }),
      makeApp('kotadb-api-staging-old', {
        releases: 1,
        secrets: { DATABASE_URL: 'postgresql://decoy@staging-old.invalid:6543/postgres' },
      }),
    );
  }
  state.apps.push(
    makeApp('kotadb-api-staging', {
      releases: 3,
      machines: 1,
      volumes: [{ name: 'kotadb_staging_data', sizeGb: 5, region: 'iad' }],
      secrets: KOTADB_SECRETS['kotadb-api-staging'],
    }),
    makeApp('kotadb-api', {
      releases: 3,
      machines: 2,
      volumes: [
        { name: 'kotadb_data', sizeGb: 10, region: 'iad' },
        { name: 'kotadb_data', sizeGb: 10, region: 'iad' },
      ],
      secrets: KOTADB_SECRETS['kotadb-api'],
    }),
  );
  return state;
}

function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(FLY_|FLYCTL$|FAKE_FLYCTL_)/.test(key)) continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function readCalls(dir: string): FakeFlyCall[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'calls.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const calls: FakeFlyCall[] = [];
  const byId = new Map<string, FakeFlyCall>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: Partial<FakeFlyCallRecord>;
    try {
      rec = JSON.parse(line) as Partial<FakeFlyCallRecord>;
    } catch {
      continue; // a line being written right now
    }
    if (rec.argv) {
      const call = rec as FakeFlyCall;
      calls.push(call);
      if (call.id) byId.set(call.id, call);
    } else if (rec.id && rec.stdin !== undefined) {
      const call = byId.get(rec.id);
      if (call) call.stdin = (call.stdin ?? '') + rec.stdin;
    }
  }
  return calls;
}

export function createFakeFly(opts: CreateFakeFlyOptions = {}): FakeFly {
  ensureExecutable();
  const dir = fs.mkdtempSync(path.join(opts.tmpRoot ?? os.tmpdir(), 'fake-fly-'));
  let initial: FakeFlyState;
  if (opts.state) {
    initial = structuredClone(opts.state);
  } else if ((opts.world ?? 'kotadb') === 'kotadb') {
    initial = kotadbWorld(opts);
  } else {
    initial = emptyState();
    initial.user = opts.loggedIn === false ? null : { ...DEFAULT_USER };
    initial.secretsJsonShape = opts.secretsJsonShape ?? 'new';
  }
  if (opts.deployToken) initial.tokenScope = { apps: [opts.deployToken] };
  saveState(dir, initial);
  fs.writeFileSync(path.join(dir, 'calls.jsonl'), '');

  const env: FakeFly['env'] = {
    FLYCTL: FAKE_FLYCTL_BIN,
    FAKE_FLYCTL_STATE: dir,
    ...(opts.deployToken ? { FLY_API_TOKEN: `FlyV1 fm2_fake-deploy-token-for-${opts.deployToken}` } : {}),
  };
  const children = new Set<ChildProcess>();

  const findApp = (state: FakeFlyState, name: string): FakeApp => {
    const app = state.apps.find((a) => a.name === name);
    if (!app) throw new Error(`fake fly: no app named ${name}`);
    return app;
  };

  const update = (fn: (state: FakeFlyState) => FakeFlyState | void): FakeFlyState =>
    mutateState(dir, (state) => {
      const next = fn(state);
      if (next && next !== state) {
        for (const key of Object.keys(state)) delete (state as unknown as Record<string, unknown>)[key];
        Object.assign(state, next);
      }
      return structuredClone(state);
    });

  const spawnFake = (args: readonly string[], o: RunOptions = {}): ChildProcess => {
    const child = spawn(FAKE_FLYCTL_BIN, [...args], {
      cwd: o.cwd ?? dir,
      env: cleanEnv({ ...env, ...o.env }),
      stdio: [o.stdin === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(o.input ?? '');
    }
    return child;
  };

  const fly: FakeFly = {
    dir,
    bin: FAKE_FLYCTL_BIN,
    env,
    calls: () => readCalls(dir),
    mutatingCalls: () => readCalls(dir).filter((c) => c.command !== null && MUTATING_COMMANDS.includes(c.command)),
    state: () => loadState(dir),
    writeState: (state) => {
      mutateState(dir, (current) => {
        for (const key of Object.keys(current)) delete (current as unknown as Record<string, unknown>)[key];
        Object.assign(current, structuredClone(state));
      });
    },
    update,
    fault: (command, fault) => {
      update((state) => {
        if (fault === null) delete state.faults[command];
        else state.faults[command] = [...(state.faults[command] ?? []), { ...fault }];
      });
    },
    clearFaults: () => {
      update((state) => {
        state.faults = {};
      });
    },
    seedApp: (name, o = {}) => {
      const { position, ...makeOpts } = o;
      const app = makeApp(name, makeOpts);
      update((state) => {
        const i = state.apps.findIndex((a) => a.name === name);
        if (i !== -1 && position === undefined) state.apps[i] = app;
        else {
          if (i !== -1) state.apps.splice(i, 1);
          if (position === 'first') state.apps.unshift(app);
          else state.apps.push(app);
        }
      });
      return structuredClone(app);
    },
    app: (name) => findApp(loadState(dir), name),
    currentImage: (name) => findApp(loadState(dir), name).image,
    releases: (name) => findApp(loadState(dir), name).releases,
    secretValues: (name) =>
      Object.fromEntries(Object.entries(findApp(loadState(dir), name).secrets).map(([k, s]) => [k, s.value])),
    pruneImage: (ref) => {
      update((state) => {
        state.prunedImages = [...(state.prunedImages ?? []), ref];
      });
    },
    images: () => loadState(dir).images ?? [],
    log: (name, message, o = {}) => {
      update((state) => {
        const app = findApp(state, name);
        const last = app.logs[app.logs.length - 1];
        app.logs.push({
          seq: (last?.seq ?? 0) + 1,
          timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          message,
          level: o.level ?? 'info',
          instance: o.instance ?? app.machines[0]?.id ?? '',
          region: o.region ?? app.machines[0]?.region ?? 'iad',
        });
      });
    },
    spawn: spawnFake,
    runInProcess: async (args, o = {}) => {
      const controller = new AbortController();
      const onAbort = () => controller.abort('SIGINT');
      o.signal?.addEventListener('abort', onAbort, { once: true });
      if (o.signal?.aborted) onAbort();
      const timer = setTimeout(() => controller.abort('SIGKILL'), o.timeoutMs ?? 15_000);
      let stdout = '';
      let stderr = '';
      try {
        const code = await runFlyctl([...args], {
          env: cleanEnv({ ...env, ...o.env }),
          cwd: o.cwd ?? dir,
          stdin: o.stdin === 'ignore' ? undefined : (o.input ?? ''),
          stdout: (chunk) => (stdout += chunk),
          stderr: (chunk) => (stderr += chunk),
          signal: controller.signal,
          pid: process.pid,
        });
        const killed = killedBy(controller.signal);
        return killed ? { code: null, signal: killed, stdout, stderr } : { code, signal: null, stdout, stderr };
      } finally {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
      }
    },
    run: (args, o = {}) =>
      new Promise<RunResult>((resolve, reject) => {
        const child = spawnFake(args, o);
        let stdout = '';
        let stderr = '';
        child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 15_000);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout, stderr });
        });
      }),
    waitForCall: async (pred, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = readCalls(dir).find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error('fake fly: timed out waiting for a matching call');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    cleanup: () => {
      for (const child of children) child.kill('SIGKILL');
      children.clear();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return fly;
}

/** The signal that killed an in-process call (null when it ended by itself or trapped SIGINT/SIGTERM). */
function killedBy(signal: AbortSignal): NodeJS.Signals | null {
  const reason: unknown = signal.reason;
  return signal.aborted && typeof reason === 'string' && reason !== 'SIGINT' && reason !== 'SIGTERM'
    ? (reason as NodeJS.Signals)
    : null;
}

export interface FakeFlyExecOptions {
  /** Runs every command that is not flyctl (default: a real spawn, so git and supabase still run). */
  fallback?: Executor;
}

export interface FakeFlyExec extends Executor {
  /** What flyctl calls run with `output: 'inherit'` wrote to "the terminal" (a child would write to ours). */
  terminal(): { stdout: string; stderr: string };
}

/**
 * An Executor that runs `flyctl` in-process against `fly`'s state directory, exactly as the
 * spawned fake would: the request's env (FLYCTL is ignored; FAKE_FLYCTL_STATE is fly.dir), cwd
 * (default: this process's, as a child inherits it), input (none = no piped stdin), timeoutMs
 * (then killSignal: SIGINT/SIGTERM are trapped — bookkeeping and exit 127 — any other signal
 * kills), the run's signal (Ctrl-C = SIGINT) and killAll. Calls are recorded in the same
 * calls.jsonl, so fly.calls() sees them whichever way they ran.
 */
export function fakeFlyExec(fly: FakeFly, options: FakeFlyExecOptions = {}): FakeFlyExec {
  const fallback = options.fallback ?? new SpawnExecutor();
  const live = new Set<AbortController>();
  const terminal = { stdout: '', stderr: '' };

  const runFlyctlCall = async (request: ExecRequest): Promise<ExecResult> => {
    if (request.signal.aborted) throw new SpawnError('interrupted before start', 'ABORT_ERR');
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort('SIGINT');
    request.signal.addEventListener('abort', onAbort, { once: true });
    const timer =
      request.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort(request.killSignal);
          }, request.timeoutMs);
    live.add(controller);
    try {
      const code = await runFlyctl([...request.argv.slice(1)], {
        env: { ...request.env, FAKE_FLYCTL_STATE: fly.dir },
        cwd: request.cwd ?? process.cwd(),
        stdin: request.input,
        stdout: request.inherit ? (chunk) => (terminal.stdout += chunk) : request.onStdout,
        stderr: request.inherit ? (chunk) => (terminal.stderr += chunk) : request.onStderr,
        signal: controller.signal,
        pid: process.pid,
      });
      const killed = killedBy(controller.signal);
      return killed ? { exitCode: null, signal: killed, timedOut } : { exitCode: code, signal: null, timedOut };
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      live.delete(controller);
    }
  };

  return {
    execute: (request) => (request.argv[0] === 'flyctl' ? runFlyctlCall(request) : fallback.execute(request)),
    killAll: (signal) => {
      for (const controller of live) controller.abort(signal);
      fallback.killAll(signal);
    },
    running: () => live.size + fallback.running(),
    terminal: () => ({ ...terminal }),
  };
}
