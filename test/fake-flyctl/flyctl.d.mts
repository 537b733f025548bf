/** Types of what test/fake-flyctl/flyctl.mjs exports (it is also an executable). */
import type { CheckStatus, FakeApp, FakeFlyState, FakeMachine, FakeOrg, FakeUser, SecretStatus } from './types.js';

export declare const FLYCTL_VERSION_LINE: string;
export declare const MISSING_TOKEN: string;
export declare const ERR_REQUIRE_APP_NAME: string;
export declare const STAGED_MESSAGE: string;
export declare const EXIT_INTERRUPTED: 127;
export declare const RELEASES_LIMIT: 25;
export declare const STRATEGIES: readonly ['rolling', 'immediate', 'canary', 'bluegreen'];
export declare const DEFAULT_USER: Readonly<FakeUser>;
export declare const DEFAULT_ORG: Readonly<FakeOrg>;
export declare const MUTATING_COMMANDS: readonly string[];

export interface MakeAppOptions {
  /** org slug (default "personal") */
  org?: string;
  /** default "iad" */
  region?: string;
  /** number of complete releases v1..vN (default 3; 0 = created but never deployed) */
  releases?: number;
  /** images of v1..vN (default seedImage(name, v)) */
  images?: string[];
  /** machine count when deployed (default 1) */
  machines?: number;
  /** check status of the machines (default "passing") */
  checks?: CheckStatus;
  volumes?: { name: string; sizeGb: number; region?: string }[] | null;
  /** name -> value */
  secrets?: Record<string, string>;
  /** default "Deployed" */
  secretStatus?: SecretStatus;
  /** author of the seeded releases */
  user?: FakeUser;
}

/** fly-go's MachineImageRef as `status --json` prints it (empty fields omitted). */
export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest: string;
  labels?: Record<string, string>;
}

export declare function isoSeconds(d?: Date): string;
export declare function secretDigest(value: string): string;
export declare function seedImage(app: string, version: number): string;
export declare function generatedImage(app: string): string;
export declare function goJson(value: unknown): string;
export declare function imageRef(
  image: string,
  pushed?: { digest: string; labels: Record<string, string> } | null,
): ImageRef;
export declare function emptyState(): FakeFlyState;
export declare function makeMachine(o: {
  appName: string;
  index: number;
  image: string;
  region: string;
  releaseVersion: number;
  releaseId: string;
  at: string;
  seed?: string;
  checks?: CheckStatus;
}): FakeMachine;
export declare function makeApp(name: string, opts?: MakeAppOptions): FakeApp;
export declare function statePath(dir: string): string;
export declare function loadState(dir: string): FakeFlyState;
export declare function saveState(dir: string, state: FakeFlyState): void;
export declare function withLock<T>(dir: string, fn: () => T): T;
export declare function mutateState<T>(dir: string, fn: (state: FakeFlyState) => T): T;
/** What one call may touch outside the state directory (see FlyctlIO in flyctl.mjs). */
export interface FlyctlIO {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The piped stdin; undefined = none (a terminal or /dev/null). A function is read only when a command needs stdin. */
  stdin: string | Buffer | (() => Promise<Buffer>) | undefined;
  stdout(chunk: string): void;
  stderr(chunk: string): void;
  /** Abort = SIGINT/SIGTERM (bookkeeping, exit 127); an abort reason naming another signal ("SIGKILL") skips the bookkeeping. */
  signal: AbortSignal;
  /** Recorded in calls.jsonl (default 0). */
  pid?: number;
}
/** Runs one call in-process and returns its exit code. Never throws. */
export declare function runFlyctl(argv: string[], io: FlyctlIO): Promise<number>;
/** The process entry (`node flyctl.mjs …`): runFlyctl wired to this process. */
export declare function main(argv: string[]): Promise<number>;
