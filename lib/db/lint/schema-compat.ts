/**
 * Can an earlier release run against today's schema? The migrations applied since that
 * release was deployed are the ones recorded now (in the database, or present in the checkout
 * that was applied) but absent from the release's own commit (its deploy tag). Expand-only:
 * compatible. Any contract migration, or one that cannot be classified (no file here) or a
 * release whose migrations cannot be known: not compatible, with the reason. Pure.
 */
import { compareVersions } from '../migrations.ts';
import type { MigrationKind } from './classify.ts';

export interface KnownMigration {
  readonly version: string;
  readonly file: string;
  readonly kind: MigrationKind;
  /** Why it is a contract migration (first signal, or "declared"). */
  readonly why: string | null;
}

export interface SchemaCompatInput {
  /** `v41`: how the target is named in messages. */
  readonly target: string;
  /** Versions of the migration files at the target release's commit; null when unknown. */
  readonly atTarget: readonly string[] | null;
  /** Versions applied now (the database's tracking table, or the files of the applied checkout). */
  readonly applied: readonly string[];
  /** Classified local migration files, by version. */
  readonly known: ReadonlyMap<string, KnownMigration>;
}

export type SchemaCompat =
  | { readonly compatible: true; readonly since: KnownMigration[]; readonly message: string }
  | {
      readonly compatible: false;
      readonly reason: 'contract' | 'unclassified' | 'unknown-release';
      readonly contract: KnownMigration[];
      /** Applied versions with no local file to classify. */
      readonly unclassified: string[];
      readonly message: string;
    };

export function schemaCompatibility(input: SchemaCompatInput): SchemaCompat {
  const { target } = input;
  if (input.atTarget === null) {
    return {
      compatible: false,
      reason: 'unknown-release',
      contract: [],
      unclassified: [],
      message: `cannot tell which migrations ${target} was deployed with (no deploy tag or git-<sha> image label names a commit of this checkout), so the schema may not be compatible with it`,
    };
  }
  const atTarget = new Set(input.atTarget);
  const since = input.applied.filter((v) => !atTarget.has(v)).sort(compareVersions);
  const unclassified = since.filter((v) => !input.known.has(v));
  const migrations = since.flatMap((v) => input.known.get(v) ?? []);
  const contract = migrations.filter((m) => m.kind === 'contract');
  if (contract.length === 0 && unclassified.length === 0) {
    const message =
      migrations.length === 0
        ? `schema is compatible with ${target}: no migration was applied after it`
        : `schema is compatible with ${target}: the ${migrations.length} migration(s) applied after it only expand (${migrations.map((m) => m.version).join(', ')})`;
    return { compatible: true, since: migrations, message };
  }
  const named = [
    ...contract.map((m) => `${m.file} (${m.why ?? 'contract'})`),
    ...unclassified.map((v) => `${v} (recorded, but no file here to classify)`),
  ];
  return {
    compatible: false,
    reason: contract.length ? 'contract' : 'unclassified',
    contract,
    unclassified,
    message: `schema is not compatible with ${target}: applied after it: ${named.join('; ')}`,
  };
}

/** Versions of the migration files named in `git ls-tree --name-only` output (any path prefix). */
export function versionsInListing(listing: string): string[] {
  return listing
    .split('\n')
    .map((line) => /(?:^|\/)(\d+)_[^/]*\.sql$/.exec(line.trim())?.[1])
    .filter((v): v is string => v !== undefined);
}
