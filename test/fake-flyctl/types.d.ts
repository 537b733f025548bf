/**
 * Types of the fake flyctl's state directory (`$FAKE_FLYCTL_STATE/state.json`, `calls.jsonl`).
 * Shared by test/fake-flyctl/flyctl.mjs (through JSDoc) and test/helpers/fake-fly.ts.
 */

export type SecretsJsonShape = 'old' | 'mid' | 'new';
export type SecretStatus = 'Deployed' | 'Staged' | 'Partial' | 'Unknown';
export type ReleaseStatus = 'pending' | 'running' | 'complete' | 'failed' | 'interrupted';
export type DeployStrategy = 'rolling' | 'immediate' | 'canary' | 'bluegreen';
export type CheckStatus = 'passing' | 'warning' | 'critical';

export interface FakeUser {
  id: string;
  name: string;
  email: string;
}

export interface FakeOrg {
  id: string;
  slug: string;
  name: string;
  /** "PERSONAL" (apps create picks it alone when it is the only org) or "SHARED" (default). */
  type?: 'PERSONAL' | 'SHARED';
}

export interface FakeRelease {
  /** `rel_…` */
  id: string;
  version: number;
  status: ReleaseStatus;
  /** "Deploy image", "Update secrets", "Deploy staged secrets" */
  description: string;
  reason: string;
  /** Strategy used (internal: the JSON prints DeploymentStrategy "" like the reference sample). */
  strategy: DeployStrategy | '';
  image: string;
  /** RFC 3339, seconds precision, UTC (`2026-01-02T03:04:05Z`). */
  createdAt: string;
  user: FakeUser;
}

export interface FakeSecret {
  /** The value as flyctl received it (parsed). Stored only here, for assertions. */
  value: string;
  /** 16 hex chars, derived from the value by a keyed hash (not recomputable by the toolkit). */
  digest: string;
  status: SecretStatus;
  createdAt: string;
  updatedAt: string;
}

export interface FakeCheck {
  /** Omitted from `status --json` when empty (Go omitempty). */
  name: string;
  /** Omitted from `status --json` when empty (Go omitempty). */
  status: CheckStatus | '';
  output: string;
  updatedAt: string;
}

export interface FakeMachine {
  /** 14 hex chars */
  id: string;
  name: string;
  state: 'started' | 'stopped' | 'created' | 'replacing' | 'destroyed';
  region: string;
  image: string;
  instanceId: string;
  /** Machine config version (string, changes on every update) — printed as `version`. */
  version: string;
  /** Release version the machine runs (printed in config.metadata.fly_release_version). */
  releaseVersion: number;
  releaseId: string;
  /** The digest the machine pulled when it got `image` (later pushes of the same tag do not change it). */
  pulled?: { image: string; digest: string };
  /** Set by `scale memory` (status shows config.guest.memory_mb, 256 when unset). */
  memoryMb?: number;
  privateIp: string;
  createdAt: string;
  updatedAt: string;
  checks: FakeCheck[];
}

export interface FakeVolume {
  /** `vol_…` */
  id: string;
  name: string;
  state: string;
  sizeGb: number;
  region: string;
  zone: string;
  encrypted: boolean;
  attachedMachineId: string | null;
  createdAt: string;
}

export interface FakeLogEntry {
  /** Increasing per app; `logs` (streaming) prints entries with a seq above what it printed. */
  seq: number;
  timestamp: string;
  message: string;
  level: string;
  instance: string;
  region: string;
}

export interface FakeApp {
  name: string;
  /** Org slug (see FakeFlyState.orgs). */
  org: string;
  hostname: string;
  createdAt: string;
  /** Release number the machines run (status `Version`); null before the first deploy. */
  currentVersion: number | null;
  /** Image the machines currently run (null before the first deploy). Kept equal to machines[*].image. */
  image: string | null;
  /** Newest first. */
  releases: FakeRelease[];
  secrets: Record<string, FakeSecret>;
  /** Names unset with --stage, applied (forgotten) by the next deploy / secrets deploy. */
  pendingUnsets: string[];
  volumes: FakeVolume[];
  machines: FakeMachine[];
  logs: FakeLogEntry[];
  /** The [[mounts]] of the config last deployed (flyctl's remote config when no fly.toml is given). */
  mounts?: { source: string; destination: string }[];
  /** Every `[deploy] release_command` the fake ran for this app, oldest first. */
  releaseCommands?: FakeReleaseCommandRun[];
  /** `secrets list` cannot fetch release timestamps: every secret shows Staged. */
  releaseTimestampsUnavailable?: boolean;
}

export interface FakeReleaseCommandRun {
  command: string;
  /** The image the release command ran in. */
  image: string;
  /** The release it ran for. */
  releaseVersion: number;
  at: string;
}

/** An image in Fly's registry (registry.fly.io/<repository>:<tag>), built and pushed by `flyctl deploy`. */
export interface FakeImage {
  /** registry.fly.io/<repository>:<tag> */
  ref: string;
  /** The app whose registry holds it. */
  repository: string;
  tag: string;
  digest: string;
  /** OCI labels (`--label k=v`, GH_* in GitHub Actions); shown in status' image_ref.labels. */
  labels: Record<string, string>;
  /** false: built with --build-only and no --push (it never left the builder). */
  pushed: boolean;
  /** Absolute path of the Dockerfile flyctl built (the resolution rule is under test). */
  dockerfile: string;
  /** The build context (deploy's WORKING_DIRECTORY). */
  context: string;
  createdAt: string;
}

/**
 * A fault, stored in state.faults[commandPath] (a list: the first one whose `times` is not
 * used up and whose `app` matches applies, and one use of `times` is consumed).
 * Command paths: "version", "auth whoami", "apps list", "apps create", "releases" (also for
 * `apps releases`), "deploy", "status", "secrets list", "secrets set", "secrets unset",
 * "secrets import", "secrets deploy", "volumes list", "volumes create", "logs", "scale memory", "scale count",
 * "certs list", "apps open".
 */
export interface FaultSpec {
  /** Exit with this code after printing `stdout`/`stderr` (default 1 when stderr is given). */
  exit?: number;
  /** Printed on stderr verbatim (add your own "Error: " prefix and newline). */
  stderr?: string;
  /** Printed on stdout verbatim; with only `stdout` the exit code is 0 (e.g. garbage JSON). */
  stdout?: string;
  /** Never finish. SIGINT/SIGTERM -> exit 127. For `deploy`: a `running` release is recorded first. */
  hang?: boolean;
  /** Sleep this long first, then behave normally (or apply the other fields). */
  delayMs?: number;
  /** Apply to the next N matching calls only, then the fault is consumed. Omitted = forever. */
  times?: number;
  /** Only when the call targets this app. */
  app?: string;
  /** deploy only: health checks time out — with rolling/canary/bluegreen the release is
   *  `failed`, machines keep the new image (except bluegreen), exit 1 with flyctl's timeout
   *  message; with immediate (which does not wait) exit 0, release `complete`, checks critical. */
  healthTimeout?: boolean;
  /** deploy only: the first machine never reaches `started` (machine-state timeout, with flyctl's description and --wait-timeout suggestion). */
  stateTimeout?: boolean;
  /** deploy only: the release command exits with this code (the deploy aborts, machines untouched). */
  releaseCommandExit?: number;
  /** The command ends by its deadline: `Error: context deadline exceeded`, exit 126. */
  deadline?: boolean;
  /** flyctl panics: "Oops, something went wrong!" on stdout, exit 3. */
  panic?: boolean;
}

export interface FakeFlyState {
  version: 1;
  /** Logged-in user (`flyctl auth login`); null = logged out. */
  user: FakeUser | null;
  /** Identity used when `user` is null but FLY_ACCESS_TOKEN / FLY_API_TOKEN / --access-token is set. */
  tokenUser?: FakeUser | null;
  /**
   * The token in FLY_API_TOKEN / FLY_ACCESS_TOKEN / --access-token is an app-scoped deploy token
   * (`fly tokens create deploy`) for these apps: org-wide calls (`apps list`, `apps create`) are
   * refused, other apps are not found, the token's apps work as usual. null: an org/user token.
   */
  tokenScope?: { apps: string[] } | null;
  /** Images pushed to Fly's registry by this fake (seeded releases' images exist without an entry). */
  images?: FakeImage[];
  /** Image refs the registry no longer has (deploying them fails with `could not find image`). */
  prunedImages?: string[];
  /** App names held by apps this account cannot see (`apps create` says the name is taken). */
  takenAppNames?: string[];
  secretsJsonShape: SecretsJsonShape;
  orgs: FakeOrg[];
  /** In `apps list` order. */
  apps: FakeApp[];
  faults: Record<string, FaultSpec[]>;
  /** Counter used to make ids unique and monotonic. */
  seq: number;
}

export interface FakeFlyCallEnv {
  FLY_EMIT_RELEASE_JSON: string | null;
  FLY_APP: string | null;
  /** FLY_ACCESS_TOKEN, FLY_API_TOKEN or --access-token present (the value is never recorded). */
  hasToken: boolean;
}

/** One line of calls.jsonl as written by the fake (a `stdin` line carries only id + stdin). */
export interface FakeFlyCallRecord {
  id: string;
  pid: number;
  argv: string[];
  time: string;
  cwd: string;
  /** Normalised command path ("secrets import", "releases", …); null when argv did not parse. */
  command: string | null;
  env: FakeFlyCallEnv;
  stdin?: string;
}
