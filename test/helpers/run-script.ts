/**
 * Runs a toolkit script the way a user does (`node --import tsx scripts/<name>.ts …`) as a
 * child process, and returns its real exit code and output.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../lib/core/paths.ts';

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for "never printed" assertions. */
  all: string;
  durationMs: number;
}

export interface ScriptOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Called once the child is spawned (e.g. to send it SIGINT later). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/**
 * A clean, non-interactive environment: no CI colours, no inherited Fly/Supabase settings, and
 * no KOTADB_LOCK_REMOTE of the developer's shell (a test's deploy lock lives on a remote on disk).
 */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(FLY_|FLYCTL|SUPABASE_|SAAS_|GITHUB_|CI$|DEBUG$|NO_COLOR$|FORCE_COLOR$|PG|KOTADB_LOCK_REMOTE$)/.test(key))
      continue;
    env[key] = value;
  }
  env.NO_COLOR = '1';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Resolved here, not by the child: a script run with another cwd (a temp git repo) must still find tsx. */
const TSX_LOADER = import.meta.resolve('tsx');

export function runScript(script: string, args: readonly string[], options: ScriptOptions = {}): Promise<ScriptResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, path.join(repoRoot, 'scripts', `${script}.ts`), ...args],
      {
        cwd: options.cwd ?? repoRoot,
        env: baseEnv(options.env),
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
    options.onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, all: stdout + stderr, durationMs: performance.now() - started });
    });
  });
}
