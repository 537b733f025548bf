import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../lib/doctor/checklist.ts';
import { parseDbUrl } from '../../../lib/db/url.ts';
import {
  autoStopsMachines,
  checkMigrationsDatabase,
  checkMigrationsFromEnv,
  judgeApp,
  judgeConfig,
  judgeFlyctl,
  judgeHealth,
  judgeLatestRelease,
  judgeMachines,
  judgeMigrations,
  judgeSecrets,
  judgeVolume,
  mountOf,
} from '../../../lib/doctor/checks.ts';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';
import { checkFlyConfigFile, loadFlyConfig } from '../../../lib/config/fly-toml.ts';
import type { FlyMachine, FlyRelease, FlySecret, FlyStatus, FlyVolume } from '../../../lib/fly/json.ts';
import { evaluateHealth, type ProbeResult } from '../../../lib/release/health.ts';
import { compareMigrations, type LocalMigration } from '../../../lib/db/migrations.ts';
import { splitStatements } from '../../../lib/db/statements.ts';
import type { MigrationStatus } from '../../../lib/db/migration-status.ts';
import { closedPort } from '../../helpers/per-test.ts';

const { staging, production } = ENVIRONMENTS;
const running = { hasMachines: true };
const REQUIRED = ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_KEY'];
const secret = (name: string, status: FlySecret['status'] = 'Deployed'): FlySecret => ({
  name,
  digest: 'd',
  status,
  updatedAt: null,
});
const release = (version: number, status: string): FlyRelease => ({
  id: `rel_${version}`,
  version,
  status,
  description: 'Deploy image',
  imageRef: `registry.fly.io/kotadb-api:deployment-${version}`,
  createdAt: `2026-01-0${version}T00:00:00Z`,
  user: 'dev@example.com',
});
const machine = (id: string, state = 'started', check = 'passing'): FlyMachine => ({
  id,
  name: null,
  state,
  region: 'iad',
  image: null,
  digest: null,
  labels: {},
  checks: [{ name: 'servicecheck-00-http-8080', status: check, output: '' }],
});
const status = (machines: FlyMachine[]): FlyStatus => ({
  name: 'kotadb-api',
  status: 'deployed',
  version: 3,
  hostname: null,
  deployed: true,
  org: 'personal',
  machines,
});
const probe = (body: unknown, httpStatus = 200, latencyMs = 42): ProbeResult => ({
  ...evaluateHealth(httpStatus, JSON.stringify(body)),
  latencyMs,
});
const saasBody = (over: { supabase_status?: string; failed_recent?: number } = {}) => ({
  status: 'healthy',
  saas: {
    supabase_status: over.supabase_status ?? 'ok',
    supabase_latency_ms: 12,
    job_queue: { failed_recent: over.failed_recent ?? 0 },
  },
});

describe('fly checks', () => {
  it('flyctl: the version from the version line', () => {
    expect(judgeFlyctl('flyctl v0.4.9 linux/amd64 Commit: abc BuildDate: 2026-01-01\n')).toEqual({
      status: 'pass',
      detail: 'flyctl v0.4.9',
    });
  });

  it('fly config: the first problem and how many more; the real configs pass', () => {
    expect(
      judgeConfig(
        {
          config: null,
          problems: ['fly.toml: deploy.stratgy: unknown key', 'fly.toml: app: expected "kotadb-api"'],
          warnings: [],
        },
        production,
      ),
    ).toEqual({
      status: 'fail',
      detail: 'fly.toml: deploy.stratgy: unknown key (and 1 more)',
      fix: 'run `npx just check` to list every problem, then fix fly.toml',
    });
    expect(judgeConfig(checkFlyConfigFile(staging), staging)).toEqual({
      status: 'pass',
      detail: 'fly.staging.toml is valid and matches staging',
    });
  });

  it('app: what `flyctl status --app` found (an app-scoped question a deploy token may ask)', () => {
    expect(judgeApp(status([machine('m1')]), production)).toEqual({
      status: 'pass',
      detail: 'kotadb-api in org personal, deployed',
    });
    expect(judgeApp(null, production)).toEqual({
      status: 'fail',
      detail:
        'no app named kotadb-api, or this Fly token cannot see it (flyctl status --app kotadb-api: Could not find App)',
      fix: 'create it with `npx just fly-setup production` (needs an org token); with a deploy token, check it was made for kotadb-api',
    });
  });

  it('secrets: missing ones, staged ones, and the JSON shapes without a status', () => {
    expect(
      judgeSecrets(
        REQUIRED.slice(1).map((n) => secret(n)),
        production,
        running,
      ),
    ).toEqual({
      status: 'fail',
      detail: 'missing: DATABASE_URL',
      fix: 'set them with `npx just secrets production set` (reads .env.production; applies them to a deployed app)',
    });
    expect(
      judgeSecrets([...REQUIRED.slice(1).map((n) => secret(n)), secret('DATABASE_URL', 'Staged')], staging, running),
    ).toEqual({
      status: 'fail',
      detail: 'staged, not deployed: DATABASE_URL',
      fix: 'apply them with `npx just secrets staging deploy` (restarts the machines) or the next `npx just deploy staging`',
    });
    expect(
      judgeSecrets(
        REQUIRED.map((n) => secret(n, null)),
        staging,
        running,
      ),
    ).toEqual({
      status: 'pass',
      detail: 'all 4 required set (4 in all); this flyctl does not say whether they are deployed',
    });
    expect(judgeSecrets([...REQUIRED.map((n) => secret(n)), secret('REDIS_URL')], staging, running).detail).toBe(
      'all 4 required set (5 in all)',
    );
  });

  it('secrets: every one Staged on an app with machines means flyctl cannot tell, not staged (no failure)', () => {
    const allStaged = REQUIRED.map((n) => secret(n, 'Staged'));
    expect(judgeSecrets(allStaged, production, running)).toEqual({
      status: 'pass',
      detail:
        'all 4 required set (4 in all); flyctl cannot tell whether they are deployed (it lists every one as Staged)',
    });
    // Without machines nothing runs them: staged is what they are.
    expect(judgeSecrets(allStaged, production, { hasMachines: false })).toMatchObject({
      status: 'fail',
      detail: 'staged, not deployed: DATABASE_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_KEY',
    });
  });

  it('latest release: a failed one is flagged with its version and the last good one', () => {
    expect(
      judgeLatestRelease([release(3, 'complete'), release(4, 'failed'), release(2, 'complete')], production),
    ).toEqual({
      status: 'fail',
      detail: 'v4 failed, 2026-01-04T00:00:00Z by dev@example.com; v3 is the newest complete release',
      fix: 'roll back with `npx just rollback production`, or deploy a fix with `npx just deploy production`',
    });
    expect(judgeLatestRelease([release(2, 'complete'), release(3, 'interrupted')], production).detail).toMatch(
      /^v3 interrupted/,
    );
    expect(judgeLatestRelease([release(2, 'complete'), release(3, 'running')], production)).toMatchObject({
      status: 'pass',
      detail: 'v3 is being deployed now (running, 2026-01-03T00:00:00Z)',
    });
    expect(judgeLatestRelease([release(1, 'complete')], production)).toEqual({
      status: 'pass',
      detail: 'v1 complete, 2026-01-01T00:00:00Z by dev@example.com',
    });
    expect(judgeLatestRelease([], staging)).toEqual({
      status: 'fail',
      detail: 'no releases: never deployed',
      fix: 'deploy with `npx just deploy staging`',
    });
  });

  it('machines: critical checks named, restarting machines flagged, stopped ones only where the app does not auto-stop', () => {
    expect(judgeMachines(status([machine('m1'), machine('m2', 'started', 'critical')]), production, false)).toEqual({
      status: 'fail',
      detail: 'm2: check servicecheck-00-http-8080 is critical',
      fix: 'read `npx just logs production --no-tail`; if the last deploy caused it, `npx just rollback production`',
    });
    const restarting = judgeMachines(
      status([machine('m1', 'replacing'), machine('m2', 'started', 'critical')]),
      production,
      false,
    );
    expect(restarting.detail).toBe('m1 is replacing (restarting); m2: check servicecheck-00-http-8080 is critical');
    expect(restarting.fix).toContain('`npx just scale-memory production <mb>`');
    expect(judgeMachines(status([machine('m1'), machine('m2', 'stopped')]), production, false)).toMatchObject({
      status: 'fail',
      detail: 'm2 is stopped and fly.toml does not auto-stop machines',
    });
    expect(judgeMachines(status([machine('m1', 'stopped')]), staging, true)).toEqual({
      status: 'pass',
      detail: '0 started, 1 idle (auto-stopped), checks passing, release v3',
    });
    expect(judgeMachines(status([machine('m1', 'failed')]), staging, true)).toMatchObject({
      status: 'fail',
      detail: 'm1 is failed',
    });
    expect(judgeMachines(status([machine('m1'), machine('m2', 'started', 'warning')]), production, false)).toEqual({
      status: 'pass',
      detail: '2 started, 1 check still warming up, release v3',
    });
    expect(judgeMachines(status([]), production, false)).toMatchObject({
      status: 'fail',
      fix: 'deploy with `npx just deploy production`',
    });
  });

  it('machines: fewer than the environment table says fails with the scale command', () => {
    expect(judgeMachines(status([machine('m1')]), production, false)).toEqual({
      status: 'fail',
      detail: '1 machine, production runs 2',
      fix: '`flyctl scale count 2 --app kotadb-api --yes` (creates the machines and the volumes they mount)',
    });
    expect(judgeMachines(status([machine('m1')]), staging, true).status).toBe('pass');
  });

  it('the real configs: production keeps its machines running, staging auto-stops them', () => {
    expect(autoStopsMachines(loadFlyConfig(production))).toBe(false);
    expect(autoStopsMachines(loadFlyConfig(staging))).toBe(true);
    expect(mountOf(loadFlyConfig(production))).toEqual({ source: 'kotadb_data', destination: '/data' });
    expect(mountOf(null)).toBeNull();
  });

  it('volume: by name, when the config mounts one', () => {
    const mount = { source: 'kotadb_data', destination: '/data' };
    const volume: FlyVolume = {
      id: 'vol_1',
      name: 'kotadb_data',
      state: 'created',
      sizeGb: 10,
      region: 'iad',
      attachedMachineId: 'm1',
    };
    const two = status([machine('m1'), machine('m2')]);
    expect(judgeVolume([volume, { ...volume, id: 'vol_2', attachedMachineId: 'm2' }], mount, production, two)).toEqual({
      status: 'pass',
      detail: 'kotadb_data: 2 volumes (10 GB in iad, 10 GB in iad), 2 attached',
    });
    expect(judgeVolume([volume], mount, production, two)).toEqual({
      status: 'fail',
      detail: '1 kotadb_data volume for 2 machines: every machine needs its own',
      fix: '`flyctl volumes create kotadb_data --size 10 --app kotadb-api --region iad --yes`, or `npx just fly-setup production`',
    });
    expect(judgeVolume([volume], mount, production, null).status).toBe('pass');
    expect(judgeVolume([{ ...volume, name: 'kotadb_staging_data' }], mount, production, two)).toEqual({
      status: 'fail',
      detail: 'no volume named kotadb_data (fly.toml mounts it at /data)',
      fix: 'create it with `npx just fly-setup production`',
    });
  });
});

describe('/health check', () => {
  const url = 'https://kotadb-api.fly.dev';

  it('passes with status, supabase_status, latency and failed_recent in the detail', () => {
    expect(judgeHealth(probe(saasBody()), production, url)).toEqual({
      status: 'pass',
      detail: 'healthy, supabase ok (12 ms), failed_recent 0, 42 ms',
    });
    expect(judgeHealth(probe({ status: 'healthy' }), production, url).detail).toBe(
      'healthy (no saas section: SaaS mode is off), 42 ms',
    );
  });

  it.each([
    [
      saasBody({ failed_recent: 4 }),
      200,
      'healthy, supabase ok (12 ms), but 4 jobs failed recently (saas.job_queue.failed_recent), 42 ms',
      'read the failures with `npx just logs production --no-tail`',
    ],
    [
      saasBody({ supabase_status: 'error' }),
      200,
      'supabase_status: error (https://kotadb-api.fly.dev/health, 42 ms)',
      'the API cannot reach Supabase: check DATABASE_URL',
    ],
    [{ ...saasBody(), status: 'degraded' }, 200, 'status: degraded', 'the API reports itself unhealthy'],
    [
      '<html>',
      200,
      'bad JSON',
      'something other than the KotaDB API answers at https://kotadb-api.fly.dev: check --url',
    ],
    ['Service Unavailable', 503, 'HTTP 503', "Fly's proxy found no healthy machine"],
  ])('fails on %j (HTTP %i) with the matching fix', (body, code, detail, fix) => {
    const outcome = judgeHealth(probe(body, code), production, url);
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toContain(detail);
    expect(outcome.fix).toContain(fix);
  });

  it('a network failure points at the machines', () => {
    const outcome = judgeHealth(
      { healthy: false, cause: 'network', reason: 'connection refused', latencyMs: 3 },
      staging,
      'http://127.0.0.1:9',
    );
    expect(outcome).toEqual({
      status: 'fail',
      detail: 'connection refused (http://127.0.0.1:9/health, 3 ms)',
      fix: 'nothing answers at http://127.0.0.1:9: see the machines check and `npx just machines staging` (or pass --url)',
    });
  });
});

describe('migrations database check', () => {
  const local = (version: string): LocalMigration => ({
    version,
    name: 'm',
    file: `${version}_m.sql`,
    path: `/x/${version}_m.sql`,
  });
  const db = parseDbUrl(
    'postgresql://postgres:hunter2-secret@db.example.supabase.co:5432/postgres',
    'SUPABASE_DB_URL_PRODUCTION',
  );
  const statusOf = (files: string[], applied: string[]): MigrationStatus => {
    const migrations = files.map(local);
    return { local: migrations, applied, comparison: compareMigrations(migrations, applied), edited: [] };
  };

  it('pending, unknown-to-this-checkout and up-to-date databases', () => {
    expect(judgeMigrations(statusOf(['1', '2', '3'], ['1']), db, production)).toEqual({
      status: 'fail',
      detail: '2 pending on db.example.supabase.co:5432/postgres: 2_m.sql, 3_m.sql',
      fix: 'apply them with `npx just supabase-apply --env production`',
    });
    expect(judgeMigrations(statusOf(['1'], ['1', '9']), db, production)).toMatchObject({
      status: 'fail',
      detail: 'db.example.supabase.co:5432/postgres records 1 migration with no local file: 9',
    });
    expect(judgeMigrations(statusOf(['1', '2'], ['1', '2']), db, production)).toEqual({
      status: 'pass',
      detail: 'db.example.supabase.co:5432/postgres is up to date (2 applied, none pending)',
    });
  });

  it('an applied file that was edited since: ✗ naming the file and the line, with the fix (a new migration)', () => {
    const status = statusOf(['1', '2'], ['1', '2']);
    const statement = splitStatements('-- why\nalter table t add column b int')[0]!;
    status.edited = [{ migration: local('2'), statement, recorded: 'alter table t add column a int' }];
    expect(judgeMigrations(status, db, production)).toEqual({
      status: 'fail',
      detail:
        'db.example.supabase.co:5432/postgres ran a different version of supabase/migrations/2_m.sql: line 2 now reads "alter table t add column b int", the database ran "alter table t add column a int"',
      fix: 'an applied migration must not change: restore the file as it was applied (git log -p on it) and put the change in a new migration (`npx just supabase-generate <name>`)',
    });
  });

  it('is not checked without SUPABASE_DB_URL_<ENV>; an invalid value fails without printing it', async () => {
    expect(await checkMigrationsFromEnv(staging, {}, { timeoutMs: 1000 })).toEqual({
      status: 'skip',
      detail: 'SUPABASE_DB_URL_STAGING is not set: not checked',
      fix: 'export SUPABASE_DB_URL_STAGING=<direct database URL>',
    });
    const invalid = await runCheck('migrations', 'migrations', { timeoutMs: 1000, timeoutFix: '' }, () =>
      checkMigrationsFromEnv(
        staging,
        { SUPABASE_DB_URL_STAGING: 'mysql://root:Sup3rSecret@db/x' },
        { timeoutMs: 1000 },
      ),
    );
    expect(invalid).toMatchObject({
      status: 'fail',
      detail: 'SUPABASE_DB_URL_STAGING must be a postgres:// or postgresql:// URL (got mysql://…)',
    });
    expect(JSON.stringify(invalid)).not.toContain('Sup3rSecret');
  });

  it('refuses the transaction pooler without connecting', async () => {
    const pooler = parseDbUrl(
      'postgresql://postgres.ref:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres',
      'SUPABASE_DB_URL_PRODUCTION',
    );
    expect(await checkMigrationsDatabase(pooler, production, { timeoutMs: 1000 })).toMatchObject({
      status: 'fail',
      detail:
        'SUPABASE_DB_URL_PRODUCTION points at the transaction pooler (aws-0-us-east-1.pooler.supabase.com:6543/postgres); migrations need a direct connection (port 5432)',
    });
  });

  it('an unreachable database (closed local port) fails fast with the reason, never the password', async () => {
    const port = await closedPort();
    const unreachable = parseDbUrl(
      `postgresql://postgres:n0t-Printed@127.0.0.1:${port}/postgres`,
      'SUPABASE_DB_URL_STAGING',
    );
    const started = performance.now();
    const outcome = await checkMigrationsDatabase(unreachable, staging, { timeoutMs: 2000 });
    expect(outcome).toEqual({
      status: 'fail',
      detail: `cannot reach 127.0.0.1:${port}/postgres: connection refused`,
      fix: 'check SUPABASE_DB_URL_STAGING and that this network may reach the database',
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
