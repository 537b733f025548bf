import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishSummary, renderMarkdown, renderText, type RunSummary } from '../../../lib/release/summary.ts';
import { secrets } from '../../../lib/core/redact.ts';
import { captureOutput } from '../../helpers/capture-output.ts';

const summary: RunSummary = {
  title: 'Deploy to staging',
  ok: false,
  dryRun: false,
  outcome: 'smoke checks failed: a | b; rolled back to v3 (healthy)',
  fields: [
    ['environment', 'staging'],
    ['release', 'v4'],
  ],
  steps: [
    { name: 'Deploy', durationMs: 1234, ok: true },
    { name: 'Smoke checks', durationMs: 20, ok: false },
  ],
};

describe('run summary', () => {
  it('renders aligned human lines', () => {
    expect(renderText(summary)).toEqual([
      '✗ Deploy to staging: smoke checks failed: a | b; rolled back to v3 (healthy)',
      '  environment  staging',
      '  release      v4',
      '  steps        Deploy 1.2s · ✗ Smoke checks 20ms',
    ]);
  });

  it('renders Markdown tables with | escaped', () => {
    expect(renderMarkdown(summary)).toBe(
      [
        '### ❌ Deploy to staging: smoke checks failed: a \\| b; rolled back to v3 (healthy)',
        '',
        '| | |',
        '|---|---|',
        '| environment | staging |',
        '| release | v4 |',
        '',
        '| step | result | duration |',
        '|---|---|---|',
        '| Deploy | ✓ | 1.2s |',
        '| Smoke checks | ✗ | 20ms |',
        '',
        '',
      ].join('\n'),
    );
  });

  it('appends to GITHUB_STEP_SUMMARY (redacted) and prints the human lines on stdout', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'summary-'));
    try {
      const file = path.join(dir, 'step-summary.md');
      secrets.add('s3cr3t-summary-value');
      const captured = captureOutput();
      const withSecret = { ...summary, fields: [...summary.fields, ['note', 'token s3cr3t-summary-value'] as const] };
      publishSummary(withSecret, captured.out, { GITHUB_STEP_SUMMARY: file });
      publishSummary(withSecret, captured.out, { GITHUB_STEP_SUMMARY: file });
      const written = readFileSync(file, 'utf8');
      expect(written.split('### ❌').length).toBe(3);
      expect(written).toContain('| note | token *** |');
      expect(written).not.toContain('s3cr3t-summary-value');
      expect(captured.stdout()).toContain('  note         token ***');
      expect(captured.stderr()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('masks first, then escapes: a secret holding " \\ or | stays masked in Markdown', () => {
    const tricky = 'pa"ss\\wo|rd-summary-9';
    secrets.add(tricky);
    const withSecret = { ...summary, outcome: `failed with ${tricky}`, fields: [['note', `key ${tricky}`] as const] };
    const markdown = renderMarkdown(withSecret);
    expect(markdown).toContain('### ❌ Deploy to staging: failed with ***');
    expect(markdown).toContain('| note | key *** |');
    expect(markdown).not.toContain('wo');
  });
});
