/**
 * The end-of-run summary of a deploy or rollback, rendered three ways from one description:
 * human lines (stdout), a JSON object (--json), and a Markdown table appended to the file
 * GitHub Actions names in GITHUB_STEP_SUMMARY. Everything goes through redaction.
 */
import { appendFileSync } from 'node:fs';
import type { Environment } from '../config/environments.ts';
import { ExitCode, Interrupted, isToolkitError } from '../core/errors.ts';
import { formatDuration, type Output, type StepTiming } from '../core/output.ts';
import { redact } from '../core/redact.ts';

export interface RunSummary {
  /** e.g. "Deploy to staging". */
  readonly title: string;
  readonly ok: boolean;
  readonly dryRun: boolean;
  /** One line: "v4 is live and healthy", "health check failed: …; rolled back to v3 (healthy)". */
  readonly outcome: string;
  /** Labelled facts in display order (environment, app, release, image, previous, …). */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly steps: readonly StepTiming[];
}

export function renderText(summary: RunSummary): string[] {
  const mark = summary.dryRun ? '·' : summary.ok ? '✓' : '✗';
  const label = Math.max(...summary.fields.map(([name]) => name.length), 'steps'.length) + 2;
  const lines = [`${mark} ${summary.title}: ${summary.outcome}`];
  for (const [name, value] of summary.fields) lines.push(`  ${name.padEnd(label)}${value}`);
  if (summary.steps.length > 0) {
    lines.push(
      `  ${'steps'.padEnd(label)}${summary.steps.map((s) => `${s.ok ? '' : '✗ '}${s.name} ${formatDuration(s.durationMs)}`).join(' · ')}`,
    );
  }
  return lines;
}

export function renderMarkdown(summary: RunSummary): string {
  const icon = summary.dryRun ? '📝' : summary.ok ? '✅' : '❌';
  const cell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = [`### ${icon} ${cell(summary.title)}: ${cell(summary.outcome)}`, '', '| | |', '|---|---|'];
  for (const [name, value] of summary.fields) lines.push(`| ${cell(name)} | ${cell(value)} |`);
  if (summary.steps.length > 0) {
    lines.push('', '| step | result | duration |', '|---|---|---|');
    for (const step of summary.steps)
      lines.push(`| ${cell(step.name)} | ${step.ok ? '✓' : '✗'} | ${formatDuration(step.durationMs)} |`);
  }
  return redact(lines.join('\n')) + '\n\n';
}

/** Prints the human summary (dropped in --json mode) and appends the Markdown for GitHub. */
export function publishSummary(summary: RunSummary, out: Output, env: NodeJS.ProcessEnv = process.env): void {
  for (const line of renderText(summary)) out.result(line);
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    appendFileSync(file, renderMarkdown(summary));
  } catch (error) {
    out.warn(`could not append to GITHUB_STEP_SUMMARY (${file}): ${(error as Error).message}`);
  }
}

export function stepsJson(steps: readonly StepTiming[]): Array<{ name: string; ok: boolean; durationMs: number }> {
  return steps.map((s) => ({ name: s.name, ok: s.ok, durationMs: Math.round(s.durationMs) }));
}

/** An error as one line: the toolkit's own messages as they are, anything else flagged. */
export function errorText(error: unknown): string {
  if (isToolkitError(error)) return error.message;
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/** The fields every deploy or rollback JSON result starts with. */
export function resultEnvelope(o: {
  error: unknown;
  failure: string | null;
  dryRun: boolean;
  env: Environment;
  url: string;
}) {
  const exitCode =
    o.error !== null
      ? isToolkitError(o.error)
        ? o.error.exitCode
        : ExitCode.failed
      : o.failure === null
        ? ExitCode.ok
        : ExitCode.failed;
  return {
    ok: exitCode === ExitCode.ok,
    exitCode,
    dryRun: o.dryRun,
    environment: o.env.name,
    app: o.env.app,
    url: o.url,
  };
}

/**
 * The outer guard of a deploy or rollback: Ctrl-C is replaced by the script's own account of the
 * state it left, and --json still gets its one result object when the run stops early.
 */
export async function guardRun(
  out: Output,
  run: { readonly reported: boolean },
  body: () => Promise<number>,
  on: { interrupted: () => Interrupted; json: (error: unknown) => unknown },
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const explained = error instanceof Interrupted ? on.interrupted() : error;
    if (!run.reported && out.json) out.jsonResult(on.json(explained));
    throw explained;
  }
}
