/**
 * local-db start|stop|status: the local PostgreSQL the Supabase scripts use. The embedded
 * engine keeps running in the background after `start` (and after supabase-reset) until
 * `stop`; `status` says whether it runs and at which URL.
 */
import * as supabase from '../lib/commands/supabase.ts';
import { DRY_RUN_OPTION, HELP_OPTION } from '../lib/core/cli.ts';
import { Interrupted, UsageError } from '../lib/core/errors.ts';
import type { Output } from '../lib/core/output.ts';
import { repoRoot } from '../lib/core/paths.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';
import { assertDockerAnswers, ENGINES, parseEngine } from '../lib/db/engine.ts';
import { LOCAL_DB_ENV, LocalPostgres, localPostgresConfig, type LocalStatus } from '../lib/db/local-postgres.ts';
import { displayDbUrl } from '../lib/db/url.ts';

const ACTIONS = ['start', 'stop', 'status'] as const;
type Action = (typeof ACTIONS)[number];

export const script = defineScript({
  usage: 'npx just db-start|db-stop|db-status [--engine embedded|docker] [--json] [--dry-run]',
  summary:
    'Start, stop or show the local PostgreSQL used by supabase-reset and supabase-generate. It keeps running in the background until stopped.',
  positionals: [{ name: 'action', description: 'start (or reuse), stop, or status', required: true }],
  options: {
    ...HELP_OPTION,
    ...DRY_RUN_OPTION,
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
    'The server starts with a minimal environment (PATH, locale, time zone): none of your variables reach it.',
  ],
  examples: ['npx just db-start', 'npx just db-status', 'npx just db-stop', 'npm run db-status -- --json'],
  async run({ options, positionals, out, env, runner, onInterrupt }) {
    const action = positionals[0] as string;
    if (!(ACTIONS as readonly string[]).includes(action))
      throw new UsageError(`unknown action "${action}": expected one of ${ACTIONS.join(', ')}`);
    out.json = options.json;
    const engine = parseEngine(options.engine);

    if (engine === 'docker') {
      await assertDockerAnswers(runner);
      const cli = { start: supabase.start, stop: supabase.stop, status: supabase.status }[action as Action];
      await runner.run(cli(repoRoot), { output: 'inherit', cwd: repoRoot });
      return 0;
    }

    const local = new LocalPostgres(localPostgresConfig({ env }), runner);
    onInterrupt(
      () =>
        new Interrupted(`interrupted during db-${action}: run \`npx just db-status\` to see the state it left`, {
          hint:
            action === 'start'
              ? `a cluster interrupted while being created is removed by the next \`npx just db-start\``
              : undefined,
        }),
    );
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
      case 'status':
        printStatus(out, local, await local.status(), options.json);
        return 0;
    }
  },
});

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

if (isEntryPoint(import.meta.url)) await runEntry(script);
