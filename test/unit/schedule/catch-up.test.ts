// What a new leader makes of the run records it finds: interrupted, missed and late ticks (pure logic).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSchedule } from '../../../src/schedule/cron.js';
import { planCatchUp, type RunRecord, type StoredRun } from '../../../src/schedule/runs.js';

const everySecond = compileSchedule('* * * * * *');
const at = (s: string) => new Date(`2026-11-24T18:00:${s}Z`);
const rec = (tick: string, state: RunRecord['state']): StoredRun => ({
  record: { tick: at(tick).toISOString(), state },
  version: 1,
});
const iso = (ds: Date[]) => ds.map((d) => d.toISOString().slice(17, 19));

test('catch-up: no history → nothing is due (the history starts now)', () => {
  assert.deepEqual(planCatchUp([], everySecond, at('10.500'), 'last', 50), {
    interrupted: [],
    missed: [],
    dueCount: 0,
  });
});

test('catch-up: leader died while waiting for a tick → that tick and the later ones are due; last runs the newest late', () => {
  const runs = [rec('01', 'finished'), rec('02', 'scheduled')];
  const p = planCatchUp(runs, everySecond, at('05.400'), 'last', 50);
  assert.equal(p.dueCount, 4);
  assert.deepEqual(iso(p.missed), ['02', '03', '04']);
  assert.equal(p.late?.toISOString().slice(17, 19), '05');
  const none = planCatchUp(runs, everySecond, at('05.400'), 'none', 50);
  assert.deepEqual(iso(none.missed), ['02', '03', '04', '05']);
  assert.equal(none.late, undefined);
});

test('catch-up: a run left in started is interrupted; ticks after it are due', () => {
  const runs = [rec('01', 'finished'), rec('02', 'started')];
  const p = planCatchUp(runs, everySecond, at('04.000'), 'last', 50);
  assert.deepEqual(
    p.interrupted.map((r) => r.record.tick),
    [at('02').toISOString()]
  );
  assert.deepEqual(iso(p.missed), ['03']);
  assert.equal(iso([p.late!])[0], '04');
});

test('catch-up: a future scheduled tick is not due; nothing to do', () => {
  const p = planCatchUp([rec('01', 'finished'), rec('03', 'scheduled')], everySecond, at('02.500'), 'last', 50);
  assert.deepEqual(p, { interrupted: [], missed: [], dueCount: 1, late: at('02') });
  const q = planCatchUp([rec('02', 'finished'), rec('03', 'scheduled')], everySecond, at('02.500'), 'last', 50);
  assert.deepEqual(q, { interrupted: [], missed: [], dueCount: 0, late: undefined });
});

test('catch-up: a long outage is counted (capped) and only the newest `keep` ticks are recorded', () => {
  const p = planCatchUp([rec('00', 'finished')], everySecond, new Date(at('00').getTime() + 86_400_000), 'last', 5);
  assert.equal(p.dueCount, 10_000);
  assert.equal(p.missed.length, 4);
  assert.equal(p.late?.getTime(), at('00').getTime() + 86_400_000);
  assert.ok(
    p.missed.every((d, i, a) => i === 0 || d > a[i - 1]!),
    'missed ticks oldest first'
  );
});

test('cron: 5 fields, seconds, nicknames and time zones', () => {
  assert.equal(compileSchedule('*/5 * * * *').next(at('07'))?.toISOString(), '2026-11-24T18:05:00.000Z');
  assert.equal(compileSchedule('0 9 * * *', 'Europe/Berlin').next(at('07'))?.toISOString(), '2026-11-25T08:00:00.000Z');
  assert.equal(compileSchedule('@hourly').next(at('07'))?.toISOString(), '2026-11-24T19:00:00.000Z');
  assert.deepEqual(iso(compileSchedule('*/2 * * * * *').between(at('00'), at('06'), 10)), ['02', '04', '06']);
  assert.throws(() => compileSchedule('* * * * * * *'), /5 or 6 parts/);
});

test('catch-up: catchUp last skips a newest due tick older than the starting deadline', () => {
  const runs = [rec('01', 'finished')];
  const fresh = planCatchUp(runs, everySecond, at('05.400'), 'last', 50, 1000);
  assert.equal(iso([fresh.late!])[0], '05', 'the newest tick is 400 ms old: within the deadline');
  const stale = planCatchUp(runs, everySecond, at('05.400'), 'last', 50, 300);
  assert.equal(stale.late, undefined, 'the newest tick is 400 ms old: past a 300 ms deadline');
  assert.deepEqual(iso(stale.missed), ['02', '03', '04', '05']);
});
