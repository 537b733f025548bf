import { describe, expect, it } from 'vitest';
import {
  CliPromptFilter,
  MigrationProgress,
  parseMigrationFailure,
  parseMigrationList,
} from '../../../lib/db/cli-output.ts';

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
      sqlstate: '22012',
      statementIndex: 1,
      statement: 'select 1/0',
    });
  });

  it('quotes the statement, not the comment above it, and reads a lock timeout', () => {
    const output = [
      'Applying migration 20260102000000_bad.sql...',
      'ERROR: canceling statement due to lock timeout (SQLSTATE 55P03)',
      'At statement: 2',
      '-- this next one is broken',
      'alter table t add b int',
    ].join('\n');
    expect(parseMigrationFailure(output)).toMatchObject({
      sqlstate: '55P03',
      statementIndex: 2,
      statement: 'alter table t add b int',
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
      sqlstate: null,
      statementIndex: null,
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

describe('CliPromptFilter', () => {
  const shown = (lines: string[]) => {
    const filter = new CliPromptFilter();
    return lines.filter((line) => filter.accept(line));
  };

  it("drops db push's prompt, its file list and the answer --yes gave; keeps the progress", () => {
    // supabase 2.117.0, db push --yes, as printed line by line.
    expect(
      shown([
        'Connecting to remote database...',
        'Do you want to push these migrations to the remote database?',
        ' • 20250101000000_a.sql',
        ' • 20250102000000_b.sql',
        '',
        ' [Y/n] y',
        'Applying migration 20250101000000_a.sql...',
        'NOTICE (00000): relation "x" already exists, skipping',
        'Applying migration 20250102000000_b.sql...',
        'Finished supabase db push.',
      ]),
    ).toEqual([
      'Connecting to remote database...',
      'Applying migration 20250101000000_a.sql...',
      'NOTICE (00000): relation "x" already exists, skipping',
      'Applying migration 20250102000000_b.sql...',
      'Finished supabase db push.',
    ]);
  });

  it("drops db reset's prompt and its 'Resetting remote database...' (said of a local database too)", () => {
    expect(
      shown([
        'Do you want to reset the remote database? [y/N] y',
        'Resetting remote database...',
        'Applying migration 20250101000000_a.sql...',
        'WARN: no files matched pattern: supabase/seed.sql',
      ]),
    ).toEqual(['Applying migration 20250101000000_a.sql...', 'WARN: no files matched pattern: supabase/seed.sql']);
  });
});
