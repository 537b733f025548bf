/**
 * The six colours Output paints with, written byte for byte as chalk (zx's) wrote them, without
 * loading zx at start-up. Whether they paint at all follows chalk's own rule as well (its
 * supports-color, for stdout, decided once): FORCE_COLOR, --color/--no-color before `--`, CI
 * vendors, TERM. Output adds its own condition on top (stderr a TTY, NO_COLOR, TERM=dumb).
 * test/unit/core/ansi.test.ts compares both halves with chalk itself.
 */
import { isatty } from 'node:tty';

export type Style = (text: string) => string;

/** chalk's colour level (0 = none) for a stream: the supports-color rules, in their order. */
export function colorLevel(
  env: NodeJS.ProcessEnv,
  argv: readonly string[],
  streamIsTTY: boolean,
  platform: NodeJS.Platform = process.platform,
): number {
  const hasFlag = (name: string) => {
    const position = argv.indexOf(`--${name}`);
    const terminator = argv.indexOf('--');
    return position !== -1 && (terminator === -1 || position < terminator);
  };
  let forceColor: number | undefined;
  if (hasFlag('no-color') || hasFlag('no-colors') || hasFlag('color=false') || hasFlag('color=never')) forceColor = 0;
  else if (hasFlag('color') || hasFlag('colors') || hasFlag('color=true') || hasFlag('color=always')) forceColor = 1;
  if ('FORCE_COLOR' in env) {
    const value = env.FORCE_COLOR ?? '';
    if (value === 'true') forceColor = 1;
    else if (value === 'false') forceColor = 0;
    else forceColor = value.length === 0 ? 1 : Math.min(Number.parseInt(value, 10), 3);
  }
  if (forceColor === 0) return 0;
  if (hasFlag('color=16m') || hasFlag('color=full') || hasFlag('color=truecolor')) return 3;
  if (hasFlag('color=256')) return 2;
  if ('TF_BUILD' in env && 'AGENT_NAME' in env) return 1;
  if (!streamIsTTY && forceColor === undefined) return 0;
  const min = forceColor || 0;
  const term = env.TERM ?? '';
  if (env.TERM === 'dumb') return min;
  if (platform === 'win32') return 1;
  if ('CI' in env) {
    if (['GITHUB_ACTIONS', 'GITEA_ACTIONS', 'CIRCLECI'].some((key) => key in env)) return 3;
    if (['TRAVIS', 'APPVEYOR', 'GITLAB_CI', 'BUILDKITE', 'DRONE'].some((key) => key in env)) return 1;
    return env.CI_NAME === 'codeship' ? 1 : min;
  }
  if ('TEAMCITY_VERSION' in env) return /^(9\.(0*[1-9]\d*)\.|\d{2,}\.)/.test(env.TEAMCITY_VERSION ?? '') ? 1 : 0;
  if (env.COLORTERM === 'truecolor' || ['xterm-kitty', 'xterm-ghostty', 'wezterm'].includes(term)) return 3;
  if (env.TERM_PROGRAM === 'iTerm.app' || env.TERM_PROGRAM === 'Apple_Terminal') return 2;
  if (/-256(color)?$/i.test(term)) return 2;
  if (/^screen|^xterm|^vt100|^vt220|^rxvt|color|ansi|cygwin|linux/i.test(term)) return 1;
  if ('COLORTERM' in env) return 1;
  return min;
}

let enabled: boolean | undefined;

/** chalk decided once, from this process's environment, argv and stdout (NaN paints, as in chalk). */
function paints(): boolean {
  enabled ??= !(colorLevel(process.env, process.argv, isatty(1)) <= 0);
  return enabled;
}

/** SGR codes (open, close) of the styles Output uses. */
export const CODES = {
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
} as const;

/** `text` in one style, as chalk writes it when it paints. */
export function wrap([open, close]: readonly [number, number], text: string): string {
  if (!text) return text;
  const on = `\x1b[${open}m`;
  const off = `\x1b[${close}m`;
  let body = text.includes('\x1b') ? text.split(off).join(off + on) : text;
  // chalk closes before every line break and opens again after it (a CR stays before the LF).
  if (body.includes('\n')) body = body.replace(/\r?\n/g, (lineBreak) => `${off}${lineBreak}${on}`);
  return on + body + off;
}

const style =
  (codes: readonly [number, number]): Style =>
  (text) =>
    paints() ? wrap(codes, text) : text;

export const dim = style(CODES.dim);
export const red = style(CODES.red);
export const green = style(CODES.green);
export const yellow = style(CODES.yellow);
export const blue = style(CODES.blue);
export const cyan = style(CODES.cyan);
