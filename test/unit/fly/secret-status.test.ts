import { describe, expect, it } from 'vitest';
import { describeUnknownStaged, stagedSecrets } from '../../../lib/fly/secret-status.ts';
import type { FlySecret } from '../../../lib/fly/json.ts';

const secret = (name: string, status: FlySecret['status']): FlySecret => ({
  name,
  digest: 'd',
  status,
  updatedAt: null,
});
const allStaged = [secret('A', 'Staged'), secret('B', 'Staged')];

describe('stagedSecrets: the one "all Staged while machines run = unknown" rule', () => {
  it.each([
    ['nothing set', [], {}, { staged: [], unknown: null }],
    [
      'Staged and Partial are staged',
      [secret('A', 'Deployed'), secret('B', 'Staged'), secret('C', 'Partial')],
      {},
      { staged: ['B', 'C'], unknown: null },
    ],
    ['all Staged on an app with machines', allStaged, { hasMachines: true }, { staged: [], unknown: 'all-staged' }],
    ['all Staged when the machines were not asked (fly-secrets)', allStaged, {}, { staged: [], unknown: 'all-staged' }],
    [
      'all Staged on an app known to have no machines: staged',
      allStaged,
      { hasMachines: false },
      { staged: ['A', 'B'], unknown: null },
    ],
    [
      'an older flyctl without status',
      [secret('A', null), secret('B', 'Staged')],
      {},
      { staged: [], unknown: 'no-status' },
    ],
    [
      'some Unknown',
      [secret('A', 'Unknown'), secret('B', 'Staged')],
      { hasMachines: true },
      { staged: [], unknown: 'some-unknown' },
    ],
  ] as const)('%s', (_name, secrets, app, expected) => {
    expect(stagedSecrets(secrets, app)).toEqual(expected);
  });

  it('says why in words', () => {
    expect(describeUnknownStaged('all-staged')).toBe(
      'flyctl shows every secret as Staged, as it does when it cannot read the release times or the app has no machines',
    );
    expect(describeUnknownStaged('no-status')).toBe('this flyctl does not report the deployment status of secrets');
    expect(describeUnknownStaged('some-unknown')).toBe('flyctl reports the status of some secrets as Unknown');
  });
});
