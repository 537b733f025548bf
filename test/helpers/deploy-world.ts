/**
 * A fake Fly world plus a real HTTP server playing the app, wired so that the app's health
 * follows the image the fake says is running: the seeded (old) images answer `oldMode`, any
 * newly deployed image answers `newMode`. A deploy of a bad build and its rollback to the old
 * image therefore behave like the real thing.
 */
import { afterAll } from 'vitest';
import { startAppServer, type AppMode, type AppServer } from './app-server.ts';
import { createFakeFly, KOTADB_APPS, type CreateFakeFlyOptions, type FakeFly, type FakeRelease } from './fake-fly.ts';

export type EnvName = keyof typeof KOTADB_APPS;

export interface DeployWorld {
  fly: FakeFly;
  app: AppServer;
  appName: string;
  /** The release running before the test (newest seeded, complete). */
  running: FakeRelease;
  /** Seeded releases, newest first. */
  seeded: FakeRelease[];
  /**
   * Every flyctl argv recorded so far (without the `flyctl` itself). Preflight asks `apps list`
   * and `secrets list` concurrently; they are listed in that order whatever order they ran in.
   */
  argv(): string[][];
  /** Recorded deploy calls' argv. */
  deploys(): string[][];
  cleanup(): Promise<void>;
}

export interface DeployWorldOptions {
  env?: EnvName;
  newMode?: AppMode;
  oldMode?: AppMode;
  apiKey?: string;
  fly?: CreateFakeFlyOptions;
}

export async function deployWorld(options: DeployWorldOptions = {}): Promise<DeployWorld> {
  const fly = createFakeFly(options.fly);
  const appName = KOTADB_APPS[options.env ?? 'staging'];
  const seeded = fly.state().apps.find((a) => a.name === appName)?.releases ?? [];
  const oldImages = new Set(seeded.map((r) => r.image));
  const app = await startAppServer({
    fakeFly: fly,
    app: appName,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    // New images without a newMode answer the server's own mode (setMode(), healthy at first).
    modeForImage: (image) =>
      image !== null && oldImages.has(image) ? (options.oldMode ?? 'healthy') : options.newMode,
  });
  const argv = () => inPreflightOrder(fly.calls().map((c) => [...c.argv]));
  return {
    fly,
    app,
    appName,
    running: seeded[0]!,
    seeded,
    argv,
    deploys: () => argv().filter((a) => a[0] === 'deploy'),
    cleanup: async () => {
      await app.close();
      fly.cleanup();
    },
  };
}

/**
 * For a test file: worlds (with these defaults) and other resources that are torn down after
 * the file's last test.
 */
export function worldsForFile(defaults: DeployWorldOptions = {}) {
  const cleanups: Array<() => unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  return {
    world: async (options: DeployWorldOptions = {}): Promise<DeployWorld> => {
      const w = await deployWorld({ ...defaults, ...options });
      cleanups.push(w.cleanup);
      return w;
    },
    /** Registers a cleanup and hands the resource back. */
    track: <T extends { cleanup: () => unknown }>(resource: T): T => {
      cleanups.push(() => resource.cleanup());
      return resource;
    },
  };
}

function inPreflightOrder(calls: string[][]): string[][] {
  const out = [...calls];
  for (let i = 0; i + 1 < out.length; i++) {
    const [a, b] = [out[i]!, out[i + 1]!];
    if (a[0] === 'secrets' && a[1] === 'list' && b[0] === 'apps' && b[1] === 'list') [out[i], out[i + 1]] = [b, a];
  }
  return out;
}
