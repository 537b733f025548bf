/**
 * The GitHub workflows, loaded with a real YAML parser and "run" for each kind of event with
 * an evaluator of their `if:` expressions: which jobs run, in which order, on which
 * environment, and which package commands they call. Job results can be forced (a failed
 * build, a cancelled run) to check what runs after them, and the steps that build an image
 * are counted: the deploy workflow builds at most once per commit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ENVIRONMENTS } from '../lib/config/environments.ts';
import { fromRoot } from '../lib/core/paths.ts';
import { evaluate, interpolate, truthy, usesStatusFunction, type Context } from './helpers/gh-expression.ts';
import { invocationsIn, justRecipes, npmScripts, packageCommandsIn } from './helpers/package-commands.ts';

interface Step {
  id?: string;
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
  outputs?: Record<string, string>;
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
/** What the simulated build job hands on (its step writes image=<ref> to $GITHUB_OUTPUT). */
const BUILT_IMAGE = 'registry.fly.io/kotadb-api-staging:git-0123456789abcdef0123456789abcdef01234567';
const GIVEN_IMAGE = 'registry.fly.io/kotadb-api-staging:git-abc';

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

type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

interface JobRun {
  runs: boolean;
  result: Result;
  environment: string | null;
  url: string | null;
  commands: string[];
  /** The `uses:` steps that run, with their `with:` inputs interpolated. */
  actions: Array<{ uses: string; with: Record<string, string> }>;
  env: Record<string, string>;
  outputs: Record<string, string>;
}

interface Simulation {
  vars?: Record<string, string>;
  /** Forced results of jobs that run (default: success). */
  results?: Record<string, Exclude<Result, 'skipped'>>;
  /** The run was cancelled (cancelled() is true for the jobs not yet started). */
  cancelled?: boolean;
}

/** What a successful job's steps wrote to $GITHUB_OUTPUT, by step id. */
const STEP_OUTPUTS: Record<string, Record<string, Record<string, string>>> = {
  build: { build: { image: BUILT_IMAGE } },
};

function simulate(workflow: Workflow, event: Event, options: Simulation = {}): Record<string, JobRun> {
  const context = contextFor(event, options.vars);
  const result: Record<string, JobRun> = {};
  const visit = (name: string): JobRun => {
    const existing = result[name];
    if (existing) return existing;
    const job = workflow.jobs[name]!;
    const needNames = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    const needs = Object.fromEntries(
      needNames.map((need) => {
        const run = visit(need);
        return [need, { result: run.result, outputs: run.outputs }];
      }),
    );
    const scope = { ...context, needs, cancelled: options.cancelled === true };
    // Without a status function GitHub evaluates `success() && (<if>)`.
    const condition =
      job.if === undefined ? 'success()' : usesStatusFunction(job.if) ? job.if : `success() && (${job.if})`;
    const runs = truthy(evaluate(condition, scope));
    const outcome: Result = runs ? (options.results?.[name] ?? 'success') : 'skipped';
    const env: Record<string, string> = { ...(context.env as Record<string, string>) };
    for (const [key, value] of Object.entries(job.env ?? {})) env[key] = interpolate(String(value), scope);
    const written = outcome === 'success' ? (STEP_OUTPUTS[name] ?? {}) : {};
    const steps = Object.fromEntries(Object.entries(written).map(([id, values]) => [id, { outputs: values }]));
    const jobContext = { ...scope, env, steps };
    const outputs = Object.fromEntries(
      Object.entries(job.outputs ?? {}).map(([key, value]) => [key, interpolate(value, jobContext)]),
    );
    const environment =
      typeof job.environment === 'string'
        ? interpolate(job.environment, scope)
        : job.environment
          ? interpolate(job.environment.name, scope)
          : null;
    const url =
      typeof job.environment === 'object' && job.environment.url ? interpolate(job.environment.url, scope) : null;
    const stepRuns = (s: Step) => runs && (s.if === undefined || truthy(evaluate(s.if, jobContext)));
    const commands = job.steps.filter((s) => s.run && stepRuns(s)).map((s) => s.run!.trim());
    const actions = job.steps
      .filter((s) => s.uses && stepRuns(s))
      .map((s) => ({
        uses: s.uses!,
        with: Object.fromEntries(Object.entries(s.with ?? {}).map(([k, v]) => [k, interpolate(String(v), jobContext)])),
      }));
    return (result[name] = { runs, result: outcome, environment, url, commands, actions, env, outputs });
  };
  for (const name of Object.keys(workflow.jobs)) visit(name);
  return result;
}

interface Scenario {
  name: string;
  event: Event;
  environment: 'staging' | 'production';
  /** The jobs that run, in the workflow's order. */
  jobs: string[];
  /** The image the deploy or promote job is handed: built by the build job, given, or none (promote picks staging's). */
  image: string;
}

const scenarios: Scenario[] = [
  {
    name: 'push to develop',
    event: { kind: 'push', branch: 'develop' },
    environment: 'staging',
    jobs: ['test', 'migrate', 'build', 'deploy'],
    image: BUILT_IMAGE,
  },
  {
    name: 'push to main',
    event: { kind: 'push', branch: 'main' },
    environment: 'production',
    jobs: ['test', 'migrate', 'promote'],
    image: '',
  },
  {
    name: 'dispatch deploy staging',
    event: { kind: 'dispatch', environment: 'staging', action: 'deploy' },
    environment: 'staging',
    jobs: ['test', 'migrate', 'build', 'deploy'],
    image: BUILT_IMAGE,
  },
  {
    name: 'dispatch deploy production',
    event: { kind: 'dispatch', environment: 'production', action: 'deploy' },
    environment: 'production',
    jobs: ['test', 'migrate', 'build', 'deploy'],
    image: BUILT_IMAGE,
  },
  {
    name: 'dispatch deploy staging of a given image',
    event: { kind: 'dispatch', environment: 'staging', action: 'deploy', image: GIVEN_IMAGE },
    environment: 'staging',
    jobs: ['test', 'migrate', 'deploy'],
    image: GIVEN_IMAGE,
  },
  {
    name: 'dispatch promote (the environment input says staging: promote acts on production)',
    event: { kind: 'dispatch', environment: 'staging', action: 'promote' },
    environment: 'production',
    jobs: ['test', 'migrate', 'promote'],
    image: '',
  },
  {
    name: 'dispatch promote of a given image',
    event: { kind: 'dispatch', environment: 'production', action: 'promote', image: GIVEN_IMAGE },
    environment: 'production',
    jobs: ['test', 'migrate', 'promote'],
    image: GIVEN_IMAGE,
  },
  {
    name: 'dispatch rollback staging',
    event: { kind: 'dispatch', environment: 'staging', action: 'rollback' },
    environment: 'staging',
    jobs: ['rollback'],
    image: '',
  },
  {
    name: 'dispatch rollback production to v12',
    event: { kind: 'dispatch', environment: 'production', action: 'rollback', version: '12' },
    environment: 'production',
    jobs: ['rollback'],
    image: '',
  },
  {
    name: 'repository_dispatch from the service: production, its image',
    event: { kind: 'repository_dispatch', environment: 'production', image: GIVEN_IMAGE },
    environment: 'production',
    jobs: ['test', 'migrate', 'deploy'],
    image: GIVEN_IMAGE,
  },
  {
    name: 'repository_dispatch from the service: staging, no image',
    event: { kind: 'repository_dispatch', environment: 'staging' },
    environment: 'staging',
    jobs: ['test', 'migrate', 'build', 'deploy'],
    image: BUILT_IMAGE,
  },
];

const running = (jobs: Record<string, JobRun>) =>
  Object.entries(jobs)
    .filter(([, job]) => job.runs)
    .map(([name]) => name);

/**
 * A run step that builds an image: `npm run build` / `npx just build`, a deploy passed
 * `--build-only`, or a deploy not given a literal `--image` (it builds the service checkout;
 * `${DEPLOY_IMAGE:+--image …}` may be empty, so it counts).
 */
export function buildsAnImage(run: string): boolean {
  return invocationsIn(run).some(({ name, args }) => {
    const script = name.split(':')[0];
    if (script === 'build' || args.includes('--build-only')) return true;
    return script === 'deploy' && !args.includes('--image');
  });
}

/** How many steps of the jobs that run build an image. */
const buildsIn = (jobs: Record<string, JobRun>) =>
  Object.values(jobs)
    .flatMap((job) => job.commands)
    .filter(buildsAnImage).length;

describe('the expression evaluator (test/helpers/gh-expression.ts)', () => {
  const needs = (results: Record<string, string>) =>
    Object.fromEntries(Object.entries(results).map(([job, result]) => [job, { result, outputs: { image: 'x' } }]));

  it('reads needs.<job>.result and needs.<job>.outputs.<name>', () => {
    const context = { needs: needs({ build: 'success' }) };
    expect(evaluate("needs.build.result == 'success'", context)).toBe(true);
    expect(evaluate('needs.build.outputs.image', context)).toBe('x');
    expect(evaluate("needs.other.outputs.image || 'none'", context)).toBe('none');
  });

  it('status functions: success() needs every job successful, failure() one failed, cancelled() the run cancelled', () => {
    const mixed = { needs: needs({ test: 'success', build: 'skipped' }) };
    expect(evaluate('success()', mixed)).toBe(false);
    expect(evaluate('failure()', mixed)).toBe(false);
    expect(evaluate('!cancelled()', mixed)).toBe(true);
    expect(evaluate('always()', { ...mixed, cancelled: true })).toBe(true);
    expect(evaluate('!cancelled() && success()', { needs: needs({ test: 'success' }) })).toBe(true);
    expect(evaluate('failure()', { needs: needs({ test: 'success', build: 'failure' }) })).toBe(true);
    expect(evaluate('cancelled()', { cancelled: true })).toBe(true);
    expect(() => evaluate('contains()', {})).toThrow(/unsupported function contains/);
  });

  it('knows which conditions decide on their own (a status function) and which GitHub prefixes with success()', () => {
    expect(usesStatusFunction("!cancelled() && needs.build.result == 'skipped'")).toBe(true);
    expect(usesStatusFunction('always()')).toBe(true);
    expect(usesStatusFunction("github.event_name == 'push'")).toBe(false);
    expect(usesStatusFunction("inputs.action == 'success'")).toBe(false);
  });

  it('! binds tighter than && and ||, and reads folded multi-line conditions', () => {
    expect(evaluate("!inputs.image && 'build'", { inputs: { image: '' } })).toBe('build');
    expect(evaluate("!inputs.image && 'build'", { inputs: { image: 'img' } })).toBe(false);
    expect(evaluate("!(a || b)\n  && 'x'", { a: '', b: '' })).toBe('x');
  });
});

describe('what counts as a build', () => {
  it.each([
    ['image="$(npm run --silent build -- "$DEPLOY_ENV")"', true],
    ['npx just build staging --source ../kotadb', true],
    ['npm run deploy:staging -- --yes', true],
    ['npm run deploy:staging -- --yes ${DEPLOY_IMAGE:+--image "$DEPLOY_IMAGE"}', true],
    ['npm run deploy -- staging --build-only --image x', true],
    ['npm run deploy:production -- --yes --tag --image "$DEPLOY_IMAGE"', false],
    ['npm run promote:production -- --yes --tag --commit "$SERVICE_COMMIT"', false],
    ['npm run rollback:staging -- --yes', false],
    ['npm ci', false],
  ])('%s: %s', (run, builds) => {
    expect(buildsAnImage(run)).toBe(builds);
  });
});

describe('saas-api-deploy.yml triggers and inputs', () => {
  it('deploys on pushes to develop and main, and on manual dispatch (deploy, promote, rollback)', () => {
    expect(deploy.on.push).toEqual({ branches: ['develop', 'main'] });
    const inputs = (deploy.on.workflow_dispatch as { inputs: Record<string, Record<string, unknown>> }).inputs;
    expect(inputs.environment).toMatchObject({
      type: 'choice',
      options: ['staging', 'production'],
      default: 'staging',
    });
    expect(inputs.action).toMatchObject({
      type: 'choice',
      options: ['deploy', 'promote', 'rollback'],
      default: 'deploy',
    });
    expect(inputs.version).toMatchObject({ type: 'string', required: false });
    expect(inputs.image).toMatchObject({ type: 'string', required: false });
    expect(deploy.on.repository_dispatch).toEqual({ types: ['deploy'] });
  });

  it('never cancels a running deploy', () => {
    expect(deploy.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('names the environment with one expression everywhere GitHub cannot read env (concurrency, environment)', () => {
    const expression = deploy.env!.DEPLOY_ENV!;
    expect(expression).toMatch(/^\$\{\{.*\}\}$/);
    const inner = expression.slice(3, -2).trim();
    expect(deploy.concurrency!.group).toBe(`deploy-${expression}`);
    const copies = Object.entries(deploy.jobs)
      .filter(([name, job]) => job.environment !== undefined && name !== 'rollback')
      .map(([name, job]) => [name, typeof job.environment === 'string' ? job.environment : job.environment!.name]);
    expect(copies.map(([name]) => name)).toEqual(['migrate', 'build', 'deploy', 'promote']);
    for (const [name, copy] of copies) expect([name, copy]).toEqual([name, expression]);
    for (const name of ['deploy', 'promote']) {
      const url = (deploy.jobs[name]!.environment as { url: string }).url;
      expect(url).toContain(`(${inner}) == 'production'`);
    }
  });
});

describe.each(scenarios)('$name', ({ event, environment, jobs: expected, image }) => {
  const jobs = simulate(deploy, event);

  it(`serialises on deploy-${environment}`, () => {
    expect(interpolate(deploy.concurrency!.group, contextFor(event))).toBe(`deploy-${environment}`);
  });

  it(`runs ${expected.join(' -> ')}`, () => {
    expect(running(jobs)).toEqual(expected);
  });

  it(`builds ${expected.includes('build') ? 'once, in the build job' : 'nothing'}`, () => {
    expect(buildsIn(jobs)).toBe(expected.includes('build') ? 1 : 0);
    for (const [name, job] of Object.entries(jobs))
      if (name !== 'build') expect([name, job.commands.filter(buildsAnImage)]).toEqual([name, []]);
  });

  it(`acts on ${environment} with the package's own commands`, () => {
    if (expected.includes('test')) {
      expect(jobs.test!.commands).toEqual(['npm ci', 'npm run typecheck', 'npm test']);
      expect(jobs.migrate!.environment).toBe(environment);
      expect(jobs.migrate!.env.DEPLOY_ENV).toBe(environment);
      expect(jobs.migrate!.commands).toEqual([
        'npm ci',
        'npm run supabase-apply -- --env "$DEPLOY_ENV" --yes --if-configured',
      ]);
    }
    if (expected.includes('build')) {
      expect(jobs.build!.environment).toBe(environment);
      expect(jobs.build!.env.DEPLOY_ENV).toBe(environment);
      expect(jobs.build!.env.KOTADB_SERVICE_DIR).toBe('service');
      expect(jobs.build!.commands).toEqual([
        'npm ci',
        'image="$(npm run --silent build -- "$DEPLOY_ENV")"\necho "image=$image" >> "$GITHUB_OUTPUT"',
      ]);
      expect(jobs.build!.actions.find((a) => a.with.path === 'service')).toMatchObject({
        uses: 'actions/checkout@v4',
        with: { repository: SERVICE_REPOSITORY, ref: event.kind === 'push' ? event.branch : 'main' },
      });
      expect(jobs.build!.outputs).toEqual({ image: BUILT_IMAGE });
    }
    if (expected.includes('deploy')) {
      expect(jobs.deploy!.environment).toBe(environment);
      expect(jobs.deploy!.url).toBe(ENVIRONMENTS[environment].url);
      // The image: the one given, else the build job's; the deploy job never builds.
      expect(jobs.deploy!.env.DEPLOY_IMAGE).toBe(image);
      expect(jobs.deploy!.commands).toEqual([
        'npm ci',
        environment === 'production'
          ? 'npm run deploy:production -- --yes --tag --image "$DEPLOY_IMAGE"'
          : 'npm run deploy:staging -- --yes --image "$DEPLOY_IMAGE"',
      ]);
      expect(jobs.deploy!.actions.some((a) => a.with.path === 'service')).toBe(false);
    }
    if (expected.includes('promote')) {
      expect(environment).toBe('production');
      expect(jobs.promote!.environment).toBe('production');
      expect(jobs.promote!.url).toBe(ENVIRONMENTS.production.url);
      expect(jobs.promote!.env.DEPLOY_ENV).toBe('production');
      expect(jobs.promote!.env).toMatchObject({ KOTADB_SERVICE_DIR: 'service', DEPLOY_IMAGE: image });
      expect(jobs.promote!.commands).toEqual([
        'npm ci',
        event.kind === 'push'
          ? 'SERVICE_COMMIT="$(git -C service rev-parse HEAD)"\nnpm run promote:production -- --yes --tag --commit "$SERVICE_COMMIT"'
          : 'npm run promote:production -- --yes --tag ${DEPLOY_IMAGE:+--image "$DEPLOY_IMAGE"}',
      ]);
      // The service's main, whole history: promote checks that the image's commit is on it.
      expect(jobs.promote!.actions.find((a) => a.with.path === 'service')).toMatchObject({
        uses: 'actions/checkout@v4',
        with: { repository: SERVICE_REPOSITORY, ref: 'main', 'fetch-depth': '0' },
      });
    }
    if (expected.includes('rollback')) {
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

describe('builds at most once per commit', () => {
  it('every scenario runs at most one building step, none on the way to production by push or promote', () => {
    for (const { name, event } of scenarios) {
      const builds = buildsIn(simulate(deploy, event));
      expect([name, builds <= 1]).toEqual([name, true]);
      const promoting =
        event.kind === 'push' ? event.branch === 'main' : event.kind === 'dispatch' && event.action === 'promote';
      if (promoting) expect([name, builds]).toEqual([name, 0]);
    }
  });

  it('a commit that goes develop -> main is built once: on develop, then promoted', () => {
    const develop = simulate(deploy, { kind: 'push', branch: 'develop' });
    const main = simulate(deploy, { kind: 'push', branch: 'main' });
    expect(buildsIn(develop) + buildsIn(main)).toBe(1);
    expect(main.promote!.runs).toBe(true);
    expect(main.deploy!.runs).toBe(false);
  });

  it('only the build job has a building step at all, and it writes the image output the deploy job reads', () => {
    const building = Object.entries(deploy.jobs)
      .filter(([, job]) => job.steps.some((s) => s.run !== undefined && buildsAnImage(s.run)))
      .map(([name]) => name);
    expect(building).toEqual(['build']);
    const step = deploy.jobs.build!.steps.find((s) => s.run !== undefined && buildsAnImage(s.run))!;
    expect(deploy.jobs.build!.outputs).toEqual({ image: `\${{ steps.${step.id}.outputs.image }}` });
    expect(step.run).toContain('echo "image=$image" >> "$GITHUB_OUTPUT"');
    expect(deploy.jobs.deploy!.env!.DEPLOY_IMAGE).toContain('needs.build.outputs.image');
  });
});

describe('job results: what runs after a skipped, failed or cancelled job', () => {
  it('a given image skips the build, and the deploy still runs with that image', () => {
    const jobs = simulate(deploy, { kind: 'dispatch', environment: 'staging', action: 'deploy', image: GIVEN_IMAGE });
    expect(jobs.build!.result).toBe('skipped');
    expect(jobs.deploy!.runs).toBe(true);
    expect(jobs.deploy!.env.DEPLOY_IMAGE).toBe(GIVEN_IMAGE);
  });

  it('a failed build: no deploy (nothing is built in its place)', () => {
    const jobs = simulate(deploy, { kind: 'push', branch: 'develop' }, { results: { build: 'failure' } });
    expect(jobs.build!.runs).toBe(true);
    expect(jobs.deploy!.runs).toBe(false);
    expect(jobs.build!.outputs).toEqual({ image: '' });
  });

  it('a cancelled build or run: no deploy', () => {
    expect(
      simulate(deploy, { kind: 'push', branch: 'develop' }, { results: { build: 'cancelled' } }).deploy!.runs,
    ).toBe(false);
    expect(simulate(deploy, { kind: 'push', branch: 'develop' }, { cancelled: true }).deploy!.runs).toBe(false);
  });

  it('failed tests: no migration, no build, no deploy, no promotion', () => {
    for (const event of [
      { kind: 'push', branch: 'develop' },
      { kind: 'push', branch: 'main' },
      { kind: 'dispatch', environment: 'production', action: 'deploy', image: GIVEN_IMAGE },
    ] as Event[]) {
      const jobs = simulate(deploy, event, { results: { test: 'failure' } });
      expect(running(jobs)).toEqual(['test']);
    }
  });

  it('a failed migration: no deploy, no promotion (the build may already have run)', () => {
    const develop = simulate(deploy, { kind: 'push', branch: 'develop' }, { results: { migrate: 'failure' } });
    expect(develop.deploy!.runs).toBe(false);
    const main = simulate(deploy, { kind: 'push', branch: 'main' }, { results: { migrate: 'failure' } });
    expect(main.promote!.runs).toBe(false);
  });
});

describe('job graph', () => {
  it('orders tests before migrations, builds and deploys; promotion after the migrations; rollback apart', () => {
    expect(deploy.jobs.migrate!.needs).toBe('test');
    expect(deploy.jobs.build!.needs).toBe('test');
    expect(deploy.jobs.deploy!.needs).toEqual(['test', 'migrate', 'build']);
    expect(deploy.jobs.promote!.needs).toEqual(['test', 'migrate']);
    expect(deploy.jobs.rollback!.needs).toBeUndefined();
  });

  it('installs flyctl with the official action, pinned to a release tag and a flyctl version, wherever flyctl is used', () => {
    for (const name of ['build', 'deploy', 'promote', 'rollback']) {
      const setup = deploy.jobs[name]!.steps.find((s) => s.uses?.startsWith('superfly/flyctl-actions/setup-flyctl@'));
      expect(setup?.uses).toMatch(/@\d+\.\d+$/); // a release tag, never @master
      expect(interpolate(String(setup?.with?.version), { env: deploy.env ?? {} })).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('every workflow runs the Node version the README states', () => {
    const readme = readFileSync(fromRoot('README.md'), 'utf8');
    const stated = /Node\.js [\d.]+ or newer \(([\d.]+) is what CI uses\)/.exec(readme)?.[1];
    expect(stated).toBe('20.20');
    const files = readdirSync(fromRoot('.github', 'workflows')).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'saas-api-deploy.yml']));
    for (const file of files) {
      const setups = Object.values(load(file).jobs).flatMap((job) =>
        job.steps.filter((s) => s.uses?.startsWith('actions/setup-node@')),
      );
      for (const step of setups) expect(step.with?.['node-version'], file).toBe(stated);
    }
  });

  it('without the KOTADB_SERVICE_REPOSITORY variable the build checks out nothing: the build refuses with its own fix', () => {
    const jobs = simulate(deploy, { kind: 'push', branch: 'develop' }, { vars: {} });
    expect(jobs.build!.runs).toBe(true);
    expect(jobs.build!.actions.some((a) => a.with.path === 'service')).toBe(false);
    expect(jobs.build!.env.KOTADB_SERVICE_DIR).toBe('');
  });

  it('without the KOTADB_SERVICE_REPOSITORY variable a push to main promotes what staging serves, without --commit', () => {
    const jobs = simulate(deploy, { kind: 'push', branch: 'main' }, { vars: {} });
    expect(jobs.promote!.actions.some((a) => a.with.path === 'service')).toBe(false);
    expect(jobs.promote!.env.KOTADB_SERVICE_DIR).toBe('');
    expect(jobs.promote!.commands).toEqual([
      'npm ci',
      'npm run promote:production -- --yes --tag ${DEPLOY_IMAGE:+--image "$DEPLOY_IMAGE"}',
    ]);
    expect(jobs.promote!.env.DEPLOY_IMAGE).toBe('');
  });

  it('the service branch can be pinned with KOTADB_SERVICE_REF (build and promote)', () => {
    const vars = { KOTADB_SERVICE_REPOSITORY: SERVICE_REPOSITORY, KOTADB_SERVICE_REF: 'release' };
    for (const [event, job] of [
      [{ kind: 'push', branch: 'develop' }, 'build'],
      [{ kind: 'push', branch: 'main' }, 'promote'],
    ] as Array<[Event, string]>) {
      const service = simulate(deploy, event, { vars })[job]!.actions.find((a) => a.with.path === 'service');
      expect(service?.with.ref).toBe('release');
    }
  });

  it('no run step interpolates an expression: inputs and payloads reach commands through env only', () => {
    for (const [name, job] of Object.entries(deploy.jobs))
      for (const step of job.steps)
        if (step.run) expect([name, step.run]).not.toEqual([name, expect.stringContaining('${{')]);
  });
});

describe('permissions', () => {
  // deploy, promote, rollback and secrets set/unset/deploy push the deploy lock ref (refs/kotadb/locks/<env>)
  const takesTheLock = (run: string) =>
    /npm run (deploy|rollback|promote)(:|\s|$)/.test(run) || /npm run secrets -- \S+ (set|unset|deploy)\b/.test(run);

  it('the jobs that take the deploy lock may push (contents: write); every other job, the build included, only reads', () => {
    expect(deploy.permissions).toEqual({ contents: 'read' });
    const locking = Object.entries(deploy.jobs)
      .filter(([, job]) => job.steps.some((s) => s.run !== undefined && takesTheLock(s.run)))
      .map(([name]) => name);
    expect(locking.sort()).toEqual(['deploy', 'promote', 'rollback']);
    for (const [name, job] of Object.entries(deploy.jobs)) {
      expect([name, job.permissions?.contents ?? 'read']).toEqual([name, locking.includes(name) ? 'write' : 'read']);
      // Nothing but contents is granted.
      expect([name, Object.keys(job.permissions ?? {})]).toEqual([name, job.permissions ? ['contents'] : []]);
    }
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
  /**
   * The only lines that are not a package command: handing the build's image ref to the next
   * job, and reading the service checkout's HEAD for promote --commit (a git question about a
   * checkout this package does not own; computing it in a script would add nothing).
   */
  const PLUMBING = [
    /^echo "\w+=\$\w+" >> "\$GITHUB_OUTPUT"$/,
    /^SERVICE_COMMIT="\$\(git -C service rev-parse HEAD\)"$/,
  ];

  it.each(runs)('%s', (run) => {
    const commands = packageCommandsIn(run);
    expect(commands.length, `"${run}" calls neither an npm script nor a just recipe`).toBeGreaterThan(0);
    for (const command of commands) {
      if (command.kind === 'npm') expect(scripts, `npm script "${command.name}"`).toContain(command.name);
      else if (command.kind === 'just') expect(recipes, `just recipe "${command.name}"`).toContain(command.name);
    }
    for (const line of run.trim().split('\n'))
      if (packageCommandsIn(line).length === 0)
        expect(
          PLUMBING.some((p) => p.test(line.trim())),
          `"${line}" is neither a package command nor plumbing`,
        ).toBe(true);
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
      'FLY_STAGING_API_TOKEN',
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

  it('promote gets the staging read token and both smoke keys; the build only its deploy token', () => {
    expect(Object.keys(deploy.jobs.promote!.env!)).toEqual(
      expect.arrayContaining([
        'FLY_API_TOKEN',
        'FLY_STAGING_API_TOKEN',
        'SAAS_STAGING_API_KEY',
        'SAAS_PRODUCTION_API_KEY',
      ]),
    );
    const buildSecrets = [...JSON.stringify(deploy.jobs.build).matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]);
    expect([...new Set(buildSecrets)].sort()).toEqual(['FLY_API_TOKEN', 'KOTADB_SERVICE_TOKEN']);
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
