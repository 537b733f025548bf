/**
 * check-config: validate fly.toml and fly.staging.toml against the schema and the
 * environment table, listing every problem at once. Exit 0 (warnings allowed) or 2.
 */
import path from 'node:path';
import { environmentList, type Environment } from '../lib/config/environments.ts';
import { checkFlyConfigFile } from '../lib/config/fly-toml.ts';
import { HELP_OPTION } from '../lib/core/cli.ts';
import { ExitCode } from '../lib/core/errors.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';
import { plural } from '../lib/core/text.ts';

export const script = defineScript({
  usage: 'npx just check [--root <dir>]',
  summary:
    'Validate fly.toml (production) and fly.staging.toml (staging) against the environment table. Changes nothing.',
  options: {
    ...HELP_OPTION,
    root: { type: 'string', value: '<dir>', description: 'Folder holding the configs (default: the toolkit root)' },
  },
  examples: ['npx just check', 'npm run check'],
  async run({ options, out }) {
    const root = path.resolve(options.root ?? repoRoot);
    const environments = environmentList();
    const problems = [...tableProblems(environments)];
    const warnings: string[] = [];

    for (const env of environments) {
      const report = checkFlyConfigFile(env, root);
      problems.push(...report.problems);
      warnings.push(...report.warnings);
      if (report.problems.length === 0) out.success(`${env.configFile} is valid for ${env.name} (${env.app})`);
    }

    for (const warning of warnings) out.warn(warning);
    if (problems.length > 0) {
      out.error(`${plural(problems.length, 'problem')} found:`);
      for (const problem of problems) out.info(`  ✗ ${problem}`);
      return ExitCode.invalid;
    }
    return ExitCode.ok;
  },
});

/** The environment table itself must not point two environments at the same app, file or volume. */
export function tableProblems(environments: readonly Environment[]): string[] {
  const problems: string[] = [];
  for (const key of ['app', 'configFile', 'url'] as const) {
    const seen = new Map<string, string>();
    for (const env of environments) {
      const other = seen.get(env[key]);
      if (other)
        problems.push(`lib/config/environments.ts: ${env.name}.${key}: "${env[key]}" is also used by ${other}`);
      seen.set(env[key], env.name);
    }
  }
  const volumes = new Map<string, string>();
  for (const env of environments) {
    const other = volumes.get(env.volume.name);
    if (other)
      problems.push(
        `lib/config/environments.ts: ${env.name}.volume.name: "${env.volume.name}" is also used by ${other}`,
      );
    volumes.set(env.volume.name, env.name);
  }
  return problems;
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
