/**
 * flyctl commands as data: each builder returns the argv (tool name first) and whether the
 * command changes anything. Pure; unit-tested by exact equality. Always pass --app explicitly
 * (flyctl would otherwise fall back to FLY_APP or a fly.toml in the working directory).
 * Facts: shared flyctl reference.
 */
import type { Command } from '../runner.ts';
import type { DeployStrategy } from '../environments.ts';

const read = (...argv: string[]): Command => ({ argv: ['flyctl', ...argv], mutating: false });
const write = (...argv: string[]): Command => ({ argv: ['flyctl', ...argv], mutating: true });

export const flyVersion = (): Command => read('version');
export const flyWhoami = (): Command => read('auth', 'whoami', '--json');
export const flyAppsList = (): Command => read('apps', 'list', '--json');
export const flyAppsCreate = (app: string, org?: string): Command =>
  write('apps', 'create', app, ...(org ? ['--org', org] : []));

/** There is no `releases list`: the bare command lists releases. */
export const flyReleases = (app: string): Command => read('releases', '--app', app, '--json');
export const flyStatus = (app: string): Command => read('status', '--app', app, '--json');

export interface DeployArgs {
  config: string;
  app: string;
  ha: boolean;
  strategy: DeployStrategy;
  waitTimeout: string;
  image?: string;
}

/** Never `--detach`: the pipeline checks health itself and needs flyctl to wait. */
export function flyDeploy(args: DeployArgs): Command {
  return write(
    'deploy',
    '--config', args.config,
    '--app', args.app,
    `--ha=${args.ha}`,
    '--strategy', args.strategy,
    '--wait-timeout', args.waitTimeout,
    ...(args.image ? ['--image', args.image] : []),
  );
}

export const flySecretsList = (app: string): Command => read('secrets', 'list', '--app', app, '--json');
/** Reads NAME=VALUE lines from stdin: values never reach argv. */
export const flySecretsImport = (app: string, stage: boolean): Command =>
  write('secrets', 'import', '--app', app, ...(stage ? ['--stage'] : []));
/** One value on stdin (`NAME=-`), for values the import syntax cannot carry. */
export const flySecretsSetFromStdin = (app: string, name: string, stage: boolean): Command =>
  write('secrets', 'set', `${name}=-`, '--app', app, ...(stage ? ['--stage'] : []));
export const flySecretsUnset = (app: string, names: readonly string[], stage: boolean): Command =>
  write('secrets', 'unset', ...names, '--app', app, ...(stage ? ['--stage'] : []));
export const flySecretsDeploy = (app: string): Command => write('secrets', 'deploy', '--app', app);

export const flyVolumesList = (app: string): Command => read('volumes', 'list', '--app', app, '--json');
export const flyVolumesCreate = (app: string, name: string, sizeGb: number, region: string): Command =>
  write('volumes', 'create', name, '--size', String(sizeGb), '--app', app, '--region', region, '--yes');

export const flyLogs = (app: string, options: { follow: boolean }): Command =>
  read('logs', '--app', app, ...(options.follow ? [] : ['--no-tail']));
