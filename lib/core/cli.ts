/**
 * Argument parsing and --help for every script. A script declares its positionals and
 * options once; the same declaration parses argv (strictly: unknown flags are errors) and
 * renders the help text, so the two cannot drift apart.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  readonly description: string;
  /** Placeholder shown in help for string options, e.g. `<ref>`. */
  readonly value?: string;
  readonly multiple?: boolean;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** Takes every remaining positional (must be last). */
  readonly variadic?: boolean;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** How the user invokes it, e.g. `deploy-fly <staging|production>`. */
  readonly usage: string;
  readonly summary: string;
  readonly positionals?: readonly PositionalSpec[];
  readonly options: O;
  readonly examples?: readonly string[];
  readonly notes?: readonly string[];
}

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['multiple'] extends true
    ? string[]
    : string | undefined;

export type OptionValues<O extends Record<string, OptionSpec>> = { -readonly [K in keyof O]: OptionValue<O[K]> };

export type Parsed<O extends Record<string, OptionSpec>> =
  { readonly help: true } | { readonly help: false; readonly options: OptionValues<O>; readonly positionals: string[] };

/** Every script answers --help. */
export const HELP_OPTION = {
  help: { type: 'boolean', short: 'h', description: 'Show this help and exit' },
} as const satisfies Record<string, OptionSpec>;

/** For scripts that change something: print every mutating command instead of running it. */
export const DRY_RUN_OPTION = {
  'dry-run': { type: 'boolean', description: 'Print every mutating command instead of running it' },
} as const satisfies Record<string, OptionSpec>;

/** For scripts with a production confirmation. */
export const YES_OPTION = {
  yes: {
    type: 'boolean',
    short: 'y',
    description: 'Skip the production confirmation (required in CI / without a TTY)',
  },
} as const satisfies Record<string, OptionSpec>;

export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

export function parseCommandLine<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): Parsed<O> {
  const endOfOptions = argv.indexOf('--');
  const optionPart = endOfOptions === -1 ? argv : argv.slice(0, endOfOptions);
  if (optionPart.includes('--help') || optionPart.includes('-h')) return { help: true };

  const config: Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    config[name] = {
      type: option.type,
      ...(option.short ? { short: option.short } : {}),
      ...(option.multiple ? { multiple: true } : {}),
    };
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }

  const positionals = [...parsed.positionals];
  checkPositionals(spec.positionals ?? [], positionals);

  const options: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    const value = parsed.values[name];
    if (option.type === 'boolean') options[name] = value === true;
    else if (option.multiple) options[name] = Array.isArray(value) ? value : [];
    else {
      if (value === '') throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    }
  }
  return { help: false, options: options as OptionValues<O>, positionals };
}

function checkPositionals(specs: readonly PositionalSpec[], given: readonly string[]): void {
  const variadic = specs.some((p) => p.variadic);
  specs.forEach((p, index) => {
    if (p.required && given[index] === undefined) throw new UsageError(`missing <${p.name}>`);
  });
  if (!variadic && given.length > specs.length) {
    throw new UsageError(`unexpected argument "${given[specs.length]}"`);
  }
}

function describeParseError(error: unknown): string {
  const err = error as { code?: string; message?: string };
  const message = err.message ?? String(error);
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const match = /Unknown option '([^']+)'/.exec(message);
      return `unknown option ${match?.[1] ?? ''}`.trim();
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const match = /Option '(?:-\w, )?(--[^ ']+)[^']*' argument missing/.exec(message);
      if (match) return `${match[1]} needs a value`;
      const flag = /Option '(?:-\w, )?(--[^ ']+)' does not take an argument/.exec(message);
      if (flag) return `${flag[1]} does not take a value`;
      const ambiguous = /Option '(?:-\w, )?(--[^ ']+)' argument is ambiguous/.exec(message);
      if (ambiguous)
        return `${ambiguous[1]} needs a value; one starting with "-" must be written ${ambiguous[1]}=<value>`;
      return firstSentence(message);
    }
    default:
      return firstSentence(message);
  }
}

/** The handler appends ". Run with --help…", so drop node's own trailing period. */
function firstSentence(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/\.$/, '');
}

export function formatHelp(spec: CommandSpec): string {
  const lines: string[] = [`Usage: ${spec.usage}`, '', spec.summary];
  const positionals = spec.positionals ?? [];
  if (positionals.length > 0) {
    lines.push('', 'Arguments:');
    const rows = positionals.map((p) => [`<${p.name}>${p.variadic ? '…' : ''}`, p.description] as const);
    lines.push(...table(rows));
  }
  lines.push('', 'Options:');
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.type === 'string' ? ` ${option.value ?? '<value>'}` : ''}`;
    return [flag, option.description] as const;
  });
  lines.push(...table(rows));
  if (spec.notes?.length) lines.push('', ...spec.notes);
  lines.push(
    '',
    'Exit codes: 0 ok · 1 operation failed · 2 invalid input · 3 precondition not met / refused · 130 interrupted',
  );
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}
