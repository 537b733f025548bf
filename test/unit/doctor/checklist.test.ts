import { describe, expect, it } from 'vitest';
import {
  fail,
  notChecked,
  pass,
  renderChecklist,
  runCheck,
  skip,
  summarize,
  summaryLine,
  type CheckResult,
} from '../../../lib/doctor/checklist.ts';
import { PreconditionFailed } from '../../../lib/core/errors.ts';
import { CommandTimedOut } from '../../../lib/core/runner.ts';

const limits = { timeoutMs: 50, timeoutFix: 'retry with --timeout', graceMs: 0 };

describe('runCheck never throws and never waits past its deadline', () => {
  it('records a passing check with its duration', async () => {
    const result = await runCheck('app', 'app', limits, async () => pass('kotadb-api'));
    expect(result).toMatchObject({ id: 'app', title: 'app', status: 'pass', detail: 'kotadb-api' });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('turns a typed error into ✗ with its hint, and anything else into ✗ "unexpected error"', async () => {
    const typed = await runCheck('login', 'logged in', limits, async () => {
      throw new PreconditionFailed('not logged in to Fly.io', { hint: 'run `flyctl auth login`' });
    });
    expect(typed).toMatchObject({ status: 'fail', detail: 'not logged in to Fly.io', fix: 'run `flyctl auth login`' });
    const bug = await runCheck('x', 'x', limits, async () => {
      throw new TypeError('boom');
    });
    expect(bug).toMatchObject({ status: 'fail', detail: 'unexpected error: boom' });
    expect(bug.fix).toBeUndefined();
  });

  it('a command timeout and a check that never answers both become ✗ with the timeout fix', async () => {
    const killed = await runCheck('machines', 'machines', limits, async () => {
      throw new CommandTimedOut('flyctl status --app kotadb-api --json timed out after 2s', 2000, {
        argv: [],
        exitCode: 143,
        stdout: '',
        stderr: '',
        durationMs: 2000,
        dryRun: false,
      });
    });
    expect(killed).toMatchObject({
      status: 'fail',
      detail: 'flyctl status --app kotadb-api --json timed out after 2s',
      fix: 'retry with --timeout',
    });
    const started = performance.now();
    const hung = await runCheck('health', '/health', limits, () => new Promise(() => undefined));
    expect(hung).toMatchObject({ status: 'fail', detail: 'no answer within 50ms', fix: 'retry with --timeout' });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('rendering', () => {
  const results: CheckResult[] = [
    { id: 'flyctl', title: 'flyctl', ...pass('flyctl v0.4.9'), durationMs: 5 },
    {
      id: 'secrets',
      title: 'secrets',
      ...fail('missing: DATABASE_URL', 'npx just secrets production set'),
      durationMs: 5,
    },
    {
      id: 'migrations',
      title: 'migrations',
      ...skip('not set', 'export SUPABASE_DB_URL_PRODUCTION=<url>'),
      durationMs: 0,
    },
  ];

  it('prints ✓/✗/– aligned, the fix under a failure, how to enable a skipped check', () => {
    expect(renderChecklist([...results, notChecked('volume', 'volume', results[1]!)])).toEqual([
      '✓ flyctl      flyctl v0.4.9',
      '✗ secrets     missing: DATABASE_URL',
      '              fix: npx just secrets production set',
      '– migrations  not set',
      '              to check it: export SUPABASE_DB_URL_PRODUCTION=<url>',
      '– volume      not checked: secrets did not pass',
    ]);
  });

  it('summarises: ok only without failures; skips do not fail', () => {
    expect(summarize(results)).toEqual({ ok: false, passed: 1, failed: 1, skipped: 1 });
    expect(summarize([results[0]!, results[2]!]).ok).toBe(true);
    expect(summaryLine(summarize(results), 1234)).toBe('1 passed, 1 failed, 1 not checked (1.2s)');
  });
});
