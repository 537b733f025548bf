// @ts-check
/**
 * The fake flyctl's world: ids and digests, the state model (seeded apps, machines, volumes,
 * releases) and the state directory (state.json under a mkdir lock). Shared by the fake's
 * commands (./flyctl.mjs) and the test harness (test/helpers/fake-fly.ts, through flyctl.mjs).
 */
import fs from 'node:fs';
import path from 'node:path';

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

export const DEFAULT_USER = Object.freeze({ id: 'u1', name: 'Dev', email: 'dev@example.com' });
export const DEFAULT_ORG = Object.freeze({ id: 'org_personal', slug: 'personal', name: 'Dev', type: 'PERSONAL' });

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
export function randomBytes(n) {
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
export function hashBytes(s, n) {
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
export function hex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** 64 hex chars of hashBytes (stands in for sha256 in ids and digests). @param {string} s */
export function sha256hex(s) {
  return hex(hashBytes(s, 32));
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * n Crockford base32 characters from bytes.
 * @param {Uint8Array} bytes
 * @param {number} n
 */
export function base32(bytes, n) {
  let out = '';
  for (let i = 0; out.length < n; i++) out += CROCKFORD[(bytes[i % bytes.length] ?? 0) % 32];
  return out;
}

/** A ULID-like 26-character id (time-ordered). */
export function ulid() {
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
export function seededUlid(seed) {
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
export function machineIdentity(seed) {
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
 * Parses an image reference into flyctl's image_ref object (fly-go MachineImageRef: empty
 * fields are omitted). An image this fake pushed gives its digest and labels.
 * @param {string} image
 * @param {{ digest: string, labels: Record<string, string> } | null} [pushed]
 * @param {string | null} [pulled] the digest a machine pulled (it wins over what the tag points at now)
 */
export function imageRef(image, pushed = null, pulled = null) {
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
  /** @type {{ registry: string, repository: string, tag?: string, digest: string, labels?: Record<string, string> }} */
  const ref = {
    registry,
    repository: rest,
    ...(tag ? { tag } : {}),
    digest: digest || pulled || pushed?.digest || imageDigest(image),
  };
  if (pushed && Object.keys(pushed.labels).length > 0) ref.labels = { ...pushed.labels };
  return ref;
}

/**
 * The digest the registry gives an image that was not pushed through this fake (a seeded one).
 * @param {string} image
 */
export function imageDigest(image) {
  return `sha256:${sha256hex(`image-digest:${image}`)}`;
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
    tokenScope: null,
    orgs: [{ ...DEFAULT_ORG }],
    apps: [],
    images: [],
    prunedImages: [],
    takenAppNames: [],
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
export function checkOutput(status) {
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
    // A seeded app with volumes was deployed with a config that mounts the first one.
    mounts: volumes.length > 0 ? [{ source: volumes[0]?.name ?? '', destination: '/data' }] : [],
    releaseCommands: [],
  };
}

// ---------------------------------------------------------------------------------------------
// State directory

/** @param {string} dir */
export function statePath(dir) {
  return path.join(dir, 'state.json');
}

/** @param {number} ms */
export function sleepSync(ms) {
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
export function nextSeq(state) {
  state.seq = (state.seq ?? 0) + 1;
  return state.seq;
}
