/**
 * How the Supabase CLI 2.117.0 runs one migration file, read from the code bundled in its binary
 * and checked on PostgreSQL 17 (docs/ARCHITECTURE.md, "Migrations as the CLI runs them"):
 *   - normally every statement plus the INSERT into schema_migrations goes in one pipeline with a
 *     single Sync: one implicit transaction, so a failure rolls the whole file back;
 *   - `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `VACUUM`,
 *     `ALTER SYSTEM` and `CLUSTER` run alone, outside any transaction: what came before them is
 *     committed first, so a later failure leaves that part applied;
 *   - a file with transaction control (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ABORT`,
 *     `ROLLBACK` [not `TO`], `PREPARE TRANSACTION`) runs statement by statement in autocommit:
 *     a failure leaves every statement before it applied;
 *   - a file whose first line is `-- pg-delta: transaction=false` runs without a transaction;
 *   - `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` always fail (SQLSTATE 25P01: no savepoints in
 *     an implicit transaction).
 * supabase-apply refuses the last two groups before applying anything, and words every failure
 * by what the database really kept.
 */
import { readFileSync } from 'node:fs';
import { splitStatements, type SqlStatement } from './statements.ts';

/** How the CLI will run a file. */
export type FileMode =
  /** One transaction: a failure leaves nothing of the file. */
  | 'transaction'
  /** Some statements run outside the transaction (see OUTSIDE_TRANSACTION). */
  | 'split'
  /** `-- pg-delta: transaction=false`: each statement commits on its own. */
  | 'no-transaction';

export interface MigrationSql {
  readonly statements: SqlStatement[];
  readonly mode: FileMode;
  /** Statements the CLI cannot run inside the file's transaction (refused by supabase-apply). */
  readonly refused: RefusedStatement[];
}

export interface RefusedStatement {
  readonly statement: SqlStatement;
  /** e.g. `COMMIT`, `SAVEPOINT`. */
  readonly keyword: string;
  readonly reason: string;
}

const NO_TRANSACTION_HEADER = '-- pg-delta: transaction=false';

/** The CLI's list of statements it runs alone, outside the file's transaction. */
const OUTSIDE_TRANSACTION = [
  /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY(?:\s|$)/u,
  /^DROP\s+INDEX\s+CONCURRENTLY(?:\s|$)/u,
  /^REINDEX(?:\s|\().*\sCONCURRENTLY(?:\s|$)/u,
  /^VACUUM(?:\s|\(|$)/u,
  /^ALTER\s+SYSTEM(?:\s|$)/u,
  /^CLUSTER(?:\s|$)/u,
];
const TRANSACTION_CONTROL = /^(BEGIN|START\s+TRANSACTION|COMMIT|END|ABORT|PREPARE\s+TRANSACTION)(?:\s|$)/u;
const SAVEPOINTS = /^(SAVEPOINT|RELEASE)(?:\s|$)/u;

/** Run by the CLI on its own, outside the file's transaction: what precedes it commits first. */
export function runsOutsideTransaction(statement: SqlStatement): boolean {
  const code = statement.code.toUpperCase();
  return OUTSIDE_TRANSACTION.some((rule) => rule.test(code));
}

/**
 * What the CLI treats specially about transactions in this statement, with its keyword:
 * - `control` (BEGIN, START TRANSACTION, COMMIT, END, ABORT, ROLLBACK, PREPARE TRANSACTION): a
 *   file holding one runs statement by statement without its transaction;
 * - `savepoint` (SAVEPOINT, RELEASE, ROLLBACK TO): always refused by PostgreSQL in the CLI's
 *   implicit transaction (25P01).
 * The one definition for supabase-apply's guard and the migration lint's rule.
 */
export function transactionStatement(
  statement: SqlStatement,
): { readonly kind: 'control' | 'savepoint'; readonly keyword: string } | null {
  const code = statement.code.toUpperCase();
  const words = code.split(/\s+/u);
  if (words[0] === 'ROLLBACK') {
    const to = words[1] === 'WORK' || words[1] === 'TRANSACTION' ? 2 : 1;
    return words[to] === 'TO'
      ? { kind: 'savepoint', keyword: 'ROLLBACK TO SAVEPOINT' }
      : { kind: 'control', keyword: 'ROLLBACK' };
  }
  const control = TRANSACTION_CONTROL.exec(code);
  if (control) return { kind: 'control', keyword: control[1]!.replace(/\s+/gu, ' ') };
  const savepoint = SAVEPOINTS.exec(code);
  if (savepoint) return { kind: 'savepoint', keyword: savepoint[1]! };
  return null;
}

const REFUSAL_REASON = {
  control:
    'explicit transaction control makes the CLI run the file statement by statement without its transaction, so a failure would leave the statements before it applied; each file already runs in one transaction: remove it',
  savepoint:
    'savepoints cannot work in a migration: the CLI runs the file as one implicit transaction, where PostgreSQL refuses them',
} as const;

export function analyseMigrationSql(sql: string): MigrationSql {
  const statements = splitStatements(sql);
  const firstLine = sql
    .replace(/^\ufeff/u, '')
    .split('\n', 1)[0]!
    .replace(/\r$/u, '');
  const refused: RefusedStatement[] = [];
  for (const statement of statements) {
    const found = transactionStatement(statement);
    if (found) refused.push({ statement, keyword: found.keyword, reason: REFUSAL_REASON[found.kind] });
  }
  const mode: FileMode =
    firstLine === NO_TRANSACTION_HEADER
      ? 'no-transaction'
      : statements.some(runsOutsideTransaction)
        ? 'split'
        : 'transaction';
  return { statements, mode, refused };
}

export function readMigrationSql(file: string): MigrationSql {
  return analyseMigrationSql(readFileSync(file, 'utf8'));
}

/**
 * How many leading statements stay committed when statement `failedAt` fails (0 in a file that
 * runs in one transaction). In a split file, everything up to the last statement run outside the
 * transaction before the failure is committed; without a transaction, everything before it.
 */
export function committedBefore(sql: MigrationSql, failedAt: number): number {
  if (sql.mode === 'transaction') return 0;
  if (sql.mode === 'no-transaction') return Math.max(0, failedAt);
  const failing = sql.statements[failedAt];
  if (failing && runsOutsideTransaction(failing)) return failedAt;
  let committed = 0;
  for (const statement of sql.statements) {
    if (statement.index >= failedAt) break;
    if (runsOutsideTransaction(statement)) committed = statement.index + 1;
  }
  return committed;
}
