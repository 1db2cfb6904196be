// The priority rules, pure: which waiting candidate a winner passes the term to, and when a preempter asks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preemptDecision, preferredOf, priorityOf } from '../../../src/recipes/priority.js';

const c = (id: string, priority?: number, steppedDown?: number) => ({
  node: `/e/candidates/${id}`,
  id,
  ...(priority === undefined ? {} : { priority }),
  ...(steppedDown === undefined ? {} : { steppedDown }),
});

test('priority: a node without one (an older release) counts as 0; junk counts as 0', () => {
  assert.equal(priorityOf({}), 0);
  assert.equal(priorityOf(undefined), 0);
  assert.equal(priorityOf({ priority: 'high' }), 0);
  assert.equal(priorityOf({ priority: Number.NaN }), 0);
  assert.equal(priorityOf({ priority: -3 }), -3);
});

test('priority: the winner passes to the first of the highest waiting priority above its own, else keeps it', () => {
  assert.equal(preferredOf(0, [c('x'), c('y', 5), c('z', 10), c('w', 10)], 7)?.id, 'z', 'highest, then queue order');
  assert.equal(preferredOf(5, [c('x', 5), c('y', 1)], 7), undefined, 'an equal priority is not a reason to pass');
  assert.equal(preferredOf(10, [c('y', 5)], 7), undefined, 'only to a more preferred one');
  assert.equal(preferredOf(-1, [c('x')], 7)?.id, 'x', 'a negative priority passes to the default');
  assert.equal(preferredOf(0, [], 7), undefined);
});

test('priority: a candidate that stepped down from the last term is passed over; after a later term it is not', () => {
  assert.equal(preferredOf(0, [c('a', 10, 7)], 7), undefined, 'it stepped down from the term that just ended');
  assert.equal(preferredOf(0, [c('a', 10, 7), c('b', 5)], 7)?.id, 'b', 'the next most preferred gets it');
  assert.equal(preferredOf(0, [c('a', 10, 7)], 8)?.id, 'a', 'term 8 came after: a is preferred again');
  assert.equal(preferredOf(0, [c('a', 10, 7)], undefined), undefined, 'no last term known: passed over');
});

const timing = { afterMs: 10_000, minTenureMs: 30_000 };
const leader = (priority: number | undefined, sinceMsAgo: number, more: object = {}) => ({
  id: 'b',
  host: 'hb',
  pid: 1,
  description: '',
  term: 8,
  since: new Date(1_000_000_000 - sinceMsAgo).toISOString(),
  ...(priority === undefined ? {} : { priority }),
  ...more,
});
const NOW = 1_000_000_000;

test('preempt: asks a less preferred leader once calm for `after` and the term `minTenure` old, not before', () => {
  const me = { priority: 10 };
  assert.equal(preemptDecision(me, leader(5, 60_000), 10_000, NOW, timing, new Set()), 'ask');
  assert.deepEqual(preemptDecision(me, leader(5, 60_000), 4_000, NOW, timing, new Set()), { waitMs: 6_000 });
  assert.deepEqual(preemptDecision(me, leader(5, 20_000), 10_000, NOW, timing, new Set()), { waitMs: 10_000 });
  assert.deepEqual(preemptDecision(me, leader(undefined, 0), 0, NOW, timing, new Set()), { waitMs: 30_000 });
});

test('preempt: never an equal or more preferred leader, an ended or already-asked term, nor while disconnected', () => {
  const me = { priority: 10 };
  const never = (l: ReturnType<typeof leader> | undefined, calm: number | undefined, asked = new Set<number>()) =>
    assert.equal(preemptDecision(me, l, calm, NOW, timing, asked), 'never');
  never(leader(10, 60_000), 60_000);
  never(leader(20, 60_000), 60_000);
  never(leader(5, 60_000, { ended: new Date(NOW).toISOString() }), 60_000);
  never(leader(5, 60_000), 60_000, new Set([8]));
  never(leader(5, 60_000), undefined);
  never(undefined, 60_000);
  never({ ...leader(5, 60_000), term: undefined } as never, 60_000);
});

test('preempt: not the term we stepped down from (a resign holds until a later term), a later one yes', () => {
  assert.equal(
    preemptDecision({ priority: 10, steppedDown: 8 }, leader(5, 60_000), 60_000, NOW, timing, new Set()),
    'never'
  );
  assert.equal(
    preemptDecision({ priority: 10, steppedDown: 7 }, leader(5, 60_000), 60_000, NOW, timing, new Set()),
    'ask'
  );
});
