/**
 * squawk's `--reporter json` output: one array of violations with 0-based lines. Checked at the
 * edge (a squawk that changed its format must fail loudly, not lint nothing).
 */
import { OperationFailed } from '../../core/errors.ts';

export interface SquawkViolation {
  /** The path as squawk was given it. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly rule: string;
  readonly message: string;
  readonly help: string | null;
}

interface RawViolation {
  file: unknown;
  line: unknown;
  column: unknown;
  rule_name: unknown;
  message: unknown;
  help: unknown;
}

export function parseSquawkJson(stdout: string): SquawkViolation[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim() || '[]');
  } catch {
    throw new OperationFailed(`squawk printed something that is not its JSON report: ${stdout.slice(0, 200)}`);
  }
  if (!Array.isArray(parsed)) throw new OperationFailed('squawk JSON report is not an array');
  return parsed.map((item: RawViolation, index) => {
    if (
      typeof item?.file !== 'string' ||
      typeof item.line !== 'number' ||
      typeof item.rule_name !== 'string' ||
      typeof item.message !== 'string'
    )
      throw new OperationFailed(`squawk JSON report: entry ${index} lacks file, line, rule_name or message`);
    return {
      file: item.file,
      line: item.line + 1,
      column: (typeof item.column === 'number' ? item.column : 0) + 1,
      rule: item.rule_name,
      message: item.message,
      help: typeof item.help === 'string' && item.help.trim() ? item.help.trim() : null,
    };
  });
}
