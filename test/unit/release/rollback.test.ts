/**
 * The rollback core (rollBackTo, which deploy's automatic rollback and the rollback script both
 * run) against the fake flyctl with a fly config that has a release command: a deploy runs it, a
 * rollback does not (`--skip-release-command`: an old image must not re-run today's migration).
 * The scripts cannot be pointed at another fly config, so this is asked one level down.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { fromRoot } from '../../../lib/core/paths.ts';
import { Runner } from '../../../lib/core/runner.ts';
import { FlyClient } from '../../../lib/fly/client.ts';
import { runFlyDeploy } from '../../../lib/fly/deploy.ts';
import { rollBackTo } from '../../../lib/release/rollback.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { deployWorld, type DeployWorld } from '../../helpers/deploy-world.ts';
import { fakeFlyExec } from '../../helpers/fake-fly.ts';
import { manualClock } from '../../helpers/manual-clock.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rollback-core-'));
let world: DeployWorld | undefined;
afterAll(async () => {
  await world?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('rollBackTo: a rollback never re-runs the release command, a deploy does', () => {
  it('deploy: release_command runs for the new image; rollback: skipped, and the old image is healthy and serving', async () => {
    const w = (world = await deployWorld({ env: 'staging' }));
    const configFile = path.join(dir, 'fly.staging.toml');
    const config = readFileSync(fromRoot('fly.staging.toml'), 'utf8');
    writeFileSync(configFile, config.replace('[deploy]\n', '[deploy]\nrelease_command = "bin/migrate"\n'));
    const env = { ...ENVIRONMENTS.staging, configFile };
    const settings = { env, waitTimeout: '5m', timeoutMs: 60_000 };
    const { out } = captureOutput();
    const signal = new AbortController().signal;
    const runner = new Runner({ output: out, env: {}, exec: fakeFlyExec(w.fly), signal });
    const fly = new FlyClient(runner);
    const image = 'registry.fly.io/kotadb-api-staging:deployment-01JRELEASECMD000000000000';

    const deployed = await runFlyDeploy(runner, fly, settings, { kind: 'image', ref: image }, { previousVersion: 3 });
    expect(deployed.release).toMatchObject({ version: 4, imageRef: image });
    const runs = () => w.fly.app('kotadb-api-staging').releaseCommands?.map((c) => [c.command, c.image]);
    expect(runs()).toEqual([['bin/migrate', image]]);

    const rolled = await rollBackTo(
      {
        runner,
        fly,
        out,
        clock: manualClock().clock,
        signal,
        health: { baseUrl: w.app.url, healthTimeoutMs: 5_000 },
        settings,
      },
      { version: 3, imageRef: w.running.image },
      4,
    );
    expect(rolled).toMatchObject({ kind: 'healthy', release: { version: 5, imageRef: w.running.image } });
    expect(runs()).toEqual([['bin/migrate', image]]);
    expect(w.deploys().map((argv) => argv.includes('--skip-release-command'))).toEqual([false, true]);
    expect(w.fly.currentImage('kotadb-api-staging')).toBe(w.running.image);
  });
});
