// @ts-check
/**
 * The fake flyctl's command line, with cobra + pflag semantics: the command tree (and the real
 * commands this fake does not implement), flags per command, parsing, help texts.
 */

// ---------------------------------------------------------------------------------------------
// Command line (cobra + pflag semantics)

export class CliError extends Error {
  /**
   * @param {string} message printed as "Error: <message>", then the description and the
   *   suggestion, each followed by a blank line (internal/cli/cli.go printError)
   * @param {{ code?: number, usageHint?: boolean, description?: string, suggestion?: string }} [opts]
   */
  constructor(message, opts = {}) {
    super(message);
    this.code = opts.code ?? 1;
    this.usageHint = opts.usageHint ?? false;
    this.description = opts.description ?? '';
    this.suggestion = opts.suggestion ?? '';
    /** @type {string | null} command path, when known */
    this.command = null;
  }
}

/**
 * @typedef {{ name: string, short?: string, type: 'bool' | 'string' | 'int' | 'stringArray' }} FlagDef
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
      { name: 'wait-timeout', type: 'string' },
      { name: 'deploy-retries', type: 'string' },
      { name: 'remote-only', type: 'bool' },
      { name: 'local-only', type: 'bool' },
      { name: 'now', type: 'bool' },
      { name: 'build-only', type: 'bool' },
      { name: 'push', type: 'bool' },
      { name: 'image-label', type: 'string' },
      { name: 'label', type: 'stringArray' },
      { name: 'skip-release-command', type: 'bool' },
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
  // No --stage: secrets deploy always deploys (internal/command/secrets/deploy.go).
  'secrets deploy': {
    path: 'secrets deploy',
    flags: [F.app, F.config, F.detach, F.dnsChecks],
    args: { kind: 'none' },
    auth: true,
  },
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
      { name: 'count', short: 'n', type: 'int' },
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
  'scale count': {
    path: 'scale count',
    flags: [F.app, F.config, F.yes, { name: 'region', short: 'r', type: 'string' }],
    args: { kind: 'min', n: 1 },
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
      { name: 'machine', short: 'm', type: 'string' },
      // -i/--instance is an alias of --machine.
      { name: 'instance', short: 'i', type: 'string' },
      { name: 'select', short: 's', type: 'bool' },
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
addTop(['scale'], {
  sub: subs([
    [['memory'], 'scale memory'],
    [['count'], 'scale count'],
  ]),
  missing: ['show', 'vm'],
});

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
 * Go's time.ParseDuration, as far as its errors go (null: a valid duration).
 * @param {string} s
 */
export function durationError(s) {
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
