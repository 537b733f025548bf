/**
 * Read-only questions to Fly (through the runner) and the pure rules that interpret the
 * answers. Deploy preflight, rollback, fly-secrets, fly-setup and doctor all ask through here.
 * Whether an app exists is asked with an app-scoped call (`status --app X`): the deploy tokens
 * CI uses (`fly tokens create deploy`) are refused org-wide calls such as `apps list`.
 */
import * as fly from '../commands/flyctl.ts';
import { CommandFailed, type Runner } from '../core/runner.ts';
import { PreconditionFailed } from '../core/errors.ts';
import { runFlyctl } from './flyctl-error.ts';
import type { FlyApp, FlyRelease, FlySecret, FlyStatus, FlyVolume } from './json.ts';

/** flyctl's JSON schemas (zod): loaded with the first answer to read, not at start-up. */
const json = () => import('./json.ts');

/** Read-only flyctl calls should answer quickly; a hung API must not hang the toolkit. */
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000;

export class FlyClient {
  constructor(
    private readonly runner: Runner,
    private readonly timeoutMs: number = DEFAULT_QUERY_TIMEOUT_MS,
  ) {}

  private async query(command: ReturnType<typeof fly.releases>): Promise<string> {
    const result = await runFlyctl(this.runner, command, { timeoutMs: this.timeoutMs });
    return result.stdout;
  }

  async version(): Promise<string> {
    return (await this.query(fly.version())).trim();
  }

  /** The logged-in account; PreconditionFailed (exit 3) when flyctl has no token. */
  async whoami(): Promise<string> {
    try {
      return (await json()).parseWhoami(await this.query(fly.whoami())).email;
    } catch (error) {
      if (error instanceof CommandFailed) {
        throw new PreconditionFailed('not logged in to Fly.io', {
          hint: 'run `flyctl auth login` (CI: set FLY_API_TOKEN)',
          cause: error,
        });
      }
      throw error;
    }
  }

  async apps(): Promise<FlyApp[]> {
    return (await json()).parseApps(await this.query(fly.appsList()));
  }

  async releases(app: string): Promise<FlyRelease[]> {
    return (await json()).parseReleases(await this.query(fly.releases(app)));
  }

  async secrets(app: string): Promise<FlySecret[]> {
    return (await json()).parseSecrets(await this.query(fly.secretsList(app)));
  }

  async status(app: string): Promise<FlyStatus> {
    return (await json()).parseStatus(await this.query(fly.status(app)));
  }

  /** The app's status, or null when flyctl says there is no such app (for this token). */
  async appStatus(app: string): Promise<FlyStatus | null> {
    try {
      return await this.status(app);
    } catch (error) {
      if (isAppNotFound(error)) return null;
      throw error;
    }
  }

  async volumes(app: string): Promise<FlyVolume[]> {
    return (await json()).parseVolumes(await this.query(fly.volumesList(app)));
  }
}

/** flyctl's answer when an app does not exist, or this token may not see it. */
export function isAppNotFound(error: unknown): boolean {
  return error instanceof CommandFailed && /Could not find App\b/i.test(error.result.stderr);
}

/** An org-wide call refused, as it is with an app-scoped deploy token (fly-setup needs an org token). */
export function isNotAuthorized(error: unknown): boolean {
  return error instanceof CommandFailed && /\bnot authorized\b/i.test(error.result.stderr);
}

/** Exact name match: `kotadb-api` must not match `kotadb-api-staging`. */
export function findApp(apps: readonly FlyApp[], name: string): FlyApp | undefined {
  return apps.find((app) => app.name === name);
}

/** Newest first, whatever order flyctl printed. */
export function sortReleases(releases: readonly FlyRelease[]): FlyRelease[] {
  return [...releases].sort((a, b) => b.version - a.version);
}

/** The release serving traffic: the newest `complete` one. */
export function runningRelease(releases: readonly FlyRelease[]): FlyRelease | undefined {
  return sortReleases(releases).find((r) => r.status === 'complete' && r.imageRef !== null);
}

/**
 * Default rollback target: the newest `complete` release older than the running one whose
 * image differs (secret changes create releases with the same image; redeploying those
 * changes nothing).
 */
export function defaultRollbackTarget(releases: readonly FlyRelease[]): FlyRelease | undefined {
  const running = runningRelease(releases);
  if (!running) return undefined;
  return sortReleases(releases).find(
    (r) =>
      r.version < running.version && r.status === 'complete' && r.imageRef !== null && r.imageRef !== running.imageRef,
  );
}

/** Required names that are not set on Fly at all (staged ones count as set). */
export function missingSecrets(secrets: readonly FlySecret[], required: readonly string[]): string[] {
  const present = new Set(secrets.map((s) => s.name));
  return required.filter((name) => !present.has(name));
}
