/**
 * Every `just <recipe>` and `npm run <script>` that README.md and docs/*.md tell people to
 * type must exist: a guide whose commands fail is worse than none.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../lib/core/paths.ts';
import { codeIn, documentedFiles, justRecipes, npmScripts, packageCommandsIn } from './helpers/package-commands.ts';

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
