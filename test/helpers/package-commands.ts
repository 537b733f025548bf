/** The package's npm scripts and just recipes, and the calls to them found in a command line or a document. */
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';
import { ENVIRONMENT_NAMES } from '../../lib/config/environments.ts';
import { fromRoot } from '../../lib/core/paths.ts';

export function npmScripts(): string[] {
  const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> };
  return Object.keys(pkg.scripts);
}

/** Recipe names from the justfile (`name args…:` at the start of a line). */
export function justRecipes(): string[] {
  const text = readFileSync(fromRoot('justfile'), 'utf8');
  return [...text.matchAll(/^([a-z][\w-]*)(?:\s+[^:=\n]*)?:(?!=)/gm)].map((m) => m[1]!);
}

/** The documents that tell people what to type: README.md and docs/*.md. */
export function documentedFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(fromRoot('docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

/** Code in a Markdown document: fenced blocks and inline `code` spans (prose "just" is not a command). */
export function codeIn(markdown: string): string[] {
  const fenced = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  const withoutFences = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  const inline = [...withoutFences.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...fenced, ...inline];
}

export interface PackageCommand {
  kind: 'npm' | 'npm-builtin' | 'just';
  name: string;
}

/** npm's own flags that may stand between `npm run` and the script's name (`npm run --silent build`). */
const NPM_RUN_FLAGS = new Set(['--silent', '-s']);

/** `npm run x` (also `npm run --silent x`), `npm test`, `npm ci` (built in, not a script), `just x` / `npx just x`. */
export function packageCommandsIn(text: string): PackageCommand[] {
  const commands: PackageCommand[] = [];
  for (const match of text.matchAll(
    /\bnpm (run(?:-script)?|test|ci)\b(?:\s+(?:--silent|-s)(?=\s))?(?:\s+([a-z][\w:-]*)(<env>)?)?/g,
  )) {
    if (match[1] === 'ci') commands.push({ kind: 'npm-builtin', name: 'ci' });
    else if (match[1] === 'test') commands.push({ kind: 'npm', name: 'test' });
    // `npm run deploy:<env>` in prose stands for each environment's script.
    else if (match[2] && match[3])
      for (const env of ENVIRONMENT_NAMES) commands.push({ kind: 'npm', name: `${match[2]}${env}` });
    else if (match[2]) commands.push({ kind: 'npm', name: match[2] });
  }
  for (const match of text.matchAll(/(?:^|[\s;&|(`])(?:npx )?just ([a-z][\w-]*)/g))
    commands.push({ kind: 'just', name: match[1]! });
  return commands;
}

export interface Invocation extends PackageCommand {
  /** Arguments written after the command (for npm, those after `--`). */
  args: string[];
}

const TERMINATORS = new Set(['&&', '||', '|', ';', '#', '\\']);

/** Like packageCommandsIn, with the arguments each command was given (placeholders and brackets stripped). */
export function invocationsIn(text: string): Invocation[] {
  const invocations: Invocation[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.split(/\s+/).filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      let kind: Invocation['kind'] | null = null;
      let name: string | undefined;
      let start = i + 1;
      // `npm`, or `$(npm` where a command's output is captured (`image="$(npm run --silent build …)"`).
      if (tokens[i]!.replace(/^.*\$\(/, '') === 'npm' && (tokens[i + 1] === 'run' || tokens[i + 1] === 'run-script')) {
        kind = 'npm';
        let at = i + 2;
        while (NPM_RUN_FLAGS.has(tokens[at] ?? '')) at++;
        name = tokens[at];
        start = at + 1;
      } else if (tokens[i] === 'just' || tokens[i] === '`just') {
        kind = 'just';
        name = tokens[i + 1];
        start = i + 2;
      }
      if (!kind || !name || !/^[a-z][\w:-]*$/.test(name.replace(/`$/, ''))) continue;
      const args: string[] = [];
      for (let j = start; j < tokens.length; j++) {
        const token = tokens[j]!;
        if (TERMINATORS.has(token) || token.startsWith('#')) break;
        args.push(token.replace(/^[[(`]+|[\])`,.;]+$/g, ''));
        if (/[`)]$/.test(token)) break;
      }
      const effective = kind === 'npm' ? (args[0] === '--' ? args.slice(1) : []) : args;
      invocations.push({ kind, name: name.replace(/`$/, ''), args: effective.filter(Boolean) });
    }
  }
  return invocations;
}

/** The script file an npm script or just recipe runs, or null (vitest, tsc). */
export function scriptBehind(command: PackageCommand): string | null {
  if (command.kind === 'npm') {
    const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> };
    return /scripts\/([\w-]+)\.ts/.exec(pkg.scripts[command.name] ?? '')?.[1] ?? null;
  }
  if (command.kind !== 'just') return null;
  const justfile = readFileSync(fromRoot('justfile'), 'utf8');
  const recipe = new RegExp(`^${command.name}(?:\\s+[^:=\\n]*)?:(?!=)[^\\n]*\\n((?:[ \\t]+[^\\n]*\\n?)*)`, 'm').exec(
    justfile,
  );
  return /scripts\/([\w-]+)\.ts/.exec(recipe?.[1] ?? '')?.[1] ?? null;
}

/**
 * The text of every string literal in a TypeScript source (quoted strings and template
 * literals, whose `${…}` parts read as `<…>`), with its line: what a script can print.
 */
export function stringLiteralsIn(source: string): Array<{ line: number; text: string }> {
  const file = ts.createSourceFile('source.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Array<{ line: number; text: string }> = [];
  const visit = (node: ts.Node): void => {
    let text: string | null = null;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node))
      text = node.head.text + node.templateSpans.map((span) => `<…>${span.literal.text}`).join('');
    if (text !== null) {
      found.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
      if (ts.isTemplateExpression(node)) node.templateSpans.forEach((span) => visit(span.expression));
      return;
    }
    // Import specifiers are module paths, not text anyone reads.
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
