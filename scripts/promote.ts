/**
 * promote: deploy to production exactly the image staging proved. `run` reads as the steps:
 * validate; read the release staging serves (its image, its commit from the release record or
 * the git-<sha> label); check that staging is healthy now (deploy's health rule and smoke
 * checks); check that the commit is on main; then deploy that image through deploy's own path
 * (preflight, confirmation, lock, health, smoke, rollback, tag, provenance record with
 * promotedFrom). Each refusal is exit 3 before anything changes, with a summary saying why.
 * Static imports are what --help and parsing need; the steps load in run.
 */
import { Interrupted, UsageError } from '../lib/core/errors.ts';
import type { OptionValues } from '../lib/core/cli.ts';
import { defineScript, isEntryPoint, runEntry, type RunContext } from '../lib/core/script.ts';
import { DEPLOY_OPTIONS } from '../lib/release/deploy-options.ts';

const { 'build-only': _buildOnly, image: _image, source: _source, ...DEPLOY_FLAGS } = DEPLOY_OPTIONS;

const OPTIONS = {
  ...DEPLOY_FLAGS,
  force: {
    type: 'boolean',
    description:
      'Promote an image whose commit is unknown or not on main (with a warning), and skip the production git guard',
  },
  'skip-smoke': {
    type: 'boolean',
    description:
      'Skip the smoke checks on staging before, and on production before and after the deploy (health is still checked)',
  },
  from: { type: 'string', value: '<env>', description: 'The environment whose image is promoted (default: staging)' },
  image: {
    type: 'string',
    value: '<ref>',
    description:
      'Promote this image instead of the one staging serves: only an image a staging release record verified',
  },
  commit: {
    type: 'string',
    value: '<sha>',
    description:
      'Refuse unless the promoted image was built from this commit (7 to 40 hex digits): CI passes the commit it was pushed for',
  },
  source: {
    type: 'string',
    value: '<dir>',
    description:
      'The service checkout where "is the commit on main" is asked (default: $KOTADB_SERVICE_DIR, else this checkout)',
  },
  'staging-url': {
    type: 'string',
    value: '<base>',
    description: "Where staging answers /health and the smoke checks (default: the environment's URL)",
  },
} as const;

type Options = OptionValues<typeof OPTIONS>;

export const script = defineScript({
  usage: 'npx just promote production [--from staging] [--yes] [--image <ref>] [--commit <sha>] [options]',
  summary:
    'Promote to production exactly the image staging serves: check that staging is healthy now, that its commit is known and on main, then deploy that image through the normal deploy path (preflight, confirmation, health, smoke, rollback, tag, provenance record).',
  positionals: [{ name: 'environment', description: 'the target: production', required: true }],
  options: OPTIONS,
  notes: [
    "The image: the newest complete staging release's, when every staging machine runs it; its commit: staging's",
    'release record, else the git-<sha> label of the image. Nothing is built.',
    'Refused with exit 3, before anything changes: staging serves nothing or is mid-deploy; its image has no known',
    'commit; --commit names another commit; staging is not healthy now or a smoke check fails there (SAAS_STAGING_API_KEY;',
    'skipped with a warning when unset, --skip-smoke skips them); the commit is not on origin/main in the service checkout',
    '(fetched first); --image names an image no staging release record verified.',
    '--force promotes an image whose commit is unknown or not on main (with a warning) and skips the production git',
    "guard; it never promotes an unhealthy staging or a commit other than --commit's.",
    'Staging is read with FLY_STAGING_API_TOKEN when set (a token that may read kotadb-api-staging), else FLY_API_TOKEN.',
    "Then deploy's steps and exit codes: 0 live and verified; 1 the deploy failed (rolled back when it could), also when",
    "production's machines run another digest than staging's (the tag was pushed again since); 3 refused.",
    'The release record names the staging release it came from (promotedFrom); rollback --list and status show its commit.',
  ],
  examples: [
    'npx just promote production --dry-run',
    'npx just promote production --yes --tag',
    'npm run promote:production -- --yes --tag --commit "$SERVICE_COMMIT"',
    'npx just promote production --image registry.fly.io/kotadb-api-staging:git-0123456789abcdef0123456789abcdef01234567',
  ],
  run: (context) => promote(context),
});

async function promote(context: RunContext<typeof OPTIONS>): Promise<number> {
  const { options, positionals, io, out, dryRun, onInterrupt } = context;
  out.json = options.json;
  const [
    { parseEnvironment },
    { BaseUrl, ImageRef, optionalFlag, serviceCheckoutDir },
    { COMMIT_PREFIX },
    deploy,
    steps,
  ] = await Promise.all([
    import('../lib/config/environments.ts'),
    import('../lib/release/options.ts'),
    import('../lib/release/promotion.ts'),
    import('./deploy-fly.ts'),
    import('../lib/release/promote-steps.ts'),
  ]);
  const plan = await out.step('Validate promotion', async () => {
    if (positionals.length > 1) throw new UsageError('give one environment: production');
    const target = parseEnvironment(positionals[0]);
    const from = parseEnvironment(options.from ?? 'staging');
    if (target.releaseBranch === null)
      throw new UsageError(`promote deploys to production; ${target.name} gets its images from npx just deploy`);
    if (from.name === target.name)
      throw new UsageError(`--from ${from.name}: an environment cannot be promoted to itself`);
    if (options.commit !== undefined && !COMMIT_PREFIX.test(options.commit))
      throw new UsageError(`--commit must be a commit sha (7 to 40 hex digits), got "${options.commit}"`);
    deploy.validateDeployFlags(deployOptions(options), target.name, io, dryRun);
    return {
      target,
      from,
      branch: target.releaseBranch,
      image: optionalFlag('image', ImageRef, options.image),
      commit: options.commit?.toLowerCase(),
      fromUrl: optionalFlag('staging-url', BaseUrl, options['staging-url']) ?? from.url,
      targetUrl: optionalFlag('url', BaseUrl, options.url) ?? target.url,
      serviceDir: serviceCheckoutDir(options.source, io.env, io.cwd),
      force: options.force,
      smoke: !options['skip-smoke'],
      dryRun,
    };
  });

  // Until deploy's path starts (it says what state it left from then on), nothing has changed.
  onInterrupt(() => new Interrupted(`interrupted before the ${plan.target.name} deploy: nothing was changed`));
  const ctx = steps.promoteContext(plan, io, out, io.env[steps.SOURCE_TOKEN_VAR] || undefined);
  let chosen: Awaited<ReturnType<typeof steps.chooseImage>> | undefined;
  try {
    const staging = await out.step(`Read ${plan.from.name}`, () => steps.readSource(ctx));
    chosen = await out.step('Choose image', () => steps.chooseImage(ctx, staging));
    await out.step(`${capitalised(plan.from.name)} health`, () => steps.checkSourceHealth(ctx, chosen!));
    await out.step(`Commit on ${plan.branch}`, () => steps.checkOnBranch(ctx, chosen!.promotion));
  } catch (error) {
    throw steps.refusalReported(ctx, error, chosen?.promotion ?? null);
  }
  // deploy's children (flyctl for production, git) need no staging token.
  const env = steps.withoutSourceToken(io.env);
  return deploy.deployRun(
    {
      ...context,
      io: { ...io, env },
      env,
      options: { ...deployOptions(options), image: chosen.promotion.image },
      positionals: [plan.target.name],
    },
    chosen.promotion,
  );
}

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** deploy's flags out of promote's: the image comes from the promotion, never a build. */
function deployOptions(options: Options): OptionValues<typeof DEPLOY_OPTIONS> {
  const { from: _from, commit: _commit, 'staging-url': _url, image: _image, source: _source, ...rest } = options;
  return { ...rest, image: undefined, source: undefined, 'build-only': false };
}

if (isEntryPoint(import.meta.url)) await runEntry(script);
