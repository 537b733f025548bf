/**
 * Every flag the docs and the workflows pass to a script is one that script declares: a
 * renamed flag must not leave a runbook or CI step that exits 2.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { CommandSpec } from '../lib/core/cli.ts';
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
