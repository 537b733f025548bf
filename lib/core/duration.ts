/**
 * Durations as the toolkit's inputs write them, parsed without dependencies (supabase-apply's
 * start-up loads neither zod nor a TOML parser). Two syntaxes, each exactly as its callers
 * always accepted it; the callers word their own errors:
 *   - Go's, as flyctl and fly.toml take them: one or more `<number><unit>` parts, "30s", "1m30s",
 *     "500ms" (units ns, us, µs, ms, s, m, h);
 *   - a PostgreSQL setting's, as supabase-apply's timeouts take them: one `<number><unit>`,
 *     "4s", "500ms", "10min" or "10m", "1h".
 */

interface Syntax {
  readonly units: Readonly<Record<string, number>>;
  readonly whole: RegExp;
  readonly part: RegExp;
}

function syntax(units: Record<string, number>, compound: boolean): Syntax {
  // Longer units first, so that `ms` is never read as `m` followed by junk.
  const unit = Object.keys(units)
    .sort((a, b) => b.length - a.length)
    .join('|');
  const part = `(\\d+(?:\\.\\d+)?)(${unit})`;
  return {
    units,
    whole: new RegExp(`^(?:${part})${compound ? '+' : ''}$`, 'u'),
    part: new RegExp(part, 'gu'),
  };
}

const GO = syntax({ ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }, true);
const SETTING = syntax({ ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000 }, false);

function parse(text: string, { units, whole, part }: Syntax): number | null {
  if (!whole.test(text)) return null;
  let total = 0;
  for (const match of text.matchAll(part)) total += Number(match[1]) * units[match[2]!]!;
  return total;
}

/** A Go duration ("1m30s") -> milliseconds, or null when it is not one. */
export function parseGoDuration(text: string): number | null {
  return parse(text, GO);
}

/** One number and unit ("4s", "500ms", "10min", "10m", "1h") -> milliseconds, or null. */
export function parseSettingDuration(text: string): number | null {
  return parse(text, SETTING);
}
