import { describe, expect, it } from 'vitest';
import * as fly from '../../../lib/commands/flyctl.ts';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';

const { staging, production } = ENVIRONMENTS;

describe('flyctl builders (exact argv)', () => {
  it.each([
    ['whoami', fly.whoami(), ['flyctl', 'auth', 'whoami', '--json'], false],
    ['apps list', fly.appsList(), ['flyctl', 'apps', 'list', '--json'], false],
    [
      'apps create',
      fly.appsCreate('kotadb-api', 'kotadb'),
      ['flyctl', 'apps', 'create', 'kotadb-api', '--org', 'kotadb'],
      true,
    ],
    ['apps create (default org)', fly.appsCreate('kotadb-api'), ['flyctl', 'apps', 'create', 'kotadb-api'], true],
    [
      'releases (no `list` subcommand)',
      fly.releases('kotadb-api'),
      ['flyctl', 'releases', '--app', 'kotadb-api', '--json'],
      false,
    ],
    ['status', fly.status('kotadb-api-staging'), ['flyctl', 'status', '--app', 'kotadb-api-staging', '--json'], false],
    [
      'secrets list',
      fly.secretsList('kotadb-api'),
      ['flyctl', 'secrets', 'list', '--app', 'kotadb-api', '--json'],
      false,
    ],
    [
      'secrets import',
      fly.secretsImport('kotadb-api', false),
      ['flyctl', 'secrets', 'import', '--app', 'kotadb-api'],
      true,
    ],
    [
      'secrets import --stage',
      fly.secretsImport('kotadb-api', true),
      ['flyctl', 'secrets', 'import', '--app', 'kotadb-api', '--stage'],
      true,
    ],
    [
      'secrets set from stdin',
      fly.secretsSetFromStdin('kotadb-api', 'PEM', true),
      ['flyctl', 'secrets', 'set', 'PEM=-', '--app', 'kotadb-api', '--stage'],
      true,
    ],
    [
      'secrets unset',
      fly.secretsUnset('kotadb-api', ['A', 'B'], false),
      ['flyctl', 'secrets', 'unset', 'A', 'B', '--app', 'kotadb-api'],
      true,
    ],
    ['secrets deploy', fly.secretsDeploy('kotadb-api'), ['flyctl', 'secrets', 'deploy', '--app', 'kotadb-api'], true],
    [
      'volumes list',
      fly.volumesList('kotadb-api'),
      ['flyctl', 'volumes', 'list', '--app', 'kotadb-api', '--json'],
      false,
    ],
    [
      'volumes create',
      fly.volumesCreate('kotadb-api', 'kotadb_data', 10, 'iad'),
      ['flyctl', 'volumes', 'create', 'kotadb_data', '--size', '10', '--app', 'kotadb-api', '--region', 'iad', '--yes'],
      true,
    ],
    [
      'volumes create --count (one per machine)',
      fly.volumesCreate('kotadb-api', 'kotadb_data', 10, 'iad', 2),
      [
        'flyctl',
        'volumes',
        'create',
        'kotadb_data',
        '--size',
        '10',
        '--app',
        'kotadb-api',
        '--region',
        'iad',
        '--count',
        '2',
        '--yes',
      ],
      true,
    ],
    [
      'scale count',
      fly.scaleCount('kotadb-api', 2),
      ['flyctl', 'scale', 'count', '2', '--app', 'kotadb-api', '--yes'],
      true,
    ],
    [
      'logs --no-tail',
      fly.logs('kotadb-api', { follow: false }),
      ['flyctl', 'logs', '--app', 'kotadb-api', '--no-tail'],
      false,
    ],
    ['logs (follow)', fly.logs('kotadb-api', { follow: true }), ['flyctl', 'logs', '--app', 'kotadb-api'], false],
    [
      'logs with config',
      fly.logs('kotadb-api-staging', { follow: false, config: 'fly.staging.toml' }),
      ['flyctl', 'logs', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml', '--no-tail'],
      false,
    ],
    [
      'status table',
      fly.statusTable('kotadb-api', 'fly.toml'),
      ['flyctl', 'status', '--app', 'kotadb-api', '--config', 'fly.toml'],
      false,
    ],
    [
      'releases table',
      fly.releasesTable('kotadb-api-staging', 'fly.staging.toml'),
      ['flyctl', 'releases', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'],
      false,
    ],
    [
      'certs list',
      fly.certsList('kotadb-api', 'fly.toml'),
      ['flyctl', 'certs', 'list', '--app', 'kotadb-api', '--config', 'fly.toml'],
      false,
    ],
    [
      'apps open',
      fly.appsOpen('kotadb-api', 'fly.toml'),
      ['flyctl', 'apps', 'open', '--app', 'kotadb-api', '--config', 'fly.toml'],
      false,
    ],
    [
      'ssh console',
      fly.sshConsole('kotadb-api', 'fly.toml'),
      ['flyctl', 'ssh', 'console', '--app', 'kotadb-api', '--config', 'fly.toml'],
      true,
    ],
    [
      'scale memory',
      fly.scaleMemory('kotadb-api', 'fly.toml', 1024),
      ['flyctl', 'scale', 'memory', '1024', '--app', 'kotadb-api', '--config', 'fly.toml'],
      true,
    ],
  ])('%s', (_name, command, argv, mutating) => {
    expect(command).toEqual({ argv, mutating });
  });

  it.each([
    [
      staging,
      undefined,
      [
        'flyctl',
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
    ],
    [
      production,
      undefined,
      [
        'flyctl',
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
    ],
    [
      production,
      'registry.fly.io/kotadb-api:deployment-01',
      [
        'flyctl',
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
        '--image',
        'registry.fly.io/kotadb-api:deployment-01',
      ],
    ],
  ])('deploy %s image=%s', (env, image, argv) => {
    const waitTimeout = env.name === 'production' ? '10m' : '5m';
    const command = fly.deploy({
      config: env.configFile,
      app: env.app,
      ha: env.ha,
      strategy: env.strategy,
      waitTimeout,
      ...(image ? { image } : {}),
    });
    expect(command).toEqual({ argv, mutating: true });
    expect(command.argv).not.toContain('--detach');
  });

  it('builds from a source checkout (WORKING_DIRECTORY first, its Dockerfile) and skips the release command', () => {
    expect(
      fly.deploy({
        config: '/toolkit/fly.staging.toml',
        app: 'kotadb-api-staging',
        ha: false,
        strategy: 'immediate',
        waitTimeout: '5m',
        workingDir: '/src/kotadb',
        dockerfile: '/src/kotadb/Dockerfile.production',
      }).argv,
    ).toEqual([
      'flyctl',
      'deploy',
      '/src/kotadb',
      '--config',
      '/toolkit/fly.staging.toml',
      '--app',
      'kotadb-api-staging',
      '--ha=false',
      '--strategy',
      'immediate',
      '--wait-timeout',
      '5m',
      '--dockerfile',
      '/src/kotadb/Dockerfile.production',
    ]);
    expect(
      fly
        .deploy({
          config: 'fly.toml',
          app: 'kotadb-api',
          ha: true,
          strategy: 'rolling',
          waitTimeout: '10m',
          image: 'registry.fly.io/kotadb-api:deployment-01',
          skipReleaseCommand: true,
        })
        .argv.slice(-3),
    ).toEqual(['--image', 'registry.fly.io/kotadb-api:deployment-01', '--skip-release-command']);
  });

  it.each([
    [
      'labelled build',
      { imageLabel: 'git-0123456789abcdef0123456789abcdef01234567' },
      ['--image-label', 'git-0123456789abcdef0123456789abcdef01234567'],
    ],
    [
      'build only, pushed',
      { imageLabel: 'git-0123456789abcdef0123456789abcdef01234567', buildOnly: true },
      ['--image-label', 'git-0123456789abcdef0123456789abcdef01234567', '--build-only', '--push'],
    ],
  ])('%s: the label (and --build-only --push) come last', (_name, extra, tail) => {
    const argv = fly.deploy({
      config: '/toolkit/fly.staging.toml',
      app: 'kotadb-api-staging',
      ha: false,
      strategy: 'immediate',
      waitTimeout: '5m',
      workingDir: '/src/kotadb',
      dockerfile: '/src/kotadb/Dockerfile.production',
      ...extra,
    }).argv;
    expect(argv.slice(0, 14)).toEqual([
      'flyctl',
      'deploy',
      '/src/kotadb',
      '--config',
      '/toolkit/fly.staging.toml',
      '--app',
      'kotadb-api-staging',
      '--ha=false',
      '--strategy',
      'immediate',
      '--wait-timeout',
      '5m',
      '--dockerfile',
      '/src/kotadb/Dockerfile.production',
    ]);
    expect(argv.slice(14)).toEqual(tail);
  });
});
