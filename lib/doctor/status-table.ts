/**
 * How `status` tells its report: one table (a column per environment, a row per question, an
 * unknown answer as "unknown (why)"), the line between staging and production, and --json.
 * Pure.
 */
import { alignTable, escapeControl, plural } from '../core/text.ts';
import { shortSha } from '../release/release-commit.ts';
import type { Answer } from './checklist.ts';
import type { Between, EnvironmentStatus, StatusReport } from './status.ts';

const cell = <T>(answer: Answer<T>, text: (value: T) => string): string =>
  answer.ok ? text(answer.value) : `unknown (${answer.why})`;

/** 45s, 12m, 5h12m, 3d4h. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/** A second row from the release answer: its failure was told in the release row. */
const fromRelease = (
  e: EnvironmentStatus,
  text: (r: Extract<EnvironmentStatus['release'], { ok: true }>['value']) => string,
) => (e.release.ok ? text(e.release.value) : 'unknown (see release)');

const ROWS: ReadonlyArray<[string, (e: EnvironmentStatus) => string]> = [
  ['release', (e) => cell(e.release, (r) => `v${r.version}`)],
  ['image', (e) => fromRelease(e, (r) => r.imageRef ?? 'unknown (flyctl did not say)')],
  [
    'commit',
    (e) => cell(e.commit, (c) => `${shortSha(c.sha)}${c.subject === null ? '' : ` ${escapeControl(c.subject)}`}`),
  ],
  ['age', (e) => fromRelease(e, (r) => (r.ageMs === null ? 'unknown (no date)' : formatAge(r.ageMs)))],
  ['health', (e) => cell(e.health, (h) => `${h.detail} (${h.latencyMs} ms)`)],
  [
    'machines',
    (e) =>
      cell(
        e.machines,
        (m) => `${m.running}/${m.expected} running${m.total !== m.running ? ` (${m.total} in all)` : ''}`,
      ),
  ],
  ['staged secrets', (e) => cell(e.stagedSecrets, (names) => (names.length ? names.join(', ') : 'none'))],
  [
    'migrations',
    (e) =>
      cell(e.migrations, (m) =>
        m.pending.length
          ? `${m.pending.length} pending: ${m.pending.join(', ')}`
          : `none pending (${m.applied.length} applied)`,
      ),
  ],
];

export function renderStatus(report: StatusReport): string[] {
  const header = ['', ...report.environments.map((e) => `${e.environment} (${e.app})`)];
  const lines = alignTable([header, ...ROWS.map(([title, text]) => [title, ...report.environments.map(text)])]);
  if (report.between) lines.push('', ...betweenLines(report.between));
  return lines;
}

/** "staging is 3 commits / 1 migration ahead of production" and whether they run the same image. */
export function betweenLines(between: Between): string[] {
  const { commits, migrations } = between;
  const distance = (a: Answer<{ ahead: number; behind: number }>, noun: string) =>
    a.ok
      ? a.value.behind > 0
        ? `${plural(a.value.ahead, noun)} ahead and ${a.value.behind} behind`
        : plural(a.value.ahead, noun)
      : `unknown ${noun}s (${a.why})`;
  const image = between.sameImage.ok
    ? between.sameImage.value
      ? "production runs staging's image"
      : "production's image differs from staging's"
    : `whether production runs staging's image is unknown (${between.sameImage.why})`;
  return [
    `staging is ${distance(commits, 'commit')} / ${distance(migrations, 'migration')} ahead of production`,
    image,
  ];
}

export function statusJson(report: StatusReport, durationMs: number) {
  return { ...report, durationMs: Math.round(durationMs) };
}
