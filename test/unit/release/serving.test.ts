import { describe, expect, it } from 'vitest';
import { Runner } from '../../../lib/core/runner.ts';
import { FlyClient } from '../../../lib/fly/client.ts';
import { describeServing, sameImage, whoServes } from '../../../lib/release/serving.ts';
import { captureOutput } from '../../helpers/capture-output.ts';
import { recordingExec } from '../../helpers/recording-exec.ts';

const IMAGE = 'registry.fly.io/kotadb-api:deployment-01NEW';

function fly(releases: Array<{ Version: number; Status?: string; ImageRef?: string }>, machines: unknown[] = []) {
  const exec = recordingExec()
    .on(['flyctl', 'releases'], {
      stdout: JSON.stringify(releases.map((r) => ({ Status: 'complete', ImageRef: IMAGE, ...r }))),
    })
    .on(['flyctl', 'status'], { stdout: JSON.stringify({ Name: 'kotadb-api', Machines: machines }) });
  const runner = new Runner({ output: captureOutput().out, env: {}, exec, signal: new AbortController().signal });
  return { client: new FlyClient(runner), exec };
}
const machine = (id: string, tag: string, state = 'started') => ({
  id,
  state,
  image_ref: { registry: 'registry.fly.io', repository: 'kotadb-api', tag },
});

describe('whoServes: is the release this run created the one serving?', () => {
  it('yes when it is the newest release and every live machine runs its image', async () => {
    const { client, exec } = fly(
      [{ Version: 4 }, { Version: 3, ImageRef: 'x' }],
      [machine('m1', 'deployment-01NEW'), machine('m2', 'deployment-01OLD', 'destroyed')],
    );
    expect(await whoServes(client, 'kotadb-api', { version: 4, imageRef: IMAGE })).toMatchObject({
      kind: 'ours',
      machines: 1,
    });
    expect(exec.argvOf('flyctl')).toEqual([
      ['releases', '--app', 'kotadb-api', '--json'],
      ['status', '--app', 'kotadb-api', '--json'],
    ]);
  });

  it('no when a newer release exists (machines are not even asked)', async () => {
    const { client, exec } = fly([{ Version: 5, ImageRef: 'registry.fly.io/kotadb-api:other' }, { Version: 4 }]);
    const serving = await whoServes(client, 'kotadb-api', { version: 4, imageRef: IMAGE });
    expect(serving.kind).toBe('newer-release');
    expect(describeServing(serving as Exclude<typeof serving, { kind: 'ours' }>, { version: 4, imageRef: IMAGE })).toBe(
      'v5 (complete) was created after v4: another deploy or secrets change ran meanwhile',
    );
    expect(exec.argvOf('flyctl')).toHaveLength(1);
  });

  it('no when a machine runs another image, or the release is not listed', async () => {
    const other = fly([{ Version: 4 }], [machine('m1', 'deployment-01NEW'), machine('m2', 'deployment-01OLD')]);
    expect(await whoServes(other.client, 'kotadb-api', { version: 4, imageRef: null })).toEqual({
      kind: 'other-image',
      machines: [{ id: 'm2', image: 'registry.fly.io/kotadb-api:deployment-01OLD' }],
    });
    const missing = fly([{ Version: 3 }]);
    expect(await whoServes(missing.client, 'kotadb-api', { version: 4, imageRef: IMAGE })).toEqual({ kind: 'missing' });
  });
});

describe('sameImage: what identifies an image, however Fly spells it', () => {
  it.each([
    ['registry.fly.io/kotadb-api:deployment-1', 'registry.fly.io/kotadb-api:deployment-1', true],
    ['registry.fly.io/kotadb-api:deployment-1', 'registry.fly.io/kotadb-api:deployment-2', false],
    ['nginx:1.27', 'docker-hub-mirror.fly.io/library/nginx:1.27', true],
    ['ghcr.io/kotadb/api@sha256:aa', 'ghcr.io/kotadb/api@sha256:bb', false],
    ['ghcr.io/kotadb/api:1@sha256:aa', 'ghcr.io/kotadb/api@sha256:aa', true],
    ['registry.fly.io/kotadb-api:1', 'registry.fly.io/kotadb-api-staging:1', false],
  ])('%s vs %s: %s', (a, b, same) => {
    expect(sameImage(a, b)).toBe(same);
  });
});
