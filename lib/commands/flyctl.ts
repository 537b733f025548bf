/**
 * flyctl commands as data: each builder returns the argv (tool name first) and whether the
 * command changes anything. Pure; unit-tested by exact equality. Always pass --app explicitly
 * (flyctl would otherwise fall back to FLY_APP or a fly.toml in the working directory).
 * Facts: shared flyctl reference.
 */
import type { Command } from '../core/runner.ts';
import type { DeployStrategy } from '../config/environments.ts';

const read = (...argv: string[]): Command => ({ argv: ['flyctl', ...argv], mutating: false });
const write = (...argv: string[]): Command => ({ argv: ['flyctl', ...argv], mutating: true });

export const version = (): Command => read('version');
export const whoami = (): Command => read('auth', 'whoami', '--json');
export const appsList = (): Command => read('apps', 'list', '--json');
export const appsCreate = (app: string, org?: string): Command =>
  write('apps', 'create', app, ...(org ? ['--org', org] : []));

/** There is no `releases list`: the bare command lists releases. */
export const releases = (app: string): Command => read('releases', '--app', app, '--json');
export const status = (app: string): Command => read('status', '--app', app, '--json');

export interface DeployArgs {
  config: string;
  app: string;
  ha: boolean;
  strategy: DeployStrategy;
  waitTimeout: string;
  image?: string;
  /**
   * flyctl's WORKING_DIRECTORY: it changes into it first, and it is the build context (the
   * service's checkout when building from source).
   */
  workingDir?: string;
  /** Applies only when the config has no `[build] dockerfile` (flyctl resolves that one itself). */
  dockerfile?: string;
  /** Rollbacks: re-running `[deploy] release_command` for an old image would be wrong. */
  skipReleaseCommand?: boolean;
  /** A build's tag in the app's registry (`registry.fly.io/<app>:<label>`): the toolkit's `git-<sha>`. */
  imageLabel?: string;
  /** Build and push the image, deploy nothing (`--build-only --push`). */
  buildOnly?: boolean;
}

/** Never `--detach`: the pipeline checks health itself and needs flyctl to wait. */
export function deploy(args: DeployArgs): Command {
  return write(
    'deploy',
    ...(args.workingDir ? [args.workingDir] : []),
    '--config',
    args.config,
    '--app',
    args.app,
    `--ha=${args.ha}`,
    '--strategy',
    args.strategy,
    '--wait-timeout',
    args.waitTimeout,
    ...(args.image ? ['--image', args.image] : []),
    ...(args.dockerfile ? ['--dockerfile', args.dockerfile] : []),
    ...(args.skipReleaseCommand ? ['--skip-release-command'] : []),
    ...(args.imageLabel ? ['--image-label', args.imageLabel] : []),
    ...(args.buildOnly ? ['--build-only', '--push'] : []),
  );
}

export const secretsList = (app: string): Command => read('secrets', 'list', '--app', app, '--json');
/** Reads NAME=VALUE lines from stdin: values never reach argv. */
export const secretsImport = (app: string, stage: boolean): Command =>
  write('secrets', 'import', '--app', app, ...(stage ? ['--stage'] : []));
/** One value on stdin (`NAME=-`), for values the import syntax cannot carry. */
export const secretsSetFromStdin = (app: string, name: string, stage: boolean): Command =>
  write('secrets', 'set', `${name}=-`, '--app', app, ...(stage ? ['--stage'] : []));
export const secretsUnset = (app: string, names: readonly string[], stage: boolean): Command =>
  write('secrets', 'unset', ...names, '--app', app, ...(stage ? ['--stage'] : []));
export const secretsDeploy = (app: string): Command => write('secrets', 'deploy', '--app', app);

export const volumesList = (app: string): Command => read('volumes', 'list', '--app', app, '--json');
/** `--count N` creates N volumes of that name at once (one per machine that mounts it). */
export const volumesCreate = (app: string, name: string, sizeGb: number, region: string, count = 1): Command =>
  write(
    'volumes',
    'create',
    name,
    '--size',
    String(sizeGb),
    '--app',
    app,
    '--region',
    region,
    ...(count > 1 ? ['--count', String(count)] : []),
    '--yes',
  );
/** Adds (or removes) machines to reach `count`, creating the volumes new machines mount; --yes: nobody to ask in CI. */
export const scaleCount = (app: string, count: number): Command =>
  write('scale', 'count', String(count), '--app', app, '--yes');

/** `-n` is `--no-tail` (print the buffered lines and exit), not a line count. */
export const logs = (app: string, options: { follow: boolean; config?: string }): Command =>
  read(
    'logs',
    '--app',
    app,
    ...(options.config ? ['--config', options.config] : []),
    ...(options.follow ? [] : ['--no-tail']),
  );

// The everyday recipes (scripts/fly.ts) print flyctl's own tables to the terminal. They pass
// --config too: run from the repository root, flyctl would otherwise read ./fly.toml, which is
// production's config, even for a staging command.
export const statusTable = (app: string, config: string): Command => read('status', '--app', app, '--config', config);
export const releasesTable = (app: string, config: string): Command =>
  read('releases', '--app', app, '--config', config);
export const certsList = (app: string, config: string): Command =>
  read('certs', 'list', '--app', app, '--config', config);
export const appsOpen = (app: string, config: string): Command =>
  read('apps', 'open', '--app', app, '--config', config);
/** A root shell on a machine can change anything: a dry run prints it instead of opening it. */
export const sshConsole = (app: string, config: string): Command =>
  write('ssh', 'console', '--app', app, '--config', config);
/** Restarts every machine with the new size; the next deploy applies fly.toml's [[vm]] again. */
export const scaleMemory = (app: string, config: string, memoryMb: number): Command =>
  write('scale', 'memory', String(memoryMb), '--app', app, '--config', config);
