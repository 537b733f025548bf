/**
 * fly: the everyday flyctl commands for an environment (`npx just logs|machines|releases|ssh|
 * scale-memory|certs|open <env>`), with --app and --config filled in from the environment
 * table so nobody types (or mistypes) an app name. flyctl talks to the terminal directly.
 * Only scale-memory changes anything, and it asks first in production.
 */
import { parseEnvironment, type Environment } from '../lib/config/environments.ts';
import { DRY_RUN_OPTION, HELP_OPTION, YES_OPTION } from '../lib/core/cli.ts';
import { ExitCode, Interrupted, UsageError } from '../lib/core/errors.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';
import { parseMemoryMb, parseRecipe, recipeCommand, RECIPE_NAMES, RECIPES } from '../lib/fly/recipes.ts';

const LINE_COUNT = /^[1-9]\d*$/;

export const script = defineScript({
  usage: 'npx just <logs|machines|releases|ssh|scale-memory|certs|open> <staging|production> [<mb>]',
  summary:
    'Run an everyday flyctl command against an environment, with its --app and --config from the environment table.',
  positionals: [
    { name: 'action', required: true, description: RECIPE_NAMES.join(' | ') },
    { name: 'env', required: true, description: 'staging or production' },
    { name: 'mb', description: 'scale-memory only: memory per machine in MB (a multiple of 256)' },
  ],
  options: {
    ...HELP_OPTION,
    // ssh and scale-memory change things: a dry run prints them; scale-memory asks in production.
    ...DRY_RUN_OPTION,
    ...YES_OPTION,
    'no-tail': { type: 'boolean', description: 'logs: print the recent lines and exit instead of streaming' },
    lines: {
      type: 'string',
      value: '<n>',
      description: 'logs: print only the last <n> recent lines (implies --no-tail)',
    },
  },
  notes: [
    'Actions:',
    ...RECIPE_NAMES.map((name) => `  ${name.padEnd(14)}${RECIPES[name]}`),
    '',
    '--dry-run runs the read-only actions and prints ssh and scale-memory instead of running them; --yes confirms scale-memory in production.',
    'scale-memory lasts until the next deploy, which applies [[vm]] memory_mb from the fly config again.',
  ],
  examples: [
    'npx just logs production',
    'npx just logs staging --lines 100',
    'npx just scale-memory staging 512',
    'npm run machines -- production',
  ],
  async run({ options, positionals, out, runner, dryRun, io }) {
    const action = parseRecipe(positionals[0]);
    const env = parseEnvironment(positionals[1]);
    const lines = options.lines === undefined ? undefined : parseLineCount(options.lines);
    if (action !== 'logs' && (options['no-tail'] || lines !== undefined))
      throw new UsageError('--no-tail and --lines only apply to logs');
    const memoryMb =
      action === 'scale-memory' ? parseMemoryMb(positionals[2], env) : refuseExtraArgument(positionals[2]);
    const flyctl = recipeCommand(action, env, {
      follow: !options['no-tail'] && lines === undefined,
      ...(memoryMb === undefined ? {} : { memoryMb }),
    });

    if (memoryMb !== undefined) {
      await confirmDangerousAction({
        env,
        action: `restart every machine of ${env.app} with ${memoryMb} MB`,
        yes: options.yes,
        dryRun,
        out,
        input: io.stdin,
        processEnv: io.env,
      });
    }
    try {
      // --config is relative to the toolkit root, whatever the caller's directory.
      if (lines !== undefined) {
        const result = await runner.run(flyctl, { cwd: repoRoot });
        for (const line of tailLines(result.stdout, lines)) out.result(line);
      } else {
        await runner.run(flyctl, { output: 'inherit', cwd: repoRoot });
      }
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      if (action !== 'scale-memory') {
        out.dim(`stopped (Ctrl-C); ${action} changes nothing`);
        return ExitCode.interrupted;
      }
      throw interruptedScaling(env, memoryMb ?? 0);
    }
    if (memoryMb !== undefined && memoryMb !== env.vm.memoryMb) {
      out.warn(
        `the next deploy sets memory back to ${env.vm.memoryMb} MB ([[vm]] memory_mb in ${env.configFile}); to keep ${memoryMb} MB, change it there and in lib/config/environments.ts`,
      );
    }
    return ExitCode.ok;
  },
});

function parseLineCount(value: string): number {
  if (!LINE_COUNT.test(value)) throw new UsageError(`--lines needs a positive whole number, got "${value}"`);
  return Number(value);
}

function refuseExtraArgument(extra: string | undefined): undefined {
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  return undefined;
}

/** flyctl's `-n` is --no-tail, not a line count: keep the last lines ourselves. */
export function tailLines(text: string, count: number): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-count);
}

function interruptedScaling(env: Environment, memoryMb: number): Interrupted {
  return new Interrupted(
    `interrupted while scaling ${env.app} to ${memoryMb} MB: some machines may already run with the new size`,
    {
      hint: `check with \`npx just machines ${env.name}\`, then run \`npx just scale-memory ${env.name} ${memoryMb}\` again`,
    },
  );
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
