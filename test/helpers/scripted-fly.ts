/**
 * Scripted flyctl answers for in-process deploy and rollback tests: a recording executor whose
 * flyctl answers come from a small list of releases and machines, plus a real local HTTP server
 * playing the app whose health follows the image the machines run (seeded images answer
 * `oldMode`, newly deployed ones `newMode`). No process is started: every flyctl call is
 * recorded (argv asserted exactly) and answered here, in the shapes the reference documents.
 *
 *   const w = await scriptedWorld({ newMode: 'status-503' });
 *   w.nextDeploy({ kind: 'hang' });                 // what the next `flyctl deploy` does
 *   await runInProcess(script, ['staging', '--image', w.image, '--url', w.app.url], {}, { exec: w.exec });
 *   expect(w.flyArgv()).toEqual([...]);
 *
 * The faithful model of flyctl is the fake (test/fake-flyctl/); these answers follow the same
 * reference (immediate does not wait for health checks, rolling fails on them, a failed deploy
 * leaves a `failed` release, SIGINT leaves it `interrupted`). Git can be answered too (gitAnswers).
 */
import { afterAll } from 'vitest';
import type { ExecRequest } from '../../lib/core/exec.ts';
import { recordingExec, type Answer, type RecordingExec } from './recording-exec.ts';
import { startAppServer, type AppMode, type AppServer } from './app-server.ts';

export type EnvName = 'staging' | 'production';
export const APPS: Record<EnvName, string> = { staging: 'kotadb-api-staging', production: 'kotadb-api' };
const REQUIRED = ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'];
const USER = 'dev@example.com';

export interface ScriptedRelease {
  id: string;
  version: number;
  status: 'running' | 'complete' | 'failed' | 'interrupted';
  image: string;
  user: string;
  createdAt: string;
}

/** What the next `flyctl deploy` does (default: succeeds the way the strategy would). */
export type DeployBehaviour =
  | { kind: 'ok' }
  /** Fly's health checks time out (rolling waits for them): exit 1, the release `failed`. */
  | { kind: 'health-timeout' }
  /** Fails before creating a release (a build error, a bad config). */
  | { kind: 'fail-early'; stderr: string; stdout?: string }
  /** The registry no longer has the image. */
  | { kind: 'missing-image' }
  /** Creates the release, updates machines, then never returns (until SIGINT or the deadline). */
  | { kind: 'hang' }
  /** Succeeds, then someone else's deploy of `image` lands at once (a release newer than ours). */
  | { kind: 'then-other'; image: string };

export interface ScriptedWorldOptions {
  env?: EnvName;
  /** Complete releases v1..vN before the test (default 3; 0 = never deployed). */
  releases?: number;
  loggedIn?: boolean;
  /** The app is not there (look-alikes are). */
  appMissing?: boolean;
  /** Required secrets not set on the app. */
  missingSecrets?: string[];
  /** Secrets whose status is Staged. */
  staged?: string[];
  newMode?: AppMode;
  oldMode?: AppMode;
  /** The smoke key the app accepts. */
  apiKey?: string;
  /** Machines the app runs (default: staging 1, production 2). */
  machines?: number;
}

export interface ScriptedWorld {
  exec: RecordingExec;
  app: AppServer;
  appName: string;
  /** An image to pass as --image (not deployed yet). */
  image: string;
  /** Seeded releases, newest first ([0] serves before the test). */
  seeded: ScriptedRelease[];
  releases(): ScriptedRelease[];
  /** The image every machine runs now (null: none, or machines disagree). */
  currentImage(): string | null;
  machineImages(): string[];
  nextDeploy(behaviour: DeployBehaviour): void;
  /** flyctl argv (without `flyctl`), apps list / secrets list in that order whatever order they ran. */
  flyArgv(): string[][];
  deploys(): string[][];
  cleanup(): Promise<void>;
}

const seedImage = (app: string, version: number) =>
  `registry.fly.io/${app}:deployment-01SEED${String(version).padStart(20, '0')}`;

export async function scriptedWorld(options: ScriptedWorldOptions = {}): Promise<ScriptedWorld> {
  const env = options.env ?? 'staging';
  const appName = APPS[env];
  const machineCount = options.machines ?? (env === 'production' ? 2 : 1);
  const strategy = env === 'production' ? 'rolling' : 'immediate';
  let built = 0;
  const releases: ScriptedRelease[] = [];
  for (let version = options.releases ?? 3; version >= 1; version--) {
    releases.push({
      id: `rel_seed${version}`,
      version,
      status: 'complete',
      image: seedImage(appName, version),
      user: USER,
      createdAt: `2026-01-0${Math.min(version, 9)}T06:00:00Z`,
    });
  }
  const seeded = releases.map((r) => ({ ...r }));
  const seededImages = new Set(seeded.map((r) => r.image));
  const machines = Array.from({ length: releases.length > 0 ? machineCount : 0 }, (_, i) => ({
    id: `m${i + 1}${'0'.repeat(12)}`,
    image: releases[0]?.image ?? '',
  }));
  const otherModes = new Map<string, AppMode>();
  const queue: DeployBehaviour[] = [];

  const currentImage = () => {
    const images = new Set(machines.map((m) => m.image));
    return images.size === 1 ? [...images][0]! : null;
  };
  const modeOf = (image: string | null): AppMode | undefined => {
    if (image === null) return undefined;
    if (seededImages.has(image)) return options.oldMode ?? 'healthy';
    return otherModes.get(image) ?? options.newMode;
  };
  const app = await startAppServer({
    app: appName,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    currentImage,
    modeForImage: modeOf,
  });

  const json = (value: unknown): Answer => ({ stdout: JSON.stringify(value, null, 4) + '\n' });
  const fail = (message: string, extra = ''): Answer => ({ exitCode: 1, stderr: `Error: ${message}\n${extra}\n` });
  const loggedIn = options.loggedIn ?? true;
  const session = (answer: () => Answer): (() => Answer) =>
    loggedIn ? answer : () => fail("no access token available. Please login with 'flyctl auth login'");
  const otherApps = ['kotadb-api-old', 'kotadb-api-staging-old'];
  const appNames = options.appMissing ? otherApps : [...otherApps, 'kotadb-api-staging', 'kotadb-api'];

  const newRelease = (image: string, status: ScriptedRelease['status'], user = USER): ScriptedRelease => {
    const version = (releases[0]?.version ?? 0) + 1;
    const release = { id: `rel_new${version}`, version, status, image, user, createdAt: '2026-02-01T06:00:00Z' };
    releases.unshift(release);
    return release;
  };
  const deployAnswer = (argv: readonly string[], request: ExecRequest): Answer => {
    const emit = Boolean(request.env.FLY_EMIT_RELEASE_JSON);
    const flag = (name: string) => {
      const i = argv.indexOf(name);
      return i === -1 ? undefined : argv[i + 1];
    };
    const behaviour = queue.shift() ?? { kind: 'ok' };
    const image =
      flag('--image') ?? `registry.fly.io/${appName}:deployment-01BUILT${String(++built).padStart(19, '0')}`;
    const progress = `==> Verifying app config\n--> Verified app config\nimage: ${image}\n`;
    if (behaviour.kind === 'fail-early')
      return { exitCode: 1, stderr: `${progress}${behaviour.stderr}`, stdout: behaviour.stdout ?? '' };
    if (behaviour.kind === 'missing-image')
      return fail(`failed to fetch an image or build from source: could not find image "${image}"`);
    const release = newRelease(image, 'running');
    const created = machines.length === 0;
    if (created) machines.push({ id: 'm1000000000000', image });
    for (const m of machines) m.image = image;
    const checksFail = ['status-503', 'refused', 'hang'].includes(modeOf(image) ?? app.mode());
    if (behaviour.kind === 'hang') {
      // flyctl marks its release interrupted when SIGINT stops it (Ctrl-C, or the deadline's stop).
      const interrupted = () => {
        if (release.status === 'running') release.status = 'interrupted';
      };
      request.signal.addEventListener('abort', interrupted, { once: true });
      if (request.timeoutMs !== undefined) setTimeout(interrupted, request.timeoutMs).unref();
      return { stderr: progress, hang: true };
    }
    if (behaviour.kind === 'health-timeout' || (strategy === 'rolling' && checksFail)) {
      release.status = 'failed';
      return {
        exitCode: 1,
        stdout: `Updating existing machines in '${appName}' with ${strategy} strategy\n`,
        stderr: `${progress}Error: timeout reached waiting for health checks to pass for machine ${machines[0]!.id}: context deadline exceeded\n`,
      };
    }
    release.status = 'complete';
    const line = emit ? `${JSON.stringify({ id: release.id, version: release.version, image_ref: image })}\n` : '';
    if (behaviour.kind === 'then-other') {
      otherModes.set(behaviour.image, 'healthy');
      newRelease(behaviour.image, 'complete', 'other@example.com');
      for (const m of machines) m.image = behaviour.image;
    }
    return { stderr: progress, stdout: `Watch your deployment at https://fly.io/apps/${appName}/monitoring\n${line}` };
  };

  const appFlag = (argv: readonly string[]) => argv[argv.indexOf('--app') + 1];
  const known = (argv: readonly string[]) => appFlag(argv) === appName;
  const exec = recordingExec()
    .on(['flyctl', 'version'], {
      stdout: 'flyctl v0.4.87 linux/amd64 Commit: 0000000 BuildDate: 2026-01-01T00:00:00Z\n',
    })
    .on(['flyctl', 'auth', 'whoami'], () => session(() => json({ email: USER }))())
    .on(['flyctl', 'apps', 'list'], () =>
      session(() => json(appNames.map((name) => ({ Name: name, Status: 'deployed' }))))(),
    )
    .on(['flyctl', 'secrets', 'list'], ({ argv }) =>
      session(() =>
        known(argv) && !options.appMissing
          ? json(
              REQUIRED.filter((n) => !options.missingSecrets?.includes(n)).map((name) => ({
                name,
                digest: `d_${name.toLowerCase()}`,
                status: options.staged?.includes(name) ? 'Staged' : 'Deployed',
              })),
            )
          : fail(`app not found`),
      )(),
    )
    .on(['flyctl', 'releases'], ({ argv }) =>
      session(() =>
        json(
          known(argv)
            ? releases.map((r) => ({
                ID: r.id,
                Version: r.version,
                Status: r.status,
                Description: 'Deploy image',
                ImageRef: r.image,
                CreatedAt: r.createdAt,
                User: { Name: 'Dev', Email: r.user },
              }))
            : [],
        ),
      )(),
    )
    .on(['flyctl', 'status'], ({ argv }) =>
      session(() =>
        known(argv) && !options.appMissing
          ? json({
              Name: appName,
              Status: 'deployed',
              Version: releases[0]?.version ?? 0,
              Hostname: `${appName}.fly.dev`,
              Machines: machines.map((m) => {
                const [registry, rest] = [
                  m.image.slice(0, m.image.indexOf('/')),
                  m.image.slice(m.image.indexOf('/') + 1),
                ];
                const [repository, tag] = rest.split(':');
                return {
                  id: m.id,
                  name: m.id,
                  state: 'started',
                  region: 'iad',
                  image_ref: { registry, repository, tag },
                  checks: [],
                };
              }),
            })
          : fail(`app not found`),
      )(),
    )
    .on(['flyctl', 'deploy'], ({ argv }, request) => session(() => deployAnswer(argv, request))());

  const flyArgv = () => {
    const calls = exec.argvOf('flyctl');
    for (let i = 0; i + 1 < calls.length; i++) {
      const [a, b] = [calls[i]!, calls[i + 1]!];
      if (a[0] === 'secrets' && a[1] === 'list' && b[0] === 'apps' && b[1] === 'list')
        [calls[i], calls[i + 1]] = [b, a];
    }
    return calls;
  };
  return {
    exec,
    app,
    appName,
    image: `registry.fly.io/${appName}:deployment-01PREBUILT000000000000000`,
    seeded,
    releases: () => releases.map((r) => ({ ...r })),
    currentImage,
    machineImages: () => machines.map((m) => m.image),
    nextDeploy: (behaviour) => queue.push(behaviour),
    flyArgv,
    deploys: () => flyArgv().filter((a) => a[0] === 'deploy'),
    cleanup: () => app.close(),
  };
}

/** Scripted worlds for one test file, closed after its last test. */
export function scriptedWorlds(defaults: ScriptedWorldOptions = {}) {
  const worlds: ScriptedWorld[] = [];
  afterAll(async () => {
    for (const w of worlds) await w.cleanup();
  });
  return async (options: ScriptedWorldOptions = {}) => {
    const w = await scriptedWorld({ ...defaults, ...options });
    worlds.push(w);
    return w;
  };
}

export interface GitState {
  branch?: string;
  /** `git status --porcelain=v1 -z` output (default: clean). */
  status?: string;
  head?: string;
  notARepo?: boolean;
  pushFails?: string;
}

/** Answers the git guard's and the tag's git calls. */
export function gitAnswers(exec: RecordingExec, state: GitState = {}): RecordingExec {
  const head = state.head ?? '0123456789abcdef0123456789abcdef01234567';
  const notRepo: Answer = {
    exitCode: 128,
    stderr: 'fatal: not a git repository (or any of the parent directories): .git\n',
  };
  const answer = (a: Answer): Answer => (state.notARepo ? notRepo : a);
  return exec
    .on(['git', 'rev-parse', '--abbrev-ref', 'HEAD'], answer({ stdout: `${state.branch ?? 'main'}\n` }))
    .on(['git', 'rev-parse', 'HEAD'], answer({ stdout: `${head}\n` }))
    .on(['git', 'status'], answer({ stdout: state.status ?? '' }))
    .on(['git', 'tag'], answer({}))
    .on(
      ['git', 'push'],
      state.pushFails
        ? { exitCode: 1, stderr: `${state.pushFails}\n` }
        : answer({ stderr: 'To origin\n * [new tag]\n' }),
    );
}

/** The flyctl calls every deploy makes before deploying (preflight, snapshot), in order. */
export function preflightArgv(appName: string): string[][] {
  return [
    ['version'],
    ['auth', 'whoami', '--json'],
    ['apps', 'list', '--json'],
    ['secrets', 'list', '--app', appName, '--json'],
    ['releases', '--app', appName, '--json'],
  ];
}

/** The end-of-deploy check: the newest release, and the machines' images. */
export function verifyArgv(appName: string): string[][] {
  return [
    ['releases', '--app', appName, '--json'],
    ['status', '--app', appName, '--json'],
  ];
}

/** `flyctl deploy` of each environment with an image (what follows --image is appended by tests). */
export const DEPLOY_ARGV = {
  staging: [
    'deploy',
    '--config',
    'fly.staging.toml',
    '--app',
    'kotadb-api-staging',
    '--ha=false',
    '--strategy',
    'immediate',
    '--wait-timeout',
    '5m',
  ],
  production: [
    'deploy',
    '--config',
    'fly.toml',
    '--app',
    'kotadb-api',
    '--ha=true',
    '--strategy',
    'rolling',
    '--wait-timeout',
    '10m',
  ],
} as const;
