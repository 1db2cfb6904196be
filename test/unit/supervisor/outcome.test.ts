// A tick's end, told once: to the run metrics, and to the one outcome hook that fits, with its environment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModeContext, RunOutcome } from '../../../src/supervisor/mode.js';
import { runEnded } from '../../../src/supervisor/outcome.js';

function fake() {
  const ran: RunOutcome[] = [];
  const fired: [string, { reason: string; env?: Record<string, string> }][] = [];
  const ctx = {
    ran: (r: RunOutcome) => ran.push(r),
    hooks: { fire: (name: string, e: { reason: string }) => fired.push([name, e]) },
    info: { host: 'h1' },
  } as unknown as ModeContext;
  return { ctx, ran, fired };
}

test('outcome: success → onSuccess, the failures → onFailure, missed and skipped → onMissed; the env names it', () => {
  const hookOf = (outcome: RunOutcome['outcome']) => {
    const { ctx, ran, fired } = fake();
    runEnded(ctx, { tick: '2026-12-03T00:00:00.000Z', outcome, exitCode: 4, signal: null, durationMs: 12 });
    assert.equal(ran.length, 1);
    assert.equal(fired.length, 1, 'one hook per tick');
    return fired[0]!;
  };
  assert.equal(hookOf('success')[0], 'onSuccess');
  for (const o of ['failure', 'timed-out', 'replaced', 'fenced'] as const) assert.equal(hookOf(o)[0], 'onFailure', o);
  for (const o of ['missed', 'skipped'] as const) assert.equal(hookOf(o)[0], 'onMissed', o);
  assert.deepEqual(hookOf('failure')[1].env, {
    ZK_SUPERVISOR_TICK: '2026-12-03T00:00:00.000Z',
    ZK_SUPERVISOR_OUTCOME: 'failure',
    ZK_SUPERVISOR_EXIT_CODE: '4',
    ZK_SUPERVISOR_SIGNAL: '',
    ZK_SUPERVISOR_DURATION_MS: '12',
    ZK_SUPERVISOR_HOST: 'h1',
  });
});
