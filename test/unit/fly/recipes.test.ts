import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { UsageError } from '../../../lib/core/errors.ts';
import { parseMemoryMb, parseRecipe, recipeCommand, RECIPE_NAMES } from '../../../lib/fly/recipes.ts';
import { tailLines } from '../../../scripts/fly.ts';

const { staging, production } = ENVIRONMENTS;

describe('recipe commands (exact argv from the environment table)', () => {
  it.each([
    ['logs', staging, {}, ['flyctl', 'logs', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'], false],
    [
      'logs',
      production,
      { follow: false },
      ['flyctl', 'logs', '--app', 'kotadb-api', '--config', 'fly.toml', '--no-tail'],
      false,
    ],
    [
      'machines',
      staging,
      {},
      ['flyctl', 'status', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'],
      false,
    ],
    ['machines', production, {}, ['flyctl', 'status', '--app', 'kotadb-api', '--config', 'fly.toml'], false],
    ['releases', production, {}, ['flyctl', 'releases', '--app', 'kotadb-api', '--config', 'fly.toml'], false],
    ['ssh', production, {}, ['flyctl', 'ssh', 'console', '--app', 'kotadb-api', '--config', 'fly.toml'], true],
    [
      'scale-memory',
      staging,
      { memoryMb: 512 },
      ['flyctl', 'scale', 'memory', '512', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'],
      true,
    ],
    [
      'certs',
      staging,
      {},
      ['flyctl', 'certs', 'list', '--app', 'kotadb-api-staging', '--config', 'fly.staging.toml'],
      false,
    ],
    ['open', production, {}, ['flyctl', 'apps', 'open', '--app', 'kotadb-api', '--config', 'fly.toml'], false],
  ] as const)('%s %s', (name, env, options, argv, mutating) => {
    expect(recipeCommand(name, env, options)).toEqual({ argv, mutating });
  });

  it('never runs `logs -n <count>` (-n is --no-tail) and scale-memory needs a size', () => {
    for (const name of RECIPE_NAMES.filter((n) => n !== 'scale-memory')) {
      expect(recipeCommand(name, staging, { follow: false }).argv).not.toContain('-n');
    }
    expect(() => recipeCommand('scale-memory', staging)).toThrow(UsageError);
  });

  it('parses actions strictly', () => {
    expect(parseRecipe('scale-memory')).toBe('scale-memory');
    expect(() => parseRecipe('toString')).toThrow(
      'unknown action "toString": expected one of logs, machines, releases, ssh, scale-memory, certs, open',
    );
    expect(() => parseRecipe(undefined)).toThrow('missing action');
  });
});

describe('scale-memory sizes follow Fly sizing rules for the environment VM', () => {
  it.each([
    ['256', staging, 256],
    ['2048', production, 2048],
  ])('accepts %s', (value, env, mb) => {
    expect(parseMemoryMb(value, env)).toBe(mb);
  });

  it.each([
    [undefined, 'missing <mb>'],
    ['1gb', '<mb> must be a whole number of megabytes, got "1gb"'],
    ['-512', '<mb> must be a whole number of megabytes, got "-512"'],
    ['300', '<mb> must be a multiple of 256, got 300'],
    ['0', '<mb> must be between 256 and 2048 for 1 shared CPU, got 0'],
    ['4096', '<mb> must be between 256 and 2048 for 1 shared CPU, got 4096'],
  ])('rejects %s (exit 2)', (value, message) => {
    const error = (() => {
      try {
        parseMemoryMb(value, production);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
  });

  it('uses the performance range for performance CPUs', () => {
    const big = { ...production, vm: { memoryMb: 4096, cpus: 2, cpuKind: 'performance' as const } };
    expect(parseMemoryMb('16384', big)).toBe(16384);
    expect(() => parseMemoryMb('2048', big)).toThrow('between 4096 and 16384 for 2 performance CPU');
  });
});

describe('tailLines keeps the last n lines', () => {
  it.each([
    ['a\nb\nc\n', 2, ['b', 'c']],
    ['a\r\nb', 5, ['a', 'b']],
    ['', 3, []],
  ])('%j, %i', (text, n, lines) => {
    expect(tailLines(text, n)).toEqual(lines);
  });
});
