/**
 * What flyctl said when it failed, in one line: the `Error:` line and the lines flyctl prints
 * after it (description, suggestion: internal/cli/cli.go), and, for a config validation
 * failure, the reasons before the `✘` line (`Error: App configuration is not valid` alone says
 * nothing). Progress output is left out; the result is cut to a readable length.
 */

const MAX_LENGTH = 400;

export function flyctlErrorText(
  output: string,
  options: { maxLength?: number; keepErrorPrefix?: boolean } = {},
): string {
  const maxLength = options.maxLength ?? MAX_LENGTH;
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const errorAt = lines.findLastIndex((line) => line.startsWith('Error: '));
  if (errorAt === -1) return cut(lines.at(-1) ?? 'no output', maxLength);
  const first = lines[errorAt]!;
  const parts = [options.keepErrorPrefix ? first : first.slice('Error: '.length), ...lines.slice(errorAt + 1)];
  const crossAt = lines.findLastIndex((line, i) => i < errorAt && line.startsWith('✘'));
  if (crossAt !== -1) {
    const validating = lines.findLastIndex((line, i) => i < crossAt && line.startsWith('Validating '));
    parts.unshift(...lines.slice(validating + 1, crossAt + 1));
  }
  return cut(parts.join(' '), maxLength);
}

function cut(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
