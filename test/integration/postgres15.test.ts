/**
 * Supabase hosts PostgreSQL 15 and 17: the migrations must apply on both. 17 is what every
 * other test runs; this one starts a real PostgreSQL 15 (Debian's postgresql-15, through the
 * same lib/db/local-postgres.ts) when the machine has it, resets it with the real CLI (bootstrap,
 * every migration, the seed) and runs the RLS/API-key SQL checks there too.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as supabase from '../../lib/commands/supabase.ts';
import { LocalPostgres, localPostgresConfig } from '../../lib/db/local-postgres.ts';
import { listLocalMigrations } from '../../lib/db/migrations.ts';
import { Output } from '../../lib/core/output.ts';
import { fromRoot } from '../../lib/core/paths.ts';
import { findNewerThan15 } from '../../lib/db/generate/pg-compat.ts';
import { withClient } from '../../lib/db/pg.ts';
import { applyBootstrap } from '../../lib/db/plain-postgres.ts';
import { Runner } from '../../lib/core/runner.ts';
import { runMigrationCommand } from '../../lib/db/run-migrations.ts';
import { freePort } from '../helpers/free-port.ts';
import { cliUrl } from '../../lib/db/url.ts';

const PG15_BIN = '/usr/lib/postgresql/15/bin';
const LOCAL = listLocalMigrations().migrations;

describe('the migrations on PostgreSQL 15', () => {
  it('apply (with the bootstrap and the seed) and pass the RLS checks on a real PostgreSQL 15, when installed', async () => {
    const staticFindings = LOCAL.flatMap((m) =>
      findNewerThan15(readFileSync(m.path, 'utf8')).map((f) => `${m.file}:${f.line} ${f.feature}`),
    );
    expect(staticFindings).toEqual([]);
    if (!existsSync(path.join(PG15_BIN, 'postgres'))) {
      // No PostgreSQL 15 on this machine (Debian/Ubuntu: apt-get install postgresql-15): the
      // static scan above is the check. Say so in the output rather than skipping silently.
      process.stderr.write(`note: ${PG15_BIN}/postgres not found; migrations checked on 15 by static scan only\n`);
      return;
    }

    const dir = mkdtempSync(path.join(tmpdir(), 'kotadb-pg15-'));
    chmodSync(dir, 0o755);
    const runner = new Runner({ output: new Output() });
    const server = new LocalPostgres(
      localPostgresConfig({
        env: {},
        overrides: {
          baseDir: path.join(dir, 'pg'),
          port: await freePort(),
          password: null,
          binDir: PG15_BIN,
          major: 15,
          fast: true,
        },
      }),
      runner,
    );
    try {
      await server.start();
      const db = server.dbUrl();
      await withClient(db, (client) => applyBootstrap(client, fromRoot('supabase', 'bootstrap', 'plain-postgres.sql')));
      const run = await runMigrationCommand(runner, supabase.dbReset(fromRoot(), cliUrl(db)), db, {
        cwd: fromRoot(),
        stream: false,
      });
      expect(run.applied.map((t) => t.file)).toEqual(LOCAL.map((m) => m.file));
      expect(run.seedFile).toBe('supabase/seed.sql');

      await withClient(db, async (client) => {
        const version = await client.query<{ server_version_num: string }>('show server_version_num');
        expect(version.rows[0]!.server_version_num).toMatch(/^15\d{4}$/);
        const notices: string[] = [];
        client.on('notice', (n) => n.message?.startsWith('ok - ') && notices.push(n.message));
        await client.query(readFileSync(fromRoot('test', 'sql', 'rls_and_api_keys.sql'), 'utf8'));
        expect(notices.length).toBeGreaterThanOrEqual(71);
      });
    } finally {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
