import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALLOWED, SupervisorError, checkTransition } from '../../../src/supervisor/states.js';

test('states: every target state exists and only stopped is final', () => {
  for (const [from, tos] of Object.entries(ALLOWED)) {
    for (const to of tos) assert.ok(to in ALLOWED, `${from} → ${to}`);
    if (from !== 'stopped')
      assert.ok(tos.includes('shutting-down') || from === 'shutting-down', `${from} cannot shut down`);
  }
  assert.deepEqual(ALLOWED.stopped, []);
});

test('states: a leader cannot go back to candidate without stopping its child', () => {
  assert.throws(() => checkTransition('running', 'candidate', 'test'), SupervisorError);
  assert.throws(() => checkTransition('fenced', 'candidate', 'test'), SupervisorError);
  checkTransition('running', 'fenced', 'test');
  checkTransition('fenced', 'running', 'test');
});
