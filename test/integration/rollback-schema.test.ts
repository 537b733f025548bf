/**
 * The schema check before a rollback, on a real git repository (deploy tags) with the real
 * squawk classifying the migrations applied since the target release.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import { Output } from '../../lib/core/output.ts';
import { Runner } from '../../lib/core/runner.ts';
import { checkRollbackSchema, rollbackSchemaGate } from '../../lib/db/lint/rollback-check.ts';
import { supabaseProject, type SupabaseProject } from '../../lib/db/project.ts';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.ts';

let repo: GitRepo;
let project: SupabaseProject;
const runner = new Runner({ output: new Output() });
const commit = (file: string, sql: string, tag?: string) => {
  writeFileSync(path.join(repo.dir, 'supabase', 'migrations', file), sql);
  repo.git('add', '.');
  repo.git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', file);
  if (tag) repo.git('tag', tag);
};
const check = (target: string, applied: string[] | null = null) =>
  checkRollbackSchema({ project, runner, target: `v${target}`, ref: `deploy/production/v${target}`, applied });

beforeAll(() => {
  repo = createGitRepo({ branch: 'main' });
  mkdirSync(path.join(repo.dir, 'supabase', 'migrations'), { recursive: true });
  cpSync(fromRoot('supabase', 'config.toml'), path.join(repo.dir, 'supabase', 'config.toml'));
  project = supabaseProject(repo.dir);
  commit(
    '20260101000000_base.sql',
    'create table public.items (id bigint primary key, legacy text);\n',
    'deploy/production/v41',
  );
  commit(
    '20260102000000_add_stars.sql',
    'alter table public.items add column stars bigint;\n',
    'deploy/production/v42',
  );
  commit(
    '20260103000000_drop_legacy.sql',
    '-- kotadb: contract\n-- squawk-ignore ban-drop-column -- unused since v42\nalter table public.items drop column legacy;\n',
    'deploy/production/v43',
  );
});
afterAll(() => repo.cleanup());

describe('checkRollbackSchema', () => {
  it('expand-only since the target: compatible, naming what was applied after it', async () => {
    const compat = await check('41', ['20260101000000', '20260102000000']);
    expect(compat).toMatchObject({
      compatible: true,
      message: 'schema is compatible with v41: the 1 migration(s) applied after it only expand (20260102000000)',
    });
    expect(rollbackSchemaGate(compat, { forceSchema: false })).toBeNull();
  });

  it('a contract migration since the target (the checkout as applied): refuses with exit 3, unless --force-schema', async () => {
    const compat = await check('42');
    expect(compat).toMatchObject({ compatible: false, reason: 'contract' });
    expect(compat.message).toBe(
      'schema is not compatible with v42: applied after it: supabase/migrations/20260103000000_drop_legacy.sql (drops a column)',
    );
    const refusal = rollbackSchemaGate(compat, { forceSchema: false });
    expect(refusal?.exitCode).toBe(3);
    expect(refusal?.message).toBe(`refusing to roll back: ${compat.message}`);
    expect(refusal?.hint).toContain('--force-schema');
    expect(rollbackSchemaGate(compat, { forceSchema: true })).toBeNull();
  });

  it('rolling back to the release that has every migration: compatible', async () => {
    expect((await check('43')).message).toBe('schema is compatible with v43: no migration was applied after it');
  });

  it('a database recording a migration with no file here: not compatible (cannot classify it)', async () => {
    const compat = await check('43', ['20260101000000', '20260102000000', '20260103000000', '20260104000000']);
    expect(compat).toMatchObject({ compatible: false, reason: 'unclassified', unclassified: ['20260104000000'] });
  });

  it('no deploy tag for the target: unknown, refused with the hint to deploy with --tag', async () => {
    const compat = await check('7');
    expect(compat).toMatchObject({ compatible: false, reason: 'unknown-release' });
    expect(rollbackSchemaGate(compat, { forceSchema: false })?.hint).toContain('deploy with --tag');
  });
});
