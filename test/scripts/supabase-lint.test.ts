/**
 * supabase-lint in-process, with the real squawk (a child process through the runner): the
 * fixtures in test/fixtures/lint each trip the rule they are named after; the project's own
 * migrations pass (baselined); the selection of files (named, --all, --since a git ref);
 * output as lines, GitHub annotations and JSON; exit codes 0, 1, 2.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../lib/core/paths.ts';
import { Output } from '../../lib/core/output.ts';
import { Runner } from '../../lib/core/runner.ts';
import { lintGate } from '../../lib/db/lint/gate.ts';
import { lintMigrations } from '../../lib/db/lint/lint.ts';
import { supabaseProject } from '../../lib/db/project.ts';
import { script } from '../../scripts/supabase-lint.ts';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const lint = (args: string[], env: Record<string, string> = {}, cwd?: string) =>
  runInProcess(script, args, env, cwd ? { cwd } : {});
const fixture = (name: string) => path.join('test', 'fixtures', 'lint', name);
const fixtures = readdirSync(fromRoot('test', 'fixtures', 'lint')).sort();
const named = (part: string) => fixture(fixtures.find((f) => f.includes(part))!);

/** file:line: rule lines of a text report. */
const findings = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => /^\S+:\d+: [a-z-]+: /.test(line))
    .map((line) => line.split(': ').slice(0, 2).join(': '));

describe('supabase-lint on the fixtures (real squawk)', () => {
  it.each([
    ['index_not_concurrent', ['require-concurrent-index-creation'], 2],
    ['add_required_column', ['adding-required-field'], 1],
    ['change_column_type', ['changing-column-type'], 1],
    ['drop_column', ['ban-drop-column'], 1],
    ['set_not_null', ['adding-not-nullable-field'], 1],
    ['transaction_control', ['kotadb-transaction-control'], 2],
    ['ignore_without_reason', ['kotadb-ignore-without-reason'], 1],
    ['concurrently_not_alone', ['kotadb-concurrently-not-alone', 'ban-concurrent-index-creation-in-transaction'], 2],
  ])('%s: exit 1 with %j', async (name, rules, line) => {
    const file = named(name);
    const result = await lint([file]);
    expect(result.code, result.all).toBe(1);
    expect(findings(result.stdout)).toEqual(rules.map((rule) => `${file}:${line}: ${rule}`));
    expect(result.stdout).toMatch(/\n {2}fix: \S/);
    expect(result.stderr).toContain(
      `error: ${rules.length === 1 ? '1 finding' : `${rules.length} findings`} in 1 file`,
    );
  });

  it('an acknowledged finding (rule + reason) passes, and is listed with its reason', async () => {
    const file = named('acknowledged');
    const result = await lint([file]);
    expect(result.code, result.all).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${file}:2: acknowledged ban-drop-column: the API stopped reading description in v41 (kotadb-api#512)`,
      `${file}: contract (declared) — drops a column (line 3)`,
    ]);
    expect(result.stderr).toContain('✓ 1 migration linted: no findings');
  });

  it('BEGIN/COMMIT is a finding that names the statement, and squawk saying the same is not repeated', async () => {
    const result = await lint([named('transaction_control')]);
    expect(result.stdout).toContain(
      ':2: kotadb-transaction-control: `COMMIT`: the Supabase CLI already runs each migration file in one transaction',
    );
    expect(result.stdout).not.toContain('transaction-nesting');
  });

  it('classifies each file: expand, or contract with what it removes', async () => {
    const result = await lint([named('expand_only'), named('drop_column'), named('change_column_type')]);
    expect(result.stdout).toContain(`${named('expand_only')}: expand\n`);
    expect(result.stdout).toContain(
      `${named('drop_column')}: contract (not declared: apply asks for --allow-contract) — drops a column (line 1)`,
    );
    expect(result.stdout).toContain(
      `${named('change_column_type')}: contract (not declared: apply asks for --allow-contract) — changes a column type (line 1)`,
    );
  });

  it('--json: one document with settings, findings and classification', async () => {
    const result = await lint(['--json', named('drop_column'), named('expand_only')]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.settings).toEqual({
      pgVersion: 17,
      assumeInTransaction: true,
      excludedRules: ['require-timeout-settings'],
      startAfter: '20251021083000',
    });
    expect(report.findings).toBe(1);
    expect(report.files).toEqual([
      {
        file: named('drop_column'),
        version: '20990101000004',
        kind: 'contract',
        declaredContract: false,
        contract: [{ line: 1, rule: 'ban-drop-column', what: 'drops a column' }],
        findings: [
          {
            file: named('drop_column'),
            line: 1,
            rule: 'ban-drop-column',
            message: 'Dropping a column may break existing clients.',
            fix: 'first deploy code that no longer reads or writes the column, then drop it in a later migration marked `-- kotadb: contract`',
            source: 'squawk',
          },
        ],
        acknowledged: [],
      },
      {
        file: named('expand_only'),
        version: '20990101000009',
        kind: 'expand',
        declaredContract: false,
        contract: [],
        findings: [],
        acknowledged: [],
      },
    ]);
  });

  it('under GitHub Actions, each finding is also an ::error annotation on its file and line', async () => {
    const result = await lint([named('drop_column')], { GITHUB_ACTIONS: 'true' });
    expect(result.stderr).toContain(
      `::error file=${named('drop_column')},line=1,title=ban-drop-column::Dropping a column may break existing clients. Fix: first deploy code`,
    );
  });

  it('timeout rules are left out (apply sets the timeouts): a plain ALTER is clean', async () => {
    const result = await lint([named('expand_only')]);
    expect(result.code, result.all).toBe(0);
    expect(result.all).not.toMatch(/require-(lock|statement)-timeout/);
  });
});

describe('supabase-lint on the project', () => {
  it("--all: the project's own migrations pass (baselined by supabase/lint.toml)", async () => {
    const result = await lint(['--all']);
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toContain('skipped 4 baselined files (start_after)');
  });

  it('a baselined file named explicitly is skipped too (the lint speaks about new work)', async () => {
    const result = await lint(['supabase/migrations/20250714093000_initial_schema.sql']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('skipped 1 baselined file');
  });
});

describe('choosing the files: --since a git ref (default origin/main)', () => {
  let repo: GitRepo;
  const migration = (name: string, sql: string) =>
    writeFileSync(path.join(repo.dir, 'supabase', 'migrations', name), sql);

  beforeAll(() => {
    repo = createGitRepo({ branch: 'main', origin: true });
    mkdirSync(path.join(repo.dir, 'supabase', 'migrations'), { recursive: true });
    cpSync(fromRoot('supabase', 'config.toml'), path.join(repo.dir, 'supabase', 'config.toml'));
    migration('20250101000000_old.sql', 'alter table public.r drop column a;\n');
    repo.git('add', '.');
    repo.git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'old');
    repo.git('push', '-q', 'origin', 'main');
    repo.git('fetch', '-q', 'origin');
    repo.git('checkout', '-q', '-b', 'feature');
    migration('20260101000000_new.sql', 'create index r_b_idx on public.r (b);\n');
  });
  afterAll(() => repo.cleanup());

  it('by default lints only the migrations origin/main lacks (an untracked new file included)', async () => {
    const result = await lint(['--root', repo.dir]);
    expect(result.code, result.all).toBe(1);
    expect(findings(result.stdout)).toEqual([
      'supabase/migrations/20260101000000_new.sql:1: require-concurrent-index-creation',
    ]);
  });

  it('--since main: the same against a local branch; --all: every file', async () => {
    expect(findings((await lint(['--root', repo.dir, '--since', 'main'])).stdout)).toHaveLength(1);
    const all = await lint(['--root', repo.dir, '--all']);
    expect(findings(all.stdout)).toEqual([
      'supabase/migrations/20250101000000_old.sql:1: ban-drop-column',
      'supabase/migrations/20260101000000_new.sql:1: require-concurrent-index-creation',
    ]);
  });

  it('--since an unknown ref: exit 2 naming it', async () => {
    const result = await lint(['--root', repo.dir, '--since', 'nope/branch']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--since nope/branch: no such commit, branch or tag');
  });

  it('no origin/main (not a repository): every migration, with a note', async () => {
    const plain = path.join(repo.dir, '..', 'plain');
    mkdirSync(path.join(plain, 'supabase', 'migrations'), { recursive: true });
    writeFileSync(
      path.join(plain, 'supabase', 'migrations', '20260101000000_x.sql'),
      'create table t (id bigint primary key);\n',
    );
    try {
      const result = await lint(['--root', plain]);
      expect(result.code, result.all).toBe(0);
      expect(result.stderr).toContain(
        'note: no origin/main to compare with: linting every migration after the baseline',
      );
      expect(result.stdout).toContain('supabase/migrations/20260101000000_x.sql: expand');
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});

describe('bad input: exit 2', () => {
  it.each([
    [['nope.sql'], 'cannot read nope.sql (ENOENT)'],
    [['README.md'], 'README.md is not a .sql migration file'],
    [['--all', '--since', 'main'], '--all and --since exclude each other'],
    [['--all', 'x.sql'], 'name files, or use --since/--all, not both'],
    [['--since', '--all'], '--since'],
  ])('%j', async (args, message) => {
    const result = await lint(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('an unknown rule in lint.toml exclude: exit 2 with squawk’s words and where to fix it', async () => {
    const root = fromRoot('test', 'fixtures', 'lint-bad-config-tmp');
    mkdirSync(path.join(root, 'supabase', 'migrations'), { recursive: true });
    writeFileSync(path.join(root, 'supabase', 'lint.toml'), 'exclude = ["no-such-rule"]\n');
    writeFileSync(path.join(root, 'supabase', 'migrations', '20260101000000_x.sql'), 'select 1;\n');
    try {
      const result = await lint(['--root', root, '--all']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("squawk refused its settings: error: invalid value 'no-such-rule'");
      expect(result.stderr).toContain('check the rule names in supabase/lint.toml');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('lintGate (what supabase-apply refuses), on real lint reports', () => {
  const project = supabaseProject(fromRoot());
  const runner = new Runner({ output: new Output() });
  const report = (...parts: string[]) =>
    lintMigrations(
      parts.map((p) => fromRoot(named(p))),
      { project, runner },
    );

  it('an unacknowledged finding refuses (exit 3) unless --allow-unsafe, which lets it through to be recorded', async () => {
    const r = await report('index_not_concurrent');
    const refused = lintGate(r, { allowUnsafe: false, allowContract: false });
    expect(refused.refusal?.exitCode).toBe(3);
    expect(refused.refusal?.message).toBe(
      `1 unacknowledged lint finding in pending migrations: ${named('index_not_concurrent')}:2 require-concurrent-index-creation`,
    );
    const allowed = lintGate(r, { allowUnsafe: true, allowContract: false });
    expect(allowed.refusal).toBeNull();
    expect(allowed.unsafeAllowed.map((f) => f.rule)).toEqual(['require-concurrent-index-creation']);
  });

  it('transaction control refuses even with --allow-unsafe', async () => {
    const decision = lintGate(await report('transaction_control'), { allowUnsafe: true, allowContract: true });
    expect(decision.refusal?.message).toContain('control the transaction the CLI runs each file in');
    expect(decision.refusal?.hint).toContain('no flag overrides this');
  });

  it('an undeclared contract migration refuses unless --allow-contract; a declared one passes', async () => {
    const undeclared = await report('drop_column');
    const refused = lintGate(undeclared, { allowUnsafe: true, allowContract: false });
    expect(refused.refusal?.message).toBe(
      `1 contract migration not declared safe: ${named('drop_column')} (drops a column); the release still running may use what it removes`,
    );
    expect(lintGate(undeclared, { allowUnsafe: true, allowContract: true }).contractAllowed).toHaveLength(1);
    expect(lintGate(await report('acknowledged'), { allowUnsafe: false, allowContract: false }).refusal).toBeNull();
  });
});
