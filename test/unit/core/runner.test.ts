import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode, PreconditionFailed } from '../../../lib/core/errors.ts';
import { secrets } from '../../../lib/core/redact.ts';
import {
  CommandFailed,
  CommandTimedOut,
  describeCommand,
  resolveBinary,
  Runner,
  type Command,
} from '../../../lib/core/runner.ts';
import { captureOutput } from '../../helpers/capture-output.ts';

const node = process.execPath;
const js = (code: string, mutating = false): Command => ({ argv: [node, '-e', code], mutating });
const scratch = mkdtempSync(path.join(tmpdir(), 'runner-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SECRET = 'hunter2-Sup3r-S3cret-value';
secrets.add(SECRET);

describe('Runner', () => {
  it('captures stdout, stderr and the exit code', async () => {
    const { out } = captureOutput();
    const result = await new Runner({ output: out }).run(js('console.log("out"); console.error("err")'));
    expect(result).toMatchObject({ exitCode: 0, stdout: 'out\n', stderr: 'err\n', dryRun: false });
  });

  it('feeds stdin byte for byte and closes it', async () => {
    const input = 'A=1\nB="x#y"\r\nC=trailing==\n';
    const result = await new Runner({ output: captureOutput().out }).run(
      js(
        'let s="";process.stdin.setEncoding("utf8").on("data",c=>s+=c).on("end",()=>process.stdout.write(JSON.stringify(s)))',
      ),
      { input },
    );
    expect(JSON.parse(result.stdout)).toBe(input);
  });

  it('adds env vars and removes the ones set to undefined', async () => {
    const runner = new Runner({ output: captureOutput().out, env: { ...process.env, DROP_ME: 'x' } });
    const result = await runner.run(
      js('process.stdout.write(JSON.stringify([process.env.EXTRA, process.env.DROP_ME ?? null]))'),
      {
        env: { EXTRA: 'yes', DROP_ME: undefined },
      },
    );
    expect(JSON.parse(result.stdout)).toEqual(['yes', null]);
  });

  it('withSignal: the same environment, executor and dry-run setting, listening to another signal', async () => {
    const stopped = new AbortController();
    stopped.abort();
    const { out } = captureOutput();
    const runner = new Runner({ output: out, env: { ...process.env, ONLY_THIS: 'kept' }, signal: stopped.signal });
    await expect(runner.run(js('0'))).rejects.toThrow('interrupted before');
    const detached = runner.withSignal(new AbortController().signal);
    const result = await detached.run(js('process.stdout.write(process.env.ONLY_THIS ?? "missing")'));
    expect(result.stdout).toBe('kept');
    expect(new Runner({ dryRun: true, output: out }).withSignal(new AbortController().signal).dryRun).toBe(true);
  });

  it('throws CommandFailed (exit code 1) for a non-zero exit, with the tail of stderr', async () => {
    const error = await new Runner({ output: captureOutput().out })
      .run(js('console.error("first"); console.error("Error: boom"); process.exit(4)'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailed);
    const failed = error as CommandFailed;
    expect(failed.exitCode).toBe(ExitCode.failed);
    expect(failed.result.exitCode).toBe(4);
    expect(failed.message).toContain('failed (exit 4): first | Error: boom');
  });

  it('returns the result instead of throwing when check is false', async () => {
    const result = await new Runner({ output: captureOutput().out }).run(js('process.exit(3)'), { check: false });
    expect(result.exitCode).toBe(3);
  });

  it('kills a command that outlives its timeout', async () => {
    const started = performance.now();
    const error = await new Runner({ output: captureOutput().out })
      .run(js('setTimeout(() => {}, 60000)'), { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimedOut);
    expect((error as Error).message).toMatch(/timed out after 0\.3s/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('prints mutating commands in a dry run and does not run them', async () => {
    const marker = path.join(scratch, 'mutated');
    const cap = captureOutput();
    const runner = new Runner({ dryRun: true, output: cap.out });
    const result = await runner.run(js(`require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`, true), {
      input: 'A=1\nB=2\n',
    });
    expect(result.dryRun).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect(cap.stdout()).toMatch(/^\$ .*-e .*# \+ stdin \(2 lines, values hidden\)\n$/);
  });

  it('still runs read-only queries in a dry run', async () => {
    const result = await new Runner({ dryRun: true, output: captureOutput().out }).run(js('console.log("answer")'));
    expect(result).toMatchObject({ dryRun: false, stdout: 'answer\n' });
  });

  it('streams output lines (redacted) and reports them to onLine', async () => {
    const cap = captureOutput();
    const lines: string[] = [];
    await new Runner({ output: cap.out }).run(
      js(`console.log("one"); process.stdout.write("two ${SECRET}\\npartial")`),
      {
        output: 'stream',
        onLine: (line) => lines.push(line),
      },
    );
    expect(lines).toEqual(['one', 'two ***', 'partial']);
    expect(cap.stderr()).toContain('│ two ***');
    expect(cap.all()).not.toContain(SECRET);
  });

  it('never prints a registered secret: not in streamed output, errors or dry-run plans', async () => {
    const cap = captureOutput();
    const runner = new Runner({ output: cap.out });
    const error = (await runner
      .run(js(`console.log("value=${SECRET}"); console.error("Error: bad ${SECRET}"); process.exit(1)`), {
        output: 'stream',
      })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('Error: bad ***');
    expect(error.message).not.toContain(SECRET);

    const dry = new Runner({ dryRun: true, output: cap.out });
    await dry.run(
      { argv: ['flyctl', 'secrets', 'set', `KEY=${SECRET}`], mutating: true },
      { env: { PGPASSWORD: 'pw-not-registered', MODE: 'x' } },
    );
    expect(cap.all()).not.toContain(SECRET);
    expect(cap.all()).not.toContain('pw-not-registered');
    expect(cap.stdout()).toContain('$ PGPASSWORD=*** MODE=x flyctl secrets set KEY=***');
  });

  it('masks URL passwords even when nobody registered them', () => {
    expect(
      describeCommand([
        'supabase',
        'db',
        'push',
        '--db-url',
        'postgresql://postgres:p4ss@db.example.com:5432/postgres',
      ]),
    ).toBe('supabase db push --db-url postgresql://postgres:***@db.example.com:5432/postgres');
  });

  it('masks a secret before quoting it, so a quote inside it cannot unmask it', () => {
    const quoted = "it's-a-S3cret-with-'quotes'";
    secrets.add(quoted);
    const shown = describeCommand(['flyctl', 'secrets', 'set', `KEY=${quoted}`], { EXTRA: quoted });
    expect(shown).not.toContain('S3cret');
    expect(shown).toBe('EXTRA=*** flyctl secrets set KEY=***');
  });

  it('turns a missing binary into a precondition failure (exit 3) with the fix', async () => {
    const runner = new Runner({
      output: captureOutput().out,
      env: { ...process.env, FLYCTL: path.join(scratch, 'no-such-flyctl') },
    });
    const error = await runner.run({ argv: ['flyctl', 'version'], mutating: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as PreconditionFailed).exitCode).toBe(ExitCode.refused);
    expect((error as PreconditionFailed).hint).toContain('FLYCTL');
  });
});

describe('resolveBinary', () => {
  it.each([
    ['flyctl', {}, 'flyctl'],
    ['flyctl', { FLYCTL: '/opt/fake/flyctl' }, '/opt/fake/flyctl'],
    ['supabase', { SUPABASE_CLI: '/x/supabase' }, '/x/supabase'],
    ['git', { FLYCTL: '/x' }, 'git'],
  ])('%s with %j -> %s', (tool, env, expected) => {
    expect(resolveBinary(tool, env)).toBe(expected);
  });

  it("defaults the Supabase CLI to the binary npm ci installed, skipping the npm launcher's Node hop", () => {
    expect(resolveBinary('supabase', {})).toMatch(/node_modules\/@supabase\/cli-linux-x64\/bin\/supabase$/);
  });
});
