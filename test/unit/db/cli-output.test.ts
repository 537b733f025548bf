import { describe, expect, it } from 'vitest';
import { MigrationProgress, parseMigrationFailure, parseMigrationList } from '../../../lib/db/cli-output.ts';

describe('parseMigrationList', () => {
  it('reads the CLI JSON (shared reference shape)', () => {
    const stdout =
      '{"migrations":[{"local":"20250101000000","remote":"20250101000000","time":"2025-01-01 00:00:00"},{"local":"20250104000000","remote":"","time":"2025-01-04 00:00:00"},{"local":"","remote":"20250103000000","time":"2025-01-03 00:00:00"}],"message":"Migrations listed"}';
    expect(parseMigrationList(stdout)).toEqual([
      { local: '20250101000000', remote: '20250101000000' },
      { local: '20250104000000', remote: '' },
      { local: '', remote: '20250103000000' },
    ]);
  });

  it('fails clearly on anything else', () => {
    expect(() => parseMigrationList('Connecting to remote database...')).toThrow('did not print JSON');
    expect(() => parseMigrationList('{"migrations":[{"version":1}]}')).toThrow('unexpected shape');
  });
});

describe('parseMigrationFailure', () => {
  it('names the file, the database error and the statement (db push output)', () => {
    const output = [
      'Connecting to remote database...',
      'Applying migration 20260101000000_ok.sql...',
      'Applying migration 20260102000000_bad.sql...',
      'ERROR: division by zero (SQLSTATE 22012)',
      'At statement: 1',
      'select 1/0',
      'Try rerunning the command with --debug to troubleshoot the error.',
    ].join('\n');
    expect(parseMigrationFailure(output)).toEqual({
      file: '20260102000000_bad.sql',
      error: 'ERROR: division by zero (SQLSTATE 22012)',
      statement: 'select 1/0',
    });
  });

  it('keeps the detail line of a missing extension (db reset output)', () => {
    const output = [
      'Resetting remote database...',
      'Applying migration 20260103000000_vec.sql...',
      'ERROR: extension "vector" is not available (SQLSTATE 0A000)',
      'Could not open extension control file "/x/vector.control": No such file or directory.',
      'At statement: 0',
      'create extension if not exists vector with schema extensions',
    ].join('\n');
    const failure = parseMigrationFailure(output);
    expect(failure.file).toBe('20260103000000_vec.sql');
    expect(failure.error).toBe(
      'ERROR: extension "vector" is not available (SQLSTATE 0A000) Could not open extension control file "/x/vector.control": No such file or directory.',
    );
  });

  it('finds no file when the failure came before any migration', () => {
    expect(parseMigrationFailure('failed to connect to postgres: password authentication failed')).toEqual({
      file: null,
      error: null,
      statement: null,
    });
  });
});

describe('MigrationProgress', () => {
  it('times each file from one progress line to the next, and notes the seed', () => {
    let now = 0;
    const progress = new MigrationProgress(() => now);
    progress.onLine('Connecting to remote database...');
    progress.onLine('Applying migration 1_a.sql...');
    now = 40;
    progress.onLine('Applying migration 2_b.sql...');
    now = 100;
    expect(progress.inProgress).toBe('2_b.sql');
    progress.onLine('Seeding data from supabase/seed.sql...');
    now = 500;
    expect(progress.finish()).toEqual([
      { file: '1_a.sql', durationMs: 40 },
      { file: '2_b.sql', durationMs: 60 },
    ]);
    expect(progress.seedFile).toBe('supabase/seed.sql');
    expect(progress.started).toEqual(['1_a.sql', '2_b.sql']);
  });
});
