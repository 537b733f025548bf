/**
 * The end-of-run summary of a deploy or rollback, rendered three ways from one description:
 * human lines (stdout), a JSON object (--json), and a Markdown table appended to the file
 * GitHub Actions names in GITHUB_STEP_SUMMARY. The Markdown masks secrets first and escapes
 * after (escaping first would turn a secret holding `|` or `\` into text the mask no longer
 * matches); --json goes through Output.jsonResult, which masks every string before serialising.
 */
import { appendFileSync } from 'node:fs';
import type { Environment } from '../config/environments.ts';
import { ExitCode, isToolkitError } from '../core/errors.ts';
import type { Output, StepTiming } from '../core/output.ts';
import { formatDuration } from '../core/text.ts';
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
  const cell = (text: string) => redact(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = [`### ${icon} ${cell(summary.title)}: ${cell(summary.outcome)}`, '', '| | |', '|---|---|'];
  for (const [name, value] of summary.fields) lines.push(`| ${cell(name)} | ${cell(value)} |`);
  if (summary.steps.length > 0) {
    lines.push('', '| step | result | duration |', '|---|---|---|');
    for (const step of summary.steps)
      lines.push(`| ${cell(step.name)} | ${step.ok ? '✓' : '✗'} | ${formatDuration(step.durationMs)} |`);
  }
  return lines.join('\n') + '\n\n';
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

/** The exit code an error ends the run with. */
export function exitCodeOf(error: unknown): number {
  return isToolkitError(error) ? error.exitCode : ExitCode.failed;
}

/** The fields every deploy or rollback --json result starts with. */
export function resultEnvelope(
  code: number,
  kind: string,
  facts: { readonly dryRun: boolean; readonly env: Environment; readonly url: string },
) {
  return {
    ok: code === ExitCode.ok,
    exitCode: code,
    kind,
    dryRun: facts.dryRun,
    environment: facts.env.name,
    app: facts.env.app,
    url: facts.url,
  };
}
