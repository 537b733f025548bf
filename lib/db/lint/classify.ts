/**
 * Expand or contract: can the release still running (and any release a rollback returns to)
 * work against the schema after this migration?
 *
 * - expand: only adds (new tables, nullable columns or columns with a default, indexes,
 *   NOT VALID constraints, new functions, grants, policies). Old code keeps working.
 * - contract: removes or changes what old code may use: drops, renames, type changes,
 *   SET NOT NULL, a NOT NULL column without a default (old inserts fail), dropping or
 *   replacing a function an earlier migration created (the API calls functions over RPC).
 *
 * The signals are squawk's findings (acknowledged ones included: an acknowledgement makes a
 * statement acceptable to run, not compatible) plus the statement table below. A file may say
 * `-- kotadb: contract` to declare it intentional; it is then a contract migration whatever
 * the table finds. Pure: no I/O.
 */
import type { Acknowledgement } from './comments.ts';
import type { SqlStatement } from '../statements.ts';

export type MigrationKind = 'expand' | 'contract';

export interface ContractSignal {
  readonly line: number;
  /** The squawk rule or kotadb table entry that found it. */
  readonly rule: string;
  readonly what: string;
}

export interface Classification {
  readonly kind: MigrationKind;
  readonly declared: boolean;
  readonly signals: ContractSignal[];
}

/** squawk rules whose statement breaks code written for the schema before it. */
export const CONTRACT_RULES: Readonly<Record<string, string>> = {
  'ban-drop-column': 'drops a column',
  'ban-drop-table': 'drops a table',
  'ban-drop-database': 'drops a database',
  'renaming-column': 'renames a column',
  'renaming-table': 'renames a table',
  'changing-column-type': 'changes a column type',
  'adding-not-nullable-field': 'sets a column NOT NULL (old inserts that omit it fail)',
  'adding-required-field': 'adds a NOT NULL column without a default (old inserts fail)',
};

interface StatementRule {
  readonly rule: string;
  readonly pattern: RegExp;
  readonly what: (match: RegExpExecArray) => string;
}

const NAME = String.raw`((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$]*))?)`;

/** What squawk does not report as such: drops and renames of other objects, function changes. */
export const STATEMENT_RULES: readonly StatementRule[] = [
  {
    rule: 'drop-object',
    pattern: new RegExp(
      String.raw`^drop\s+(table|view|materialized\s+view|function|procedure|type|domain|schema|sequence)\s+(?:if\s+exists\s+)?${NAME}`,
      'i',
    ),
    what: (m) => `drops ${m[1]!.toLowerCase().replace(/\s+/g, ' ')} ${m[2]}`,
  },
  {
    rule: 'drop-column',
    // `ALTER TABLE t DROP [COLUMN] c` or `…, DROP c`: not DROP CONSTRAINT, nor a column's DROP DEFAULT/NOT NULL.
    pattern: new RegExp(
      String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${NAME}\s+(?:[\s\S]*?,\s*)?drop\s+(?:column\s+)?(?!constraint\b)(?:if\s+exists\s+)?("[^"]+"|[a-z_][\w$]*)`,
      'i',
    ),
    what: (m) => `drops column ${m[2]} of ${m[1]}`,
  },
  {
    rule: 'rename',
    pattern: new RegExp(
      String.raw`^alter\s+(table|view|materialized\s+view|function|procedure|type|schema|sequence)\s+(?:if\s+exists\s+)?(?:only\s+)?${NAME}[\s\S]*?\brename\b(?!\s+constraint\b)`,
      'i',
    ),
    what: (m) => `renames ${m[1]!.toLowerCase().replace(/\s+/g, ' ')} ${m[2]} (or one of its columns)`,
  },
  {
    rule: 'set-schema',
    pattern: new RegExp(
      String.raw`^alter\s+(table|view|function|procedure|type)\s+(?:if\s+exists\s+)?${NAME}[\s\S]*?\bset\s+schema\b`,
      'i',
    ),
    what: (m) => `moves ${m[1]!.toLowerCase()} ${m[2]} to another schema`,
  },
  {
    rule: 'column-type',
    pattern: /^alter\s+table\b[\s\S]*?\balter\s+(?:column\s+)?("[^"]+"|[a-z_][\w$]*)\s+(?:set\s+data\s+)?type\b/i,
    what: (m) => `changes the type of column ${m[1]}`,
  },
  {
    rule: 'set-not-null',
    pattern: /^alter\s+table\b[\s\S]*?\balter\s+(?:column\s+)?("[^"]+"|[a-z_][\w$]*)\s+set\s+not\s+null\b/i,
    what: (m) => `sets column ${m[1]} NOT NULL`,
  },
];

const CREATE_FUNCTION = new RegExp(String.raw`^create\s+(or\s+replace\s+)?(?:function|procedure)\s+${NAME}`, 'i');

/** `public.f` and `f` are one function to this table (unqualified names live in public). */
export function functionKey(name: string): string {
  const parts = name.split('.').map((part) => part.trim().replace(/^"|"$/g, '').toLowerCase());
  return parts.length === 1 ? `public.${parts[0]}` : parts.join('.');
}

export interface ClassifyInput {
  readonly statements: readonly SqlStatement[];
  /** squawk findings of the file (rule + 1-based line). */
  readonly findings: ReadonlyArray<{ readonly rule: string; readonly line: number }>;
  readonly acknowledgements: readonly Acknowledgement[];
  readonly declaredContract: boolean;
  /** Functions created by earlier migrations (functionKey form): replacing one changes it. */
  readonly existingFunctions: ReadonlySet<string>;
}

export function classifyMigration(input: ClassifyInput): Classification {
  const signals: ContractSignal[] = [];
  const add = (signal: ContractSignal) => {
    if (!signals.some((s) => s.line === signal.line && s.what === signal.what)) signals.push(signal);
  };
  for (const finding of input.findings) {
    const what = CONTRACT_RULES[finding.rule];
    if (what) add({ line: finding.line, rule: finding.rule, what });
  }
  for (const ack of input.acknowledgements) {
    for (const rule of ack.rules) {
      const what = CONTRACT_RULES[rule];
      if (what) add({ line: ack.scope === 'file' ? ack.line : ack.line + 1, rule, what });
    }
  }
  const found = [...signals];
  for (const statement of input.statements) {
    const created = CREATE_FUNCTION.exec(statement.withoutComments);
    if (created?.[1] && input.existingFunctions.has(functionKey(created[2]!))) {
      add({
        line: statement.line,
        rule: 'replace-function',
        what: `changes function ${created[2]} (the API may call it)`,
      });
      continue;
    }
    // A squawk finding already names this statement's change in its own words.
    if (found.some((s) => s.line >= statement.line && s.line <= statement.endLine)) continue;
    for (const rule of STATEMENT_RULES) {
      const match = rule.pattern.exec(statement.withoutComments);
      if (match) {
        add({ line: statement.line, rule: rule.rule, what: rule.what(match) });
        break;
      }
    }
  }
  signals.sort((a, b) => a.line - b.line);
  return {
    kind: signals.length > 0 || input.declaredContract ? 'contract' : 'expand',
    declared: input.declaredContract,
    signals,
  };
}

/** Functions a file creates (to know, in later files, that replacing them is a change). */
export function functionsCreated(statements: readonly SqlStatement[]): string[] {
  return statements.flatMap((statement) => {
    const created = CREATE_FUNCTION.exec(statement.withoutComments);
    return created ? [functionKey(created[2]!)] : [];
  });
}
