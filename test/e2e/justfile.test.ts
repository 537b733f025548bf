/**
 * The recipes are what people type (`npx just <recipe>`), so just itself must add nothing: no
 * echoed command, no `error: recipe … failed`, no `terminated … by signal`, and the script's
 * own exit code. Run through the real `npx just` (rust-just from node_modules), as a newcomer
 * runs them; what each script says and why is tested in-process.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { describe, test } from 'vitest';
import { repoRoot } from '../../lib/core/paths.ts';
import { fakeFlyFactory } from '../helpers/per-test.ts';
import { baseEnv } from '../helpers/run-script.ts';

const fake = fakeFlyFactory();

interface JustResult {
  /** The status a shell reports (`$?`): the exit code, or 128 + the signal's number. */
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * `npx just …` in its own process group, as a terminal starts it: `interrupt` is called once
 * `ready(stdout)` holds, and sends SIGINT to the whole group, as Ctrl-C does.
 */
function npxJust(
  args: string[],
  env: Record<string, string> = {},
  interruptWhen?: (stdout: string) => boolean,
): Promise<JustResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['just', ...args], {
      cwd: repoRoot,
      env: baseEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 40_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      if (interruptWhen && !interrupted && interruptWhen(stdout)) {
        interrupted = true;
        process.kill(-child.pid!, 'SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? 128 + constants.signals[signal!], stdout, stderr });
    });
  });
}

/** What just prints of its own when a recipe fails or echoes a line. */
const JUST_NOISE = /error: recipe|Recipe `|terminated .*by signal|node --import tsx/;

describe.concurrent('npx just adds nothing to a recipe (child processes)', () => {
  test("a missing argument: only the script's own error line, exit 2", async ({ expect }) => {
    const run = await npxJust(['deploy']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('error: missing <environment>. Run with --help for usage.\n');
  });

  test('an unknown flag of a recipe with a fixed first argument (db-status): exit 2, one line', async ({ expect }) => {
    const run = await npxJust(['db-status', '--bogus']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('error: unknown option --bogus. Run with --help for usage.\n');
  });

  test("a refusal keeps exit 3 and prints only the script's error and hint", async ({ expect }) => {
    const run = await npxJust(['supabase-reset', '--db-url', 'postgresql://postgres@db.example.com/x']);
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: refusing to reset postgresql:\/\/postgres@db\.example\.com:5432\/x: /);
    expect(lines.slice(1).every((l) => l.startsWith('  '))).toBe(true);
    expect(run.stderr).not.toMatch(JUST_NOISE);
  });

  test('Ctrl-C (SIGINT to the process group) while logs stream: exit 130, no line from just', async ({ expect }) => {
    const f = fake();
    const run = await npxJust(['logs', 'staging'], f.env, (out) => out.includes('Pulling container image'));
    // just waits for the script, which says what it left, then re-raises SIGINT itself: the
    // shell sees 130 either way, and nothing else is printed.
    expect(run.status).toBe(130);
    expect(run.stderr).toBe('stopped (Ctrl-C); logs changes nothing\n');
    expect(run.stdout + run.stderr).not.toMatch(JUST_NOISE);
  });
});
