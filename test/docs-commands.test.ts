/**
 * Every `just <recipe>` and `npm run <script>` that README.md and docs/*.md tell people to
 * type must exist: a guide whose commands fail is worse than none. The same holds for what the
 * scripts print (hints, usage lines, errors): each command in a string literal of scripts/ and
 * lib/ is the runnable form (`npx just <recipe>`: `just` is not on PATH after `npm ci`) of a
 * recipe or npm script that exists, never a script's file name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../lib/core/paths.ts';
import {
  codeIn,
  documentedFiles,
  justRecipes,
  npmScripts,
  packageCommandsIn,
  stringLiteralsIn,
} from './helpers/package-commands.ts';

const documents = documentedFiles();

describe.each(documents)('%s', (document) => {
  const commands = codeIn(readFileSync(fromRoot(document), 'utf8')).flatMap((code) => packageCommandsIn(code));
  const scripts = npmScripts();
  const recipes = justRecipes();

  it('names only npm scripts and just recipes that exist', () => {
    const missing = commands.filter((c) =>
      c.kind === 'npm' ? !scripts.includes(c.name) : c.kind === 'just' ? !recipes.includes(c.name) : false,
    );
    expect(missing.map((c) => `${c.kind === 'npm' ? 'npm run' : 'just'} ${c.name}`)).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(fromRoot(dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Script file names that are no command: `npx just deploy`, not `deploy-fly`. */
const FILE_NAMES = ['deploy-fly', 'fly-secrets', 'local-db', 'check-config'];

/** What is wrong with the commands in one printed text (empty when nothing is). */
export function printedCommandProblems(text: string, recipes: string[], scripts: string[]): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(/(?<!npx )\bjust ([a-z][\w-]*)/g))
    if (recipes.includes(m[1]!) || scripts.includes(m[1]!) || FILE_NAMES.includes(m[1]!))
      problems.push(`\`just ${m[1]}\` is not runnable after npm ci: write \`npx just ${m[1]}\``);
  // `npx just db-start|db-stop|db-status` names three recipes.
  for (const m of text.matchAll(/\bnpx just ([a-z][\w-]*(?:\|[a-z][\w-]*)*)/g))
    for (const name of m[1]!.split('|'))
      if (!recipes.includes(name)) problems.push(`\`npx just ${name}\`: no such recipe in the justfile`);
  for (const m of text.matchAll(/\bnpm run ([a-z][\w:-]*)/g))
    if (!scripts.includes(m[1]!)) problems.push(`\`npm run ${m[1]}\`: no such npm script`);
  for (const m of text.matchAll(new RegExp(`(?<![\\w/.-])(${FILE_NAMES.join('|')})(?![\\w.-])`, 'g')))
    problems.push(`\`${m[1]}\` is a script's file name, not a command`);
  return problems;
}

describe('what the scripts print (string literals of scripts/ and lib/)', () => {
  it('names commands in their runnable form, and only recipes and npm scripts that exist', () => {
    const recipes = justRecipes();
    const scripts = npmScripts();
    const problems = [...sourceFiles('scripts'), ...sourceFiles('lib')].flatMap((file) =>
      stringLiteralsIn(readFileSync(fromRoot(file), 'utf8')).flatMap(({ line, text }) =>
        printedCommandProblems(text, recipes, scripts).map((problem) => `${file}:${line}: ${problem}`),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('the checker finds each kind of mistake and accepts the runnable forms', () => {
    const recipes = ['deploy', 'db-start', 'db-stop', 'secrets'];
    const scripts = ['deploy:staging', 'secrets'];
    expect(
      printedCommandProblems(
        'run `just deploy staging`; npx just db-start|db-stop|db-status; npx just status staging; npm run deploy:prod; deploy-fly staging; local-db start',
        recipes,
        scripts,
      ),
    ).toEqual([
      '`just deploy` is not runnable after npm ci: write `npx just deploy`',
      '`npx just db-status`: no such recipe in the justfile',
      '`npx just status`: no such recipe in the justfile',
      '`npm run deploy:prod`: no such npm script',
      "`deploy-fly` is a script's file name, not a command",
      "`local-db` is a script's file name, not a command",
    ]);
    expect(
      printedCommandProblems(
        'npx just deploy staging; npm run secrets -- staging set; scripts/deploy-fly.ts; just now; npx just <logs|machines>',
        recipes,
        scripts,
      ),
    ).toEqual([]);
  });

  it('reads quoted strings and template literals, not comments or imports', () => {
    const literals = stringLiteralsIn(
      "import x from './local-db.ts';\n// just deploy\nconst a = 'npx just deploy';\nconst b = `just ${recipe} or just secrets ${env} set`;\n",
    );
    expect(literals).toEqual([
      { line: 3, text: 'npx just deploy' },
      { line: 4, text: 'just <…> or just secrets <…> set' },
    ]);
  });
});

describe('the extractor', () => {
  it('finds commands in code and ignores prose', () => {
    const found = codeIn(
      'Use `just` recipes.\n\n```sh\nnpm ci && npx just supabase-reset\nnpm run deploy:staging -- --dry-run\n```\nThen `npx just deploy production` or `npm test` or `npm run rollback:<env>`.',
    ).flatMap((code) => packageCommandsIn(code));
    expect(found).toEqual([
      { kind: 'npm-builtin', name: 'ci' },
      { kind: 'npm', name: 'deploy:staging' },
      { kind: 'just', name: 'supabase-reset' },
      { kind: 'just', name: 'deploy' },
      { kind: 'npm', name: 'test' },
      { kind: 'npm', name: 'rollback:staging' },
      { kind: 'npm', name: 'rollback:production' },
    ]);
  });
});
