import { describe, expect, it } from 'vitest';
import { OperationFailed } from '../../../lib/core/errors.ts';
import { defaultRollbackTarget, findApp, missingSecrets, runningRelease } from '../../../lib/fly/client.ts';
import {
  findDeployedRelease,
  parseApps,
  parseReleases,
  parseSecrets,
  parseStatus,
  parseVolumes,
  parseWhoami,
  type FlyRelease,
} from '../../../lib/fly/json.ts';

const release = (Version: number, Status: string, ImageRef: string) => ({
  ID: `rel_${Version}`,
  Version,
  Stable: true,
  InProgress: false,
  Reason: '',
  Description: 'Deploy image',
  Status,
  DeploymentStrategy: '',
  Metadata: null,
  User: { ID: 'u1', Name: 'Dev', Email: 'dev@example.com', EnablePaidHobby: false },
  EvaluationID: '',
  CreatedAt: '2026-01-02T03:04:05Z',
  ImageRef,
});

describe('flyctl JSON parsing', () => {
  it('reads whoami and apps (extra fields ignored)', () => {
    expect(parseWhoami(JSON.stringify({ email: 'dev@example.com' }))).toEqual({ email: 'dev@example.com' });
    const apps = parseApps(
      JSON.stringify([
        {
          ID: 'a',
          Name: 'kotadb-api',
          Status: 'deployed',
          Deployed: true,
          Hostname: 'kotadb-api.fly.dev',
          Organization: { Slug: 'kotadb', Name: 'KotaDB' },
          CurrentRelease: null,
          Extra: 1,
        },
      ]),
    );
    expect(apps).toEqual([
      { name: 'kotadb-api', status: 'deployed', deployed: true, hostname: 'kotadb-api.fly.dev', org: 'kotadb' },
    ]);
    expect(parseApps('[]')).toEqual([]);
  });

  it('reads releases', () => {
    const [r] = parseReleases(JSON.stringify([release(12, 'complete', 'registry.fly.io/kotadb-api:deployment-01')]));
    expect(r).toEqual({
      id: 'rel_12',
      version: 12,
      status: 'complete',
      description: 'Deploy image',
      imageRef: 'registry.fly.io/kotadb-api:deployment-01',
      createdAt: '2026-01-02T03:04:05Z',
      user: 'dev@example.com',
    });
  });

  it.each([
    [
      'old',
      [{ Name: 'A', Digest: '73eb694e9d599c38', CreatedAt: '2026-01-01T00:00:00Z' }],
      { name: 'A', digest: '73eb694e9d599c38', status: null, updatedAt: '2026-01-01T00:00:00Z' },
    ],
    [
      'mid',
      [{ name: 'A', digest: 'd1', created_at: 'c', updated_at: 'u' }],
      { name: 'A', digest: 'd1', status: null, updatedAt: 'u' },
    ],
    [
      'new',
      [{ name: 'A', digest: 'd1', status: 'Staged' }],
      { name: 'A', digest: 'd1', status: 'Staged', updatedAt: null },
    ],
  ])('reads the %s secrets list shape', (_shape, json, expected) => {
    expect(parseSecrets(JSON.stringify(json))).toEqual([expected]);
  });

  it('reads status with machines and checks', () => {
    const status = parseStatus(
      JSON.stringify({
        AppURL: '',
        Deployed: true,
        Hostname: 'kotadb-api.fly.dev',
        ID: 'kotadb-api',
        Name: 'kotadb-api',
        Organization: {},
        PlatformVersion: 'machines',
        Status: 'deployed',
        Version: 12,
        Machines: [
          {
            id: 'm1',
            name: 'n',
            state: 'started',
            region: 'iad',
            image_ref: {
              registry: 'registry.fly.io',
              repository: 'kotadb-api',
              tag: 'deployment-01',
              digest: 'sha256:x',
              labels: {},
            },
            version: 12,
            checks: [{ name: 'servicecheck-00-http-8080', status: 'critical', output: 'HTTP 500' }],
          },
        ],
      }),
    );
    expect(status.version).toBe(12);
    expect(status.machines[0]).toEqual({
      id: 'm1',
      name: 'n',
      state: 'started',
      region: 'iad',
      image: 'registry.fly.io/kotadb-api:deployment-01',
      digest: 'sha256:x',
      labels: {},
      checks: [{ name: 'servicecheck-00-http-8080', status: 'critical', output: 'HTTP 500' }],
    });
  });

  it('reads checks without name or status (fly-go omits empty fields), image labels, and the organization', () => {
    const status = parseStatus(
      JSON.stringify({
        Name: 'kotadb-api',
        Organization: { Slug: 'personal' },
        Machines: [
          {
            id: 'm1',
            state: 'started',
            image_ref: {
              registry: 'registry.fly.io',
              repository: 'kotadb-api-staging',
              tag: 'git-abc',
              labels: { GH_SHA: 'abc' },
            },
            checks: [{ output: 'booting' }, { name: 'servicecheck-00-http-8080' }],
          },
        ],
      }),
    );
    expect(status.org).toBe('personal');
    expect(status.machines[0]).toMatchObject({
      image: 'registry.fly.io/kotadb-api-staging:git-abc',
      digest: null,
      labels: { GH_SHA: 'abc' },
      checks: [
        { name: null, status: null, output: 'booting' },
        { name: 'servicecheck-00-http-8080', status: null, output: '' },
      ],
    });
  });

  it('reads volumes', () => {
    expect(
      parseVolumes(
        JSON.stringify([
          { id: 'vol_1', name: 'kotadb_data', state: 'created', size_gb: 10, region: 'iad', attached_machine_id: null },
        ]),
      ),
    ).toEqual([
      { id: 'vol_1', name: 'kotadb_data', state: 'created', sizeGb: 10, region: 'iad', attachedMachineId: null },
    ]);
  });

  it('fails with an operation error on output that is not the expected JSON', () => {
    expect(() => parseReleases('Error: something')).toThrow(OperationFailed);
    expect(() => parseReleases('[{"Version":"x"}]')).toThrow(/flyctl releases printed unexpected JSON at 0\.Version/);
  });

  it('finds the release line among deploy output', () => {
    const stdout = [
      '==> Verifying app config',
      '{ not json',
      '{"id":"rel_13","version":13,"image_ref":"registry.fly.io/kotadb-api:deployment-02"}',
      'Visit your newly deployed app',
    ].join('\n');
    expect(findDeployedRelease(stdout)).toEqual({
      id: 'rel_13',
      version: 13,
      imageRef: 'registry.fly.io/kotadb-api:deployment-02',
    });
    expect(findDeployedRelease('no json here')).toBeNull();
  });
});

describe('release and app rules', () => {
  const rel = (version: number, status: string, image: string): FlyRelease => ({
    id: null,
    version,
    status,
    description: '',
    imageRef: image,
    createdAt: null,
    user: null,
  });

  it('matches app names exactly, never by prefix', () => {
    const apps = parseApps(JSON.stringify([{ Name: 'kotadb-api-staging' }, { Name: 'kotadb-api-old' }]));
    expect(findApp(apps, 'kotadb-api')).toBeUndefined();
    expect(findApp(apps, 'kotadb-api-staging')?.name).toBe('kotadb-api-staging');
  });

  it('the running release is the newest complete one', () => {
    expect(runningRelease([rel(14, 'failed', 'c'), rel(13, 'complete', 'b'), rel(12, 'complete', 'a')])?.version).toBe(
      13,
    );
    expect(runningRelease([rel(1, 'failed', 'a')])).toBeUndefined();
  });

  it('the default rollback target is older, complete, with a different image', () => {
    const releases = [
      rel(15, 'complete', 'c'),
      rel(14, 'complete', 'c'),
      rel(13, 'failed', 'b'),
      rel(12, 'complete', 'b'),
      rel(11, 'complete', 'a'),
    ];
    expect(defaultRollbackTarget(releases)?.version).toBe(12);
    expect(defaultRollbackTarget([rel(2, 'complete', 'a'), rel(1, 'complete', 'a')])).toBeUndefined();
  });

  it('lists required secrets that are missing', () => {
    const secrets = parseSecrets(
      JSON.stringify([
        { name: 'A', digest: 'x', status: 'Staged' },
        { name: 'C', digest: 'y', status: 'Deployed' },
      ]),
    );
    expect(missingSecrets(secrets, ['A', 'B', 'C', 'D'])).toEqual(['B', 'D']);
  });
});
