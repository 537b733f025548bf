/**
 * The GitHub workflows, loaded with a real YAML parser and "run" for each kind of event with
 * an evaluator of their `if:` expressions: which jobs run, in which order, on which
 * environment, and which package commands they call.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ENVIRONMENTS } from '../lib/config/environments.ts';
import { fromRoot } from '../lib/core/paths.ts';
import { evaluate, interpolate, truthy, type Context } from './helpers/gh-expression.ts';
import { justRecipes, npmScripts, packageCommandsIn } from './helpers/package-commands.ts';

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  name?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string; url?: string };
  env?: Record<string, string>;
  steps: Step[];
  permissions?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = (file: string) => YAML.parse(readFileSync(fromRoot('.github', 'workflows', file), 'utf8')) as Workflow;
const deploy = load('saas-api-deploy.yml');
const ci = load('ci.yml');

type Event =
  | { kind: 'push'; branch: string }
  | { kind: 'dispatch'; environment: string; action: string; version?: string; image?: string; branch?: string }
  | { kind: 'repository_dispatch'; environment: string; image?: string };

/** The repository variable naming the service repository (set in these scenarios unless said otherwise). */
const SERVICE_REPOSITORY = 'kotadb/kotadb';

function contextFor(
  event: Event,
  vars: Record<string, string> = { KOTADB_SERVICE_REPOSITORY: SERVICE_REPOSITORY },
): Context {
  const github =
    event.kind === 'push'
      ? { event_name: 'push', ref: `refs/heads/${event.branch}`, ref_name: event.branch }
      : event.kind === 'dispatch'
        ? {
            event_name: 'workflow_dispatch',
            ref: `refs/heads/${event.branch ?? 'main'}`,
            ref_name: event.branch ?? 'main',
          }
        : {
            event_name: 'repository_dispatch',
            ref: 'refs/heads/main',
            ref_name: 'main',
            event: {
              client_payload: { environment: event.environment, ...(event.image ? { image: event.image } : {}) },
            },
          };
  const inputs =
    event.kind === 'dispatch'
      ? { environment: event.environment, action: event.action, version: event.version ?? '', image: event.image ?? '' }
      : {};
  const base = { github, inputs, vars, secrets: {} };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(deploy.env ?? {})) env[name] = interpolate(String(value), base);
  return { ...base, env };
}

interface JobRun {
  runs: boolean;
  environment: string | null;
  url: string | null;
  commands: string[];
  /** The `uses:` steps that run, with their `with:` inputs interpolated. */
  actions: Array<{ uses: string; with: Record<string, string> }>;
  env: Record<string, string>;
}

function simulate(workflow: Workflow, event: Event, vars?: Record<string, string>): Record<string, JobRun> {
  const context = contextFor(event, vars);
  const result: Record<string, JobRun> = {};
  const visit = (name: string): JobRun => {
    const existing = result[name];
    if (existing) return existing;
    const job = workflow.jobs[name]!;
    const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    const needsRan = needs.every((need) => visit(need).runs);
    const runs = needsRan && (job.if === undefined || truthy(evaluate(job.if, context)));
    const env: Record<string, string> = { ...(context.env as Record<string, string>) };
    for (const [key, value] of Object.entries(job.env ?? {})) env[key] = interpolate(String(value), context);
    const jobContext = { ...context, env };
    const environment =
      typeof job.environment === 'string'
        ? interpolate(job.environment, context)
        : job.environment
          ? interpolate(job.environment.name, context)
          : null;
    const url =
      typeof job.environment === 'object' && job.environment.url ? interpolate(job.environment.url, context) : null;
    const stepRuns = (s: Step) => runs && (s.if === undefined || truthy(evaluate(s.if, jobContext)));
    const commands = job.steps.filter((s) => s.run && stepRuns(s)).map((s) => s.run!.trim());
    const actions = job.steps
      .filter((s) => s.uses && stepRuns(s))
      .map((s) => ({
        uses: s.uses!,
        with: Object.fromEntries(Object.entries(s.with ?? {}).map(([k, v]) => [k, interpolate(String(v), jobContext)])),
      }));
    return (result[name] = { runs, environment, url, commands, actions, env });
  };
  for (const name of Object.keys(workflow.jobs)) visit(name);
  return result;
}

const scenarios: Array<[string, Event, 'staging' | 'production', 'deploy' | 'rollback']> = [
  ['push to develop', { kind: 'push', branch: 'develop' }, 'staging', 'deploy'],
  ['push to main', { kind: 'push', branch: 'main' }, 'production', 'deploy'],
  ['dispatch deploy staging', { kind: 'dispatch', environment: 'staging', action: 'deploy' }, 'staging', 'deploy'],
  [
    'dispatch deploy production',
    { kind: 'dispatch', environment: 'production', action: 'deploy' },
    'production',
    'deploy',
  ],
  [
    'dispatch rollback staging',
    { kind: 'dispatch', environment: 'staging', action: 'rollback' },
    'staging',
    'rollback',
  ],
  [
    'dispatch rollback production to v12',
    { kind: 'dispatch', environment: 'production', action: 'rollback', version: '12' },
    'production',
    'rollback',
  ],
  [
    'dispatch deploy staging of a given image',
    { kind: 'dispatch', environment: 'staging', action: 'deploy', image: 'registry.fly.io/kotadb-api-staging:git-abc' },
    'staging',
    'deploy',
  ],
  [
    'repository_dispatch from the service: production, its image',
    { kind: 'repository_dispatch', environment: 'production', image: 'registry.fly.io/kotadb-api-staging:git-abc' },
    'production',
    'deploy',
  ],
];

const imageOf = (event: Event) => (event.kind === 'push' ? '' : (event.image ?? ''));

describe('saas-api-deploy.yml triggers and inputs', () => {
  it('deploys on pushes to develop and main, and on manual dispatch', () => {
    expect(deploy.on.push).toEqual({ branches: ['develop', 'main'] });
    const inputs = (deploy.on.workflow_dispatch as { inputs: Record<string, Record<string, unknown>> }).inputs;
    expect(inputs.environment).toMatchObject({
      type: 'choice',
      options: ['staging', 'production'],
      default: 'staging',
    });
    expect(inputs.action).toMatchObject({ type: 'choice', options: ['deploy', 'rollback'], default: 'deploy' });
    expect(inputs.version).toMatchObject({ type: 'string', required: false });
    expect(inputs.image).toMatchObject({ type: 'string', required: false });
    expect(deploy.on.repository_dispatch).toEqual({ types: ['deploy'] });
  });

  it('never cancels a running deploy', () => {
    expect(deploy.concurrency?.['cancel-in-progress']).toBe(false);
  });
});

describe.each(scenarios)('%s', (_name, event, environment, action) => {
  const jobs = simulate(deploy, event);

  it(`serialises on deploy-${environment}`, () => {
    expect(interpolate(deploy.concurrency!.group, contextFor(event))).toBe(`deploy-${environment}`);
  });

  it(action === 'deploy' ? 'runs test -> migrate -> deploy, not rollback' : 'runs only the rollback', () => {
    const running = Object.entries(jobs)
      .filter(([, job]) => job.runs)
      .map(([name]) => name);
    expect(running).toEqual(action === 'deploy' ? ['test', 'migrate', 'deploy'] : ['rollback']);
  });

  it(`acts on ${environment} with the package's own commands`, () => {
    if (action === 'deploy') {
      expect(jobs.test!.commands).toEqual(['npm ci', 'npm run typecheck', 'npm test']);
      expect(jobs.migrate!.environment).toBe(environment);
      expect(jobs.migrate!.env.DEPLOY_ENV).toBe(environment);
      expect(jobs.migrate!.commands).toEqual([
        'npm ci',
        'npm run supabase-apply -- --env "$DEPLOY_ENV" --yes --if-configured',
      ]);
      expect(jobs.deploy!.environment).toBe(environment);
      expect(jobs.deploy!.url).toBe(ENVIRONMENTS[environment].url);
      expect(jobs.deploy!.commands).toEqual([
        'npm ci',
        environment === 'production'
          ? 'npm run deploy:production -- --yes --tag ${DEPLOY_IMAGE:+--image "$DEPLOY_IMAGE"}'
          : 'npm run deploy:staging -- --yes ${DEPLOY_IMAGE:+--image "$DEPLOY_IMAGE"}',
      ]);
      // The image comes from the input / payload, or from a build of the service's checkout.
      const image = imageOf(event);
      expect(jobs.deploy!.env.DEPLOY_IMAGE).toBe(image);
      const service = jobs.deploy!.actions.find((a) => a.with.path === 'service');
      if (image) {
        expect(service).toBeUndefined();
        expect(jobs.deploy!.env.KOTADB_SERVICE_DIR).toBe('');
      } else {
        expect(service).toMatchObject({
          uses: 'actions/checkout@v4',
          with: { repository: SERVICE_REPOSITORY, ref: event.kind === 'push' ? event.branch : 'main' },
        });
        expect(jobs.deploy!.env.KOTADB_SERVICE_DIR).toBe('service');
      }
    } else {
      expect(jobs.rollback!.environment).toBe(environment);
      expect(jobs.rollback!.url).toBe(ENVIRONMENTS[environment].url);
      expect(jobs.rollback!.commands).toEqual([
        'npm ci',
        `npm run rollback:${environment} -- --yes \${ROLLBACK_VERSION:+--to "$ROLLBACK_VERSION"}`,
      ]);
      expect(jobs.rollback!.env.ROLLBACK_VERSION).toBe(event.kind === 'dispatch' ? (event.version ?? '') : '');
    }
  });
});

describe('job graph', () => {
  it('orders tests before migrations before the deploy, and keeps rollback apart', () => {
    expect(deploy.jobs.migrate!.needs).toBe('test');
    expect(deploy.jobs.deploy!.needs).toEqual(['test', 'migrate']);
    expect(deploy.jobs.rollback!.needs).toBeUndefined();
  });

  it('installs flyctl with the official action, pinned to a release tag and a flyctl version, wherever flyctl is used', () => {
    for (const name of ['deploy', 'rollback']) {
      const setup = deploy.jobs[name]!.steps.find((s) => s.uses?.startsWith('superfly/flyctl-actions/setup-flyctl@'));
      expect(setup?.uses).toMatch(/@\d+\.\d+$/); // a release tag, never @master
      expect(interpolate(String(setup?.with?.version), { env: deploy.env ?? {} })).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('runs the Node version the README states', () => {
    const readme = readFileSync(fromRoot('README.md'), 'utf8');
    const stated = /Node\.js [\d.]+ or newer \(([\d.]+) is what CI uses\)/.exec(readme)?.[1];
    expect(stated).toBe('20.20');
    for (const job of Object.values(deploy.jobs)) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
        expect(step.with?.['node-version']).toBe(stated);
      }
    }
  });

  it('without an image and without the KOTADB_SERVICE_REPOSITORY variable nothing is checked out: deploy-fly refuses with its own fix', () => {
    const jobs = simulate(deploy, { kind: 'push', branch: 'develop' }, {});
    expect(jobs.deploy!.actions.some((a) => a.with.path === 'service')).toBe(false);
    expect(jobs.deploy!.env.KOTADB_SERVICE_DIR).toBe('');
  });
});

describe('permissions', () => {
  // deploy, rollback and secrets set/unset/deploy push the deploy lock ref (refs/kotadb/locks/<env>)
  const takesTheLock = (run: string) =>
    /npm run (deploy|rollback)(:|\s|$)/.test(run) || /npm run secrets -- \S+ (set|unset|deploy)\b/.test(run);

  it('the jobs that take the deploy lock may push (contents: write); every other job only reads', () => {
    expect(deploy.permissions).toEqual({ contents: 'read' });
    const locking = Object.entries(deploy.jobs)
      .filter(([, job]) => job.steps.some((s) => s.run !== undefined && takesTheLock(s.run)))
      .map(([name]) => name);
    expect(locking.sort()).toEqual(['deploy', 'rollback']);
    for (const [name, job] of Object.entries(deploy.jobs))
      expect([name, job.permissions?.contents ?? 'read']).toEqual([name, locking.includes(name) ? 'write' : 'read']);
  });
});

describe('every run step calls this package', () => {
  const scripts = npmScripts();
  const recipes = justRecipes();
  const runs = [deploy, ci].flatMap((workflow) =>
    Object.values(workflow.jobs).flatMap((job) =>
      job.steps.map((s) => s.run).filter((r): r is string => r !== undefined),
    ),
  );

  it.each(runs)('%s', (run) => {
    const commands = packageCommandsIn(run);
    expect(commands.length, `"${run}" calls neither an npm script nor a just recipe`).toBeGreaterThan(0);
    for (const command of commands) {
      if (command.kind === 'npm') expect(scripts, `npm script "${command.name}"`).toContain(command.name);
      else if (command.kind === 'just') expect(recipes, `just recipe "${command.name}"`).toContain(command.name);
    }
    // The binaries themselves are never called from a step (npm script names may contain their names).
    expect(run.replace(/npm run [\w:-]+/g, 'npm run <script>')).not.toMatch(/\b(flyctl|supabase|curl)\b/);
  });
});

describe('secrets', () => {
  it('uses only secrets the deployment guide lists', () => {
    const text = readFileSync(fromRoot('.github', 'workflows', 'saas-api-deploy.yml'), 'utf8');
    const used = [...new Set([...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]!))].sort();
    expect(used).toEqual([
      'FLY_API_TOKEN',
      'KOTADB_SERVICE_TOKEN',
      'SAAS_PRODUCTION_API_KEY',
      'SAAS_STAGING_API_KEY',
      'SUPABASE_DB_URL_PRODUCTION',
      'SUPABASE_DB_URL_STAGING',
    ]);
    const guide = readFileSync(fromRoot('docs', 'FLY_DEPLOYMENT.md'), 'utf8');
    const section = guide.split(/^#+ /m).find((s) => s.startsWith('Required GitHub secrets')) ?? '';
    for (const name of used)
      expect(section, `docs/FLY_DEPLOYMENT.md "Required GitHub secrets" lists ${name}`).toContain(`\`${name}\``);
  });
});

describe('ci.yml', () => {
  const commandsFor = (github: Record<string, string>) =>
    ci.jobs
      .test!.steps.filter((s) => s.run && (s.if === undefined || truthy(evaluate(s.if, { github }))))
      .map((s) => interpolate(s.run!.trim(), { github }));

  it('runs install, the migration lint against the base branch, typecheck and tests on pull requests', () => {
    expect(Object.keys(ci.on)).toContain('pull_request');
    expect(commandsFor({ event_name: 'pull_request', base_ref: 'develop' })).toEqual([
      'npm ci',
      'npm run supabase-lint -- --since origin/develop',
      'npm run typecheck',
      'npm test',
    ]);
  });

  it('checks out the whole history, so the base branch is there to compare the migrations with', () => {
    expect(ci.jobs.test!.steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
  });

  it('pushes to other branches skip the lint (there is no base branch)', () => {
    expect(commandsFor({ event_name: 'push', base_ref: '' })).toEqual(['npm ci', 'npm run typecheck', 'npm test']);
  });
});
