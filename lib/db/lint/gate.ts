/**
 * supabase-apply's lint gate: what it refuses before pushing pending migrations, and what an
 * override lets through (to print loudly and record in the summary).
 *
 * - An unacknowledged finding refuses (exit 3) unless --allow-unsafe.
 * - Explicit transaction control refuses always: no flag makes a half-applied file safe.
 * - A contract migration that does not declare itself (`-- kotadb: contract`) refuses unless
 *   --allow-contract: the release still running may use what it removes.
 */
import { PreconditionFailed } from '../../core/errors.ts';
import { plural } from '../../core/text.ts';
import type { FileReport, Finding, LintReport } from './lint.ts';
import { TRANSACTION_CONTROL } from './lint.ts';

export interface GateOptions {
  readonly allowUnsafe: boolean;
  readonly allowContract: boolean;
}

export interface GateDecision {
  /** Throw it: the push must not start. */
  readonly refusal: PreconditionFailed | null;
  /** Findings let through by --allow-unsafe (print loudly, record in the summary). */
  readonly unsafeAllowed: Finding[];
  /** Undeclared contract migrations let through by --allow-contract. */
  readonly contractAllowed: FileReport[];
}

const where = (f: Finding) => `${f.file}:${f.line} ${f.rule}`;

export function lintGate(report: LintReport, options: GateOptions): GateDecision {
  const control = report.findings.filter((f) => f.rule === TRANSACTION_CONTROL);
  if (control.length) {
    return refuse(
      `${plural(control.length, 'statement')} in pending migrations control the transaction the CLI runs each file in (${control.map(where).join(', ')})`,
      'remove BEGIN/COMMIT/ROLLBACK from the file; split it in two if something must commit first (no flag overrides this)',
    );
  }
  const unsafe = report.findings;
  if (unsafe.length && !options.allowUnsafe) {
    return refuse(
      `${plural(unsafe.length, 'unacknowledged lint finding')} in pending migrations: ${unsafe.map(where).join(', ')}`,
      'run `npx just supabase-lint` for the fixes; acknowledge a safe one in the file (-- squawk-ignore <rule> -- <reason>), or pass --allow-unsafe',
    );
  }
  const contract = report.files.filter((f) => f.classification.kind === 'contract' && !f.classification.declared);
  if (contract.length && !options.allowContract) {
    const named = contract.map((f) => `${f.file} (${f.classification.signals[0]?.what ?? 'contract'})`);
    return refuse(
      `${plural(contract.length, 'contract migration')} not declared safe: ${named.join(', ')}; the release still running may use what it removes`,
      'deploy the code that stops using it first, then add `-- kotadb: contract` to the file (or pass --allow-contract)',
    );
  }
  return { refusal: null, unsafeAllowed: unsafe, contractAllowed: contract };
}

function refuse(message: string, hint: string): GateDecision {
  return { refusal: new PreconditionFailed(message, { hint }), unsafeAllowed: [], contractAllowed: [] };
}
