// Scheduled mode: while we lead, run the command once per tick and record every tick under <path>/runs/.
// Ticks before we took over are settled first (interrupted, missed, or one run late per catchUp).
import { layoutOf } from '../recipes/layout.js';
import type { Schedule } from '../schedule/cron.js';
import { RunLog, planCatchUp } from '../schedule/runs.js';
import { TickRecord, type Leader } from '../schedule/tick-record.js';
import { jitterOf, staleScheduled, TickPlanner } from '../schedule/ticks.js';
import type { LeashedTask } from '../task/task.js';
import { FOREVER_MS, pause } from '../util/abort.js';
import { isZkError } from '../zk/errors.js';
import { ended, refused, thinLease, type LeadEnd, type Leadership, type ModeContext } from './mode.js';
import { runEnded } from './outcome.js';
import { runTick } from './tick.js';
import { runTriggered, watchTriggers } from './trigger.js';

/**
 * While we lead, runs the command once per tick of `schedule` (the first run on `firstLeash`) until leadership
 * ends or we shut down; resolves with how it ended (the child stopped first).
 */
export async function runSchedule(
  ctx: ModeContext,
  l: Leadership,
  schedule: Schedule,
  firstLeash: LeashedTask
): Promise<LeadEnd> {
  const runs = new RunLog(l.zk, layoutOf(ctx.config.election.path).runs, ctx.acl);
  const who: Leader = {
    id: ctx.config.election.id,
    host: ctx.info.host,
    term: l.term.term,
    token: String(l.term.token),
  };
  const late = await settlePast(ctx, runs, schedule, who);
  const ticks = new TickPlanner(schedule, new Date(), late);
  const triggersDir = layoutOf(ctx.config.election.path).triggers;
  const triggers = watchTriggers(l, triggersDir);
  let leash: LeashedTask | undefined = firstLeash;
  try {
    for (;;) {
      if (l.signal.aborted) return ended(ctx, l);
      // requests for a run now come first, oldest first; the list's next change wakes the wait below
      const changed = triggers.changed();
      const requests = await triggers.requests();
      for (const req of requests) {
        const end = await runTriggered(ctx, l, triggersDir, req, ticks, runs, who);
        if (end.kind !== 'ran' && end.kind !== 'skipped') return end;
      }
      if (requests.length) continue; // listed again: more may have come meanwhile
      const planned = ticks.next();
      if (!planned) {
        ctx.report({ type: 'schedule-done' });
        await Promise.race([pause(FOREVER_MS, l.signal), changed]); // a trigger still runs
        continue;
      }
      const { tick } = planned;
      const iso = tick.toISOString();
      const rec = await TickRecord.schedule(runs, iso, who);
      if (!rec) {
        ctx.log.warn('tick already handled, skipping it', { tick: iso });
        continue;
      }
      ctx.report({ type: 'tick-waiting', tick: iso, late: planned.late });
      const startAt = tick.getTime() + jitterOf(iso, ctx.config.election.path, ctx.config.task.jitter ?? 0);
      let triggered = false;
      const woken = changed.then(() => {
        triggered = true;
      });
      while (!planned.late && Date.now() < startAt && !l.signal.aborted && !triggered) {
        await Promise.race([pause(Math.min(startAt - Date.now(), 3_600_000), l.signal), woken]);
      }
      if (triggered && !l.signal.aborted && Date.now() < startAt) {
        ticks.putBack(planned); // its record stays `scheduled`: adopted when it is next
        continue;
      }
      if (l.signal.aborted) return ended(ctx, l);
      if (l.suspension?.on) {
        await rec.finish(undefined, 'the job is suspended (zk-supervisor resume lets it run again)', 'suspended');
        runEnded(ctx, { tick: iso, outcome: 'suspended' });
        ctx.log.info('tick not run: the job is suspended', { tick: iso });
        continue;
      }
      if (thinLease(l)) return refused(ctx, 'thin lease'); // the tick stays `scheduled`: the next leader has it
      const end = await runTick(ctx, l, rec, ticks, runs, who, leash, planned.late);
      if (end.kind === 'skipped') continue;
      leash = undefined;
      if (end.kind !== 'ran') return end;
      await runs
        .prune(ctx.config.task.history)
        .catch((err: unknown) => ctx.log.warn('cannot prune run history', { error: String(err) }));
      if (thinLease(l)) return refused(ctx, 'thin lease');
      try {
        leash = ctx.spawn();
      } catch {
        /* reported and recorded at the next tick */
      }
    }
  } finally {
    leash?.dispose();
  }
}

// Settles the ticks before we took over (interrupted runs, ticks missed while nobody led, stale future ones) and
// returns the one to run late (catchUp: last), if any.
async function settlePast(ctx: ModeContext, runs: RunLog, schedule: Schedule, who: Leader): Promise<Date | undefined> {
  const t = ctx.config.task;
  await runs.ensure();
  const now = new Date();
  const stored = await runs.list();
  const plan = planCatchUp(stored, schedule, now, t.catchUp, t.history, t.startingDeadline);
  for (const r of staleScheduled(stored, now, schedule.next(now))) await runs.remove(r.record.tick, r.version);
  for (const r of plan.interrupted) {
    const { tick, id, token } = r.record;
    ctx.log.warn('tick interrupted by a failover: its run was stopped when its leader lost leadership', {
      tick,
      previousLeader: id,
      token,
    });
    const reason = `leadership of ${id ?? '?'} ended while it ran; its child was stopped by fencing (outcome unknown)`;
    await runs
      .write({ ...r.record, state: 'fenced', finishedAt: new Date().toISOString(), reason }, r.version)
      .catch((e: unknown) => {
        if (!isZkError(e, 'BADVERSION', 'NONODE')) throw e;
      });
  }
  if (plan.dueCount) {
    ctx.log.warn('ticks came due while nobody led', {
      count: plan.dueCount,
      catchUp: t.catchUp,
      late: plan.late?.toISOString(),
      missed: plan.missed.map((d) => d.toISOString()),
    });
  }
  for (const tick of plan.missed) {
    const tooOld = t.catchUp === 'last' && !plan.late && tick === plan.missed.at(-1);
    const old = tooOld ? `, older than startingDeadline ${t.startingDeadline} ms` : '';
    const reason = `nobody led at the tick (catchUp: ${t.catchUp}${old})`;
    await runs.put({ tick: tick.toISOString(), state: 'missed', ...who, reason });
    runEnded(ctx, { tick: tick.toISOString(), outcome: 'missed' });
  }
  return plan.late;
}
