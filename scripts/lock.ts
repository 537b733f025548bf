/**
 * lock: show or release an environment's deploy lock (lib/lock/). Deploy, rollback and
 * `secrets set/unset/deploy` hold it while they change the environment; this script is for
 * the human who wants to know who holds it, or to free a lock whose holder died.
 */
import { hostname } from 'node:os';
import { parseEnvironment, type Environment } from '../lib/config/environments.ts';
import { DRY_RUN_OPTION, HELP_OPTION, YES_OPTION } from '../lib/core/cli.ts';
import { PreconditionFailed, UsageError } from '../lib/core/errors.ts';
import { confirmDangerousAction } from '../lib/core/prompt.ts';
import { defineScript, isEntryPoint, runEntry } from '../lib/core/script.ts';
import { alignTable, escapeControl, formatDuration } from '../lib/core/text.ts';
import { describeEntry } from '../lib/lock/deploy-lock.ts';
import {
  describeWho,
  freshness,
  identityFrom,
  processIsRunning,
  sameIdentity,
  type Identity,
} from '../lib/lock/holder.ts';
import { openLockStore, type GitLockStore, type LockEntry } from '../lib/lock/store.ts';

const ACTIONS = ['status', 'release'] as const;
type Action = (typeof ACTIONS)[number];

export const script = defineScript({
  usage: 'npx just lock <staging|production> status|release [--force] [options]',
  summary:
    "Show or release an environment's deploy lock, which deploy, rollback and secrets set/unset/deploy hold while they change the environment.",
  positionals: [
    { name: 'environment', description: 'staging or production', required: true },
    {
      name: 'action',
      description: 'status: who holds it, since when, stale or not · release: free it',
      required: true,
    },
  ],
  options: {
    ...HELP_OPTION,
    ...DRY_RUN_OPTION,
    ...YES_OPTION,
    force: {
      type: 'boolean',
      description: 'release: break the lock whoever holds it (production asks first; only when its holder is gone)',
    },
  },
  notes: [
    'The lock is the ref refs/kotadb/locks/<env> on the git remote KOTADB_LOCK_REMOTE (default: origin).',
    'release without --force frees a lock this user left on this machine (or this CI run) whose process has ended.',
  ],
  examples: [
    'npx just lock production status',
    'npx just lock staging release',
    'npx just lock production release --force',
    'npm run lock -- staging status',
  ],
  async run({ positionals, options, io, out, env, runner, dryRun }) {
    const environment = parseEnvironment(positionals[0]);
    const action = parseAction(positionals[1]);
    if (options.force && action !== 'release') throw new UsageError('--force only applies to release');

    const store = await openLockStore(runner, env, io.cwd);
    const current = await store.read(environment.name);
    const me = identityFrom(env, hostname(), process.pid);
    const now = new Date();

    if (action === 'status') {
      for (const line of statusLines(store, environment, current, me, now)) out.result(line);
      return;
    }

    if (current === null) {
      out.success(`the ${environment.name} deploy lock is free: nothing to release`);
      return;
    }
    if (options.force) {
      out.warn(`breaking the ${environment.name} deploy lock held by ${describeEntry(current, now)}`);
      await confirmDangerousAction({
        env: environment,
        action: `break the ${environment.name} deploy lock`,
        yes: options.yes,
        dryRun,
        out,
        input: io.stdin,
        processEnv: env,
      });
    } else {
      refuseUnlessOurs(environment, current, me, now);
    }

    const removed = await store.remove(environment.name, current.sha);
    if (!removed.ok) {
      throw new PreconditionFailed(`the ${environment.name} deploy lock changed meanwhile: nothing was released`, {
        hint: `see who holds it now: npx just lock ${environment.name} status`,
      });
    }
    if (dryRun) out.dim('dry run: nothing was released');
    else out.success(`released the ${environment.name} deploy lock (held by ${describeEntry(current, now)})`);
  },
});

function parseAction(value: string | undefined): Action {
  if (value === 'status' || value === 'release') return value;
  throw new UsageError(`unknown action "${value}": expected ${ACTIONS.join(' or ')}`);
}

/** Without --force, only a lock this user left here, from a process that has ended. */
function refuseUnlessOurs(environment: Environment, entry: LockEntry, me: Identity, now: Date): void {
  const force = `npx just lock ${environment.name} release --force`;
  const holder = entry.holder;
  if (holder === null) {
    throw new PreconditionFailed(`the ${environment.name} deploy lock is held by ${describeEntry(entry, now)}`, {
      hint: `only --force breaks it: ${force}`,
    });
  }
  if (!sameIdentity(holder, me)) {
    throw new PreconditionFailed(
      `the ${environment.name} deploy lock is not yours (you are ${escapeControl(`${me.user} on ${me.host}`)}): it is held by ${describeEntry(entry, now)}; nothing was released`,
      { hint: `if that run is really gone: ${force}` },
    );
  }
  if (holder.ciRunUrl === null && processIsRunning(holder.pid)) {
    throw new PreconditionFailed(
      `the ${environment.name} deploy lock is held by your run of "${escapeControl(holder.command)}" still going on this machine (pid ${holder.pid}): nothing was released`,
      {
        hint: `let it finish or stop it with Ctrl-C (it releases the lock); if pid ${holder.pid} is something else now: ${force}`,
      },
    );
  }
}

function statusLines(
  store: GitLockStore,
  environment: Environment,
  entry: LockEntry | null,
  me: Identity,
  now: Date,
): string[] {
  const where = `${store.ref(environment.name)} on ${store.remote.shown}`;
  if (entry === null) return [`${environment.name} deploy lock: free (${where})`];
  const force = `npx just lock ${environment.name} release --force`;
  const holder = entry.holder;
  if (holder === null) {
    return [
      `${environment.name} deploy lock: held by ${describeEntry(entry, now)} (${where})`,
      `  only --force breaks it: ${force}`,
    ];
  }
  const fresh = freshness(holder, now);
  const rows = [
    ['holder', `${describeWho(holder)}${sameIdentity(holder, me) ? ' (you)' : ''}`],
    ['command', escapeControl(holder.command)],
    ['since', `${escapeControl(holder.since)} (${formatDuration(fresh.heldMs)} ago)`],
    ['heartbeat', `${escapeControl(holder.heartbeatAt)} (${formatDuration(fresh.silentMs)} ago)`],
  ];
  const lines = [
    `${environment.name} deploy lock: ${fresh.stale ? 'STALE' : 'held'} (${where})`,
    ...alignTable(rows).map((row) => `  ${row}`),
  ];
  if (fresh.stale) {
    lines.push(
      `  no heartbeat for ${formatDuration(fresh.silentMs)} (one was due by ${escapeControl(holder.staleAfter)}): its holder probably died.`,
      `  If that run is really gone: ${force}`,
    );
  }
  return lines;
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
