// The tick planner, on a fake clock: a late tick first, then the schedule's; skipped and replacing ticks move the
// cursor; stale `scheduled` records are the future ones the schedule no longer has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSchedule } from '../../../src/schedule/cron.js';
import type { StoredRun } from '../../../src/schedule/runs.js';
import { jitterOf, staleScheduled, TickPlanner } from '../../../src/schedule/ticks.js';

const at = (s: string) => new Date(`2026-01-01T00:${s}Z`);
const everyMinute = compileSchedule('* * * * *');

test('ticks: the late tick runs first, then every tick after the start, in order', () => {
  const p = new TickPlanner(everyMinute, at('10:30'), at('09:00'));
  assert.deepEqual(p.next(), { tick: at('09:00'), late: true });
  assert.deepEqual(p.next(), { tick: at('11:00'), late: false }, 'the late tick does not move the cursor back');
  assert.deepEqual(p.next(), { tick: at('12:00'), late: false });
});

test('ticks: a tick skipped during a run is passed over; a replacing tick runs next', () => {
  const p = new TickPlanner(everyMinute, at('10:30'));
  assert.equal(p.next()?.tick.toISOString(), at('11:00').toISOString());
  assert.equal(p.upcoming(at('11:00'))?.toISOString(), at('12:00').toISOString(), 'upcoming moves nothing');
  p.passed(at('12:00')); // came due while 11:00 ran (forbid)
  assert.equal(p.next()?.tick.toISOString(), at('13:00').toISOString());
  p.replaceWith(at('14:00')); // came due while 13:00 ran (replace)
  assert.deepEqual(p.next(), { tick: at('14:00'), late: false });
  assert.equal(p.next()?.tick.toISOString(), at('15:00').toISOString());
});

test('ticks: a schedule that fires no more plans nothing', () => {
  const once = compileSchedule('0 0 1 1 *'); // yearly: next after 2026-01-01T00:10 is 2027
  const p = new TickPlanner(once, at('10:00'));
  assert.equal(p.next()?.tick.getUTCFullYear(), 2027);
});

test('ticks: stale scheduled records are future ticks other than the next one', () => {
  const run = (tick: string, state: 'scheduled' | 'finished'): StoredRun => ({ record: { tick, state }, version: 0 });
  const now = at('10:30');
  const stored = [
    run(at('10:00').toISOString(), 'scheduled'), // past: settled by the catch-up plan, not here
    run(at('11:00').toISOString(), 'scheduled'), // the next tick: adopted
    run(at('11:30').toISOString(), 'scheduled'), // not a tick of this schedule any more
    run(at('12:00').toISOString(), 'finished'),
  ];
  assert.deepEqual(
    staleScheduled(stored, now, at('11:00')).map((r) => r.record.tick),
    [at('11:30').toISOString()]
  );
});

test('jitter: the same delay for a tick on every host, within 0 … jitter, spread over ticks and jobs', () => {
  const ticks = Array.from({ length: 200 }, (_, i) => new Date(Date.UTC(2026, 11, 3, 0, i)).toISOString());
  const a = ticks.map((t) => jitterOf(t, '/cron/a', 60_000));
  assert.deepEqual(
    a,
    ticks.map((t) => jitterOf(t, '/cron/a', 60_000)),
    'deterministic'
  );
  assert.ok(a.every((d) => d >= 0 && d < 60_000 && Number.isInteger(d)));
  assert.ok(Math.min(...a) < 10_000 && Math.max(...a) > 50_000, 'spread over the range');
  assert.notDeepEqual(
    a,
    ticks.map((t) => jitterOf(t, '/cron/b', 60_000)),
    'another job, other delays'
  );
  assert.equal(jitterOf(ticks[0]!, '/cron/a', 0), 0);
});
