import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartTracker, type RestartPolicy } from '../../../src/supervisor/restart-policy.js';

const POLICY: RestartPolicy = {
  onExit: 'restart',
  initialDelay: 100,
  maxDelay: 1000,
  crashLoopFailures: 3,
  crashLoopWindow: 10_000,
};

test('restart policy: release steps down after every exit', () => {
  const t = new RestartTracker({ ...POLICY, onExit: 'release' });
  assert.deepEqual(t.afterExit(0), { action: 'release' });
  assert.deepEqual(t.afterExit(1), { action: 'release' });
});

test('restart policy: restarts back off, and the n-th exit within the window is a crash loop', () => {
  const t = new RestartTracker(POLICY, () => 1);
  assert.deepEqual(t.afterExit(0), { action: 'restart', delayMs: 100 });
  assert.deepEqual(t.afterExit(500), { action: 'restart', delayMs: 200 });
  assert.deepEqual(t.afterExit(1000), { action: 'crash-loop', exits: 3 });
});

test('restart policy: exits older than the window are forgotten (backoff starts over)', () => {
  const t = new RestartTracker(POLICY, () => 1);
  t.afterExit(0);
  t.afterExit(1000);
  assert.deepEqual(t.afterExit(10_500), { action: 'restart', delayMs: 200 }, 'the exit at 0 left the window');
  assert.deepEqual(t.afterExit(30_000), { action: 'restart', delayMs: 100 });
});
