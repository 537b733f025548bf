import { describe, expect, it } from 'vitest';
import {
  defineCommand,
  DRY_RUN_OPTION,
  formatHelp,
  HELP_OPTION,
  parseCommandLine,
  YES_OPTION,
} from '../../../lib/core/cli.ts';
import { UsageError } from '../../../lib/core/errors.ts';

const spec = defineCommand({
  usage: 'demo <environment>',
  summary: 'A demo.',
  positionals: [{ name: 'environment', description: 'staging or production', required: true }],
  options: {
    ...HELP_OPTION,
    ...DRY_RUN_OPTION,
    ...YES_OPTION,
    image: { type: 'string', value: '<ref>', description: 'Image' },
    'no-rollback': { type: 'boolean', description: 'Do not roll back' },
  },
});

const usageError = (argv: string[]) => {
  try {
    parseCommandLine(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('parseCommandLine', () => {
  it('parses positionals, booleans and string options', () => {
    const parsed = parseCommandLine(spec, ['staging', '--image', 'reg/app:1', '--no-rollback', '-y']);
    expect(parsed).toEqual({
      help: false,
      positionals: ['staging'],
      options: { help: false, 'dry-run': false, yes: true, image: 'reg/app:1', 'no-rollback': true },
    });
  });

  it('accepts --opt=value', () => {
    const parsed = parseCommandLine(spec, ['staging', '--image=reg/app:2']);
    expect(parsed.help === false && parsed.options.image).toBe('reg/app:2');
  });

  it.each([['--help'], ['-h'], ['staging', '--bogus', '--help']])(
    '%j asks for help, even next to mistakes',
    (...argv) => {
      expect(parseCommandLine(spec, argv)).toEqual({ help: true });
    },
  );

  it.each([
    [['staging', '--bogus'], 'unknown option --bogus'],
    [['staging', '--image'], '--image needs a value'],
    [[], 'missing <environment>'],
    [['staging', 'extra'], 'unexpected argument "extra"'],
    [['staging', '--yes=1'], '--yes does not take a value'],
    [['staging', '--image='], '--image needs a value'],
    [['staging', '--image', '-5'], '--image needs a value; one starting with "-" must be written --image=<value>'],
  ])('%j -> %s', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });
});

describe('formatHelp', () => {
  it('lists usage, arguments, every option and the exit codes', () => {
    const help = formatHelp(spec);
    expect(help).toContain('Usage: demo <environment>');
    expect(help).toContain('<environment>');
    for (const flag of ['--help', '--dry-run', '--yes', '--image <ref>', '--no-rollback']) expect(help).toContain(flag);
    expect(help).toContain('130 interrupted');
  });
});
