import { describe, expect, it } from 'vitest';
import { ExitCode, Interrupted, OperationFailed, PreconditionFailed, UsageError } from '../../../lib/core/errors.ts';
import { reportError } from '../../../lib/core/script.ts';
import { formatDuration } from '../../../lib/core/output.ts';
import { Redactor, secrets } from '../../../lib/core/redact.ts';
import { captureOutput } from '../../helpers/capture-output.ts';

describe('Redactor', () => {
  it('masks every registered value, longest first', () => {
    const r = new Redactor();
    r.add('abc-secret', 'abc-secret-longer', '', undefined);
    expect(r.redact('x abc-secret-longer y abc-secret z')).toBe('x *** y *** z');
  });

  it('masks percent-encoded and decoded spellings', () => {
    const r = new Redactor();
    r.add('p@ss/w#rd');
    expect(r.redact('postgres://u:p%40ss%2Fw%23rd@h/db and raw p@ss/w#rd')).not.toMatch(/p%40ss|p@ss/);
  });

  it('masks each long line of a multi-line value (PEM keys are printed line by line)', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nshort\n-----END PRIVATE KEY-----';
    const r = new Redactor();
    r.add(pem);
    expect(r.redact('line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe('line: ***');
  });

  it('masks a short value only as a whole word, never inside longer words or numbers', () => {
    const r = new Redactor();
    r.add('pw1', 'x');
    expect(r.redact('pw1 pw12 apw1 (pw1) x-ray x max')).toBe('*** pw12 apw1 (***) ***-ray *** max');
  });

  it('takes 150,000 values at once without overflowing the stack', () => {
    const r = new Redactor();
    const values = Array.from({ length: 150_000 }, (_, i) => `bulk-secret-value-${i}`);
    expect(() => r.addAll(values)).not.toThrow();
    expect(r.redact('a bulk-secret-value-149999 b')).toBe('a *** b');
  });

  it('masks URL passwords that were never registered', () => {
    expect(new Redactor().redact('connect postgresql://postgres:s3cr3t@db.x.supabase.co:5432/postgres failed')).toBe(
      'connect postgresql://postgres:***@db.x.supabase.co:5432/postgres failed',
    );
  });
});

describe('Output', () => {
  it('redacts everything and times steps', async () => {
    secrets.add('output-test-secret-1');
    const cap = captureOutput();
    await cap.out.step('deploy output-test-secret-1', async () => undefined);
    cap.out.info('info output-test-secret-1');
    cap.out.result('result output-test-secret-1');
    expect(cap.all()).not.toContain('output-test-secret-1');
    expect(cap.stderr()).toMatch(/✓ deploy \*\*\* \(\d+ms\)/);
    expect(cap.out.timings).toHaveLength(1);
    expect(cap.out.timings[0]?.ok).toBe(true);
  });

  it('records a failed step and rethrows', async () => {
    const cap = captureOutput();
    await expect(
      cap.out.step('health', async () => {
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    expect(cap.stderr()).toMatch(/✗ health/);
    expect(cap.out.timings[0]?.ok).toBe(false);
  });

  it('adds GitHub annotations and groups under GITHUB_ACTIONS', async () => {
    const cap = captureOutput({ env: { GITHUB_ACTIONS: 'true', NO_COLOR: '1' } });
    await cap.out.step('Deploy', async () => undefined, { group: true });
    cap.out.error('deploy failed', 'see logs');
    cap.out.warn('careful');
    expect(cap.stderr()).toContain('::group::Deploy\n');
    expect(cap.stderr()).toContain('::endgroup::\n');
    expect(cap.stderr()).toContain('::error::deploy failed — see logs\n');
    expect(cap.stderr()).toContain('::warning::careful\n');
  });

  it('masks before escaping: a secret with " \\ | % or a newline never shows in JSON or annotations', () => {
    const secret = 'pa"ss\\wo|rd%0A-9';
    const multiLine = 'first-line-secret\nsecond-line-secret';
    secrets.add(secret, multiLine);
    const cap = captureOutput({ env: { GITHUB_ACTIONS: 'true', NO_COLOR: '1' } });
    cap.out.jsonResult({ token: secret, nested: [{ [secret]: `x ${secret} y` }], text: multiLine, n: 1 });
    cap.out.warn(`flyctl said ${secret}`);
    cap.out.error(`failed with ${multiLine}`, `hint ${secret}`);
    cap.out.notice(`note ${secret}`);
    expect(JSON.parse(cap.stdout())).toEqual({ token: '***', nested: [{ '***': 'x *** y' }], text: '***', n: 1 });
    for (const fragment of ['pa"ss', 'pa\\"ss', 'wo|rd', 'pa%22ss', 'first-line', 'second-line'])
      expect(cap.all()).not.toContain(fragment);
    expect(cap.stderr()).toContain('::warning::flyctl said ***\n');
    expect(cap.stderr()).toContain('::error::failed with *** — hint ***\n');
    expect(cap.stderr()).toContain('::notice::note ***\n');
  });

  it('prints control characters from untrusted text visibly, keeping its own colours and progress line', () => {
    const hostile = 'ok\x1b[2J\x1b[1A\rfake ✓ line\x07\x9b';
    const cap = captureOutput({ env: { GITHUB_ACTIONS: 'true' } }, true);
    cap.out.passthrough(hostile);
    cap.out.info(hostile);
    cap.out.warn(hostile);
    cap.out.error(hostile, hostile);
    cap.out.result(hostile);
    cap.out.plan(hostile);
    cap.out.progress(hostile);
    cap.out.dim(hostile);
    const escaped = 'ok\\x1b[2J\\x1b[1A\\x0dfake ✓ line\\x07\\x9b';
    // Nothing but the toolkit's own sequences: colour (ESC [ … m) and the progress line's erase (CR ESC [ K).
    const controls = (text: string) =>
      text
        .replace(/\x1b\[[0-9;]*m/g, '')
        .replace(/\r\x1b\[K/g, '')
        .match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g);
    expect(controls(cap.all())).toBeNull();
    expect(cap.stdout()).toBe(`${escaped}\n${escaped}\n`);
    expect(cap.stderr()).toContain(`  │ ${escaped}`);
    expect(cap.stderr()).toContain(`warning: ${escaped}`);
    expect(cap.stderr()).toContain(`::warning::${escaped}\n`);
    expect(cap.stderr()).toContain(`\r\x1b[K${escaped}`);
  });

  it('keeps stdout for JSON in --json mode', () => {
    const cap = captureOutput({ json: true });
    cap.out.result('human summary');
    cap.out.plan('$ flyctl deploy');
    cap.out.jsonResult({ ok: true });
    expect(JSON.parse(cap.stdout())).toEqual({ ok: true });
    expect(cap.stderr()).toContain('$ flyctl deploy');
  });

  it('uses no colour when not a TTY, and no progress line', () => {
    const cap = captureOutput();
    cap.out.progress('waiting');
    cap.out.warn('w');
    expect(cap.stderr()).toBe('warning: w\n');
  });

  it.each([
    [850, '850ms'],
    [1500, '1.5s'],
    [125_000, '2m05s'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('reportError (the top-level handler)', () => {
  it.each([
    [new UsageError('unknown option --x'), ExitCode.invalid, 'error: unknown option --x. Run with --help for usage.'],
    [
      new PreconditionFailed('not logged in to Fly.io', { hint: 'run `flyctl auth login`' }),
      ExitCode.refused,
      'error: not logged in to Fly.io\n  run `flyctl auth login`',
    ],
    [new OperationFailed('deploy failed'), ExitCode.failed, 'error: deploy failed'],
    [new Interrupted('interrupted during deploy'), ExitCode.interrupted, 'error: interrupted during deploy'],
    [
      new TypeError('x is undefined'),
      ExitCode.failed,
      'error: unexpected error: x is undefined\n  run again with DEBUG=1 for the stack trace',
    ],
  ])('%s -> exit %d', (error, code, message) => {
    const cap = captureOutput();
    expect(reportError(error, cap.out)).toBe(code);
    expect(cap.stderr().trim()).toBe(message);
    expect(cap.stderr()).not.toContain('    at ');
  });

  it('never prints a registered secret in an error', () => {
    secrets.add('error-secret-value-9');
    const cap = captureOutput();
    reportError(new OperationFailed('bad value error-secret-value-9'), cap.out);
    expect(cap.all()).not.toContain('error-secret-value-9');
  });
});
