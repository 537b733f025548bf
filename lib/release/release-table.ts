/**
 * `rollback --list`: recent releases as a table (or JSON), marking the running release, the
 * default rollback target and releases a rollback already replaced, so the choice of `--to`
 * is obvious.
 */
import { defaultRollbackTarget, runningRelease, sortReleases } from '../fly/client.ts';
import type { FlyRelease } from '../fly/json.ts';
import { alignTable } from '../core/text.ts';
import { NO_RECORDS, releaseCommit, shortSha, type CommitRecords } from './release-commit.ts';
import { rolledBackFrom } from './rollback.ts';

export interface ListedRelease {
  version: number;
  status: string;
  imageRef: string | null;
  /** The commit it was deployed from (releaseCommit), null when nothing records it. */
  commit: string | null;
  user: string | null;
  createdAt: string | null;
  running: boolean;
  defaultTarget: boolean;
  /** A later release put an older image back over this one. */
  rolledBackFrom: boolean;
}

export function listReleases(releases: readonly FlyRelease[], records: CommitRecords = NO_RECORDS): ListedRelease[] {
  const running = runningRelease(releases);
  const abandoned = new Set(rolledBackFrom(releases).map((r) => r.version));
  const candidate = defaultRollbackTarget(releases);
  const target = candidate && !abandoned.has(candidate.version) ? candidate : undefined;
  return sortReleases(releases).map((r) => ({
    version: r.version,
    status: r.status,
    imageRef: r.imageRef,
    commit: releaseCommit(r, records)?.sha ?? null,
    user: r.user,
    createdAt: r.createdAt,
    running: r.version === running?.version,
    defaultTarget: r.version === target?.version,
    rolledBackFrom: abandoned.has(r.version),
  }));
}

export function formatReleaseTable(rows: readonly ListedRelease[]): string[] {
  if (rows.length === 0) return ['no releases yet'];
  const table = [
    ['VERSION', 'STATUS', 'IMAGE', 'COMMIT', 'USER', 'DATE', ''],
    ...rows.map((r) => [
      `v${r.version}`,
      r.status,
      r.imageRef ?? '-',
      r.commit ? shortSha(r.commit) : '-',
      r.user ?? '-',
      r.createdAt ? r.createdAt.replace('T', ' ') : '-',
      r.running
        ? '← running'
        : r.defaultTarget
          ? '← default rollback target'
          : r.rolledBackFrom
            ? '← rolled back from'
            : '',
    ]),
  ];
  return alignTable(table);
}
