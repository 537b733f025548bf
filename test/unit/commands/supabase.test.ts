import { describe, expect, it } from 'vitest';
import * as sb from '../../../lib/commands/supabase.ts';
import { parseDbUrl, cliUrl } from '../../../lib/db/url.ts';

const W = '/repo';
const remote = parseDbUrl('postgresql://postgres:s%40cret@db.abc.supabase.co:5432/postgres', 'test');
const local = parseDbUrl('postgresql://postgres@127.0.0.1:54332/postgres', 'test');
const shadow = parseDbUrl('postgresql://postgres:pw@127.0.0.1:54332/kotadb_shadow_1', 'test');

describe('Supabase CLI builders (exact argv)', () => {
  it.each([
    [
      'db reset',
      sb.dbReset(W, cliUrl(local)),
      [
        'supabase',
        'db',
        'reset',
        '--db-url',
        'postgresql://postgres@127.0.0.1:54332/postgres',
        '--yes',
        '--workdir',
        W,
      ],
      true,
    ],
    [
      'db reset --no-seed',
      sb.dbReset(W, cliUrl(local), { seed: false }),
      [
        'supabase',
        'db',
        'reset',
        '--db-url',
        'postgresql://postgres@127.0.0.1:54332/postgres',
        '--yes',
        '--no-seed',
        '--workdir',
        W,
      ],
      true,
    ],
    [
      'db push',
      sb.dbPush(W, cliUrl(remote)),
      [
        'supabase',
        'db',
        'push',
        '--db-url',
        'postgresql://postgres@db.abc.supabase.co:5432/postgres',
        '--yes',
        '--workdir',
        W,
      ],
      true,
    ],
    [
      'db push --include-all',
      sb.dbPush(W, cliUrl(remote), { includeAll: true }),
      [
        'supabase',
        'db',
        'push',
        '--db-url',
        'postgresql://postgres@db.abc.supabase.co:5432/postgres',
        '--yes',
        '--include-all',
        '--workdir',
        W,
      ],
      true,
    ],
    [
      'migration list',
      sb.migrationList(W, cliUrl(remote)),
      [
        'supabase',
        'migration',
        'list',
        '--db-url',
        'postgresql://postgres@db.abc.supabase.co:5432/postgres',
        '--output-format',
        'json',
        '--workdir',
        W,
      ],
      false,
    ],
    [
      'db diff',
      sb.dbDiff(W, cliUrl(shadow), cliUrl(local)),
      [
        'supabase',
        'db',
        'diff',
        '--from',
        'postgresql://postgres@127.0.0.1:54332/kotadb_shadow_1',
        '--to',
        'postgresql://postgres@127.0.0.1:54332/postgres',
        '--workdir',
        W,
      ],
      false,
    ],
    [
      'db diff --schema',
      sb.dbDiff(W, cliUrl(shadow), cliUrl(local), ['public', 'auth']),
      [
        'supabase',
        'db',
        'diff',
        '--from',
        'postgresql://postgres@127.0.0.1:54332/kotadb_shadow_1',
        '--to',
        'postgresql://postgres@127.0.0.1:54332/postgres',
        '--schema',
        'public,auth',
        '--workdir',
        W,
      ],
      false,
    ],
    [
      'migration repair (reverted)',
      sb.migrationRepair(W, cliUrl(remote), ['20250101000000', '20250102000000'], 'reverted'),
      [
        'supabase',
        'migration',
        'repair',
        '--status',
        'reverted',
        '20250101000000',
        '20250102000000',
        '--db-url',
        'postgresql://postgres@db.abc.supabase.co:5432/postgres',
        '--workdir',
        W,
      ],
      true,
    ],
    [
      'migration repair (applied)',
      sb.migrationRepair(W, cliUrl(local), ['20260101000000'], 'applied'),
      [
        'supabase',
        'migration',
        'repair',
        '--status',
        'applied',
        '20260101000000',
        '--db-url',
        'postgresql://postgres@127.0.0.1:54332/postgres',
        '--workdir',
        W,
      ],
      true,
    ],
    ['start (docker)', sb.start(W), ['supabase', 'start', '--workdir', W], true],
    ['stop (docker)', sb.stop(W), ['supabase', 'stop', '--workdir', W], true],
    ['status (docker)', sb.status(W), ['supabase', 'status', '--workdir', W], false],
    [
      'db reset --local (docker)',
      sb.dbResetLocal(W),
      ['supabase', 'db', 'reset', '--local', '--yes', '--workdir', W],
      true,
    ],
    [
      'db diff --local (docker)',
      sb.dbDiffLocal(W, ['public']),
      ['supabase', 'db', 'diff', '--local', '--schema', 'public', '--workdir', W],
      false,
    ],
    ['docker info', sb.dockerInfo(), ['docker', 'info'], false],
  ])('%s', (_name, command, argv, mutating) => {
    expect(command).toEqual({ argv, mutating });
  });

  it('never puts a password on argv, whatever the builder', () => {
    const all = [
      sb.dbReset(W, cliUrl(shadow)),
      sb.dbPush(W, cliUrl(remote)),
      sb.migrationList(W, cliUrl(remote)),
      sb.dbDiff(W, cliUrl(shadow), cliUrl(remote)),
      sb.migrationRepair(W, cliUrl(remote), ['1'], 'reverted'),
    ];
    for (const command of all) {
      const joined = command.argv.join(' ');
      expect(joined).not.toContain('s@cret');
      expect(joined).not.toContain('s%40cret');
      expect(joined).not.toMatch(/:pw@/);
    }
  });
});
