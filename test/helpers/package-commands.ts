/** The package's npm scripts and just recipes, and the calls to them found in a command line or a document. */
import { readFileSync } from 'node:fs';
import { ENVIRONMENT_NAMES } from '../../lib/environments.ts';
import { fromRoot } from '../../lib/paths.ts';

export function npmScripts(): string[] {
  const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> };
  return Object.keys(pkg.scripts);
}

/** Recipe names from the justfile (`name args…:` at the start of a line). */
export function justRecipes(): string[] {
  const text = readFileSync(fromRoot('justfile'), 'utf8');
  return [...text.matchAll(/^([a-z][\w-]*)(?:\s+[^:=\n]*)?:(?!=)/gm)].map((m) => m[1]!);
}

export interface PackageCommand {
  kind: 'npm' | 'npm-builtin' | 'just';
  name: string;
}

/** `npm run x`, `npm test`, `npm ci` (built in, not a script), `just x` / `npx just x`. */
export function packageCommandsIn(text: string): PackageCommand[] {
  const commands: PackageCommand[] = [];
  for (const match of text.matchAll(/\bnpm (run(?:-script)?|test|ci)\b(?:\s+([a-z][\w:-]*)(<env>)?)?/g)) {
    if (match[1] === 'ci') commands.push({ kind: 'npm-builtin', name: 'ci' });
    else if (match[1] === 'test') commands.push({ kind: 'npm', name: 'test' });
    // `npm run deploy:<env>` in prose stands for each environment's script.
    else if (match[2] && match[3]) for (const env of ENVIRONMENT_NAMES) commands.push({ kind: 'npm', name: `${match[2]}${env}` });
    else if (match[2]) commands.push({ kind: 'npm', name: match[2] });
  }
  for (const match of text.matchAll(/(?:^|[\s;&|(`])(?:npx )?just ([a-z][\w-]*)/g)) commands.push({ kind: 'just', name: match[1]! });
  return commands;
}
