/**
 * Small pieces of wording every script uses: counts with the right plural, durations, aligned
 * tables, and terminal-safe rendering of text that came from outside (flyctl, /health, the
 * database), whose control characters could otherwise rewrite the user's terminal.
 */

/** `plural(1, 'file')` = "1 file"; `plural(2, 'file')` = "2 files"; irregular: `plural(n, 'entry', 'entries')`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** 850ms, 1.2s, 3m05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** Rows padded into columns (the last column is not padded). */
export function alignTable(rows: ReadonlyArray<readonly string[]>, gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + gap)))
      .join('')
      .trimEnd(),
  );
}

/**
 * Untrusted text made safe to print on a terminal: C0/C1 control characters (ESC, CR, BS, …)
 * other than tab and newline become visible escapes (`\x1b`), so a /health body or a tool's
 * output cannot move the cursor or overwrite earlier lines.
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
