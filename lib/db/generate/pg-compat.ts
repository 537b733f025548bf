/**
 * SQL that runs on PostgreSQL 17 but not on 15. Supabase hosts both, so migrations must stay
 * within 15. A scan, not a parser: it names the line and the feature for a human to fix.
 */
import { stripSqlComments } from '../plain-postgres.ts';

export interface CompatRule {
  readonly pattern: RegExp;
  readonly feature: string;
  readonly since: 16 | 17;
}

export const NEWER_THAN_15: readonly CompatRule[] = [
  { pattern: /\bmaintain\b(?=[^;]*\bon\b)/i, feature: 'the MAINTAIN privilege', since: 17 },
  { pattern: /\bpg_maintain\b/i, feature: 'the pg_maintain role', since: 17 },
  { pattern: /\bjson_table\s*\(/i, feature: 'JSON_TABLE', since: 17 },
  { pattern: /\bjson_(?:query|value|exists)\s*\(/i, feature: 'SQL/JSON query functions', since: 17 },
  { pattern: /\bmerge\b[\s\S]*\breturning\b/i, feature: 'MERGE … RETURNING', since: 17 },
  { pattern: /\b(?:split|merge)\s+partitions?\b/i, feature: 'SPLIT/MERGE PARTITION', since: 17 },
  { pattern: /\btransaction_timeout\b/i, feature: 'transaction_timeout', since: 17 },
  { pattern: /\bon_error\b/i, feature: "COPY's ON_ERROR option", since: 17 },
  { pattern: /\bany_value\s*\(/i, feature: 'any_value()', since: 16 },
  { pattern: /\bsystem_user\b/i, feature: 'SYSTEM_USER', since: 16 },
  { pattern: /\bpg_input_is_valid\s*\(/i, feature: 'pg_input_is_valid()', since: 16 },
  {
    pattern: /\bjson_(?:array|object)agg\s*\(|\bis\s+json\b/i,
    feature: 'SQL/JSON constructors and IS JSON',
    since: 16,
  },
  { pattern: /\bwith\s+(?:inherit|set)\s+(?:true|false)\b/i, feature: 'GRANT … WITH INHERIT/SET', since: 16 },
];

export interface CompatFinding {
  readonly line: number;
  readonly feature: string;
  readonly since: number;
  readonly text: string;
}

/** Statements (reported by their first line) that need PostgreSQL 16 or 17. */
export function findNewerThan15(sql: string): CompatFinding[] {
  const findings: CompatFinding[] = [];
  const code = stripSqlComments(sql);
  // Walk statement by statement so a rule never spans two statements; keep line numbers.
  let offset = 0;
  for (const statement of code.split(';')) {
    for (const rule of NEWER_THAN_15) {
      const match = rule.pattern.exec(statement);
      if (!match) continue;
      const at = offset + match.index;
      const line = code.slice(0, at).split('\n').length;
      findings.push({ line, feature: rule.feature, since: rule.since, text: (sql.split('\n')[line - 1] ?? '').trim() });
    }
    offset += statement.length + 1;
  }
  return findings;
}
