/**
 * A lint report for people (`file:line: rule: message` and the fix), for GitHub Actions
 * (`::error file=…,line=…::` annotations on the pull request's diff) and as JSON.
 */
import type { FileReport, Finding, LintReport } from './lint.ts';

export function findingLines(finding: Finding): string[] {
  const lines = [`${finding.file}:${finding.line}: ${finding.rule}: ${finding.message}`];
  if (finding.fix) lines.push(`  fix: ${finding.fix}`);
  return lines;
}

/** A workflow command: GitHub shows it on the file's line in the pull request. */
export function findingAnnotation(finding: Finding): string {
  const text = finding.fix ? `${finding.message} Fix: ${finding.fix}` : finding.message;
  return `::error file=${escapeProperty(finding.file)},line=${finding.line},title=${escapeProperty(finding.rule)}::${escapeData(text)}`;
}

/** `supabase/migrations/x.sql: contract (declared) — drops column legacy (line 9)`. */
export function classificationLine(file: FileReport): string {
  const { kind, declared, signals } = file.classification;
  if (kind === 'expand') return `${file.file}: expand`;
  const label = declared ? 'contract (declared)' : 'contract (not declared: apply asks for --allow-contract)';
  const why = signals.map((s) => `${s.what} (line ${s.line})`).join('; ');
  return `${file.file}: ${label}${why ? ` — ${why}` : ''}`;
}

export function acknowledgementLines(file: FileReport): string[] {
  return file.acknowledgements
    .filter((a) => a.rules.length && a.reason)
    .map((a) => `${file.file}:${a.line}: acknowledged ${a.rules.join(', ')}: ${a.reason}`);
}

export function reportJson(report: LintReport, extra: Record<string, unknown> = {}) {
  return {
    ...extra,
    settings: {
      pgVersion: report.config.squawk.pgVersion,
      assumeInTransaction: report.config.squawk.assumeInTransaction,
      excludedRules: report.config.squawk.excludedRules,
      startAfter: report.config.startAfter,
    },
    findings: report.findings.length,
    files: report.files.map((f) => ({
      file: f.file,
      version: f.version,
      kind: f.classification.kind,
      declaredContract: f.classification.declared,
      contract: f.classification.signals,
      findings: f.findings,
      acknowledged: f.acknowledgements,
    })),
    baselined: report.baselined,
  };
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
