#!/usr/bin/env node
// @ts-check
/**
 * A faithful fake of flyctl v0.4.x for the kotadb-ops tests (the real one cannot be installed).
 * Facts it follows: /work/shared/reference/flyctl.md, plus flyctl's and cobra/pflag's public
 * source for the exact texts the reference does not spell out.
 *
 * Two ways to run it, one code path: `runFlyctl(argv, io)` runs a call in-process (io carries
 * env, cwd, stdin, stdout/stderr callbacks and an AbortSignal; no process globals are touched),
 * and the process entry (`FLYCTL=<this file>`) is a thin wrapper around it.
 *
 * State lives in the directory named by FAKE_FLYCTL_STATE:
 *   state.json   — the world (types: ./types.d.ts), written atomically (temp file + rename)
 *                  under a mkdir lock (.lock) so concurrent calls do not lose updates;
 *   calls.jsonl  — one JSON line per call, appended BEFORE the command runs (so calls that hang
 *                  are recorded), plus a `{id, stdin}` line for commands that read stdin
 *                  (`secrets import`, `secrets set NAME=-`). Nothing else ever reads stdin.
 * Secret values are never printed (stdout/stderr); they are stored only in state.json (parsed
 * values, for assertions) and in calls.jsonl (`stdin`, `argv`).
 *
 * Texts that no reference gives (kept stable; tests may rely on them):
 *   - app not found:      Error: Could not find App "<name>" (status: "failed to get app: …",
 *                         releases: "failed retrieving app releases <name>: …", as flyctl wraps them)
 *   - an org-wide call (apps list, apps create) with an app-scoped deploy token:
 *                         Error: Not authorized to access this organization
 *   - missing --config:   Error: failed loading app config from <abs path>: open <abs path>: no such file or directory
 *   - bluegreen with volumes: Error: the bluegreen deployment strategy is not supported for apps with volumes
 *   - real flyctl commands this fake does not implement: Error: fake flyctl does not implement "flyctl <cmd>"
 *   - scale memory with a size that is not a whole number of MB: Error: invalid memory size "<arg>"
 *   - scale memory on an app without machines: Error: app <name> has no machines to scale
 *   - scale memory success: per machine "Updating machine <id>" / "Machine <id> updated successfully!",
 *     then "Scaled VM Type to" and the size (machines keep `memoryMb`, shown as config.guest in status)
 *   - certs list: the table header `HOST NAME  ADDED  STATUS` (the world has no certificates; --json: [])
 *   - apps open: "opening https://<hostname>/<relative uri> ..." (no browser is started)
 * Read in flyctl v0.4.87's source (and fly-go's): config validation (appconfig/validation.go:
 * "Validating <file>", the reasons, "✘invalid app configuration", then `Error: App configuration
 * is not valid`), image resolution and the Dockerfile rule (deploy_build.go, imgsrc), the
 * first-deploy machine count and volumes (deploy_first.go, machines_deploymachinesapp.go),
 * apps create's org rule (prompt.Org), volumes create (create.go: --yes is asked only when no
 * volume of that name exists and --count is 1; the reference says the opposite), secrets deploy,
 * exit codes 126 (deadline) and 3 (recovered panic, "Oops" on stdout), and printError:
 * `Error: <msg>` then the description and the suggestion, each followed by a blank line.
 * Everything else (unknown command/flag, flag value errors, arg-count errors, group commands
 * without a subcommand printing help with exit 0, exit 127 on SIGINT/SIGTERM) follows
 * cobra/pflag and flyctl's cli.go.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import TOML from '@iarna/toml';
import { parseSecretsImport, goTrimSpace, GoPanic, SecretsParseError } from './parse-secrets-import.mjs';
import { CliError, durationError, parseCommandLine } from './command-line.mjs';
import {
  DEFAULT_ORG,
  DEFAULT_USER,
  checkOutput,
  goJson,
  hex,
  imageRef,
  isoSeconds,
  loadState,
  makeApp,
  makeMachine,
  mutateState,
  nextSeq,
  randomBytes,
  secretDigest,
  sha256hex,
  ulid,
} from './world.mjs';

// The harness (test/helpers/fake-fly.ts) seeds and reads worlds through this module.
export {
  DEFAULT_ORG,
  DEFAULT_USER,
  emptyState,
  generatedImage,
  goJson,
  imageRef,
  isoSeconds,
  loadState,
  makeApp,
  makeMachine,
  mutateState,
  saveState,
  secretDigest,
  seedImage,
  statePath,
  withLock,
} from './world.mjs';
export { parseCommandLine } from './command-line.mjs';

/** @typedef {import('./command-line.mjs').CommandSpec} CommandSpec */
/** @typedef {import('./command-line.mjs').Parsed} Parsed */
/** @typedef {import('./types.js').FakeImage} FakeImage */

/** @typedef {import('./types.js').FakeFlyState} FakeFlyState */
/** @typedef {import('./types.js').FakeApp} FakeApp */
/** @typedef {import('./types.js').FakeRelease} FakeRelease */
/** @typedef {import('./types.js').FakeMachine} FakeMachine */
/** @typedef {import('./types.js').FakeVolume} FakeVolume */
/** @typedef {import('./types.js').FakeSecret} FakeSecret */
/** @typedef {import('./types.js').FakeUser} FakeUser */
/** @typedef {import('./types.js').FakeLogEntry} FakeLogEntry */
/** @typedef {import('./types.js').FaultSpec} FaultSpec */
/** @typedef {import('./types.js').SecretStatus} SecretStatus */
/** @typedef {import('./types.js').CheckStatus} CheckStatus */
/** @typedef {import('./types.js').DeployStrategy} DeployStrategy */
/** @typedef {import('./types.js').FakeFlyCallRecord} FakeFlyCallRecord */

export const FLYCTL_VERSION_LINE = 'flyctl v0.4.9 linux/amd64 Commit: fake BuildDate: 2026-01-01T00:00:00Z';
export const MISSING_TOKEN = "no access token available. Please login with 'flyctl auth login'";
export const ERR_REQUIRE_APP_NAME =
  'the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag';
export const STAGED_MESSAGE =
  'Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.';
export const EXIT_INTERRUPTED = 127;
/** context.DeadlineExceeded ended the command (internal/cli/cli.go). */
export const EXIT_DEADLINE = 126;
/** A recovered panic (main.go). */
export const EXIT_PANIC = 3;
export const RELEASES_LIMIT = 25;
export const STRATEGIES = /** @type {const} */ (['rolling', 'immediate', 'canary', 'bluegreen']);
/** appconfig.MachinesDeployStrategies, in flyctl's order (its validation message lists them). */
const CONFIG_STRATEGIES = ['canary', 'rolling', 'immediate', 'bluegreen'];
/** What an org-wide query answers an app-scoped deploy token (no reference gives the text). */
export const ERR_ORG_NOT_AUTHORIZED = 'Not authorized to access this organization';
export const NAME_TAKEN_SUGGESTION =
  'App names are unique across all of Fly.io, not just your organization, so this name may be held by an app you cannot see. Try a different name.';
const NO_DOCKERFILE =
  'app does not have a Dockerfile or buildpacks configured. See https://fly.io/docs/reference/configuration/#the-build-section';
/** Command paths that change the world (the harness's mutatingCalls()). */
export const MUTATING_COMMANDS = Object.freeze([
  'apps create',
  'deploy',
  'secrets set',
  'secrets unset',
  'secrets import',
  'secrets deploy',
  'volumes create',
  'scale memory',
  'scale count',
]);

// ---------------------------------------------------------------------------------------------
// Runtime context

/**
 * What one call may touch outside the state directory. The process entry wires it to the
 * process (stdout, stderr, stdin, SIGINT/SIGTERM); test/helpers/fake-fly.ts wires it to an
 * executor's callbacks, so the same code runs in-process with nothing global shared by calls.
 * @typedef {object} FlyctlIO
 * @property {NodeJS.ProcessEnv} env
 * @property {string} cwd
 * @property {string | Buffer | (() => Promise<Buffer>) | undefined} stdin  the piped stdin;
 *   undefined = none (a terminal or /dev/null: helpers.HasPipedStdin is false). A function is
 *   called only when a command reads stdin (the process entry reads its pipe lazily, like flyctl).
 * @property {(chunk: string) => void} stdout
 * @property {(chunk: string) => void} stderr
 * @property {AbortSignal} signal  aborting it is SIGINT/SIGTERM: the call records what it left
 *   (a running deploy becomes `interrupted`) and exits 127. An abort whose reason is another
 *   signal name (e.g. "SIGKILL") stops the call without any bookkeeping, like a kill.
 * @property {number} [pid]  recorded in calls.jsonl (default 0)
 */

/**
 * Per-call runtime handed to the commands.
 * @typedef {object} Runtime
 * @property {(s: string) => void} out
 * @property {(s: string) => void} err
 * @property {(ms: number) => Promise<void>} sleep  throws Stopped when the call is interrupted
 * @property {() => Promise<never>} hang  waits until the call is interrupted, then throws Stopped
 * @property {() => Promise<Buffer>} readStdin  all of stdin once; a second read gets nothing (EOF)
 * @property {boolean} pipedStdin
 * @property {(cleanup: (() => void) | null) => void} onInterrupt  what to record if interrupted now
 */

/**
 * @typedef {Runtime & {
 *   dir: string, callId: string, spec: CommandSpec, display: string, flags: Map<string, any>,
 *   args: string[], env: NodeJS.ProcessEnv, cwd: string, fault: FaultSpec | null }} Ctx
 */

/** Thrown out of a wait when the call is interrupted or killed. */
class Stopped extends Error {}

/** Signals after which the fake still runs its bookkeeping (flyctl traps these two). */
const TRAPPED_SIGNALS = new Set(['SIGINT', 'SIGTERM']);

/**
 * @param {FlyctlIO} io
 * @returns {Runtime & { stopped: () => boolean, dispose: () => void }}
 */
function createRuntime(io) {
  /** @type {null | (() => void)} */
  let cleanup = null;
  /** @type {Set<() => void>} */
  const waiting = new Set();
  let stdinTaken = false;
  const stopped = () => io.signal.aborted;
  const onAbort = () => {
    const reason = io.signal.reason;
    const trapped = typeof reason !== 'string' || TRAPPED_SIGNALS.has(reason);
    const record = cleanup;
    cleanup = null;
    if (trapped && record) {
      try {
        record();
      } catch {
        // the state may be gone (test cleanup); nothing else to record
      }
    }
    for (const wake of waiting) wake();
  };
  io.signal.addEventListener('abort', onAbort, { once: true });
  /**
   * @template T
   * @param {(resolve: (value: T) => void) => (() => void)} start returns its own cancel
   * @returns {Promise<T>}
   */
  const abortable = (start) =>
    new Promise((resolve, reject) => {
      if (stopped()) return reject(new Stopped());
      const wake = () => {
        cancel();
        waiting.delete(wake);
        reject(new Stopped());
      };
      waiting.add(wake);
      const cancel = start((value) => {
        waiting.delete(wake);
        resolve(value);
      });
    });
  /** @param {(chunk: string) => void} write */
  const writer = (write) => (/** @type {string} */ s) => {
    if (!stopped()) write(s);
  };
  return {
    out: writer(io.stdout),
    err: writer(io.stderr),
    sleep: (ms) =>
      abortable((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ms);
        return () => clearTimeout(timer);
      }),
    hang: () => abortable(() => () => undefined),
    readStdin: async () => {
      if (stdinTaken || io.stdin === undefined) return Buffer.alloc(0);
      stdinTaken = true;
      const input = io.stdin;
      if (typeof input === 'function') {
        const read = input();
        return abortable((resolve) => {
          read.then(resolve, () => resolve(Buffer.alloc(0)));
          return () => undefined;
        });
      }
      return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    },
    pipedStdin: io.stdin !== undefined,
    onInterrupt: (fn) => {
      cleanup = fn;
    },
    stopped,
    dispose: () => io.signal.removeEventListener('abort', onAbort),
  };
}

/** @param {NodeJS.ProcessEnv} env @param {Map<string, any>} [flags] */
function hasToken(env, flags) {
  return Boolean(env.FLY_ACCESS_TOKEN || env.FLY_API_TOKEN || flags?.get('access-token'));
}

/**
 * The token flyctl uses: an env var or --access-token wins over the login.
 * @param {Ctx} ctx
 * @param {FakeFlyState} state
 * @returns {FakeUser}
 */
function requireSession(ctx, state) {
  if (hasToken(ctx.env, ctx.flags)) return state.tokenUser ?? state.user ?? { ...DEFAULT_USER };
  if (state.user) return state.user;
  throw new CliError(MISSING_TOKEN);
}

/**
 * The apps an app-scoped deploy token may manage; null for an org or user token.
 * @param {Ctx} ctx
 * @param {FakeFlyState} state
 */
function tokenApps(ctx, state) {
  return hasToken(ctx.env, ctx.flags) && state.tokenScope ? state.tokenScope.apps : null;
}

/**
 * Org-wide queries (apps list, apps create) are refused with an app-scoped deploy token.
 * @param {Ctx} ctx
 * @param {FakeFlyState} state
 */
function refuseAppScopedToken(ctx, state) {
  if (tokenApps(ctx, state)) throw new CliError(ERR_ORG_NOT_AUTHORIZED);
}

/**
 * @typedef {object} FlyConfig
 * @property {string} path absolute path of the config file
 * @property {string} dir its folder ([build] dockerfile is resolved against it)
 * @property {string} [app]
 * @property {string} [primaryRegion]
 * @property {string} [strategy]
 * @property {{ source: string, destination: string, initialSizeGb: number }[]} mounts
 * @property {string} [dockerfile] [build] dockerfile, as written
 * @property {string} [image] [build] image
 * @property {boolean} buildpacks [build] builder or buildpacks (no Dockerfile needed)
 * @property {string} [releaseCommand]
 */

/**
 * The fly.toml keys the fake acts on (flyctl itself ignores keys it does not know).
 * @param {string} file
 * @returns {FlyConfig}
 */
function readFlyToml(file) {
  /** @type {Record<string, any>} */
  let doc;
  try {
    doc = TOML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`failed loading app config from ${file}: ${e instanceof Error ? e.message.split('\n')[0] : e}`);
  }
  const str = (/** @type {unknown} */ v) => (typeof v === 'string' && v !== '' ? v : undefined);
  const rawMounts = Array.isArray(doc.mounts) ? doc.mounts : doc.mounts ? [doc.mounts] : [];
  /** @type {FlyConfig} */
  const cfg = {
    path: file,
    dir: path.dirname(file),
    mounts: rawMounts.map((/** @type {Record<string, unknown>} */ m) => ({
      source: String(m.source ?? ''),
      destination: String(m.destination ?? ''),
      initialSizeGb: sizeGb(m.initial_size),
    })),
    buildpacks: Boolean(doc.build?.builder || doc.build?.buildpacks),
  };
  const set = (/** @type {keyof FlyConfig} */ key, /** @type {unknown} */ value) => {
    const v = str(value);
    if (v !== undefined) Object.assign(cfg, { [key]: v });
  };
  set('app', doc.app);
  set('primaryRegion', doc.primary_region);
  set('strategy', doc.deploy?.strategy);
  set('releaseCommand', doc.deploy?.release_command);
  set('dockerfile', doc.build?.dockerfile);
  set('image', doc.build?.image);
  return cfg;
}

/**
 * A mount's initial_size in GB ("10gb", "10GB", 10; default 1 = DefaultVolumeInitialSizeGB).
 * @param {unknown} value
 */
function sizeGb(value) {
  if (typeof value === 'number') return value;
  const m = typeof value === 'string' ? /^(\d+)\s*(gb|g)?$/i.exec(value.trim()) : null;
  return m ? Number(m[1]) : 1;
}

/**
 * LoadAppConfigIfPresent: --config FILE (must exist) or ./fly.toml when present.
 * @param {Ctx} ctx
 * @param {string} [wd]
 */
function loadConfig(ctx, wd = ctx.cwd) {
  const flag = ctx.flags.get('config');
  if (flag !== undefined && flag !== '') {
    const file = path.resolve(wd, flag);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      throw new CliError(`failed loading app config from ${file}: open ${file}: no such file or directory`);
    }
    return readFlyToml(file);
  }
  const def = path.join(wd, 'fly.toml');
  return fs.existsSync(def) ? readFlyToml(def) : null;
}

/**
 * RequireAppName: --app, then FLY_APP, then the config's app.
 * @param {Ctx} ctx
 * @param {ReturnType<typeof loadConfig>} cfg
 */
function appNameOf(ctx, cfg) {
  const name = ctx.flags.get('app') || ctx.env.FLY_APP || cfg?.app || '';
  if (!name) throw new CliError(ERR_REQUIRE_APP_NAME);
  return name;
}

/**
 * @param {FakeFlyState} state
 * @param {string} name
 */
function findApp(state, name) {
  // Exact match only: "kotadb-api" must never resolve to "kotadb-api-staging".
  const app = state.apps.find((a) => a.name === name);
  if (!app) throw new CliError(`Could not find App "${name}"`);
  return app;
}

/**
 * The app as this call's token sees it: an app-scoped token does not see other apps.
 * @param {Ctx} ctx
 * @param {FakeFlyState} state
 * @param {string} name
 */
function visibleApp(ctx, state, name) {
  const scope = tokenApps(ctx, state);
  if (scope && !scope.includes(name)) throw new CliError(`Could not find App "${name}"`);
  return findApp(state, name);
}

/**
 * The standard preamble of app commands: session, config, app name, app exists (for this
 * token). `wrap` is the command's own prefix for a failed app lookup (flyctl wraps it).
 * @param {Ctx} ctx
 * @param {(message: string, appName: string) => string} [wrap]
 */
function appCommand(ctx, wrap) {
  const state = loadState(ctx.dir);
  const user = requireSession(ctx, state);
  const cfg = loadConfig(ctx);
  const appName = appNameOf(ctx, cfg);
  try {
    return { state, user, cfg, appName, app: visibleApp(ctx, state, appName) };
  } catch (e) {
    if (wrap && e instanceof CliError) throw new CliError(wrap(e.message, appName));
    throw e;
  }
}

/** @param {FakeApp} app */
function isDeployed(app) {
  return app.releases.length > 0 || app.machines.length > 0;
}

/** @param {FakeApp} app */
function appStatus(app) {
  if (app.machines.length === 0) return app.releases.length ? 'suspended' : 'pending';
  return app.machines.some((m) => m.state === 'started') ? 'deployed' : 'suspended';
}

/**
 * @param {FakeFlyState} state
 * @param {string} slug
 */
function orgOf(state, slug) {
  return state.orgs.find((o) => o.slug === slug) ?? { id: `org_${slug}`, slug, name: slug };
}

/** @param {FakeRelease} r */
function releaseJson(r) {
  return {
    ID: r.id,
    Version: r.version,
    Stable: r.status === 'complete',
    InProgress: false, // flyctl does not fetch it
    Reason: r.reason,
    Description: r.description,
    Status: r.status,
    DeploymentStrategy: '',
    Metadata: null,
    User: { ID: r.user.id, Name: r.user.name, Email: r.user.email, EnablePaidHobby: false },
    EvaluationID: '',
    CreatedAt: r.createdAt,
    ImageRef: r.image,
  };
}

/**
 * @param {FakeFlyState} state
 * @param {FakeApp} app
 */
function appListJson(state, app) {
  const org = orgOf(state, app.org);
  const current = app.releases.find((r) => r.version === app.currentVersion) ?? app.releases[0] ?? null;
  return {
    ID: app.name,
    Name: app.name,
    Status: appStatus(app),
    Deployed: isDeployed(app),
    Hostname: app.hostname,
    Organization: { Slug: org.slug, Name: org.name },
    CurrentRelease: current ? { CreatedAt: current.createdAt, Status: current.status } : null,
    PlatformVersion: 'machines',
  };
}

/**
 * @param {FakeFlyState} state
 * @param {FakeMachine} m
 */
function machineJson(state, m) {
  return {
    id: m.id,
    name: m.name,
    state: m.state,
    region: m.region,
    image_ref: imageRef(m.image, pushedImage(state, m.image), m.pulled?.image === m.image ? m.pulled.digest : null),
    instance_id: m.instanceId,
    version: m.version,
    private_ip: m.privateIp,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    config: {
      image: m.image,
      guest: { cpu_kind: 'shared', cpus: 1, memory_mb: m.memoryMb ?? 256 },
      metadata: {
        fly_platform_version: 'v2',
        fly_process_group: 'app',
        fly_release_id: m.releaseId,
        fly_release_version: String(m.releaseVersion),
      },
    },
    // fly-go's MachineCheckStatus: every field omitempty.
    checks: m.checks.map((c) => ({
      ...(c.name ? { name: c.name } : {}),
      ...(c.status ? { status: c.status } : {}),
      ...(c.output ? { output: c.output } : {}),
      ...(c.updatedAt ? { updated_at: c.updatedAt } : {}),
    })),
  };
}

/**
 * A machine runs the digest it pulled when it was updated, not whatever the tag points at
 * later: pushing the same tag again (a rebuild with the same --image-label) changes what the
 * next deploy pulls, never what a running machine reports.
 * @param {FakeFlyState} state
 * @param {FakeApp} app
 * @param {string} image
 */
function pinPulledDigests(state, app, image) {
  const digest = imageRef(image, pushedImage(state, image)).digest;
  for (const m of app.machines) if (m.image === image) m.pulled = { image, digest };
}

/**
 * The registry entry of an image this fake pushed, if any.
 * @param {FakeFlyState} state
 * @param {string} ref
 */
function pushedImage(state, ref) {
  return (state.images ?? []).find((i) => i.ref === ref && i.pushed) ?? null;
}

/** @param {FakeVolume} v */
function volumeJson(v) {
  return {
    id: v.id,
    name: v.name,
    state: v.state,
    size_gb: v.sizeGb,
    region: v.region,
    zone: v.zone,
    encrypted: v.encrypted,
    attached_machine_id: v.attachedMachineId,
    created_at: v.createdAt,
  };
}

/**
 * tablewriter-ish output.
 * @param {string[]} headers
 * @param {string[][]} rows
 */
function table(headers, rows) {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return (
    all
      .map((r) =>
        r
          .map((c, i) => (c ?? '').padEnd(widths[i] ?? 0))
          .join('\t')
          .trimEnd(),
      )
      .join('\n') + '\n\n'
  );
}

/**
 * @param {FakeApp} app
 * @param {string} message
 * @param {{ level?: string, instance?: string, region?: string }} [o]
 */
function appendLog(app, message, o = {}) {
  const last = app.logs[app.logs.length - 1];
  app.logs.push({
    seq: (last?.seq ?? 0) + 1,
    timestamp: isoSeconds(),
    message,
    level: o.level ?? 'info',
    instance: o.instance ?? app.machines[0]?.id ?? '',
    region: o.region ?? app.machines[0]?.region ?? 'iad',
  });
  if (app.logs.length > 500) app.logs.splice(0, app.logs.length - 500);
}

/**
 * @param {FakeFlyState} state
 * @param {string} appName
 */
function appIn(state, appName) {
  return findApp(state, appName);
}

/**
 * Restarts the machines onto release `rel` (secrets changes, secrets deploy).
 * @param {FakeApp} app
 * @param {FakeRelease} rel
 */
function restartMachines(app, rel) {
  const at = isoSeconds();
  for (const m of app.machines) {
    m.releaseVersion = rel.version;
    m.releaseId = rel.id;
    m.version = ulid();
    m.instanceId = ulid();
    m.updatedAt = at;
    appendLog(app, 'Machine restarted with new secrets', { instance: m.id, region: m.region });
  }
}

/** @param {FakeApp} app */
function applyStagedSecrets(app) {
  for (const s of Object.values(app.secrets)) if (s.status === 'Staged') s.status = 'Deployed';
  app.pendingUnsets = [];
}

/**
 * @param {FakeApp} app
 * @param {string} strategy
 */
function machineUpdateLines(app, strategy) {
  const n = app.machines.length;
  const lines = app.machines.map((m, i) => ` ✔ [${i + 1}/${n}] Machine ${m.id} [app] update succeeded`).join('\n');
  return `Updating existing machines in '${app.name}' with ${strategy} strategy\n\n-------\n${lines}\n-------\n`;
}

/**
 * Records a release that only restarts machines (same image).
 * @param {FakeFlyState} state
 * @param {FakeApp} app
 * @param {FakeUser} user
 * @param {string} description
 */
function restartRelease(state, app, user, description) {
  nextSeq(state);
  /** @type {FakeRelease} */
  const rel = {
    id: `rel_${ulid()}`,
    version: (app.releases[0]?.version ?? 0) + 1,
    status: 'complete',
    description,
    reason: '',
    strategy: 'rolling',
    image: app.image ?? app.releases[0]?.image ?? '',
    createdAt: isoSeconds(),
    user: { ...user },
  };
  app.releases.unshift(rel);
  app.currentVersion = rel.version;
  applyStagedSecrets(app);
  restartMachines(app, rel);
  return rel;
}

// ---------------------------------------------------------------------------------------------
// Commands

/** @param {Ctx} ctx */
function cmdVersion(ctx) {
  if (ctx.flags.get('json')) {
    ctx.out(
      goJson({
        Version: '0.4.9',
        Commit: 'fake',
        BuildDate: '2026-01-01T00:00:00Z',
        OS: 'linux',
        Architecture: 'amd64',
        Environment: 'production',
      }),
    );
  } else {
    ctx.out(FLYCTL_VERSION_LINE + '\n');
  }
  return 0;
}

/** @param {Ctx} ctx */
function cmdWhoami(ctx) {
  const user = requireSession(ctx, loadState(ctx.dir));
  ctx.out(ctx.flags.get('json') ? goJson({ email: user.email }) : `${user.email}\n`);
  return 0;
}

/** @param {Ctx} ctx */
function cmdAppsList(ctx) {
  const state = loadState(ctx.dir);
  requireSession(ctx, state);
  refuseAppScopedToken(ctx, state);
  const org = ctx.flags.get('org');
  const apps = state.apps.filter((a) => !org || a.org === org);
  if (ctx.flags.get('json')) {
    ctx.out(goJson(apps.map((a) => appListJson(state, a))));
  } else if (apps.length === 0) {
    if (!ctx.flags.get('quiet')) ctx.out('No apps found\n');
  } else if (ctx.flags.get('quiet')) {
    ctx.out(apps.map((a) => `${a.name}\n`).join(''));
  } else {
    ctx.out(
      table(
        ['Name', 'Owner', 'Status', 'Latest Deploy'],
        apps.map((a) => [a.name, a.org, appStatus(a), a.releases[0]?.createdAt ?? '']),
      ),
    );
  }
  return 0;
}

/**
 * apps create (internal/command/apps/create.go + prompt.Org): the org must be given unless the
 * account has exactly one, personal, org; app names are global.
 * @param {Ctx} ctx
 */
function cmdAppsCreate(ctx) {
  const pre = loadState(ctx.dir);
  requireSession(ctx, pre);
  refuseAppScopedToken(ctx, pre);
  const arg = ctx.args[0] ?? '';
  const flagName = ctx.flags.get('name') ?? '';
  if (arg && flagName && arg !== flagName) {
    throw new CliError(`two app names specified ${arg} and ${flagName}, only one may be specified`);
  }
  let name = arg || flagName;
  if (!name && ctx.flags.get('generate-name')) name = `app-${hex(randomBytes(4))}`;
  if (!name) throw new CliError('app name is required when not running interactively; pass NAME or --generate-name');
  const slug = ctx.flags.get('org') || '';
  const only = pre.orgs.length === 1 ? pre.orgs[0] : undefined;
  /** @type {string} */
  let orgSlug;
  if (slug) {
    if (!pre.orgs.some((o) => o.slug === slug)) throw new CliError(`organization ${slug} not found`);
    orgSlug = slug;
  } else if (only && only.type === 'PERSONAL') {
    ctx.err(`automatically selected personal organization: ${only.name}\n`);
    orgSlug = only.slug;
  } else {
    throw new CliError('org slug must be specified when not running interactively');
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || name.length > 63) {
    throw new CliError('Validation failed: Name may only contain lowercase letters, numbers and dashes');
  }
  const app = mutateState(ctx.dir, (state) => {
    if (state.apps.some((a) => a.name === name) || (state.takenAppNames ?? []).includes(name)) {
      throw new CliError('Validation failed: Name has already been taken', { suggestion: NAME_TAKEN_SUGGESTION });
    }
    nextSeq(state);
    const created = makeApp(name, { org: orgSlug, releases: 0 });
    created.createdAt = isoSeconds();
    state.apps.push(created);
    return { json: appListJson(state, created) };
  });
  ctx.out(ctx.flags.get('json') ? goJson(app.json) : `New app created: ${name}\n`);
  return 0;
}

/** @param {Ctx} ctx */
function cmdReleases(ctx) {
  const { app } = appCommand(ctx, (m, name) => `failed retrieving app releases ${name}: ${m}`);
  const releases = app.releases.slice(0, RELEASES_LIMIT);
  if (ctx.flags.get('json')) {
    ctx.out(goJson(releases.map(releaseJson)));
  } else {
    const headers = ['Version', 'Status', 'Description', 'User', 'Date'];
    if (ctx.flags.get('image')) headers.push('Docker Image');
    ctx.out(
      table(
        headers,
        releases.map((r) => {
          const row = [`v${r.version}`, r.status, r.description, r.user.email, r.createdAt];
          if (ctx.flags.get('image')) row.push(r.image);
          return row;
        }),
      ),
    );
  }
  return 0;
}

/** @param {Ctx} ctx */
function cmdStatus(ctx) {
  const { state, app } = appCommand(ctx, (m) => `failed to get app: ${m}`);
  const org = orgOf(state, app.org);
  const json = {
    AppURL: `https://${app.hostname}`,
    Deployed: isDeployed(app),
    Hostname: app.hostname,
    ID: app.name,
    Machines: app.machines.map((m) => machineJson(state, m)),
    Name: app.name,
    Organization: { ID: org.id, Slug: org.slug, Name: org.name },
    PlatformVersion: 'machines',
    Status: appStatus(app),
    Version: app.currentVersion ?? 0,
  };
  if (ctx.flags.get('json')) {
    ctx.out(goJson(json));
  } else {
    ctx.out(
      `App\n  Name     = ${app.name}\n  Owner    = ${app.org}\n  Hostname = ${app.hostname}\n  Image    = ${app.image ?? '-'}\n\n`,
    );
    ctx.out(
      `Machines\n` +
        table(
          ['Process', 'ID', 'Version', 'Region', 'State', 'Checks', 'Last Updated'],
          app.machines.map((m) => [
            'app',
            m.id,
            String(m.releaseVersion),
            m.region,
            m.state,
            `${m.checks.filter((c) => c.status === 'passing').length} total, ${m.checks.filter((c) => c.status === 'passing').length} passing`,
            m.updatedAt,
          ]),
        ),
    );
  }
  return 0;
}

/** @param {Ctx} ctx */
function cmdSecretsList(ctx) {
  const { state, app } = appCommand(ctx);
  const entries = Object.entries(app.secrets).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const shape = state.secretsJsonShape ?? 'new';
  // Without release timestamps (or machines) flyctl cannot tell what is deployed: all Staged.
  const unknown = app.machines.length === 0 || app.releaseTimestampsUnavailable === true;
  /** @param {import('./types.js').FakeSecret} secret */
  const statusOf = (secret) => (unknown ? 'Staged' : secret.status);
  if (ctx.flags.get('json')) {
    const rows = entries.map(([name, s]) => {
      if (shape === 'old') return { Name: name, Digest: s.digest, CreatedAt: s.createdAt };
      if (shape === 'mid') return { name, digest: s.digest, created_at: s.createdAt, updated_at: s.updatedAt };
      return { name, digest: s.digest, status: statusOf(s) };
    });
    ctx.out(goJson(rows));
  } else if (shape === 'new') {
    ctx.out(
      table(
        ['Name', 'Digest', 'Status'],
        entries.map(([n, s]) => [n, s.digest, statusOf(s)]),
      ),
    );
  } else {
    ctx.out(
      table(
        ['Name', 'Digest', 'Created At'],
        entries.map(([n, s]) => [n, s.digest, s.createdAt]),
      ),
    );
  }
  return 0;
}

/**
 * @param {Ctx} ctx
 * @param {string} stdin
 */
function recordStdin(ctx, stdin) {
  /** @type {Partial<FakeFlyCallRecord>} */
  const rec = { id: ctx.callId, stdin };
  fs.appendFileSync(path.join(ctx.dir, 'calls.jsonl'), JSON.stringify(rec) + '\n');
}

/**
 * Sets/unsets secrets, then stages or deploys them like SetSecretsAndDeploy.
 * @param {Ctx} ctx
 * @param {string} appName
 * @param {FakeUser} user
 * @param {Map<string, string>} set
 * @param {string[]} unset
 */
function applySecrets(ctx, appName, user, set, unset) {
  const stage = Boolean(ctx.flags.get('stage'));
  const result = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    const at = isoSeconds();
    const deployed = isDeployed(app);
    const status = stage || !deployed ? 'Staged' : 'Deployed';
    for (const [name, value] of set) {
      const prev = app.secrets[name];
      app.secrets[name] = {
        value,
        digest: secretDigest(value),
        status,
        createdAt: prev?.createdAt ?? at,
        updatedAt: at,
      };
      app.pendingUnsets = app.pendingUnsets.filter((n) => n !== name);
    }
    for (const name of unset) {
      if (!(name in app.secrets)) continue;
      delete app.secrets[name];
      if (status === 'Staged' && !app.pendingUnsets.includes(name)) app.pendingUnsets.push(name);
    }
    if (stage) return { kind: 'staged' };
    if (!deployed) return { kind: 'first' };
    const rel = restartRelease(state, app, user, 'Update secrets');
    return { kind: 'release', release: rel, lines: machineUpdateLines(app, 'rolling') };
  });
  if (result.kind === 'staged') ctx.out(STAGED_MESSAGE + '\n');
  else if (result.kind === 'first') ctx.out('Secrets are staged for the first deployment\n');
  else if (result.release) {
    ctx.out(`Release v${result.release.version} created\n${result.lines}`);
    emitReleaseJson(ctx, result.release);
  }
  return 0;
}

/**
 * FLY_EMIT_RELEASE_JSON (any non-empty value): the compact release line on stdout.
 * @param {Ctx} ctx
 * @param {{ id: string, version: number, image: string }} release
 */
function emitReleaseJson(ctx, release) {
  if (ctx.env.FLY_EMIT_RELEASE_JSON) {
    ctx.out(JSON.stringify({ id: release.id, version: release.version, image_ref: release.image }) + '\n');
  }
}

/** @param {Ctx} ctx */
async function cmdSecretsImport(ctx) {
  const { user, appName } = appCommand(ctx);
  const input = await ctx.readStdin();
  recordStdin(ctx, input.toString('utf8'));
  let secrets;
  try {
    secrets = parseSecretsImport(input);
  } catch (e) {
    if (e instanceof SecretsParseError) throw new CliError(`Failed to parse secrets from stdin: ${e.message}`);
    if (e instanceof GoPanic) {
      // main.go recovers the panic: sentry prints on stdout, flyctl exits 3.
      ctx.out(
        `Oops, something went wrong! Could you try that again?\n\n${e.message}\ngoroutine 1 [running]:\ngithub.com/superfly/flyctl/internal/command/secrets.parseSecrets({0x0, 0x0})\n\t/home/runner/work/flyctl/flyctl/internal/command/secrets/parser.go:56\n\n`,
      );
      return EXIT_PANIC;
    }
    throw e;
  }
  const entries = Object.entries(secrets);
  if (entries.length < 1) throw new CliError('requires at least one SECRET=VALUE pair');
  return applySecrets(ctx, appName, user, new Map(entries), []);
}

/** @param {Ctx} ctx */
async function cmdSecretsSet(ctx) {
  const { user, appName } = appCommand(ctx);
  /** @type {Map<string, string>} */
  const secrets = new Map();
  for (const arg of ctx.args) {
    const eq = arg.indexOf('=');
    if (eq === -1) throw new CliError(`could not parse secrets: '${arg}': must be in the format NAME=VALUE`);
    secrets.set(arg.slice(0, eq), arg.slice(eq + 1));
  }
  for (const [k, v] of secrets) {
    if (v !== '-') continue;
    if (!ctx.pipedStdin) throw new CliError(`secret \`${k}\` expects standard input but none provided`);
    const input = await ctx.readStdin();
    recordStdin(ctx, input.toString('utf8'));
    if (input.length > 64 * 1024)
      throw new CliError(`error reading stdin for '${k}': Input exceeded max length of ${64 * 1024} bytes`);
    secrets.set(k, goTrimSpace(input.toString('utf8')));
  }
  if (secrets.size < 1) throw new CliError('requires at least one SECRET=VALUE pair');
  return applySecrets(ctx, appName, user, secrets, []);
}

/** @param {Ctx} ctx */
function cmdSecretsUnset(ctx) {
  const { user, appName } = appCommand(ctx);
  return applySecrets(ctx, appName, user, new Map(), ctx.args);
}

/** @param {Ctx} ctx */
function cmdSecretsDeploy(ctx) {
  const { user, appName, app } = appCommand(ctx);
  if (!isDeployed(app) || app.machines.length === 0) {
    throw new CliError('no machines available to deploy', {
      description: "'fly secrets deploy' will only work if the app has been deployed and there are machines available",
      suggestion: "Try 'fly deploy' first",
    });
  }
  // Nothing staged or not, flyctl restarts every machine (a restart-only deploy).
  const result = mutateState(ctx.dir, (state) => {
    const a = appIn(state, appName);
    const rel = restartRelease(state, a, user, 'Deploy staged secrets');
    return { release: rel, lines: machineUpdateLines(a, 'rolling') };
  });
  ctx.out(`Release v${result.release.version} created\n${result.lines}`);
  emitReleaseJson(ctx, result.release);
  return 0;
}

/** @param {Ctx} ctx */
function cmdVolumesList(ctx) {
  const { app } = appCommand(ctx);
  if (ctx.flags.get('json')) {
    ctx.out(goJson(app.volumes.map(volumeJson)));
  } else {
    ctx.out(
      table(
        ['ID', 'State', 'Name', 'Size', 'Region', 'Zone', 'Encrypted', 'Attached VM', 'Created At'],
        app.volumes.map((v) => [
          v.id,
          v.state,
          v.name,
          `${v.sizeGb}GB`,
          v.region,
          v.zone,
          String(v.encrypted),
          v.attachedMachineId ?? '',
          v.createdAt,
        ]),
      ),
    );
  }
  return 0;
}

const REGIONS = new Set([
  'ams',
  'arn',
  'atl',
  'bog',
  'bom',
  'bos',
  'cdg',
  'den',
  'dfw',
  'ewr',
  'eze',
  'fra',
  'gdl',
  'gig',
  'gru',
  'hkg',
  'iad',
  'jnb',
  'lax',
  'lhr',
  'mad',
  'mia',
  'nrt',
  'ord',
  'otp',
  'phx',
  'qro',
  'scl',
  'sea',
  'sin',
  'sjc',
  'syd',
  'waw',
  'yul',
  'yyz',
]);

/**
 * volumes create (internal/command/volumes/create.go): the confirmation first (asked only when
 * no volume of that name exists yet and --count is 1: --yes answers it), then the region
 * (--region or FLY_REGION; flyctl asks for one otherwise), then --count volumes.
 * @param {Ctx} ctx
 */
function cmdVolumesCreate(ctx) {
  const { app: app0, appName } = appCommand(ctx);
  const name = ctx.args[0] ?? '';
  if (!/^[a-z0-9_]+$/.test(name) || name.length > 30) {
    throw new CliError(
      'volume name can only contain lowercase letters, numbers and underscores, and be at most 30 characters long',
    );
  }
  const count = ctx.flags.has('count') ? ctx.flags.get('count') : 1;
  const sameName = app0.volumes.filter((v) => v.name === name).length;
  if (!ctx.flags.get('yes') && count <= 1 && sameName === 0) {
    ctx.err(
      'Warning! Every volume is pinned to a specific physical host. You should create two or more volumes per application to avoid downtime. Learn more at https://fly.io/docs/volumes/overview/\n',
    );
    throw new CliError('yes flag must be specified when not running interactively');
  }
  const region = ctx.flags.get('region') || ctx.env.FLY_REGION || '';
  if (!region) throw new CliError('region code must be specified when not running interactively');
  if (!REGIONS.has(region)) throw new CliError(`region ${region} not found`);
  const size = ctx.flags.has('size') ? ctx.flags.get('size') : 1;
  if (size < 1) throw new CliError('failed to create volume: size must be at least 1GB');
  const volumes = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    /** @type {FakeVolume[]} */
    const made = [];
    for (let n = 0; n < count; n++) made.push(addVolume(state, app, name, size, region));
    return made;
  });
  for (const vol of volumes) {
    if (ctx.flags.get('json')) {
      ctx.out(goJson(volumeJson(vol)));
    } else {
      ctx.out(
        `                  ID: ${vol.id}\n                Name: ${vol.name}\n                 App: ${appName}\n              Region: ${vol.region}\n                Zone: ${vol.zone}\n             Size GB: ${vol.sizeGb}\n           Encrypted: true\n          Created at: ${vol.createdAt}\n`,
      );
    }
  }
  return 0;
}

/**
 * A new, unattached volume of the app.
 * @param {FakeFlyState} state
 * @param {FakeApp} app
 * @param {string} name
 * @param {number} sizeGb
 * @param {string} region
 * @returns {FakeVolume}
 */
function addVolume(state, app, name, sizeGb, region) {
  nextSeq(state);
  const h = sha256hex(`volume:${app.name}:${name}:${ulid()}`);
  /** @type {FakeVolume} */
  const volume = {
    id: `vol_${BigInt('0x' + h.slice(0, 20))
      .toString(36)
      .padStart(16, '0')
      .slice(0, 16)}`,
    name,
    state: 'created',
    sizeGb,
    region,
    zone: h.slice(20, 24),
    encrypted: true,
    attachedMachineId: null,
    createdAt: isoSeconds(),
  };
  app.volumes.push(volume);
  return volume;
}

/** @param {Ctx} ctx */
function cmdScaleMemory(ctx) {
  const { appName } = appCommand(ctx);
  const raw = ctx.args[0] ?? '';
  if (!/^\d+$/.test(raw)) throw new CliError(`invalid memory size "${raw}"`);
  const memoryMb = Number.parseInt(raw, 10);
  const updated = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    if (app.machines.length === 0) throw new CliError(`app ${appName} has no machines to scale`);
    const at = isoSeconds();
    for (const m of app.machines) {
      m.memoryMb = memoryMb;
      m.version = ulid();
      m.updatedAt = at;
      appendLog(app, `Machine restarted with ${memoryMb} MB of memory`, { instance: m.id, region: m.region });
    }
    return app.machines.map((m) => m.id);
  });
  for (const id of updated) ctx.out(`Updating machine ${id}\nMachine ${id} updated successfully!\n`);
  ctx.out(`Scaled VM Type to\n shared-cpu-1x\n      CPU Cores: 1\n         Memory: ${memoryMb} MB\n`);
  return 0;
}

/**
 * scale count N (scale/count_machines.go): a plan, --yes when nobody can confirm, then new
 * machines like the first one, each mounting an unattached volume of the app's mount (created
 * when there is none), or the newest machines destroyed.
 * @param {Ctx} ctx
 */
function cmdScaleCount(ctx) {
  const { app: app0, appName } = appCommand(ctx);
  const raw = ctx.args[0] ?? '';
  if (!/^\d+$/.test(raw)) throw new CliError(`invalid count: ${raw}`);
  const count = Number(raw);
  if (!app0.releases.some((r) => r.status === 'complete')) {
    throw new CliError('this app has no complete releases. Run `fly deploy` to create one and rerun this command');
  }
  const current = app0.machines.length;
  if (count === current) {
    ctx.out('App already scaled to desired state. No need for changes\n');
    return 0;
  }
  const region = ctx.flags.get('region') || app0.machines[0]?.region || 'iad';
  const mount = app0.mounts?.[0];
  const free = mount ? app0.volumes.filter((v) => v.name === mount.source && !v.attachedMachineId).length : 0;
  const toCreate = mount ? Math.max(0, count - current - free) : 0;
  // Go's %+4d: the sign always, right-aligned in 4.
  const signed = (/** @type {number} */ n) => `${n > 0 ? '+' : ''}${n}`.padStart(4);
  ctx.out(`App '${appName}' is going to be scaled according to this plan:\n`);
  ctx.out(`${signed(count - current)} machines for group 'app' on region '${region}' of size 'shared-cpu-1x'\n`);
  if (mount && count > current) ctx.out(`${signed(toCreate)} volumes  for group 'app' in region '${region}'\n`);
  if (!ctx.flags.get('yes')) throw new CliError('--yes flag must be specified when not running interactively');
  ctx.out('Executing scale plan\n');
  const lines = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    const template = app.machines[0];
    /** @type {string[]} */
    const out = [];
    const at = isoSeconds();
    while (app.machines.length < count && template) {
      const machine = makeMachine({
        appName,
        index: app.machines.length,
        image: template.image,
        region,
        releaseVersion: template.releaseVersion,
        releaseId: template.releaseId,
        at,
      });
      let volume = mount ? app.volumes.find((v) => v.name === mount.source && !v.attachedMachineId) : undefined;
      if (mount && !volume) {
        const size = app.volumes.find((v) => v.name === mount.source)?.sizeGb ?? 1;
        out.push(`  Creating volume ${mount.source} region:${region} size:${size}GiB\n`);
        volume = addVolume(state, app, mount.source, size, region);
      }
      if (volume) volume.attachedMachineId = machine.id;
      app.machines.push(machine);
      out.push(
        `  Created ${machine.id} group:app region:${region} size:shared-cpu-1x${volume ? ` volume:${volume.id}` : ''}\n`,
      );
    }
    while (app.machines.length > count) {
      const machine = app.machines.pop();
      if (!machine) break;
      for (const v of app.volumes) if (v.attachedMachineId === machine.id) v.attachedMachineId = null;
      out.push(`  Destroyed ${machine.id} group:app region:${machine.region} size:shared-cpu-1x\n`);
    }
    return out;
  });
  ctx.out(lines.join(''));
  return 0;
}

/** @param {Ctx} ctx */
function cmdCertsList(ctx) {
  appCommand(ctx);
  ctx.out(ctx.flags.get('json') ? goJson([]) : table(['Host Name', 'Added', 'Status'], []));
  return 0;
}

/** @param {Ctx} ctx */
function cmdAppsOpen(ctx) {
  const { app } = appCommand(ctx);
  const relative = (ctx.args[0] ?? '').replace(/^\/+/, '');
  ctx.out(`opening https://${app.hostname}/${relative} ...\n`);
  return 0;
}

/**
 * @param {FakeLogEntry} e
 * @param {boolean} json
 */
function formatLog(e, json) {
  if (json) {
    return goJson({
      timestamp: e.timestamp,
      message: e.message,
      level: e.level,
      instance: e.instance,
      region: e.region,
      meta: { instance: e.instance, region: e.region, event: { provider: 'app' } },
    });
  }
  // render.LogEntry with HideAllocID + HideRegion: "<ts> app[<id>] <region> [<level>]<message>"
  return `${e.timestamp} app[${e.instance}] ${e.region} [${e.level}]${e.message.replace(/\n/g, ' ')}\n`;
}

/** @param {Ctx} ctx */
async function cmdLogs(ctx) {
  const { appName } = appCommand(ctx);
  const instance = ctx.flags.get('machine') || ctx.flags.get('instance');
  const region = ctx.flags.get('region');
  const json = Boolean(ctx.flags.get('json'));
  let lastSeq = 0;
  const print = () => {
    const app = appIn(loadState(ctx.dir), appName);
    for (const e of app.logs) {
      if (e.seq <= lastSeq) continue;
      lastSeq = e.seq;
      if (instance && e.instance !== instance) continue;
      if (region && e.region !== region) continue;
      ctx.out(formatLog(e, json));
    }
  };
  print();
  if (ctx.flags.get('no-tail')) return 0;
  // Stream until interrupted (exit 127, see runFlyctl).
  const timer = setInterval(() => {
    try {
      print();
    } catch {
      // state being replaced; try again next tick
    }
  }, 200);
  try {
    return await ctx.hang();
  } finally {
    clearInterval(timer);
  }
}

/**
 * flyctl deploy, in flyctl's order: verify the config (stdout), get the image (--image is
 * searched in the registry; otherwise build the Dockerfile flyctl resolves and push it),
 * stop there with --build-only, validate the strategy again, record a release, run the
 * release command, create or update the machines, wait for health checks (not with
 * immediate or --detach).
 * @param {Ctx} ctx
 */
async function cmdDeploy(ctx) {
  const state0 = loadState(ctx.dir);
  const user = requireSession(ctx, state0);
  const wd = workingDirectory(ctx);
  const cfg = loadConfig(ctx, wd);
  const appName = appNameOf(ctx, cfg);
  const app0 = visibleApp(ctx, state0, appName);
  const mounts = cfg ? cfg.mounts : (app0.mounts ?? []);
  const fault = ctx.fault;

  ctx.err(`==> Verifying app config\n`);
  if (cfg) validateConfig(ctx.out, cfg.path, cfg.strategy, mounts, true);
  ctx.err(`--> Verified app config\n`);

  const image = resolveImage(ctx, app0, cfg, wd);
  if (ctx.flags.get('build-only')) return 0;
  checkDurationFlag(ctx, 'wait-timeout');
  ctx.out(`\nWatch your deployment at https://fly.io/apps/${appName}/monitoring\n\n`);

  /** @type {string | undefined} */
  const strategyFlag = ctx.flags.get('strategy');
  // NewMachineDeployment validates again with --strategy applied; only failures are printed.
  if (strategyFlag) validateConfig(ctx.err, cfg?.path ?? '', strategyFlag, mounts, false);
  const strategy = /** @type {DeployStrategy} */ (strategyFlag ?? cfg?.strategy ?? 'rolling');
  if (strategy === 'bluegreen' && (mounts.length > 0 || app0.volumes.some((v) => v.attachedMachineId))) {
    throw new CliError(`the ${strategy} deployment strategy is not supported for apps with volumes`);
  }
  const ha = ctx.flags.has('ha') ? Boolean(ctx.flags.get('ha')) : true;
  const detach = Boolean(ctx.flags.get('detach'));
  const releaseCommand = ctx.flags.get('skip-release-command') ? undefined : cfg?.releaseCommand;

  // 1. The release is recorded as running.
  const release = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    nextSeq(state);
    /** @type {FakeRelease} */
    const rel = {
      id: `rel_${ulid()}`,
      version: (app.releases[0]?.version ?? 0) + 1,
      status: 'running',
      description: 'Deploy image',
      reason: '',
      strategy,
      image,
      createdAt: isoSeconds(),
      user: { ...user },
    };
    app.releases.unshift(rel);
    return { id: rel.id, version: rel.version };
  });
  /** @param {'interrupted' | 'failed'} status */
  const finish = (status) =>
    mutateState(ctx.dir, (state) => {
      const rel = appIn(state, appName).releases.find((r) => r.id === release.id);
      if (rel && rel.status === 'running') rel.status = status;
    });
  ctx.onInterrupt(() => finish('interrupted'));

  // 2. The release command runs in the new image, before any machine changes.
  if (releaseCommand) {
    const runner = machineIdentityFor(`release-command:${release.id}`);
    ctx.err(`Running ${appName} release_command: ${releaseCommand}\n`);
    mutateState(ctx.dir, (state) => {
      const app = appIn(state, appName);
      (app.releaseCommands ??= []).push({
        command: releaseCommand,
        image,
        releaseVersion: release.version,
        at: isoSeconds(),
      });
    });
    if (fault?.releaseCommandExit) {
      finish('failed');
      ctx.onInterrupt(null);
      ctx.err(
        `Error release_command failed running on machine ${runner} with exit code ${fault.releaseCommandExit}.\n`,
      );
      throw new CliError(
        `release command failed - aborting deployment. machine ${runner} exited with non-zero status of ${fault.releaseCommandExit}`,
      );
    }
    ctx.err(` ✔ release_command ${runner} completed successfully\n`);
  }

  // 3. The machines take the new image (bluegreen: green machines come later).
  const started = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    const rel = app.releases.find((r) => r.id === release.id);
    if (!rel) throw new CliError(`release ${release.id} vanished`);
    const at = isoSeconds();
    const region = ctx.flags.get('primary-region') || cfg?.primaryRegion || app.machines[0]?.region || 'iad';
    const created = app.machines.length === 0;
    /** @type {string[]} */
    const notes = [];
    if (created) {
      // "Create only 1 machine if the group has mounts", whatever --ha says.
      const count = mounts.length > 0 ? 1 : ha ? 2 : 1;
      for (let i = 0; i < count; i++) {
        app.machines.push(
          makeMachine({ appName, index: i, image, region, releaseVersion: rel.version, releaseId: rel.id, at }),
        );
      }
      if (count === 2) {
        notes.push(
          'Creating a second machine for high availability and zero downtime deployments.\nTo disable this, set "min_machines_running = 0" in your fly.toml.\n',
        );
      }
      // provisionVolumesOnFirstDeploy: each machine mounts an unattached volume of the mount's name.
      for (const mount of mounts) {
        for (const machine of app.machines) {
          let volume = app.volumes.find((v) => v.name === mount.source && !v.attachedMachineId);
          if (!volume) {
            const size = cfg?.mounts.find((m) => m.source === mount.source)?.initialSizeGb ?? 1;
            notes.push(
              `Creating a ${size} GB volume named '${mount.source}' for process group 'app'. Use 'fly vol extend' to increase its size\n`,
            );
            volume = addVolume(state, app, mount.source, size, region);
          }
          volume.attachedMachineId = machine.id;
        }
      }
    } else if (strategy !== 'bluegreen') {
      for (const m of app.machines) {
        m.image = image;
        m.releaseVersion = rel.version;
        m.releaseId = rel.id;
        m.version = ulid();
        m.instanceId = ulid();
        m.updatedAt = at;
        appendLog(app, `Pulling container image ${image}`, { instance: m.id, region: m.region });
      }
    }
    if (created || strategy !== 'bluegreen') {
      app.image = image;
      app.currentVersion = rel.version;
    }
    pinPulledDigests(state, app, image);
    app.mounts = mounts.map((m) => ({ source: m.source, destination: m.destination }));
    return { created, notes, machines: app.machines.map((m) => m.id) };
  });
  ctx.out(started.notes.join(''));

  if (fault?.delayMs) await ctx.sleep(fault.delayMs);
  if (fault?.hang) {
    ctx.out(
      `${started.created ? 'Creating' : 'Updating existing'} machines in '${appName}' with ${strategy} strategy\n\n-------\n`,
    );
    return ctx.hang();
  }

  const n = started.machines.length;
  const failing = started.machines[0] ?? 'unknown';
  if (fault?.stateTimeout) {
    finish('failed');
    ctx.onInterrupt(null);
    ctx.out(
      `Updating existing machines in '${appName}' with ${strategy} strategy\n\n-------\n ✖ [1/${n}] Machine ${failing} [app] update failed: timeout reached waiting for machine's state to change\n-------\n`,
    );
    throw new CliError(deployRetried(ctx, failing, "timeout reached waiting for machine's state to change"), {
      description:
        "Your machine was created, but never started or exited immediately. This could mean that your app is taking a long time to start,\nbut it could be indicative of a region issue.\n\nAlternatively, your app may have exited immediately due to a startup failure. Check your Dockerfile\nto ensure it specifies a valid start command (e.g., check that your 'CMD' or 'ENTRYPOINT' is correct).\nYou can also try running 'fly logs' to see what happened when the machine tried to start.",
      suggestion:
        'You can try deploying to a different region,\nor you can try increasing the timeout with the --wait-timeout flag',
    });
  }

  // flyctl waits for the health checks except with --detach and with the immediate strategy,
  // which replaces the machines and exits 0 with the release complete, healthy or not.
  const unhealthy = Boolean(fault?.healthTimeout);
  if (unhealthy && strategy !== 'immediate') {
    mutateState(ctx.dir, (state) => {
      const app = appIn(state, appName);
      const rel = app.releases.find((r) => r.id === release.id);
      const at = isoSeconds();
      if (rel && !detach) rel.status = 'failed';
      if (strategy !== 'bluegreen' || started.created) {
        applyStagedSecrets(app);
        for (const m of app.machines) {
          m.checks = m.checks.map((c) => ({
            ...c,
            status: 'critical',
            output: checkOutput('critical'),
            updatedAt: at,
          }));
          appendLog(app, 'Health check on port 8080 has failed. Your app is not responding properly.', {
            level: 'error',
            instance: m.id,
            region: m.region,
          });
        }
      }
    });
    ctx.onInterrupt(null);
    if (detach) {
      ctx.out(
        `${started.created ? 'Creating' : 'Updating existing'} machines in '${appName}' with ${strategy} strategy\n\n-------\n-------\nRelease v${release.version} created\n`,
      );
      return 0;
    }
    if (strategy === 'bluegreen') {
      ctx.out(
        `Creating green machines\n  Created machine ${failing}\n\nWaiting for all green machines to be healthy\n  Machine ${failing} - unhealthy\n\nRolling back failed deployment\n  Deleted machine ${failing} [green]\n`,
      );
    } else {
      ctx.out(
        `Updating existing machines in '${appName}' with ${strategy} strategy\n\n-------\n ✖ [1/${n}] Machine ${failing} [app] update failed: timeout reached waiting for health checks to pass\n-------\n`,
      );
    }
    throw new CliError(
      deployRetried(
        ctx,
        failing,
        `timeout reached waiting for health checks to pass for machine ${failing}: context deadline exceeded`,
      ),
    );
  }

  // 4. Success.
  const done = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    const rel = app.releases.find((r) => r.id === release.id);
    if (!rel) throw new CliError(`release ${release.id} vanished`);
    const at = isoSeconds();
    rel.status = 'complete';
    if (strategy === 'bluegreen' && !started.created) {
      // Green machines replace the blue ones (new ids), then the blue ones are destroyed.
      app.machines = app.machines.map((m, i) =>
        makeMachine({ appName, index: i, image, region: m.region, releaseVersion: rel.version, releaseId: rel.id, at }),
      );
      app.image = image;
      app.currentVersion = rel.version;
      pinPulledDigests(state, app, image);
    }
    const checks = unhealthy ? 'critical' : 'passing';
    for (const m of app.machines) {
      m.checks = m.checks.map((c) => ({ ...c, status: checks, output: checkOutput(checks), updatedAt: at }));
      appendLog(app, 'Machine started in 512ms', { instance: m.id, region: m.region });
      if (unhealthy) {
        appendLog(app, 'Health check on port 8080 has failed. Your app is not responding properly.', {
          level: 'error',
          instance: m.id,
          region: m.region,
        });
      }
    }
    applyStagedSecrets(app);
    return {
      lines: machineUpdateLines(app, strategy),
      hostname: app.hostname,
      machines: app.machines.map((m) => m.id),
    };
  });
  ctx.onInterrupt(null);
  if (started.created) {
    ctx.out(
      `Creating machines in '${appName}'\n${done.machines.map((id) => `Created machine ${id} [app]\n`).join('')}`,
    );
  } else if (strategy === 'bluegreen') {
    ctx.out(
      `Creating green machines\n${done.machines.map((id) => `  Created machine ${id} [app]\n`).join('')}\nWaiting for all green machines to be healthy\n\nMarking green machines as ready\n\nDestroying blue machines\n`,
    );
  } else {
    ctx.out(done.lines);
  }
  if (!detach) ctx.out(`Checking DNS configuration for ${done.hostname}\n`);
  // The release line comes before "Visit …".
  emitReleaseJson(ctx, { id: release.id, version: release.version, image });
  if (!detach) ctx.out(`\nVisit your newly deployed app at https://${done.hostname}/\n`);
  return 0;
}

/**
 * `flyctl deploy [WORKING_DIRECTORY]` changes into it first: it is the build context, and
 * relative --config / --dockerfile paths start there.
 * @param {Ctx} ctx
 */
function workingDirectory(ctx) {
  if (ctx.args[0] === undefined) return ctx.cwd;
  const target = path.resolve(ctx.cwd, ctx.args[0]);
  if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) {
    throw new CliError(`chdir ${ctx.args[0]}: no such file or directory`);
  }
  return target;
}

/**
 * appconfig.Validate as far as deploys go: "Validating <file>", the reasons, then
 * "✘invalid app configuration" and `Error: App configuration is not valid` (only the reasons
 * on the written stream say why). `always`: print the success lines too (the first check).
 * @param {(s: string) => void} write
 * @param {string} file
 * @param {string | undefined} strategy
 * @param {{ source: string }[]} mounts
 * @param {boolean} always
 */
function validateConfig(write, file, strategy, mounts, always) {
  let info = '';
  if (strategy) {
    if (!CONFIG_STRATEGIES.includes(strategy)) {
      info += `unsupported deployment strategy '${strategy}'; Apps v2 supports the following strategies: ${CONFIG_STRATEGIES.join(', ')}`;
    }
    if (strategy === 'canary' && mounts.length > 0) {
      info += 'error canary deployment strategy is not supported when using mounted volumes';
    }
  }
  if (info) {
    write(`Validating ${file}\n${info}\n   ✘invalid app configuration\n`);
    throw new CliError('App configuration is not valid');
  }
  if (always) write(`Validating ${file}\n✓ Configuration is valid\n`);
}

/**
 * The image to deploy: --image (or [build] image) searched in Fly's registry, else a build of
 * the resolved Dockerfile tagged registry.fly.io/<app>:<--image-label or deployment-ULID>,
 * pushed unless --build-only without --push.
 * @param {Ctx} ctx
 * @param {FakeApp} app
 * @param {FlyConfig | null} cfg
 * @param {string} wd
 * @returns {string}
 */
function resolveImage(ctx, app, cfg, wd) {
  const given = ctx.flags.get('image') || cfg?.image;
  const fetchFailed = (/** @type {string} */ why) =>
    new CliError(`failed to fetch an image or build from source: ${why}`);
  if (given) {
    ctx.err(`Searching for image '${given}' remotely...\n`);
    if (!imageVisibleTo(loadState(ctx.dir), app, given))
      throw fetchFailed(`could not find image ${JSON.stringify(given)}`);
    ctx.err(`image found: img_${sha256hex(given).slice(0, 16)}\nimage: ${given}\nimage size: 87 MB\n\n`);
    return given;
  }
  ctx.err(`==> Building image\n`);
  const dockerfile = resolveDockerfile(ctx, cfg, wd, fetchFailed);
  const label = ctx.flags.get('image-label') || `deployment-${ulid()}`;
  const ref = `registry.fly.io/${app.name}:${label}`;
  const pushed = Boolean(ctx.flags.get('push')) || !ctx.flags.get('build-only');
  ctx.err(
    `Remote builder fly-builder-${sha256hex(app.name).slice(0, 8)} ready\n==> Building image with Docker\n--> Building image done\n`,
  );
  if (pushed) ctx.err(`==> Pushing image to fly\n--> Pushing image done\n`);
  mutateState(ctx.dir, (state) => {
    const images = (state.images ??= []).filter((i) => i.ref !== ref);
    images.push({
      ref,
      repository: app.name,
      tag: label,
      digest: `sha256:${sha256hex(`build:${ref}:${ulid()}`)}`,
      labels: imageLabels(ctx),
      pushed,
      dockerfile,
      context: wd,
      createdAt: isoSeconds(),
    });
    state.images = images;
    state.prunedImages = (state.prunedImages ?? []).filter((r) => r !== ref);
  });
  ctx.err(`image: ${ref}\nimage size: 87 MB\n\n`);
  return ref;
}

/**
 * resolveDockerfilePath: `[build] dockerfile` relative to the config file's folder (then
 * --dockerfile is ignored); else --dockerfile (relative to the working directory); else a
 * Dockerfile in the working directory. A named file that is missing fails the build.
 * @param {Ctx} ctx
 * @param {FlyConfig | null} cfg
 * @param {string} wd
 * @param {(why: string) => CliError} fetchFailed
 */
function resolveDockerfile(ctx, cfg, wd, fetchFailed) {
  const flag = ctx.flags.get('dockerfile');
  const named = cfg?.dockerfile ? path.resolve(cfg.dir, cfg.dockerfile) : flag ? path.resolve(wd, flag) : null;
  if (named) {
    if (!fs.existsSync(named) || !fs.statSync(named).isFile()) throw fetchFailed(`dockerfile '${named}' not found`);
    return named;
  }
  const found = ['Dockerfile', 'dockerfile'].map((f) => path.join(wd, f)).find((f) => fs.existsSync(f));
  if (found) return found;
  if (cfg?.buildpacks) return '';
  throw fetchFailed(NO_DOCKERFILE);
}

/**
 * Labels flyctl puts on a build: `--label k=v`, and GH_* inside GitHub Actions.
 * @param {Ctx} ctx
 * @returns {Record<string, string>}
 */
function imageLabels(ctx) {
  /** @type {Record<string, string>} */
  const labels = {};
  for (const kv of ctx.flags.get('label') ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) labels[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (/^(1|t|true)$/i.test(ctx.env.GITHUB_ACTIONS ?? '')) {
    labels.GH_SHA = ctx.env.GITHUB_SHA ?? '';
    labels.GH_ACTION_NAME = ctx.env.GITHUB_ACTION ?? '';
    labels.GH_REPO = ctx.env.GITHUB_REPOSITORY ?? '';
    labels.GH_EVENT_NAME = ctx.env.GITHUB_EVENT_NAME ?? '';
  }
  return labels;
}

/**
 * Whether the registry gives `ref` to `app`: not pruned, pushed (a --build-only image without
 * --push never left the builder), and from an app of the same organization.
 * @param {FakeFlyState} state
 * @param {FakeApp} app
 * @param {string} ref
 */
function imageVisibleTo(state, app, ref) {
  if ((state.prunedImages ?? []).includes(ref)) return false;
  const known = (state.images ?? []).find((i) => i.ref === ref);
  if (known && !known.pushed) return false;
  const m = /^registry\.fly\.io\/([^:@/]+)[:@]/.exec(ref);
  const owner = m ? state.apps.find((a) => a.name === m[1]) : undefined;
  return !owner || owner.org === app.org;
}

/**
 * A machine id for a one-off machine (the release command's).
 * @param {string} seed
 */
function machineIdentityFor(seed) {
  return sha256hex(seed).slice(0, 14);
}

/**
 * deploy's parseDurationFlag: a Go duration, bare seconds, or "none".
 * @param {Ctx} ctx
 * @param {string} name
 */
function checkDurationFlag(ctx, name) {
  const value = ctx.flags.get(name);
  if (value === undefined || value === 'none' || durationError(value) === null || /^[-+]?\d+$/.test(value)) return;
  throw new CliError(
    `invalid duration value ${value} used for --${name} flag: valid options are a number of seconds, number with time unit (i.e.: 5m, 180s) or 'none'`,
  );
}

/**
 * With deploy retries on (`--deploy-retries N`, N > 0), a machine update that fails for good is
 * reported as unrecoverable (deploy/plan.go).
 * @param {Ctx} ctx
 * @param {string} machine
 * @param {string} message
 */
function deployRetried(ctx, machine, message) {
  const retries = ctx.flags.get('deploy-retries');
  return retries && retries !== '0' ? `failed to update machine ${machine}: Unrecoverable error: ${message}` : message;
}

/** @type {Record<string, (ctx: Ctx) => number | Promise<number>>} */
const HANDLERS = {
  version: cmdVersion,
  'auth whoami': cmdWhoami,
  'apps list': cmdAppsList,
  'apps create': cmdAppsCreate,
  releases: cmdReleases,
  deploy: cmdDeploy,
  status: cmdStatus,
  'secrets list': cmdSecretsList,
  'secrets set': cmdSecretsSet,
  'secrets unset': cmdSecretsUnset,
  'secrets import': cmdSecretsImport,
  'secrets deploy': cmdSecretsDeploy,
  'volumes list': cmdVolumesList,
  'volumes create': cmdVolumesCreate,
  logs: cmdLogs,
  'scale memory': cmdScaleMemory,
  'scale count': cmdScaleCount,
  'certs list': cmdCertsList,
  'apps open': cmdAppsOpen,
};

// ---------------------------------------------------------------------------------------------
// Faults

/**
 * Takes (and consumes one use of) the fault for this call, if any.
 * @param {string} dir
 * @param {string} command
 * @param {string | null} app
 * @returns {FaultSpec | null}
 */
function takeFault(dir, command, app) {
  const peek = loadState(dir).faults?.[command];
  if (!peek || (Array.isArray(peek) && peek.length === 0)) return null;
  return mutateState(dir, (state) => {
    const raw = state.faults[command];
    /** @type {FaultSpec[]} */
    const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
    for (let i = 0; i < list.length; i++) {
      const f = list[i];
      if (!f) continue;
      if (f.app && f.app !== app) continue;
      if (f.times !== undefined) {
        if (f.times <= 0) continue;
        f.times -= 1;
        if (f.times <= 0) list.splice(i, 1);
      }
      if (list.length) state.faults[command] = list;
      else delete state.faults[command];
      return { ...f };
    }
    return null;
  });
}

// ---------------------------------------------------------------------------------------------
// Main

/**
 * Runs one flyctl call against the state directory named by io.env.FAKE_FLYCTL_STATE and
 * returns its exit code. Never throws. Everything it touches outside that directory comes
 * through io, so concurrent in-process calls share nothing but the state (under its lock).
 * @param {string[]} argv
 * @param {FlyctlIO} io
 * @returns {Promise<number>}
 */
export async function runFlyctl(argv, io) {
  // Installed before the call is recorded: a caller that saw the record may interrupt at once.
  const rt = createRuntime(io);
  try {
    const code = await runCall(argv, io, rt);
    return rt.stopped() ? EXIT_INTERRUPTED : code;
  } catch (e) {
    if (e instanceof Stopped || rt.stopped()) return EXIT_INTERRUPTED;
    rt.err(`Error: fake flyctl crashed: ${e instanceof Error ? e.stack : String(e)}\n`);
    return 1;
  } finally {
    rt.dispose();
  }
}

/**
 * @param {string[]} argv
 * @param {FlyctlIO} io
 * @param {Runtime} rt
 * @returns {Promise<number>}
 */
async function runCall(argv, io, rt) {
  const { out, err } = rt;
  const dir = io.env.FAKE_FLYCTL_STATE;
  if (!dir) {
    err(
      'Error: FAKE_FLYCTL_STATE is not set: the fake flyctl needs a state directory (use createFakeFly() from test/helpers/fake-fly.ts)\n',
    );
    return 1;
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    err(`Error: FAKE_FLYCTL_STATE=${dir} is not a directory\n`);
    return 1;
  }

  /** @type {Parsed | null} */
  let parsed = null;
  /** @type {unknown} */
  let parseError = null;
  try {
    parsed = parseCommandLine(argv);
  } catch (e) {
    parseError = e;
  }

  const pid = io.pid ?? 0;
  const callId = `${Date.now().toString(36)}-${pid}-${hex(randomBytes(3))}`;
  const flags = parsed?.kind === 'run' ? parsed.flags : undefined;
  /** @type {FakeFlyCallRecord} */
  const record = {
    id: callId,
    pid,
    argv,
    time: new Date().toISOString(),
    cwd: io.cwd,
    command:
      parsed?.kind === 'run'
        ? parsed.spec.path
        : parsed?.kind === 'version-flag'
          ? 'version'
          : parseError instanceof CliError
            ? parseError.command
            : null,
    env: {
      FLY_EMIT_RELEASE_JSON: io.env.FLY_EMIT_RELEASE_JSON ?? null,
      FLY_APP: io.env.FLY_APP ?? null,
      hasToken: hasToken(io.env, flags),
    },
  };
  fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify(record) + '\n');

  try {
    if (parseError) throw parseError;
    if (!parsed) return 1;
    if (parsed.kind === 'help') {
      out(parsed.text);
      return 0;
    }
    if (parsed.kind === 'version-flag') {
      out(FLYCTL_VERSION_LINE + '\n');
      return 0;
    }
    const appHint = parsed.flags.get('app') || io.env.FLY_APP || null;
    const fault = takeFault(dir, parsed.spec.path, appHint);
    /** @type {Ctx} */
    const ctx = {
      ...rt,
      dir,
      callId,
      spec: parsed.spec,
      display: parsed.display,
      flags: parsed.flags,
      args: parsed.args,
      env: io.env,
      cwd: io.cwd,
      fault,
    };
    if (fault) {
      const deploySpecial =
        parsed.spec.path === 'deploy' &&
        (fault.healthTimeout || fault.hang || fault.stateTimeout || fault.releaseCommandExit !== undefined);
      if (fault.delayMs && parsed.spec.path !== 'deploy') await rt.sleep(fault.delayMs);
      if (!deploySpecial) {
        if (fault.hang) return await rt.hang();
        if (fault.deadline) {
          err('Error: context deadline exceeded\n');
          return EXIT_DEADLINE;
        }
        if (fault.panic) {
          out(
            `Oops, something went wrong! Could you try that again?\n\nruntime error: invalid memory address or nil pointer dereference (fake flyctl)\ngoroutine 1 [running]:\n\n`,
          );
          return EXIT_PANIC;
        }
        if (fault.exit !== undefined || fault.stderr !== undefined || fault.stdout !== undefined) {
          if (fault.stdout) out(fault.stdout);
          if (fault.stderr !== undefined) err(fault.stderr);
          else if ((fault.exit ?? 0) !== 0) err(`Error: injected fault for "${parsed.display}" (fake flyctl)\n`);
          return fault.exit ?? (fault.stderr !== undefined ? 1 : 0);
        }
      }
      // deploy applies delayMs itself, while its release is `running`.
    }
    const handler = HANDLERS[parsed.spec.path];
    if (!handler) throw new Error(`fake flyctl: no handler for ${parsed.spec.path}`);
    return await handler(ctx);
  } catch (e) {
    if (e instanceof Stopped) throw e;
    if (e instanceof CliError) {
      err(`Error: ${e.message}\n`);
      if (e.description) err(`${e.description}\n\n`);
      if (e.suggestion) err(`${e.suggestion}\n\n`);
      if (e.usageHint) out(`Run 'flyctl --help' for usage.\n\n`);
      return e.code;
    }
    err(`Error: fake flyctl internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Process entry: `node flyctl.mjs …` (FLYCTL=<this file>) — a thin wrapper around runFlyctl.

/**
 * The fake as a process: stdout/stderr/stdin of the process, SIGINT/SIGTERM -> the call's
 * bookkeeping, then exit 127 at once (flyctl's cli.go).
 * @param {string[]} argv
 * @returns {Promise<number>}
 */
export async function main(argv) {
  process.stdout.on('error', () => undefined); // EPIPE when the caller stops reading
  process.stderr.on('error', () => undefined);
  const controller = new AbortController();
  /** @param {NodeJS.Signals} signal */
  const interrupted = (signal) => {
    try {
      controller.abort(signal);
    } finally {
      process.exit(EXIT_INTERRUPTED);
    }
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  // A pending promise alone would let Node exit 0 while a call hangs.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await runFlyctl(argv, {
      env: process.env,
      cwd: process.cwd(),
      stdin: hasPipedProcessStdin() ? readProcessStdin : undefined,
      stdout: (chunk) => writeQuietly(process.stdout, chunk),
      stderr: (chunk) => writeQuietly(process.stderr, chunk),
      signal: controller.signal,
      pid: process.pid,
    });
  } finally {
    clearInterval(keepAlive);
  }
}

/**
 * @param {NodeJS.WriteStream} stream
 * @param {string} chunk
 */
function writeQuietly(stream, chunk) {
  try {
    stream.write(chunk);
  } catch {
    // EPIPE
  }
}

/** helpers.HasPipedStdin: stdin is not a character device. */
function hasPipedProcessStdin() {
  try {
    return !fs.fstatSync(0).isCharacterDevice();
  } catch {
    return false;
  }
}

/** @returns {Promise<Buffer>} */
function readProcessStdin() {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

const invokedDirectly = (() => {
  try {
    const script = process.argv[1];
    return Boolean(script) && import.meta.url === pathToFileURL(fs.realpathSync(script ?? '')).href;
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      writeQuietly(process.stderr, `Error: fake flyctl crashed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
