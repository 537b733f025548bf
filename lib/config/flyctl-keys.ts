/**
 * Every fly.toml key flyctl v0.4.87 reads (internal/appconfig/config.go, service.go,
 * toplevelcheck.go, patches.go, and fly-go's machine types), as a tree. flyctl ignores any
 * other key without a word, so a key missing here is a typo; a key present here is accepted
 * even when the toolkit does not check its value.
 */

/**
 * 'value': a scalar or an array of scalars. 'map': a table of free-form names (env, args).
 * A tree: a table with these keys. `each`: a table or an array of tables (TOML `[x]` or
 * `[[x]]`, flyctl takes both). `named`: a table of named tables (top-level [checks.<name>]).
 */
export type KeyNode = 'value' | 'map' | KeyTree | { readonly each: KeyTree } | { readonly named: KeyTree };
export interface KeyTree {
  readonly [key: string]: KeyNode;
}

const v = 'value' as const;
const keys = (names: string): Record<string, 'value'> => Object.fromEntries(names.split(' ').map((name) => [name, v]));

const HTTP_CHECK: KeyTree = {
  ...keys('interval timeout grace_period method path protocol tls_skip_verify tls_server_name'),
  headers: 'map',
};
const TCP_CHECK: KeyTree = keys('interval timeout grace_period');
const MACHINE_CHECK: KeyTree = keys('command image entrypoint kill_signal kill_timeout');
const TLS_OPTIONS: KeyTree = keys('alpn versions default_self_signed');
const HTTP_OPTIONS: KeyTree = {
  ...keys('compress h2_backend idle_timeout headers_read_timeout'),
  response: { headers: 'map', pristine: v },
  replay_cache: { each: keys('path_prefix ttl_seconds type name allow_bypass') },
};
const PORT: KeyTree = {
  ...keys('port start_port end_port handlers force_https'),
  tls_options: TLS_OPTIONS,
  http_options: HTTP_OPTIONS,
  proxy_proto_options: keys('version'),
};
const CONCURRENCY: KeyTree = keys('type hard_limit soft_limit');
const SERVICE: KeyTree = {
  ...keys('protocol internal_port auto_stop_machines auto_start_machines min_machines_running processes'),
  ports: { each: PORT },
  concurrency: CONCURRENCY,
  tcp_checks: { each: TCP_CHECK },
  http_checks: { each: HTTP_CHECK },
  machine_checks: { each: MACHINE_CHECK },
};
const HTTP_SERVICE: KeyTree = {
  ...keys('internal_port force_https auto_stop_machines auto_start_machines min_machines_running processes'),
  concurrency: CONCURRENCY,
  tls_options: TLS_OPTIONS,
  http_options: HTTP_OPTIONS,
  checks: { each: HTTP_CHECK },
  machine_checks: { each: MACHINE_CHECK },
};
const COMPUTE: KeyTree = keys(
  'size memory cpu_kind cpus memory_mb max_memory_mb gpus gpu_kind host_dedication_id persist_rootfs kernel_args processes',
);
const MOUNT: KeyTree = keys(
  'source destination initial_size snapshot_retention scheduled_snapshots auto_extend_size_threshold auto_extend_size_increment auto_extend_size_limit processes',
);
const METRICS: KeyTree = keys('port path https processes');

export const FLY_TOML_KEYS: KeyTree = {
  ...keys('app primary_region kill_signal kill_timeout swap_size_mb console_command host_dedication_id'),
  ...keys('machine_config container'),
  experimental: {
    ...keys('cmd entrypoint exec auto_rollback enable_consul enable_etcd lazy_load_images machine_config'),
    // Older configs, moved to [metrics] and kill_timeout by flyctl (patches.go).
    ...keys('metrics_port metrics_path kill_timeout'),
    attached: { secrets: { export: 'map' } },
  },
  build: {
    ...keys('builder buildpacks image builtin dockerfile ignorefile build-target compression compression_level'),
    // Older spelling of build-target (patches.go).
    build_target: v,
    args: 'map',
    settings: 'map',
    compose: keys('file'),
  },
  deploy: {
    ...keys('strategy max_unavailable wait_timeout release_command release_command_timeout seed_command'),
    release_command_vm: COMPUTE,
  },
  env: 'map',
  processes: 'map',
  mounts: { each: MOUNT },
  http_service: HTTP_SERVICE,
  services: { each: SERVICE },
  checks: {
    named: {
      ...keys('port type interval timeout grace_period method path protocol tls_skip_verify tls_server_name'),
      headers: 'map',
      processes: v,
    },
  },
  files: { each: keys('guest_path local_path secret_name raw_value processes') },
  machine_checks: { each: MACHINE_CHECK },
  restart: { each: keys('policy retries processes') },
  vm: { each: COMPUTE },
  statics: { each: keys('guest_path url_prefix tigris_bucket index_document') },
  metrics: { each: METRICS },
  // Older names flyctl still reads (patches.go).
  mount: { each: MOUNT },
  compute: { each: COMPUTE },
  computes: { each: COMPUTE },
  metric: { each: METRICS },
};

export interface UnknownKey {
  /** Where it is, e.g. `deploy.stratgy` or `services[0].http_checks[1].intervl`. */
  path: string;
  /** The closest key flyctl knows there, if one is close. */
  suggestion: string | undefined;
}

/** Every key of `data` (parsed TOML) that flyctl does not know, depth first. */
export function unknownKeys(data: unknown, tree: KeyTree = FLY_TOML_KEYS): UnknownKey[] {
  const found: UnknownKey[] = [];
  walkTable(data, tree, '', found);
  return found;
}

function walkTable(data: unknown, tree: KeyTree, where: string, found: UnknownKey[]): void {
  if (!isTable(data)) return; // a value of the wrong type: the schema reports it
  for (const [key, value] of Object.entries(data)) {
    const path = where ? `${where}.${key}` : key;
    const node = Object.hasOwn(tree, key) ? tree[key] : undefined;
    if (node === undefined) found.push({ path, suggestion: closest(key, Object.keys(tree)) });
    else walkNode(value, node, path, found);
  }
}

function walkNode(value: unknown, node: KeyNode, path: string, found: UnknownKey[]): void {
  if (node === 'value' || node === 'map') return;
  if ('each' in node && isKeyTree(node.each)) {
    if (Array.isArray(value)) value.forEach((item, i) => walkTable(item, node.each as KeyTree, `${path}[${i}]`, found));
    else walkTable(value, node.each as KeyTree, path, found);
    return;
  }
  if ('named' in node && isKeyTree(node.named)) {
    if (isTable(value))
      for (const [name, item] of Object.entries(value)) walkTable(item, node.named, `${path}.${name}`, found);
    return;
  }
  walkTable(value, node as KeyTree, path, found);
}

function isKeyTree(node: unknown): node is KeyTree {
  return typeof node === 'object' && node !== null;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The candidate within a few edits of `word` (a typo), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
