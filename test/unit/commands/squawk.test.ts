import { describe, expect, it } from 'vitest';
import * as squawk from '../../../lib/commands/squawk.ts';

describe('squawk builders (exact argv)', () => {
  it.each([
    [
      'lint, in a transaction, with exclusions',
      squawk.lint(['supabase/migrations/a.sql', '/tmp/b.sql'], {
        pgVersion: 17,
        assumeInTransaction: true,
        excludedRules: ['require-timeout-settings', 'prefer-robust-stmts'],
      }),
      [
        'squawk',
        '--reporter',
        'json',
        '--pg-version',
        '17',
        '--assume-in-transaction',
        '--exclude',
        'require-timeout-settings,prefer-robust-stmts',
        '--',
        'supabase/migrations/a.sql',
        '/tmp/b.sql',
      ],
    ],
    [
      'lint, no transaction, nothing excluded (a file named like a flag stays a file)',
      squawk.lint(['--help.sql'], { pgVersion: 15, assumeInTransaction: false, excludedRules: [] }),
      ['squawk', '--reporter', 'json', '--pg-version', '15', '--no-assume-in-transaction', '--', '--help.sql'],
    ],
    ['version', squawk.version(), ['squawk', '--version']],
  ])('%s', (_name, command, argv) => {
    expect(command).toEqual({ argv, mutating: false });
  });
});
