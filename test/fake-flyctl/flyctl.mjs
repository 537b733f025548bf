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
 *   - app not found:      Error: Could not find App "<name>"
 *   - app exists:         Error: Validation failed: Name has already been taken
 *   - missing --config:   Error: failed loading app config from <abs path>: open <abs path>: no such file or directory
 *   - bad strategy:       Error: unsupported deployment strategy '<s>'
 *   - bluegreen/canary with volumes: Error: the <s> deployment strategy is not supported for apps with volumes
 *   - volumes create without --yes:  Error: yes flag must be specified when not running interactively
 *   - volumes create without region: Error: region is required when not running interactively; pass --region
 *   - real flyctl commands this fake does not implement: Error: fake flyctl does not implement "flyctl <cmd>"
 *   - scale memory with a size that is not a whole number of MB: Error: invalid memory size "<arg>"
 *   - scale memory on an app without machines: Error: app <name> has no machines to scale
 *   - scale memory success: per machine "Updating machine <id>" / "Machine <id> updated successfully!",
 *     then "Scaled VM Type to" and the size (machines keep `memoryMb`, shown as config.guest in status)
 *   - certs list: the table header `HOST NAME  ADDED  STATUS` (the world has no certificates; --json: [])
 *   - apps open: "opening https://<hostname>/<relative uri> ..." (no browser is started)
 * Everything else (unknown command/flag, flag value errors, arg-count errors, group commands
 * without a subcommand printing help with exit 0, `Error: <msg>` followed by a blank line,
 * exit 127 on SIGINT/SIGTERM) follows cobra/pflag and flyctl's cli.go.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseSecretsImport, goTrimSpace, GoPanic, SecretsParseError } from './parse-secrets-import.mjs';

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
export const RELEASES_LIMIT = 25;
export const STRATEGIES = /** @type {const} */ (['rolling', 'immediate', 'canary', 'bluegreen']);
export const DEFAULT_USER = Object.freeze({ id: 'u1', name: 'Dev', email: 'dev@example.com' });
export const DEFAULT_ORG = Object.freeze({ id: 'org_personal', slug: 'personal', name: 'Dev' });
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
]);

// ---------------------------------------------------------------------------------------------
// Small helpers

/** @param {Date} [d] */
export function isoSeconds(d = new Date()) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// node:crypto costs ~10 ms of start-up per spawn; the fake only needs stable, well-mixed bits.

/**
 * n pseudo-random bytes (not cryptographic).
 * @param {number} n
 */
function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  return out;
}

/**
 * n bytes of a deterministic, well-mixed (not cryptographic) hash of s: FNV-1a per 4-byte
 * lane with a lane-specific seed, finished with murmur3's fmix32.
 * @param {string} s
 * @param {number} n
 */
function hashBytes(s, n) {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k += 4) {
    let h = (0x811c9dc5 ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    for (let b = 0; b < 4 && k + b < n; b++) out[k + b] = (h >>> (24 - 8 * b)) & 0xff;
  }
  return out;
}

/** @param {Uint8Array} bytes */
function hex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** 64 hex chars of hashBytes (stands in for sha256 in ids and digests). @param {string} s */
function sha256hex(s) {
  return hex(hashBytes(s, 32));
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * n Crockford base32 characters from bytes.
 * @param {Uint8Array} bytes
 * @param {number} n
 */
function base32(bytes, n) {
  let out = '';
  for (let i = 0; out.length < n; i++) out += CROCKFORD[(bytes[i % bytes.length] ?? 0) % 32];
  return out;
}

/** A ULID-like 26-character id (time-ordered). */
function ulid() {
  let t = Date.now();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + base32(randomBytes(16), 16);
}

/**
 * Deterministic 26-character id from a seed.
 * @param {string} seed
 */
function seededUlid(seed) {
  return '01J' + base32(hashBytes(seed, 23), 23);
}

/**
 * The digest Fly shows for a secret: derived from the value only, with a key the toolkit does
 * not know (the reference: "it cannot be recomputed locally").
 * @param {string} value
 */
export function secretDigest(value) {
  return sha256hex(`fake-fly-secret-digest-v1\0${value}`).slice(0, 16);
}

/**
 * The image a seeded release v<version> of <app> runs.
 * @param {string} app
 * @param {number} version
 */
export function seedImage(app, version) {
  return `registry.fly.io/${app}:deployment-${seededUlid(`image:${app}:${version}`)}`;
}

/** @param {string} app */
export function generatedImage(app) {
  return `registry.fly.io/${app}:deployment-${ulid()}`;
}

const ADJECTIVES = ['fragrant', 'quiet', 'bold', 'misty', 'autumn', 'purple', 'silent', 'young', 'ancient', 'crimson'];
const NOUNS = ['sun', 'river', 'field', 'leaf', 'moon', 'pond', 'wave', 'meadow', 'forest', 'glade'];

/**
 * @param {string} seed
 */
function machineIdentity(seed) {
  const h = sha256hex(seed);
  const a = parseInt(h.slice(14, 16), 16) % ADJECTIVES.length;
  const b = parseInt(h.slice(16, 18), 16) % NOUNS.length;
  const n = 1000 + (parseInt(h.slice(18, 22), 16) % 9000);
  return {
    id: h.slice(0, 14),
    name: `${ADJECTIVES[a]}-${NOUNS[b]}-${n}`,
    privateIp: `fdaa:0:${h.slice(22, 26)}:a7b:${h.slice(26, 29)}:${h.slice(29, 33)}:${h.slice(33, 37)}:2`,
  };
}

/**
 * Go's encoding/json Encoder with SetIndent("", "    ") (flyctl's render.JSON): HTML-escaped.
 * @param {unknown} value
 */
export function goJson(value) {
  return (
    JSON.stringify(value, null, 4)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029') + '\n'
  );
}

/**
 * Parses an image reference into flyctl's image_ref object.
 * @param {string} image
 */
export function imageRef(image) {
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry = 'docker-hub-mirror.fly.io';
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    rest = rest.slice(slash + 1);
  } else if (slash === -1) {
    rest = `library/${rest}`;
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return {
    registry,
    repository: rest,
    tag,
    digest: digest || `sha256:${sha256hex(`image-digest:${image}`)}`,
    labels: {},
  };
}

// ---------------------------------------------------------------------------------------------
// World model (also used by test/helpers/fake-fly.ts to seed states)

/** @returns {FakeFlyState} */
export function emptyState() {
  return {
    version: 1,
    user: null,
    tokenUser: null,
    secretsJsonShape: 'new',
    orgs: [{ ...DEFAULT_ORG }],
    apps: [],
    faults: {},
    seq: 0,
  };
}

/**
 * @param {{ appName: string, index: number, image: string, region: string, releaseVersion: number,
 *   releaseId: string, at: string, seed?: string, checks?: CheckStatus }} o
 * @returns {FakeMachine}
 */
export function makeMachine(o) {
  const ident = machineIdentity(o.seed ?? `machine:${o.appName}:${o.index}:${hex(randomBytes(8))}`);
  const status = o.checks ?? 'passing';
  return {
    id: ident.id,
    name: ident.name,
    state: 'started',
    region: o.region,
    image: o.image,
    instanceId: o.seed ? seededUlid(`instance:${o.seed}:${o.image}`) : ulid(),
    version: o.seed ? seededUlid(`version:${o.seed}:${o.image}`) : ulid(),
    releaseVersion: o.releaseVersion,
    releaseId: o.releaseId,
    privateIp: ident.privateIp,
    createdAt: o.at,
    updatedAt: o.at,
    checks: [{ name: 'servicecheck-00-http-8080', status, output: checkOutput(status), updatedAt: o.at }],
  };
}

/** @param {CheckStatus} status */
function checkOutput(status) {
  return status === 'passing'
    ? 'Success'
    : status === 'warning'
      ? 'waiting for status to be passing'
      : 'Get "http://172.19.0.2:8080/health": context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
}

/**
 * @typedef {object} MakeAppOptions
 * @property {string} [org] org slug (default "personal")
 * @property {string} [region] default "iad"
 * @property {number} [releases] number of complete releases v1..vN (default 3; 0 = never deployed)
 * @property {string[]} [images] images of v1..vN (default seedImage(name, v))
 * @property {number} [machines] machine count when deployed (default 1)
 * @property {CheckStatus} [checks] check status of the machines (default "passing")
 * @property {{ name: string, sizeGb: number, region?: string }[] | null} [volumes]
 * @property {Record<string, string>} [secrets] name -> value
 * @property {SecretStatus} [secretStatus] default "Deployed"
 * @property {FakeUser} [user] author of the seeded releases
 */

/**
 * A seeded app: releases v1..vN complete (newest first), machines on vN.
 * @param {string} name
 * @param {MakeAppOptions} [opts]
 * @returns {FakeApp}
 */
export function makeApp(name, opts = {}) {
  const region = opts.region ?? 'iad';
  const count = opts.releases ?? 3;
  const user = opts.user ?? { ...DEFAULT_USER };
  const base = Date.parse('2026-01-01T12:00:00Z');
  const at = (/** @type {number} */ i) => isoSeconds(new Date(base + i * 6 * 3600 * 1000));
  /** @type {FakeRelease[]} */
  const releases = [];
  for (let v = 1; v <= count; v++) {
    releases.unshift({
      id: `rel_${seededUlid(`release:${name}:${v}`)}`,
      version: v,
      status: 'complete',
      description: 'Deploy image',
      reason: '',
      strategy: 'rolling',
      image: opts.images?.[v - 1] ?? seedImage(name, v),
      createdAt: at(v),
      user: { ...user },
    });
  }
  const current = releases[0] ?? null;
  /** @type {FakeMachine[]} */
  const machines = [];
  if (current) {
    for (let i = 0; i < (opts.machines ?? 1); i++) {
      machines.push(
        makeMachine({
          appName: name,
          index: i,
          image: current.image,
          region,
          releaseVersion: current.version,
          releaseId: current.id,
          at: current.createdAt,
          seed: `machine:${name}:${i}`,
          checks: opts.checks,
        }),
      );
    }
  }
  const volumes = (opts.volumes ?? []).map((v, i) => {
    const h = sha256hex(`volume:${name}:${v.name}:${i}`);
    return {
      id: `vol_${BigInt('0x' + h.slice(0, 20))
        .toString(36)
        .padStart(16, '0')
        .slice(0, 16)}`,
      name: v.name,
      state: 'created',
      sizeGb: v.sizeGb,
      region: v.region ?? region,
      zone: h.slice(20, 24),
      encrypted: true,
      attachedMachineId: machines[i]?.id ?? null,
      createdAt: at(0),
    };
  });
  /** @type {Record<string, FakeSecret>} */
  const secrets = {};
  for (const [key, value] of Object.entries(opts.secrets ?? {})) {
    secrets[key] = {
      value,
      digest: secretDigest(value),
      status: opts.secretStatus ?? 'Deployed',
      createdAt: at(0),
      updatedAt: at(0),
    };
  }
  /** @type {FakeLogEntry[]} */
  const logs = [];
  let seq = 0;
  for (const m of machines) {
    for (const [level, message] of /** @type {[string, string][]} */ ([
      ['info', `Pulling container image ${m.image}`],
      ['info', 'Starting init (commit: 6f2e4a1)...'],
      ['info', 'kotadb-api-server 0.6.0 listening on 0.0.0.0:8080'],
      ['info', 'GET /health 200 2ms'],
    ])) {
      logs.push({
        seq: ++seq,
        timestamp: current ? current.createdAt : at(0),
        message,
        level,
        instance: m.id,
        region: m.region,
      });
    }
  }
  return {
    name,
    org: opts.org ?? DEFAULT_ORG.slug,
    hostname: `${name}.fly.dev`,
    createdAt: at(0),
    currentVersion: current ? current.version : null,
    image: current ? current.image : null,
    releases,
    secrets,
    pendingUnsets: [],
    volumes,
    machines,
    logs,
  };
}

// ---------------------------------------------------------------------------------------------
// State directory

/** @param {string} dir */
export function statePath(dir) {
  return path.join(dir, 'state.json');
}

/** @param {number} ms */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * @param {string} dir
 * @returns {FakeFlyState}
 */
export function loadState(dir) {
  let text;
  try {
    text = fs.readFileSync(statePath(dir), 'utf8');
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') return emptyState();
    throw e;
  }
  const state = /** @type {FakeFlyState} */ ({ ...emptyState(), ...JSON.parse(text) });
  if (!state.faults || typeof state.faults !== 'object') state.faults = {};
  return state;
}

/**
 * @param {string} dir
 * @param {FakeFlyState} state
 */
export function saveState(dir, state) {
  const tmp = path.join(dir, `.state.${hex(randomBytes(8))}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  fs.renameSync(tmp, statePath(dir));
}

/**
 * Runs fn while holding the state lock (a directory; stale after 10 s).
 * @template T
 * @param {string} dir
 * @param {() => T} fn
 * @returns {T}
 */
export function withLock(dir, fn) {
  const lock = path.join(dir, '.lock');
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 10_000) fs.rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error(`fake flyctl: could not take the state lock ${lock}`);
      sleepSync(3);
    }
  }
  try {
    return fn();
  } finally {
    try {
      fs.rmdirSync(lock);
    } catch {
      // already removed
    }
  }
}

/**
 * Read-modify-write of state.json under the lock.
 * @template T
 * @param {string} dir
 * @param {(state: FakeFlyState) => T} fn
 * @returns {T}
 */
export function mutateState(dir, fn) {
  return withLock(dir, () => {
    const state = loadState(dir);
    const result = fn(state);
    saveState(dir, state);
    return result;
  });
}

/**
 * @param {FakeFlyState} state
 */
function nextSeq(state) {
  state.seq = (state.seq ?? 0) + 1;
  return state.seq;
}

// ---------------------------------------------------------------------------------------------
// Command line (cobra + pflag semantics)

class CliError extends Error {
  /**
   * @param {string} message printed as "Error: <message>" + blank line
   * @param {{ code?: number, usageHint?: boolean }} [opts]
   */
  constructor(message, opts = {}) {
    super(message);
    this.code = opts.code ?? 1;
    this.usageHint = opts.usageHint ?? false;
    /** @type {string | null} command path, when known */
    this.command = null;
  }
}

/**
 * @typedef {{ name: string, short?: string, type: 'bool' | 'string' | 'int' | 'duration' | 'stringArray' }} FlagDef
 * @typedef {{ kind: 'none' } | { kind: 'max', n: number } | { kind: 'min', n: number } | { kind: 'exact', n: number }} ArgsSpec
 * @typedef {{ path: string, flags: FlagDef[], args: ArgsSpec, auth: boolean, reads?: string }} CommandSpec
 */

const F = /** @satisfies {Record<string, FlagDef>} */ ({
  app: { name: 'app', short: 'a', type: 'string' },
  config: { name: 'config', short: 'c', type: 'string' },
  json: { name: 'json', short: 'j', type: 'bool' },
  yes: { name: 'yes', short: 'y', type: 'bool' },
  org: { name: 'org', short: 'o', type: 'string' },
  stage: { name: 'stage', type: 'bool' },
  detach: { name: 'detach', type: 'bool' },
  dnsChecks: { name: 'dns-checks', type: 'bool' },
});

/** @type {FlagDef[]} */
const GLOBAL_FLAGS = [
  { name: 'access-token', short: 't', type: 'string' },
  { name: 'verbose', type: 'bool' },
  { name: 'debug', type: 'bool' },
  { name: 'help', short: 'h', type: 'bool' },
];

const SECRETS_FLAGS = [F.app, F.config, F.stage, F.detach, F.dnsChecks];

/** @type {Record<string, CommandSpec>} */
const COMMANDS = {
  version: { path: 'version', flags: [F.json], args: { kind: 'none' }, auth: false },
  'auth whoami': { path: 'auth whoami', flags: [F.json], args: { kind: 'none' }, auth: true },
  'apps list': {
    path: 'apps list',
    flags: [F.json, F.org, { name: 'quiet', short: 'q', type: 'bool' }],
    args: { kind: 'none' },
    auth: true,
  },
  'apps create': {
    path: 'apps create',
    flags: [
      F.json,
      F.org,
      F.yes,
      { name: 'name', type: 'string' },
      { name: 'generate-name', type: 'bool' },
      { name: 'network', type: 'string' },
    ],
    args: { kind: 'max', n: 1 },
    auth: true,
  },
  releases: {
    path: 'releases',
    flags: [F.app, F.config, F.json, { name: 'image', type: 'bool' }],
    args: { kind: 'none' },
    auth: true,
  },
  deploy: {
    path: 'deploy',
    flags: [
      F.app,
      F.config,
      F.yes,
      F.detach,
      { name: 'image', short: 'i', type: 'string' },
      { name: 'strategy', type: 'string' },
      { name: 'ha', type: 'bool' },
      { name: 'wait-timeout', type: 'duration' },
      { name: 'remote-only', type: 'bool' },
      { name: 'local-only', type: 'bool' },
      { name: 'now', type: 'bool' },
      { name: 'build-only', type: 'bool' },
      { name: 'dockerfile', type: 'string' },
      { name: 'primary-region', type: 'string' },
      { name: 'env', short: 'e', type: 'stringArray' },
      { name: 'build-arg', type: 'stringArray' },
    ],
    args: { kind: 'max', n: 1 },
    auth: true,
  },
  status: {
    path: 'status',
    flags: [F.app, F.config, F.json, { name: 'all', type: 'bool' }],
    args: { kind: 'none' },
    auth: true,
  },
  'secrets list': { path: 'secrets list', flags: [F.app, F.config, F.json], args: { kind: 'none' }, auth: true },
  'secrets set': { path: 'secrets set', flags: SECRETS_FLAGS, args: { kind: 'min', n: 1 }, auth: true },
  'secrets unset': { path: 'secrets unset', flags: SECRETS_FLAGS, args: { kind: 'min', n: 1 }, auth: true },
  'secrets import': { path: 'secrets import', flags: SECRETS_FLAGS, args: { kind: 'none' }, auth: true },
  'secrets deploy': { path: 'secrets deploy', flags: SECRETS_FLAGS, args: { kind: 'none' }, auth: true },
  'volumes list': {
    path: 'volumes list',
    flags: [F.app, F.config, F.json, { name: 'all', type: 'bool' }],
    args: { kind: 'none' },
    auth: true,
  },
  'volumes create': {
    path: 'volumes create',
    flags: [
      F.app,
      F.config,
      F.json,
      F.yes,
      { name: 'size', short: 's', type: 'int' },
      { name: 'region', short: 'r', type: 'string' },
      { name: 'require-unique-zone', type: 'bool' },
      { name: 'snapshot-id', type: 'string' },
    ],
    args: { kind: 'exact', n: 1 },
    auth: true,
  },
  'scale memory': {
    path: 'scale memory',
    flags: [F.app, F.config, { name: 'process-group', short: 'g', type: 'string' }],
    args: { kind: 'exact', n: 1 },
    auth: true,
  },
  'certs list': { path: 'certs list', flags: [F.app, F.config, F.json], args: { kind: 'none' }, auth: true },
  'apps open': { path: 'apps open', flags: [F.app, F.config], args: { kind: 'max', n: 1 }, auth: true },
  logs: {
    path: 'logs',
    flags: [
      F.app,
      F.config,
      F.json,
      { name: 'region', short: 'r', type: 'string' },
      { name: 'instance', short: 'i', type: 'string' },
      { name: 'no-tail', short: 'n', type: 'bool' },
    ],
    args: { kind: 'none' },
    auth: true,
  },
};

/**
 * Command tree: top-level names (and aliases) -> leaf path or group.
 * `missing` lists real flyctl subcommands this fake does not implement.
 * @type {Record<string, { name: string, leaf?: string, sub?: Record<string, { name: string, leaf: string }>, missing?: string[] }>}
 */
const TREE = {};
/**
 * @param {string[]} names canonical name first, then aliases
 * @param {{ leaf?: string, sub?: Record<string, { name: string, leaf: string }>, missing?: string[] }} node
 */
function addTop(names, node) {
  for (const n of names) TREE[n] = { name: names[0] ?? n, ...node };
}
/** @param {[string[], string][]} entries */
function subs(entries) {
  /** @type {Record<string, { name: string, leaf: string }>} */
  const out = {};
  for (const [names, leaf] of entries) for (const n of names) out[n] = { name: names[0] ?? n, leaf };
  return out;
}
addTop(['version'], { leaf: 'version' });
addTop(['auth'], {
  sub: subs([[['whoami'], 'auth whoami']]),
  missing: ['login', 'logout', 'token', 'docker', 'signup'],
});
addTop(['apps', 'app'], {
  sub: subs([
    [['list', 'ls'], 'apps list'],
    [['create'], 'apps create'],
    [['releases'], 'releases'],
    [['open'], 'apps open'],
  ]),
  missing: ['destroy', 'errors', 'move', 'restart', 'resume', 'suspend'],
});
addTop(['releases'], { leaf: 'releases' });
addTop(['deploy'], { leaf: 'deploy' });
addTop(['status'], { leaf: 'status' });
addTop(['secrets'], {
  sub: subs([
    [['list', 'ls'], 'secrets list'],
    [['set'], 'secrets set'],
    [['unset'], 'secrets unset'],
    [['import'], 'secrets import'],
    [['deploy'], 'secrets deploy'],
  ]),
  missing: ['keys', 'sync'],
});
addTop(['volumes', 'volume', 'vol'], {
  sub: subs([
    [['list', 'ls'], 'volumes list'],
    [['create'], 'volumes create'],
  ]),
  missing: ['destroy', 'extend', 'fork', 'show', 'snapshots', 'update'],
});
addTop(['logs'], { leaf: 'logs' });
addTop(['certs'], {
  sub: subs([[['list'], 'certs list']]),
  missing: ['add', 'check', 'import', 'remove', 'setup', 'show'],
});
addTop(['scale'], { sub: subs([[['memory'], 'scale memory']]), missing: ['count', 'show', 'vm'] });

/** Real top-level flyctl commands that this fake does not implement. */
const MISSING_TOP = [
  'agent',
  'checks',
  'config',
  'console',
  'consul',
  'dashboard',
  'destroy',
  'dig',
  'docs',
  'doctor',
  'extensions',
  'history',
  'image',
  'ips',
  'jobs',
  'launch',
  'machine',
  'machines',
  'mcp',
  'move',
  'mpg',
  'open',
  'orgs',
  'platform',
  'postgres',
  'proxy',
  'redis',
  'regions',
  'restart',
  'resume',
  'settings',
  'sftp',
  'ssh',
  'storage',
  'suspend',
  'tokens',
  'wireguard',
];

/** Flags taking a value in any command (used to find the command words among the args). */
const VALUE_FLAGS_LONG = new Set();
const VALUE_FLAGS_SHORT = new Set();
for (const def of [...GLOBAL_FLAGS, ...Object.values(COMMANDS).flatMap((c) => c.flags)]) {
  if (def.type !== 'bool') {
    VALUE_FLAGS_LONG.add(def.name);
    if (def.short) VALUE_FLAGS_SHORT.add(def.short);
  }
}

/**
 * Positional words, skipping flags and their values (cobra's stripFlags).
 * @param {string[]} argv
 */
function positionalWords(argv) {
  /** @type {string[]} */
  const words = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      if (!a.includes('=') && VALUE_FLAGS_LONG.has(a.slice(2))) i++;
    } else if (a.startsWith('-') && a.length > 1) {
      if (a.length === 2 && VALUE_FLAGS_SHORT.has(a.slice(1))) i++;
    } else {
      words.push(a);
    }
  }
  return words;
}

/**
 * @param {string} a
 * @param {string} b
 */
function levenshtein(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * cobra's "Did you mean this?" suffix.
 * @param {string} typed
 */
function suggestions(typed) {
  const t = typed.toLowerCase();
  const names = [...new Set([...Object.values(TREE).map((n) => n.name), ...MISSING_TOP])].sort();
  const found = names.filter((n) => levenshtein(t, n) <= 2 || n.startsWith(t));
  return found.length ? `\n\nDid you mean this?\n${found.map((s) => `\t${s}\n`).join('')}` : '';
}

/**
 * @typedef {{ kind: 'run', spec: CommandSpec, display: string, flags: Map<string, any>, args: string[] }
 *   | { kind: 'help', text: string }
 *   | { kind: 'version-flag' }} Parsed
 */

/**
 * Resolves the command and parses its flags like cobra + pflag.
 * @param {string[]} argv
 * @returns {Parsed}
 */
export function parseCommandLine(argv) {
  const words = positionalWords(argv);
  if (words.length === 0) {
    // Root: only global flags (plus --version/-v).
    const { flags } = parseFlags(argv, [...GLOBAL_FLAGS, { name: 'version', short: 'v', type: 'bool' }]);
    if (flags.get('version')) return { kind: 'version-flag' };
    return { kind: 'help', text: rootHelp() };
  }
  const top = words[0] ?? '';
  if (top === 'help') return { kind: 'help', text: rootHelp() };
  const node = TREE[top];
  if (!node) {
    if (MISSING_TOP.includes(top)) throw new CliError(`fake flyctl does not implement "flyctl ${top}"`);
    throw new CliError(`unknown command "${top}" for "flyctl"${suggestions(top)}`, { usageHint: true });
  }
  /** @type {string} */
  let leaf;
  let display = `flyctl ${node.name}`;
  let used = 1;
  if (node.leaf) {
    leaf = node.leaf;
  } else {
    const subName = words[1];
    const sub = subName === undefined ? undefined : node.sub?.[subName];
    if (!sub) {
      if (subName !== undefined && node.missing?.includes(subName)) {
        throw new CliError(`fake flyctl does not implement "flyctl ${node.name} ${subName}"`);
      }
      // cobra: a group command has no Run, so it prints its help and exits 0.
      parseFlags(argv, GLOBAL_FLAGS, true);
      return { kind: 'help', text: groupHelp(node.name, node.sub ?? {}) };
    }
    leaf = sub.leaf;
    display = `flyctl ${node.name} ${sub.name}`;
    used = 2;
  }
  const spec = COMMANDS[leaf];
  if (!spec) throw new Error(`fake flyctl: no spec for ${leaf}`);
  try {
    const { flags, positionals } = parseFlags(argv, [...spec.flags, ...GLOBAL_FLAGS]);
    const args = positionals.slice(used);
    if (flags.get('help')) return { kind: 'help', text: `Usage:\n  ${display} [flags]\n\n` };
    checkArgs(spec.args, args, display);
    return { kind: 'run', spec, display, flags, args };
  } catch (e) {
    // The command is known even though its flags/args are not: calls.jsonl records it.
    if (e instanceof CliError) e.command = spec.path;
    throw e;
  }
}

/**
 * @param {ArgsSpec} spec
 * @param {string[]} args
 * @param {string} display
 */
function checkArgs(spec, args, display) {
  switch (spec.kind) {
    case 'none':
      if (args.length > 0) throw new CliError(`unknown command "${args[0]}" for "${display}"`);
      break;
    case 'max':
      if (args.length > spec.n) throw new CliError(`accepts at most ${spec.n} arg(s), received ${args.length}`);
      break;
    case 'min':
      if (args.length < spec.n) throw new CliError(`requires at least ${spec.n} arg(s), only received ${args.length}`);
      break;
    case 'exact':
      if (args.length !== spec.n) throw new CliError(`accepts ${spec.n} arg(s), received ${args.length}`);
      break;
  }
}

const GO_BOOL = new Map([
  ['1', true],
  ['t', true],
  ['T', true],
  ['TRUE', true],
  ['true', true],
  ['True', true],
  ['0', false],
  ['f', false],
  ['F', false],
  ['FALSE', false],
  ['false', false],
  ['False', false],
]);

/**
 * Go's time.ParseDuration, as far as its errors go.
 * @param {string} s
 */
function durationError(s) {
  if (s === '0' || /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(s)) return null;
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return `time: missing unit in duration "${s}"`;
  const unit = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))*(?:\d+(?:\.\d*)?|\.\d+)([^\d.]+)/.exec(s);
  if (unit) return `time: unknown unit "${(unit[1] ?? '').replace(/[\d.].*$/, '')}" in duration "${s}"`;
  return `time: invalid duration "${s}"`;
}

/**
 * pflag parsing (interspersed flags, --f=v, --f v, -f v, -fv, -abc bool clusters, --).
 * @param {string[]} argv
 * @param {FlagDef[]} defs
 * @param {boolean} [ignoreUnknown]
 * @returns {{ flags: Map<string, any>, positionals: string[] }}
 */
function parseFlags(argv, defs, ignoreUnknown = false) {
  const byLong = new Map(defs.map((d) => [d.name, d]));
  const byShort = new Map(defs.filter((d) => d.short).map((d) => [/** @type {string} */ (d.short), d]));
  /** @type {Map<string, any>} */
  const flags = new Map();
  /** @type {string[]} */
  const positionals = [];
  /**
   * @param {FlagDef} def
   * @param {string} value
   */
  const set = (def, value) => {
    const display = def.short ? `-${def.short}, --${def.name}` : `--${def.name}`;
    const bad = (/** @type {string} */ why) =>
      new CliError(`invalid argument "${value}" for "${display}" flag: ${why}`);
    switch (def.type) {
      case 'bool': {
        const b = GO_BOOL.get(value);
        if (b === undefined) throw bad(`strconv.ParseBool: parsing "${value}": invalid syntax`);
        flags.set(def.name, b);
        break;
      }
      case 'int':
        if (!/^[-+]?\d+$/.test(value)) throw bad(`strconv.ParseInt: parsing "${value}": invalid syntax`);
        flags.set(def.name, parseInt(value, 10));
        break;
      case 'duration': {
        const why = durationError(value);
        if (why) throw bad(why);
        flags.set(def.name, value);
        break;
      }
      case 'stringArray':
        flags.set(def.name, [...(flags.get(def.name) ?? []), value]);
        break;
      default:
        flags.set(def.name, value);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const def = byLong.get(name);
      if (!def) {
        if (ignoreUnknown) continue;
        throw new CliError(`unknown flag: --${name}`);
      }
      if (eq !== -1) set(def, a.slice(eq + 1));
      else if (def.type === 'bool') set(def, 'true');
      else if (i + 1 < argv.length) set(def, argv[++i] ?? '');
      else throw new CliError(`flag needs an argument: --${name}`);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a.charAt(j);
        const def = byShort.get(c);
        if (!def) {
          if (ignoreUnknown) break;
          throw new CliError(`unknown shorthand flag: '${c}' in ${a}`);
        }
        if (def.type === 'bool') {
          if (a[j + 1] === '=') {
            set(def, a.slice(j + 2));
            break;
          }
          set(def, 'true');
          continue;
        }
        let value = a.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        if (value !== '' || a[j + 1] === '=') set(def, value);
        else if (i + 1 < argv.length) set(def, argv[++i] ?? '');
        else throw new CliError(`flag needs an argument: '${c}' in ${a}`);
        break;
      }
    } else {
      positionals.push(a);
    }
  }
  return { flags, positionals };
}

function rootHelp() {
  const names = [...new Set(Object.values(TREE).map((n) => n.name))].sort();
  return `This is flyctl, the Fly.io command line interface.\n\nUsage:\n  flyctl [command]\n\nCommands:\n${names.map((n) => `  ${n}`).join('\n')}\n\nUse "flyctl [command] --help" for more information about a command.\n`;
}

/**
 * @param {string} group
 * @param {Record<string, { name: string }>} sub
 */
function groupHelp(group, sub) {
  const names = [...new Set(Object.values(sub).map((s) => s.name))].sort();
  return `Usage:\n  flyctl ${group} [command]\n\nAvailable Commands:\n${names.map((n) => `  ${n}`).join('\n')}\n\nUse "flyctl ${group} [command] --help" for more information about a command.\n`;
}

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
 * @param {Ctx} ctx
 * @param {FakeFlyState} state
 * @returns {FakeUser}
 */
function requireSession(ctx, state) {
  if (state.user) return state.user;
  if (hasToken(ctx.env, ctx.flags)) return state.tokenUser ?? { ...DEFAULT_USER };
  throw new CliError(MISSING_TOKEN);
}

/**
 * Minimal fly.toml reading: app, primary_region, [deploy] strategy, [[mounts]].
 * @param {string} file
 */
function readFlyToml(file) {
  const text = fs.readFileSync(file, 'utf8');
  /** @type {{ app?: string, primaryRegion?: string, strategy?: string, mounts: boolean, path: string }} */
  const cfg = { mounts: false, path: file };
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    const header = /^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(line);
    if (header) {
      section = header[1] ?? '';
      if (section === 'mounts') cfg.mounts = true;
      continue;
    }
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(line);
    if (!kv) continue;
    const value = kv[2] ?? kv[3];
    if (section === '' && kv[1] === 'app') cfg.app = value;
    if (section === '' && kv[1] === 'primary_region') cfg.primaryRegion = value;
    if (section === 'deploy' && kv[1] === 'strategy') cfg.strategy = value;
  }
  return cfg;
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
 * The standard preamble of app commands: session, config, app name, app exists.
 * @param {Ctx} ctx
 */
function appCommand(ctx) {
  const state = loadState(ctx.dir);
  const user = requireSession(ctx, state);
  const cfg = loadConfig(ctx);
  const appName = appNameOf(ctx, cfg);
  const app = findApp(state, appName);
  return { state, user, cfg, appName, app };
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
    InProgress: r.status === 'running' || r.status === 'pending',
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

/** @param {FakeMachine} m */
function machineJson(m) {
  return {
    id: m.id,
    name: m.name,
    state: m.state,
    region: m.region,
    image_ref: imageRef(m.image),
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
    checks: m.checks.map((c) => ({ name: c.name, status: c.status, output: c.output, updated_at: c.updatedAt })),
  };
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
  const org = ctx.flags.get('org');
  const apps = state.apps.filter((a) => !org || a.org === org);
  if (ctx.flags.get('json')) {
    ctx.out(goJson(apps.map((a) => appListJson(state, a))));
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

/** @param {Ctx} ctx */
function cmdAppsCreate(ctx) {
  const pre = loadState(ctx.dir);
  requireSession(ctx, pre);
  let name = ctx.args[0] ?? ctx.flags.get('name') ?? '';
  if (!name && ctx.flags.get('generate-name')) name = `app-${hex(randomBytes(4))}`;
  if (!name) throw new CliError('app name is required when not running interactively; pass NAME or --generate-name');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || name.length > 63) {
    throw new CliError('Validation failed: Name may only contain lowercase letters, numbers and dashes');
  }
  const slug = ctx.flags.get('org') || pre.orgs[0]?.slug || DEFAULT_ORG.slug;
  const app = mutateState(ctx.dir, (state) => {
    if (!state.orgs.some((o) => o.slug === slug)) throw new CliError(`Could not find Organization "${slug}"`);
    if (state.apps.some((a) => a.name === name)) throw new CliError('Validation failed: Name has already been taken');
    nextSeq(state);
    const created = makeApp(name, { org: slug, releases: 0 });
    created.createdAt = isoSeconds();
    state.apps.push(created);
    return { json: appListJson(state, created) };
  });
  ctx.out(ctx.flags.get('json') ? goJson(app.json) : `New app created: ${name}\n`);
  return 0;
}

/** @param {Ctx} ctx */
function cmdReleases(ctx) {
  const { app } = appCommand(ctx);
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
  const { state, app } = appCommand(ctx);
  const org = orgOf(state, app.org);
  const json = {
    AppURL: `https://${app.hostname}`,
    Deployed: isDeployed(app),
    Hostname: app.hostname,
    ID: app.name,
    Machines: app.machines.map(machineJson),
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
  if (ctx.flags.get('json')) {
    const rows = entries.map(([name, s]) => {
      if (shape === 'old') return { Name: name, Digest: s.digest, CreatedAt: s.createdAt };
      if (shape === 'mid') return { name, digest: s.digest, created_at: s.createdAt, updated_at: s.updatedAt };
      return { name, digest: s.digest, status: s.status };
    });
    ctx.out(goJson(rows));
  } else if (shape === 'new') {
    ctx.out(
      table(
        ['Name', 'Digest', 'Status'],
        entries.map(([n, s]) => [n, s.digest, s.status]),
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
    return { kind: 'release', version: rel.version, lines: machineUpdateLines(app, 'rolling') };
  });
  if (result.kind === 'staged') ctx.out(STAGED_MESSAGE + '\n');
  else if (result.kind === 'first') ctx.out('Secrets are staged for the first deployment\n');
  else ctx.out(`Release v${result.version} created\n${result.lines}`);
  return 0;
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
      ctx.err(
        `panic: ${e.message}\n\ngoroutine 1 [running]:\ngithub.com/superfly/flyctl/internal/command/secrets.parseSecrets({0x0, 0x0})\n\t/home/runner/work/flyctl/flyctl/internal/command/secrets/parser.go:56\n`,
      );
      return 2;
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
  if (!isDeployed(app)) {
    throw new CliError(
      "before using 'fly secrets deploy', you must first deploy your app at least once using 'fly deploy'",
    );
  }
  if (ctx.flags.get('stage')) {
    ctx.out(STAGED_MESSAGE + '\n');
    return 0;
  }
  const result = mutateState(ctx.dir, (state) => {
    const a = appIn(state, appName);
    const rel = restartRelease(state, a, user, 'Deploy staged secrets');
    return { version: rel.version, lines: machineUpdateLines(a, 'rolling') };
  });
  ctx.out(`Release v${result.version} created\n${result.lines}`);
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

/** @param {Ctx} ctx */
function cmdVolumesCreate(ctx) {
  const { cfg, appName } = appCommand(ctx);
  const name = ctx.args[0] ?? '';
  if (!/^[a-z0-9_]+$/.test(name) || name.length > 30) {
    throw new CliError(
      'volume name can only contain lowercase letters, numbers and underscores, and be at most 30 characters long',
    );
  }
  const region = ctx.flags.get('region') || cfg?.primaryRegion || '';
  if (!region) throw new CliError('region is required when not running interactively; pass --region');
  if (!REGIONS.has(region)) throw new CliError(`Invalid region "${region}"`);
  const size = ctx.flags.has('size') ? ctx.flags.get('size') : 1;
  if (size < 1) throw new CliError('size must be at least 1GB');
  if (!ctx.flags.get('yes')) throw new CliError('yes flag must be specified when not running interactively');
  const vol = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    nextSeq(state);
    const h = sha256hex(`volume:${appName}:${name}:${ulid()}`);
    /** @type {FakeVolume} */
    const v = {
      id: `vol_${BigInt('0x' + h.slice(0, 20))
        .toString(36)
        .padStart(16, '0')
        .slice(0, 16)}`,
      name,
      state: 'created',
      sizeGb: size,
      region,
      zone: h.slice(20, 24),
      encrypted: true,
      attachedMachineId: null,
      createdAt: isoSeconds(),
    };
    app.volumes.push(v);
    return v;
  });
  if (ctx.flags.get('json')) {
    ctx.out(goJson(volumeJson(vol)));
  } else {
    ctx.out(
      `                  ID: ${vol.id}\n                Name: ${vol.name}\n                 App: ${appName}\n              Region: ${vol.region}\n                Zone: ${vol.zone}\n             Size GB: ${vol.sizeGb}\n           Encrypted: true\n          Created at: ${vol.createdAt}\n`,
    );
  }
  return 0;
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
  const instance = ctx.flags.get('instance');
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

/** @param {Ctx} ctx */
async function cmdDeploy(ctx) {
  const state0 = loadState(ctx.dir);
  const user = requireSession(ctx, state0);
  let wd = ctx.cwd;
  if (ctx.args[0] !== undefined) {
    const target = path.resolve(ctx.cwd, ctx.args[0]);
    if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) {
      throw new CliError(`chdir ${ctx.args[0]}: no such file or directory`);
    }
    wd = target;
  }
  const cfg = loadConfig(ctx, wd);
  const appName = appNameOf(ctx, cfg);
  const app0 = findApp(state0, appName);

  const strategy = /** @type {DeployStrategy} */ (ctx.flags.get('strategy') ?? cfg?.strategy ?? 'rolling');
  if (!STRATEGIES.includes(strategy)) throw new CliError(`unsupported deployment strategy '${strategy}'`);
  if (
    (strategy === 'bluegreen' || strategy === 'canary') &&
    (cfg?.mounts || app0.volumes.some((v) => v.attachedMachineId))
  ) {
    throw new CliError(`the ${strategy} deployment strategy is not supported for apps with volumes`);
  }
  const ha = ctx.flags.has('ha') ? Boolean(ctx.flags.get('ha')) : true;
  const detach = Boolean(ctx.flags.get('detach'));
  const givenImage = ctx.flags.get('image');
  const image = givenImage || generatedImage(appName);
  const fault = ctx.fault;

  ctx.err(`==> Verifying app config\n`);
  if (cfg) ctx.err(`Validating ${cfg.path}\n✓ Configuration is valid\n`);
  ctx.err(`--> Verified app config\n`);
  if (givenImage) {
    ctx.err(
      `Searching for image '${givenImage}' remotely...\nimage found: img_${sha256hex(givenImage).slice(0, 16)}\n`,
    );
  } else {
    ctx.err(
      `==> Building image\nRemote builder fly-builder-${sha256hex(appName).slice(0, 8)} ready\n--> Building image done\n==> Pushing image to fly\n--> Pushing image done\n`,
    );
  }
  ctx.err(`image: ${image}\nimage size: 87 MB\n\n`);
  ctx.out(`Watch your deployment at https://fly.io/apps/${appName}/monitoring\n\n`);

  // 1. The release is recorded as running and (except bluegreen) the machines take the new image.
  const started = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    nextSeq(state);
    const at = isoSeconds();
    /** @type {FakeRelease} */
    const rel = {
      id: `rel_${ulid()}`,
      version: (app.releases[0]?.version ?? 0) + 1,
      status: 'running',
      description: 'Deploy image',
      reason: '',
      strategy,
      image,
      createdAt: at,
      user: { ...user },
    };
    app.releases.unshift(rel);
    const region = ctx.flags.get('primary-region') || cfg?.primaryRegion || app.machines[0]?.region || 'iad';
    const created = app.machines.length === 0;
    if (created) {
      for (let i = 0; i < (ha ? 2 : 1); i++) {
        app.machines.push(
          makeMachine({ appName, index: i, image, region, releaseVersion: rel.version, releaseId: rel.id, at }),
        );
      }
      const free = app.volumes.find((v) => !v.attachedMachineId);
      if (free) free.attachedMachineId = app.machines[0]?.id ?? null;
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
    return { version: rel.version, id: rel.id, created, machines: app.machines.map((m) => m.id) };
  });

  /** @param {'interrupted'} status */
  const finishInterrupted = (status) =>
    mutateState(ctx.dir, (state) => {
      const rel = appIn(state, appName).releases.find((r) => r.id === started.id);
      if (rel && rel.status === 'running') rel.status = status;
    });
  ctx.onInterrupt(() => finishInterrupted('interrupted'));

  if (fault?.delayMs) await ctx.sleep(fault.delayMs);
  if (fault?.hang) {
    ctx.out(
      `${started.created ? 'Creating' : 'Updating existing'} machines in '${appName}' with ${strategy} strategy\n\n-------\n`,
    );
    return ctx.hang();
  }

  const n = started.machines.length;
  if (fault?.healthTimeout) {
    const failing = started.machines[0] ?? 'unknown';
    mutateState(ctx.dir, (state) => {
      const app = appIn(state, appName);
      const rel = app.releases.find((r) => r.id === started.id);
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
    if (detach) {
      ctx.out(
        `${started.created ? 'Creating' : 'Updating existing'} machines in '${appName}' with ${strategy} strategy\n\n-------\n-------\nRelease v${started.version} created\n`,
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
    ctx.err(
      `Error: timeout reached waiting for health checks to pass for machine ${failing}: context deadline exceeded\n\n` +
        `You can try increasing the timeout with the --wait-timeout flag\n`,
    );
    ctx.onInterrupt(null);
    return 1;
  }

  // 2. Success.
  const done = mutateState(ctx.dir, (state) => {
    const app = appIn(state, appName);
    const rel = app.releases.find((r) => r.id === started.id);
    if (!rel) throw new CliError(`release ${started.id} vanished`);
    const at = isoSeconds();
    rel.status = 'complete';
    if (strategy === 'bluegreen' && !started.created) {
      // Green machines replace the blue ones (new ids), then the blue ones are destroyed.
      app.machines = app.machines.map((m, i) =>
        makeMachine({ appName, index: i, image, region: m.region, releaseVersion: rel.version, releaseId: rel.id, at }),
      );
      app.image = image;
      app.currentVersion = rel.version;
    }
    for (const m of app.machines) {
      m.checks = m.checks.map((c) => ({ ...c, status: 'passing', output: checkOutput('passing'), updatedAt: at }));
      appendLog(app, 'Machine started in 512ms', { instance: m.id, region: m.region });
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
  if (!detach)
    ctx.out(
      `Checking DNS configuration for ${done.hostname}\n\nVisit your newly deployed app at https://${done.hostname}/\n`,
    );
  if (ctx.env.FLY_EMIT_RELEASE_JSON === '1') {
    ctx.out(JSON.stringify({ id: started.id, version: started.version, image_ref: image }) + '\n');
  }
  return 0;
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
    rt.err(`Error: fake flyctl crashed: ${e instanceof Error ? e.stack : String(e)}\n\n`);
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
      'Error: FAKE_FLYCTL_STATE is not set: the fake flyctl needs a state directory (use createFakeFly() from test/helpers/fake-fly.ts)\n\n',
    );
    return 1;
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    err(`Error: FAKE_FLYCTL_STATE=${dir} is not a directory\n\n`);
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
      const deploySpecial = parsed.spec.path === 'deploy' && (fault.healthTimeout || fault.hang);
      if (fault.delayMs && parsed.spec.path !== 'deploy') await rt.sleep(fault.delayMs);
      if (!deploySpecial) {
        if (fault.hang) return await rt.hang();
        if (fault.exit !== undefined || fault.stderr !== undefined || fault.stdout !== undefined) {
          if (fault.stdout) out(fault.stdout);
          if (fault.stderr !== undefined) err(fault.stderr);
          else if ((fault.exit ?? 0) !== 0) err(`Error: injected fault for "${parsed.display}" (fake flyctl)\n\n`);
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
      err(`Error: ${e.message}\n\n`);
      if (e.usageHint) out(`Run 'flyctl --help' for usage.\n\n`);
      return e.code;
    }
    err(`Error: fake flyctl internal error: ${e instanceof Error ? e.stack : String(e)}\n\n`);
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
      writeQuietly(process.stderr, `Error: fake flyctl crashed: ${e instanceof Error ? e.stack : String(e)}\n\n`);
      process.exitCode = 1;
    },
  );
}
