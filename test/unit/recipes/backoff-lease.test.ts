import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../../src/util/backoff.js';
import { HeartbeatLedger, leaseMarginMs, leaseTiming, stopBudgetMs } from '../../../src/recipes/lease-timing.js';

test('backoff: grows exponentially, is capped, and jitters', () => {
  const o = { baseMs: 100, maxMs: 1000 };
  assert.equal(
    backoffDelay(0, o, () => 1),
    100
  );
  assert.equal(
    backoffDelay(3, o, () => 1),
    800
  );
  assert.equal(
    backoffDelay(10, o, () => 1),
    1000
  );
  assert.equal(
    backoffDelay(10, o, () => 0),
    50
  );
  assert.ok(backoffDelay(5, o) <= 1000);
});

test('lease timing: margin T/10 (≥ 200 ms); the heartbeat leaves a third of the room as slack, at most T/4', () => {
  assert.equal(leaseMarginMs(2000), 200);
  assert.equal(leaseMarginMs(10_000), 1000);
  // T = 10 s on stock servers (tick 2 s), stopTimeout 5 s: room 2 s → a heartbeat every 666 ms
  assert.deepEqual(leaseTiming(10_000, 2000, 5000), { heartbeatMs: 666, marginMs: 1000 });
  assert.deepEqual(leaseTiming(2000, 100, 300), { heartbeatMs: 466, marginMs: 200 });
  assert.deepEqual(leaseTiming(20_000, 100, 300), { heartbeatMs: 5000, marginMs: 2000 });
  assert.equal(leaseTiming(4000, 2000, 2000), undefined, 'does not fit');
  assert.equal(stopBudgetMs(10_000, 2000), 6850);
  assert.equal(stopBudgetMs(4000, 2000), 1450);
});

test('ledger: a heartbeat counts only once a later one, sent a server tick after its answer, was answered', () => {
  const l = new HeartbeatLedger(100);
  assert.equal(l.deliveredSentAt, -Infinity);
  l.answered(0, 5); // j = 0, answered at 5
  assert.equal(l.deliveredSentAt, -Infinity, 'an answered sync alone proves nothing about its touch');
  l.answered(50, 55); // sent 45 ms after j's answer: no ping of the leader needs to have fallen between
  assert.equal(l.deliveredSentAt, -Infinity);
  l.answered(105, 110); // sent 100 ms after j's answer: j delivered (not 50: 105 < 55 + 100)
  assert.equal(l.deliveredSentAt, 0);
  l.answered(160, 170);
  assert.equal(l.deliveredSentAt, 50);
  l.answered(400, 405); // everything answered before 300 is delivered now
  assert.equal(l.deliveredSentAt, 160);
});

test('ledger: after a silence (syncs a cut-off member cannot answer) one answer proves only itself', () => {
  const l = new HeartbeatLedger(2000);
  l.deliveredAt(1000); // the session's creation
  assert.equal(l.deliveredSentAt, 1000);
  l.answered(30_000, 30_001);
  assert.equal(l.deliveredSentAt, 1000, 'one answer after a long silence proves only itself');
});
