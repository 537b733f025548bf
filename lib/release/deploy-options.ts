/**
 * deploy's flags, shared with promote (which deploys through deploy's path and takes the same
 * flags, less the build ones). Only flag specs here: on the start-up path of both scripts.
 */
import { DRY_RUN_OPTION, HELP_OPTION, YES_OPTION } from '../core/cli.ts';
import { LOCK_WAIT_OPTION } from '../lock/deploy-lock.ts';
import { DEPLOY_TIMEOUT_OPTION, HEALTH_OPTIONS, SERVICE_DIR_VAR } from './options.ts';

export const DEPLOY_OPTIONS = {
  ...HELP_OPTION,
  ...DRY_RUN_OPTION,
  ...YES_OPTION,
  image: { type: 'string', value: '<ref>', description: 'Deploy this prebuilt image' },
  source: {
    type: 'string',
    value: '<dir>',
    description: `Build the image from the service's checkout, the folder holding Dockerfile.production (default: $${SERVICE_DIR_VAR})`,
  },
  ...HEALTH_OPTIONS,
  'wait-timeout': {
    type: 'string',
    value: '<duration>',
    description: "flyctl's --wait-timeout per machine (default: [deploy] wait_timeout in the fly config)",
  },
  ...DEPLOY_TIMEOUT_OPTION,
  'no-rollback': {
    type: 'boolean',
    description: 'On failure, leave the new release in place instead of redeploying the previous image',
  },
  'force-schema': {
    type: 'boolean',
    description:
      'Roll back after a failure even when a migration applied after the previous release is a contract migration',
  },
  'skip-smoke': {
    type: 'boolean',
    description: 'Skip the smoke checks, before and after the deploy (health is still checked)',
  },
  'build-only': {
    type: 'boolean',
    description:
      "Build and push the service checkout's image, labelled git-<sha> of its HEAD, print its ref; deploy nothing",
  },
  force: {
    type: 'boolean',
    description:
      'Skip the git guard (production: branch main, clean work tree) and build a production image from a dirty service checkout',
  },
  tag: {
    type: 'boolean',
    description: 'Production: after a healthy deploy, create and push the git tag deploy/production/v<release>',
  },
  ...LOCK_WAIT_OPTION,
  json: { type: 'boolean', description: 'Print one JSON result object on stdout instead of the human summary' },
} as const;
