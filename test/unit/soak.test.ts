// The soak's pure parts: the seeded schedule (the same seed replays the same faults) and the checker's rules
// for overlaps, leaderless gaps after faults stop, and needless restarts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcLife } from '../helpers/proc-sampler.js';
import { judge, type Applied } from '../soak/checker.js';
import { FAULT_KINDS, schedule } from '../soak/schedule.js';

const S = 1_000_000_000n; // ns per second

test('soak schedule: the same seed gives the same faults; another seed others; every kind is drawn', () => {
  const opts = { seed: 7, minutes: 30, hosts: 3, sessionMs: 2000 };
  const a = schedule(opts);
  assert.deepEqual(schedule(opts), a);
  assert.notDeepEqual(schedule({ ...opts, seed: 8 }), a);
  assert.deepEqual(new Set(a.map((f) => f.kind)), new Set(FAULT_KINDS));
  assert.ok(
    a.every((f, i) => i === 0 || a[i - 1]!.atMs <= f.atMs),
    'sorted by time'
  );
  assert.ok(a.length > 30 * 30, `about 40 faults a minute (got ${a.length} in 30)`);
});

test('soak schedule: one quorum fault at a time, and quiet stretches of at least 3 T with no fault', () => {
  const f = schedule({ seed: 3, minutes: 20, hosts: 5, sessionMs: 2000 });
  const quorum = f.filter((x) => ['isolate-member', 'kill-member', 'quorum-loss'].includes(x.kind));
  for (let i = 1; i < quorum.length; i++)
    assert.ok(
      quorum[i]!.atMs >= quorum[i - 1]!.atMs + quorum[i - 1]!.ms,
      'a quorum fault starts after the last healed'
    );
  let healed = 0;
  let quiet = 0;
  for (const x of f) {
    if (x.atMs - healed >= 6000) quiet++;
    healed = Math.max(healed, x.atMs + x.ms);
  }
  assert.ok(quiet >= 20, `bursts separated by quiet stretches (got ${quiet})`);
  assert.deepEqual(
    schedule({ seed: 3, minutes: 20, hosts: 5, sessionMs: 2000, without: ['kill-leash'] }).filter(
      (x) => x.kind === 'kill-leash'
    ),
    []
  );
});

const life = (host: string, term: string, from: number, to?: number): ProcLife => ({
  pid: Math.floor(Math.random() * 1e6),
  ppid: 1,
  pgid: 1,
  sid: 1,
  comm: 'node',
  argv: '',
  host,
  job: true,
  term,
  token: term,
  tick: '',
  path: '/job',
  slot: '',
  forkedAtNs: BigInt(from) * S,
  firstSeenNs: BigInt(from) * S,
  lastSeenNs: BigInt(to ?? 100) * S,
  goneNs: to === undefined ? undefined : BigInt(to) * S,
  segments: [[BigInt(from) * S, BigInt(to ?? 100) * S]],
});
const fault = (kind: string, host: string, from: number, to = from): Applied => ({
  kind,
  host,
  fromNs: BigInt(from) * S,
  toNs: BigInt(to) * S,
  excuses: kind !== 'reload',
});
const opts = { sessionMs: 2000, startNs: 0n, endNs: 100n * S };

test('soak checker: two runs alive at once are an overlap; one after the other, after a fault, are not', () => {
  const clean = judge([life('a', '1', 0, 10), life('b', '2', 11)], [fault('kill-host', 'a', 9)], opts);
  assert.deepEqual(clean.overlaps, []);
  assert.deepEqual(clean.needless, []);
  assert.deepEqual(clean.gaps, []);
  const two = judge([life('a', '1', 0, 10), life('b', '2', 9)], [fault('partition', 'a', 5, 8)], opts);
  assert.equal(two.overlaps.length, 1);
  assert.equal(Math.round(two.overlaps[0]!.ms), 1000);
});

test('soak checker: an overlap ≤ 100 ms of a run of a host thawed from a whole-host freeze is tolerated', () => {
  const lives = [life('a', '1', 0, 10), life('b', '2', 10)];
  lives[0]!.segments = [[0n, 10n * S + 50_000_000n]];
  const v = judge(lives, [fault('freeze-host', 'a', 4, 10)], opts);
  assert.deepEqual(v.overlaps, []);
  assert.equal(v.tolerated.length, 1);
  assert.equal(judge(lives, [fault('freeze-supervisor', 'a', 4, 10)], opts).overlaps.length, 1, 'only the host');
});

test('soak checker: a gap counts from the last heal; beyond T + 1 s it is a finding, during faults it is not', () => {
  // no job from 10 s to 20 s; the partition healed at 18 s: 2 s after it, within T + 1 s = 3 s
  const lives = [life('a', '1', 0, 10), life('b', '2', 20)];
  const within = judge(lives, [fault('partition', 'a', 9, 18)], opts);
  assert.deepEqual(within.gaps, []);
  assert.equal(Math.round(within.worstGapMs), 2000);
  // healed at 14 s: 6 s without a leader after it
  const beyond = judge(lives, [fault('partition', 'a', 9, 14)], opts);
  assert.equal(beyond.gaps.length, 1);
  assert.equal(Math.round(beyond.gaps[0]!.afterFaultsMs), 6000);
  // a fault still on at the gap's end (a quorum loss until 25 s): nothing to check
  assert.deepEqual(judge(lives, [fault('quorum-loss', '', 9, 25)], opts).gaps, []);
});

test('soak checker: a child stopped with no fault within T + 1 s before is a needless restart; a reload excuses none', () => {
  const lives = [life('a', '1', 0, 10), life('b', '2', 10)];
  assert.equal(judge(lives, [], opts).needless.length, 1);
  assert.equal(judge(lives, [fault('resign', 'a', 9)], opts).needless.length, 0);
  assert.equal(judge(lives, [fault('resign', 'a', 5)], opts).needless.length, 1, '5 s before: too long ago');
  assert.equal(judge(lives, [fault('reload', 'a', 9)], opts).needless.length, 1);
});
