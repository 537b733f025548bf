import { describe, expect, it } from 'vitest';
import {
  describeHolder,
  describeWho,
  encodeHolder,
  freshness,
  identityFrom,
  newHolder,
  parseHolder,
  processIsRunning,
  refreshed,
  sameIdentity,
  STALE_AFTER_MS,
  type Holder,
} from '../../../lib/lock/holder.ts';

const T0 = new Date('2026-08-01T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const alice = { user: 'alice', host: 'laptop', pid: 4242, ciRunUrl: null };
const holder = (): Holder => newHolder(alice, 'staging', 'deploy staging', T0);

describe('holder identity', () => {
  it('on a laptop: the login user, the host and the pid, no CI run', () => {
    expect(identityFrom({ USER: 'alice' }, 'laptop', 4242)).toEqual(alice);
    expect(identityFrom({ LOGNAME: 'bob' }, 'box', 1)).toMatchObject({ user: 'bob' });
    expect(identityFrom({ USERNAME: 'carol' }, 'pc', 1)).toMatchObject({ user: 'carol' });
    expect(identityFrom({}, '', 1)).toMatchObject({ user: 'unknown', host: 'unknown' });
  });

  it('in GitHub Actions: the actor and the run URL', () => {
    const env = {
      USER: 'runner',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'kotadb/kotadb-ops',
      GITHUB_RUN_ID: '123456',
    };
    expect(identityFrom(env, 'fv-az123', 77)).toEqual({
      user: 'octocat',
      host: 'fv-az123',
      pid: 77,
      ciRunUrl: 'https://github.com/kotadb/kotadb-ops/actions/runs/123456',
    });
  });

  it('same identity = same user, host and CI run (the pid may differ: an earlier run of this user here)', () => {
    expect(sameIdentity(holder(), { ...alice, pid: 1 })).toBe(true);
    expect(sameIdentity(holder(), { ...alice, host: 'other' })).toBe(false);
    expect(sameIdentity(holder(), { ...alice, user: 'bob' })).toBe(false);
    expect(sameIdentity(holder(), { ...alice, ciRunUrl: 'https://github.com/o/r/actions/runs/1' })).toBe(false);
  });
});

describe('holder record', () => {
  it('a new record: since = heartbeat = now (to the second), stale 5 minutes later, a unique id', () => {
    const record = newHolder(alice, 'staging', 'deploy staging', new Date('2026-08-01T10:00:00.789Z'));
    expect(record).toMatchObject({
      format: 1,
      environment: 'staging',
      command: 'deploy staging',
      ...alice,
      since: '2026-08-01T10:00:00Z',
      heartbeatAt: '2026-08-01T10:00:00Z',
      staleAfter: '2026-08-01T10:05:00Z',
    });
    expect(record.id).not.toBe(holder().id);
  });

  it('a heartbeat moves heartbeatAt and staleAfter, never since or id', () => {
    const first = holder();
    const next = refreshed(first, at(60_000));
    expect(next).toEqual({ ...first, heartbeatAt: '2026-08-01T10:01:00Z', staleAfter: '2026-08-01T10:06:00Z' });
  });

  it('round-trips through the commit message, readable in git log', () => {
    const record = holder();
    const message = encodeHolder(record);
    expect(message.split('\n')[0]).toBe('kotadb deploy lock: staging, held by alice on laptop');
    expect(parseHolder(message)).toEqual({ ok: true, holder: record });
    const commit = `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@b> 1 +0000\ncommitter a <a@b> 1 +0000\n\n${message}`;
    expect(parseHolder(commit)).toEqual({ ok: true, holder: record });
  });

  it.each([
    ['no record at all', 'someone pushed this by hand\n', 'no holder record in the lock commit'],
    ['a record that is not JSON', 'lock\n\n{user: alice\n', 'the holder record is not JSON'],
    ['another format', `lock\n\n${JSON.stringify({ ...holder(), format: 2 })}\n`, 'format: '],
    ['a missing field', `lock\n\n${JSON.stringify({ ...holder(), user: undefined })}\n`, 'user: '],
    ['a time that is not one', `lock\n\n${JSON.stringify({ ...holder(), since: 'yesterday' })}\n`, 'since: not a time'],
  ])('reports %s as unreadable, never throws', (_name, message, reason) => {
    const parsed = parseHolder(message);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe('staleness', () => {
  it('is fresh up to staleAfter and stale after it', () => {
    expect(freshness(holder(), at(STALE_AFTER_MS))).toEqual({
      heldMs: STALE_AFTER_MS,
      silentMs: STALE_AFTER_MS,
      stale: false,
    });
    expect(freshness(holder(), at(STALE_AFTER_MS + 1000)).stale).toBe(true);
  });

  it('a refreshed holder is fresh again; held time counts from since', () => {
    const beat = refreshed(holder(), at(10 * 60_000));
    expect(freshness(beat, at(12 * 60_000))).toEqual({ heldMs: 12 * 60_000, silentMs: 2 * 60_000, stale: false });
  });

  it('a holder whose clock is ahead reads as just taken, not as negative time', () => {
    expect(freshness(holder(), at(-30_000))).toEqual({ heldMs: 0, silentMs: 0, stale: false });
  });
});

describe('describing the holder', () => {
  it('names user, host and pid, the command and since when', () => {
    expect(describeHolder(holder(), at(4 * 60_000 + 12_000))).toBe(
      'alice on laptop (pid 4242), running "deploy staging" since 2026-08-01T10:00:00Z (4m12s ago)',
    );
  });

  it('names the CI run instead of the runner host', () => {
    const ci = newHolder({ ...alice, ciRunUrl: 'https://github.com/o/r/actions/runs/9' }, 'staging', 'deploy', T0);
    expect(describeWho(ci)).toBe('alice in https://github.com/o/r/actions/runs/9');
  });

  it('says STALE and for how long there has been no heartbeat', () => {
    expect(describeHolder(holder(), at(3_600_000))).toBe(
      'alice on laptop (pid 4242), running "deploy staging" since 2026-08-01T10:00:00Z (60m00s ago); STALE: no heartbeat for 60m00s, its holder probably died',
    );
  });

  it('makes text from the remote safe for a terminal', () => {
    const sneaky = newHolder({ ...alice, user: 'eve\u001b[2J' }, 'staging', 'deploy\rstaging', T0);
    const line = describeHolder(sneaky, T0);
    expect(line).toContain('eve\\x1b[2J on laptop');
    expect(line).toContain('"deploy\\x0dstaging"');
  });
});

describe('processIsRunning', () => {
  it('is true for this process, false for a pid nobody has', () => {
    expect(processIsRunning(process.pid)).toBe(true);
    expect(processIsRunning(2 ** 30)).toBe(false);
    expect(processIsRunning(0)).toBe(false);
  });
});
