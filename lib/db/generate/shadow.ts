/**
 * Shadow databases for Docker-free migration generation: scratch databases on the local
 * server, diffed against the dev database and always dropped afterwards. The first is built
 * from the bootstrap + every migration with `supabase db push` (as a real database gets them);
 * the round-trip one is a clone of it (`CREATE DATABASE … TEMPLATE`) given only the new file,
 * which saves rebuilding everything (issue 17: ~1 s per generate).
 */
import * as supabase from '../../commands/supabase.ts';
import type { DbUrl } from '../url.ts';
import { OperationFailed } from '../../core/errors.ts';
import { describePgError } from '../pg-errors.ts';
import { quoteIdent, withClient, type PgClient } from '../pg.ts';
import { applyBootstrap } from '../plain-postgres.ts';
import type { Runner } from '../../core/runner.ts';
import type { SupabaseProject } from '../project.ts';
import { MigrationFailed, runMigrationCommand } from '../run-migrations.ts';
import { cliUrl } from '../url.ts';

let counter = 0;

export class ShadowDatabases {
  private readonly created: string[] = [];

  /** `admin` is a superuser connection to `server`'s cluster (it creates and drops databases). */
  constructor(
    private readonly admin: PgClient,
    private readonly server: DbUrl,
    private readonly runner: Runner,
    private readonly project: SupabaseProject,
  ) {}

  get names(): readonly string[] {
    return this.created;
  }

  /** A new database holding bootstrap + every migration file now in supabase/migrations. */
  async create(): Promise<DbUrl> {
    const db = await this.createDatabase('');
    await withClient(db, (client) => applyBootstrap(client, this.project.bootstrapFile), {
      applicationName: 'kotadb-ops shadow',
    });
    await this.push(db);
    return db;
  }

  /** A copy of `template` (nobody may be connected to it) given the migration files it lacks. */
  async cloneAndPush(template: DbUrl): Promise<DbUrl> {
    const db = await this.createDatabase(` template ${quoteIdent(template.database)}`);
    await this.push(db);
    return db;
  }

  /** Drops every shadow this object created; returns the names it could not drop. */
  async dropAll(): Promise<string[]> {
    const failed: string[] = [];
    for (const name of this.created.splice(0)) {
      try {
        await this.admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
      } catch {
        failed.push(name);
      }
    }
    return failed;
  }

  private async createDatabase(clause: string): Promise<DbUrl> {
    const name = `kotadb_shadow_${Date.now().toString(36)}_${process.pid}_${++counter}`;
    try {
      await this.admin.query(`create database ${quoteIdent(name)}${clause}`);
    } catch (error) {
      throw new OperationFailed(`cannot create the shadow database ${name}: ${describePgError(error)}`, {
        hint: "the dev database URL must be a superuser (the local server's postgres user)",
      });
    }
    this.created.push(name);
    return { ...this.server, database: name };
  }

  private async push(db: DbUrl): Promise<void> {
    try {
      await runMigrationCommand(this.runner, supabase.dbPush(this.project.root, cliUrl(db)), db, {
        cwd: this.project.root,
        stream: false,
      });
    } catch (error) {
      if (error instanceof MigrationFailed) {
        throw new OperationFailed(`the shadow database could not be built: ${error.message}`, {
          hint: error.hint,
          cause: error,
        });
      }
      throw error;
    }
  }
}
