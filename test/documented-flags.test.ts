/**
 * Every flag the docs and the workflows pass to a script is one that script declares: a
 * renamed flag must not leave a runbook or CI step that exits 2. And the README's reference of
 * each script lists exactly the flags its --help prints, and its exit-code table exactly the
 * codes of lib/core/errors.ts: no flag missing, none that does not apply.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { formatHelp, type CommandSpec } from '../lib/core/cli.ts';
import { ExitCode } from '../lib/core/errors.ts';
import { fromRoot } from '../lib/core/paths.ts';
import { codeIn, documentedFiles, invocationsIn, scriptBehind, type Invocation } from './helpers/package-commands.ts';

const documents = documentedFiles();

function workflowRuns(): string[] {
  const dir = fromRoot('.github', 'workflows');
  return readdirSync(dir).flatMap((file) => {
    const workflow = YAML.parse(readFileSync(`${dir}/${file}`, 'utf8')) as {
      jobs: Record<string, { steps: Array<{ run?: string }> }>;
    };
    return Object.values(workflow.jobs).flatMap((job) =>
      job.steps.map((s) => s.run).filter((r): r is string => Boolean(r)),
    );
  });
}

const sources: Array<[string, Invocation[]]> = [
  ...documents.map(
    (doc) => [doc, codeIn(readFileSync(fromRoot(doc), 'utf8')).flatMap(invocationsIn)] as [string, Invocation[]],
  ),
  ['.github/workflows', workflowRuns().flatMap(invocationsIn)],
];

async function declaredFlags(script: string): Promise<Set<string>> {
  const module = (await import(fromRoot('scripts', `${script}.ts`))) as { script?: { spec: CommandSpec } };
  const spec = module.script?.spec;
  if (!spec) throw new Error(`scripts/${script}.ts exports no script`);
  const flags = new Set<string>();
  for (const [name, option] of Object.entries(spec.options)) {
    flags.add(`--${name}`);
    if (option.short) flags.add(`-${option.short}`);
  }
  return flags;
}

describe.each(sources)('%s', (_source, invocations) => {
  it('passes only flags the scripts declare', async () => {
    const unknown: string[] = [];
    for (const invocation of invocations) {
      const script = scriptBehind(invocation);
      if (!script) continue;
      const flags = await declaredFlags(script);
      for (const arg of invocation.args) {
        const flag = arg.split('=')[0]!;
        if (/^--?[a-z]/.test(flag) && !flags.has(flag)) unknown.push(`${invocation.kind} ${invocation.name}: ${flag}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});

/** The long flags in the Options section of a --help text (`--help` itself left out). */
export function helpFlags(help: string): string[] {
  const options = help.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
  return [...options.matchAll(/^\s+(?:-\w, )?\s*(--[a-z][\w-]*)/gm)].map((m) => m[1]!).filter((f) => f !== '--help');
}

/** The README section under `### <title>…` (up to the next heading of level 2 or 3). */
function section(readme: string, title: string): string {
  const start = readme.indexOf(`\n### ${title}`);
  if (start === -1) throw new Error(`README.md has no section "### ${title}"`);
  const rest = readme.slice(start + 1);
  const end = rest.slice(4).search(/\n#{2,3} /);
  return end === -1 ? rest : rest.slice(0, end + 4);
}

/** The long flags in the first column of a section's flag tables (`| flag |`, `| action / flag |`). */
export function flagTableFlags(markdown: string): string[] {
  const flags: string[] = [];
  for (const table of markdown.matchAll(/^\| (?:flag|action \/ flag) \|.*\n\|[-|]+\|\n((?:\|.*\n?)*)/gm))
    for (const row of table[1]!.split('\n').filter(Boolean))
      flags.push(...[...row.split(' | ')[0]!.matchAll(/--[a-z][\w-]*/g)].map((m) => m[0]));
  return flags.filter((f) => f !== '--help');
}

/** The long flags of a bold usage line `**\`<name> […]\`**`. */
function usageLineFlags(markdown: string, name: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`**\`${name} `));
  if (!line) throw new Error(`README.md has no usage line **\`${name} …\`**`);
  return [...line.matchAll(/--[a-z][\w-]*/g)].map((m) => m[0]);
}

const readme = readFileSync(fromRoot('README.md'), 'utf8');

/** Where the README lists each script's flags: a section's flag table, or a bold usage line. */
const README_FLAGS: Record<string, () => string[]> = {
  'check-config': () => flagTableFlags(section(readme, 'check-config')),
  'deploy-fly': () => flagTableFlags(section(readme, 'deploy')),
  promote: () => flagTableFlags(section(readme, 'promote')),
  rollback: () => flagTableFlags(section(readme, 'rollback')),
  'fly-secrets': () => flagTableFlags(section(readme, 'fly-secrets')),
  lock: () => flagTableFlags(section(readme, 'lock')),
  'fly-setup': () => flagTableFlags(section(readme, 'fly-setup')),
  doctor: () => flagTableFlags(section(readme, 'doctor')),
  status: () => flagTableFlags(section(readme, 'status')),
  fly: () => flagTableFlags(section(readme, 'Everyday recipes')),
  'local-db': () => usageLineFlags(readme, 'db-start|db-stop|db-status'),
  'supabase-reset': () => usageLineFlags(readme, 'supabase-reset'),
  'supabase-generate': () => usageLineFlags(readme, 'supabase-generate'),
  'supabase-lint': () => usageLineFlags(readme, 'supabase-lint'),
  'supabase-apply': () => usageLineFlags(readme, 'supabase-apply'),
};

describe('the README reference', () => {
  it('covers every script', () => {
    const scripts = readdirSync(fromRoot('scripts')).map((f) => f.replace(/\.ts$/, ''));
    expect(Object.keys(README_FLAGS).sort()).toEqual(scripts.sort());
  });

  it.each(Object.keys(README_FLAGS))('lists exactly the flags `%s --help` prints', async (script) => {
    const module = (await import(fromRoot('scripts', `${script}.ts`))) as { script: { spec: CommandSpec } };
    const printed = helpFlags(formatHelp(module.script.spec));
    expect(printed.length).toBeGreaterThan(0);
    expect([...new Set(README_FLAGS[script]!())].sort()).toEqual([...new Set(printed)].sort());
  });

  it('has an exit-code table of exactly the codes lib/core/errors.ts defines', () => {
    const table = /^## Exit codes\n[\s\S]*?\| code \| meaning \|\n\|[-|]+\|\n((?:\|.*\n)*)/m.exec(readme)?.[1] ?? '';
    const codes = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(codes).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  it('the table readers find flags in help text, tables and nothing else', () => {
    expect(
      helpFlags(
        'Usage: x\n\nOptions:\n  -h, --help      Show\n      --dry-run   Print --not-this\n  -y, --yes   Skip\n\nExit codes: --no',
      ),
    ).toEqual(['--dry-run', '--yes']);
    expect(
      flagTableFlags(
        '| flag | meaning |\n|---|---|\n| `--a <x>`, `-a` | see `--not-this` |\n| `--b`, `--c` | b |\n\n| `--d` | not a flag table |\n',
      ),
    ).toEqual(['--a', '--b', '--c']);
  });
});

describe('the invocation extractor', () => {
  it('reads arguments after `--` for npm and after the recipe for just, up to a terminator', () => {
    expect(invocationsIn('npm run deploy:staging -- --yes --image reg/x:1 # comment')).toEqual([
      { kind: 'npm', name: 'deploy:staging', args: ['--yes', '--image', 'reg/x:1'] },
    ]);
    expect(invocationsIn('npx just supabase-reset && npx just deploy staging [--dry-run]')).toEqual([
      { kind: 'just', name: 'supabase-reset', args: [] },
      { kind: 'just', name: 'deploy', args: ['staging', '--dry-run'] },
    ]);
    expect(invocationsIn('npm run check')).toEqual([{ kind: 'npm', name: 'check', args: [] }]);
  });

  it('finds the script behind npm scripts and recipes', () => {
    expect(scriptBehind({ kind: 'npm', name: 'supabase-apply' })).toBe('supabase-apply');
    expect(scriptBehind({ kind: 'just', name: 'logs' })).toBe('fly');
    expect(scriptBehind({ kind: 'just', name: 'test' })).toBeNull();
  });
});
