/**
 * lib/core/ansi.ts stands in for zx's chalk (and runner.ts's quote for zx's quote) so that zx
 * stays out of start-up: the output must stay byte-identical, so both are compared with zx
 * itself — chalk's colour decision for each environment (zx loaded afresh each time, as
 * chalk decides once at load), and every style and quoting on awkward text.
 */
import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import { afterEach, describe, expect, it } from 'vitest';
import { CODES, colorLevel, wrap } from '../../../lib/core/ansi.ts';
import { quote } from '../../../lib/core/runner.ts';

const require = createRequire(import.meta.url);
type Zx = { chalk: Record<string, (s: string) => string> & { level: number }; quote: (s: string) => string };

function freshZx(): Zx {
  for (const key of Object.keys(require.cache)) if (key.includes('/node_modules/zx/')) delete require.cache[key];
  return require('zx/core') as Zx;
}

const savedEnv = { ...process.env };
const savedArgv = [...process.argv];
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  process.argv = [...savedArgv];
});

const COLOUR_VARS =
  /^(FORCE_COLOR|NO_COLOR|TERM|TERM_PROGRAM|COLORTERM|CI|GITHUB_ACTIONS|TRAVIS|TF_BUILD|AGENT_NAME|TEAMCITY_VERSION|CI_NAME|GITLAB_CI)$/;

const CASES: ReadonlyArray<{ env: Record<string, string>; argv?: string[] }> = [
  { env: {} },
  { env: { TERM: 'xterm-256color' } },
  { env: { FORCE_COLOR: '1' } },
  { env: { FORCE_COLOR: '0', TERM: 'xterm' } },
  { env: { FORCE_COLOR: '' } },
  { env: { FORCE_COLOR: 'true' } },
  { env: { FORCE_COLOR: 'false' } },
  { env: { FORCE_COLOR: '3', TERM: 'dumb' } },
  { env: { FORCE_COLOR: 'yes' } },
  { env: { FORCE_COLOR: '1', CI: 'true', GITHUB_ACTIONS: 'true' } },
  { env: { FORCE_COLOR: '1', CI: 'true' } },
  { env: { FORCE_COLOR: '2', CI: 'true', TRAVIS: '1' } },
  { env: { TF_BUILD: '1', AGENT_NAME: 'x' } },
  { env: { FORCE_COLOR: '1', TEAMCITY_VERSION: '9.1.0' } },
  { env: { FORCE_COLOR: '1', COLORTERM: 'truecolor' } },
  { env: {}, argv: ['--color'] },
  { env: {}, argv: ['--color=256'] },
  { env: { FORCE_COLOR: '1' }, argv: ['--no-color'] },
  { env: {}, argv: ['--', '--color'] },
];

describe('colours without zx', () => {
  it.each(CASES)('decides like chalk: %j', ({ env, argv = [] }) => {
    for (const key of Object.keys(process.env)) if (COLOUR_VARS.test(key)) delete process.env[key];
    Object.assign(process.env, env);
    process.argv = [savedArgv[0]!, 'script.ts', ...argv];
    const chalkPaints = freshZx().chalk.red!('x') !== 'x';
    expect(!(colorLevel(process.env, process.argv, isatty(1)) <= 0)).toBe(chalkPaints);
  });

  it('paints every style as chalk does, line breaks and nested codes included', () => {
    const { chalk } = freshZx();
    chalk.level = 1;
    const texts = ['', 'ok', '✓ step (1.2s)', 'two\nlines', 'crlf\r\nend\n', 'has \x1b[39m inside', '\n'];
    for (const [name, codes] of Object.entries(CODES))
      for (const text of texts) expect(wrap(codes, text), `${name} ${JSON.stringify(text)}`).toBe(chalk[name]!(text));
  });
});

describe('quote without zx', () => {
  it('quotes as zx does', () => {
    const { quote: zxQuote } = freshZx();
    const words = [
      '',
      'plain',
      'a b',
      "it's",
      'back\\slash',
      'tab\there',
      'nl\nx\r\f\v\0',
      'user@host:/p=1',
      '$HOME',
      '***',
      'é',
    ];
    for (const word of words) expect(quote(word), JSON.stringify(word)).toBe(zxQuote(word));
  });
});
