import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../../src/recipes/backoff.js';
import { leaseTiming, stopBudgetMs } from '../../../src/recipes/lease.js';

test('backoff: grows exponentially, is capped, and jitters', () => {
  const o = { baseMs: 100, maxMs: 1000 };
  assert.equal(backoffDelay(0, o, () => 1), 100);
  assert.equal(backoffDelay(3, o, () => 1), 800);
  assert.equal(backoffDelay(10, o, () => 1), 1000);
  assert.equal(backoffDelay(10, o, () => 0), 50);
  assert.ok(backoffDelay(5, o) <= 1000);
});

test('lease timing: heartbeat T/4, margin T/10 but at least 200 ms; the stop budget is what is left', () => {
  assert.deepEqual(leaseTiming(2000), { heartbeatMs: 500, marginMs: 200 });
  assert.deepEqual(leaseTiming(10_000), { heartbeatMs: 2500, marginMs: 1000 });
  assert.equal(stopBudgetMs(2000), 1300);
  assert.equal(stopBudgetMs(4000), 2600);
});
