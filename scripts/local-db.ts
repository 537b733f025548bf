/**
 * local-db start|stop|status: the local PostgreSQL the Supabase scripts use. The embedded
 * engine keeps running in the background after `start` (and after supabase-reset) until
 * `stop`; `status` says whether it runs and at which URL.
 */
import { defineCommand, STANDARD_OPTIONS } from '../lib/core/cli.ts';
import * as supabase from '../lib/commands/supabase.ts';
import { displayDbUrl } from '../lib/db/url.ts';
import { assertDockerAnswers, ENGINES, parseEngine } from '../lib/db/engine.ts';
import { Interrupted, UsageError } from '../lib/core/errors.ts';
import { LOCAL_DB_ENV, LocalPostgres, localPostgresConfig, type LocalStatus } from '../lib/db/local-postgres.ts';
import { isEntryPoint, runMain, withCli } from '../lib/core/main.ts';
import { Output } from '../lib/core/output.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { Runner } from '../lib/core/runner.ts';

const ACTIONS = ['start', 'stop', 'status'] as const;
type Action = (typeof ACTIONS)[number];

export const command = defineCommand({
  usage: 'npx just db-start|db-stop|db-status [--engine embedded|docker] [--json]',
  summary:
    'Start, stop or show the local PostgreSQL used by supabase-reset and supabase-generate. It keeps running in the background until stopped.',
  positionals: [{ name: 'action', description: 'start (or reuse), stop, or status', required: true }],
  options: {
    ...STANDARD_OPTIONS,
    engine: {
      type: 'string',
      value: `<${ENGINES.join('|')}>`,
      description: 'embedded (default: PostgreSQL 17 from npm, no Docker) or docker (the Supabase CLI stack)',
    },
    json: { type: 'boolean', description: 'status: print one JSON object on stdout' },
  },
  notes: [
    `Embedded engine: data and log in .kotadb/postgres/ (${LOCAL_DB_ENV.dir}), 127.0.0.1:54332 (${LOCAL_DB_ENV.port}),`,
    `trusted local logins unless ${LOCAL_DB_ENV.password} was set when the cluster was created. status always exits 0.`,
    '--yes changes nothing here (the local database needs no confirmation).',
  ],
  examples: ['npx just db-start', 'npx just db-status', 'npx just db-stop', 'npm run db-status -- --json'],
});

export async function main(argv: string[]): Promise<number> {
  const out = new Output();
  return withCli(
    command,
    argv,
    async ({ options, positionals }) => {
      const action = positionals[0] as string;
      if (!(ACTIONS as readonly string[]).includes(action))
        throw new UsageError(`unknown action "${action}": expected one of ${ACTIONS.join(', ')}`);
      out.json = options.json;
      const engine = parseEngine(options.engine);
      const runner = new Runner({ dryRun: options['dry-run'], output: out });

      if (engine === 'docker') {
        await assertDockerAnswers(runner);
        const cli = { start: supabase.start, stop: supabase.stop, status: supabase.status }[action as Action];
        await runner.run(cli(repoRoot), { output: 'inherit', cwd: repoRoot });
        return 0;
      }

      const local = new LocalPostgres(localPostgresConfig(), runner);
      try {
        switch (action as Action) {
          case 'start': {
            const { status, action: done } = await out.step('start the local PostgreSQL', () => local.start());
            if (runner.dryRun) return 0;
            const note = {
              reused: 'already running',
              started: 'started',
              initialised: `started (new cluster in ${local.dataDir})`,
            }[done];
            out.success(`local PostgreSQL ${local.config.major} ${note} on 127.0.0.1:${status.port}`);
            warnOtherPort(out, local, status);
            out.result(`DATABASE_URL=${displayDbUrl(local.dbUrl('postgres', status.port))}`);
            return 0;
          }
          case 'stop': {
            const { wasRunning } = await local.stop();
            if (runner.dryRun) return 0;
            out.success(
              wasRunning
                ? `local PostgreSQL stopped (data kept in ${local.dataDir})`
                : 'local PostgreSQL was not running: nothing to stop',
            );
            return 0;
          }
          case 'status': {
            const status = await local.status();
            printStatus(out, local, status, options.json);
            return 0;
          }
        }
      } catch (error) {
        if (error instanceof Interrupted) {
          throw new Interrupted(
            `interrupted during local-db ${action}: run \`npx just db-status\` to see the state it left`,
          );
        }
        throw error;
      }
    },
    out,
  );
}

function printStatus(out: Output, local: LocalPostgres, status: LocalStatus, json: boolean): void {
  const url = status.state === 'running' ? displayDbUrl(local.dbUrl('postgres', status.port)) : null;
  if (json) {
    out.jsonResult({
      engine: 'embedded',
      state: status.state,
      url,
      pid: status.pid,
      port: status.port,
      dataDir: status.dataDir,
      logFile: local.logFile,
    });
    return;
  }
  switch (status.state) {
    case 'running':
      out.result(`running  ${url}  (pid ${status.pid ?? '?'}, data ${status.dataDir})`);
      warnOtherPort(out, local, status);
      break;
    case 'stopped':
      out.result(`stopped  (data ${status.dataDir}; start it with \`npx just db-start\`)`);
      break;
    case 'absent':
      out.result(`not created  (no cluster in ${status.dataDir}; create it with \`npx just supabase-reset\`)`);
      break;
  }
}

function warnOtherPort(out: Output, local: LocalPostgres, status: LocalStatus): void {
  if (status.port !== local.config.port) {
    out.warn(
      `it listens on port ${status.port}, not ${local.config.port} (${LOCAL_DB_ENV.port}): stop and start it to move it`,
    );
  }
}

if (isEntryPoint(import.meta.url)) await runMain(main);
