/**
 * Which env file an action reads, and the guard against sending one environment's values to
 * the other. A file whose name (or, for a symlink, whose target's name) names another
 * environment is refused, case-insensitively and wherever the name stands: `.env.production`,
 * `.env.PRODUCTION`, `.env.production.bak`, `production.env`, `.env.prod`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ENVIRONMENT_NAMES, type Environment, type EnvironmentName } from '../config/environments.ts';
import { PreconditionFailed } from '../core/errors.ts';
import { fromRoot } from '../core/paths.ts';

export interface EnvFileChoice {
  /** Absolute path. */
  readonly path: string;
  /** How messages name it: as the user typed it, or relative to where they are. */
  readonly label: string;
}

/** Words in a file name that say which environment it holds. */
const NAMES_OF: Readonly<Record<EnvironmentName, readonly string[]>> = {
  staging: ['staging', 'stage', 'stg'],
  production: ['production', 'prod'],
};

/** `--file` resolved against the user's folder, else `.env.<env>` at the toolkit root. */
export function envFileFor(env: Environment, given: string | undefined, cwd: string): EnvFileChoice {
  if (given !== undefined) return { path: path.resolve(cwd, given), label: given };
  const filePath = fromRoot(`.env.${env.name}`);
  return { path: filePath, label: path.relative(cwd, filePath) || filePath };
}

/** The environments a file name names (`.env.Production.bak` -> production). */
export function environmentsNamedIn(fileName: string): EnvironmentName[] {
  const words = new Set(fileName.toLowerCase().split(/[^a-z0-9]+/));
  return ENVIRONMENT_NAMES.filter((name) => NAMES_OF[name].some((word) => words.has(word)));
}

/** PreconditionFailed (exit 3) when the file, or what a symlink points at, is named for another environment. */
export function assertFileIsFor(env: Environment, choice: EnvFileChoice): void {
  const names = [path.basename(choice.path)];
  const target = realPath(choice.path);
  if (target !== null && path.basename(target) !== names[0]) names.push(path.basename(target));
  for (const name of names) {
    const other = environmentsNamedIn(name).find((named) => named !== env.name);
    if (other === undefined) continue;
    const via = name === names[0] ? 'its name says' : `it links to ${name}, whose name says`;
    throw new PreconditionFailed(`refusing to use ${choice.label} for ${env.name}: ${via} it holds ${other} values`, {
      hint: `copy it to .env.${env.name} if these values really are meant for ${env.name}`,
    });
  }
}

function realPath(filePath: string): string | null {
  try {
    return fs.realpathSync(filePath);
  } catch {
    return null; // missing: the reader reports it
  }
}
