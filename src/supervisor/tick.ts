// Scheduled mode, one tick: claim its record, start the child, wait for it (ticks due meanwhile are skipped or
// replace it), stop it when leadership ends, and record how it ended.
import type { RunLog } from '../schedule/runs.js';
import type { TickPlanner } from '../schedule/ticks.js';
import { exitOf, type Leader, type TickRecord } from '../schedule/tick-record.js';
import { TaskSpawnError, type LeashedTask, type TaskExit } from '../task/task.js';
import { pause, sleep, untilAborted } from '../util/abort.js';
import { runEnded } from './outcome.js';
import { isZkError } from '../zk/errors.js';
import { ended, graceMs, refused, thinLease, type LeadEnd, type Leadership, type ModeContext } from './mode.js';

/** How one tick went: run to its end (`replaced`: a newer tick stopped it), skipped, or the term ended. */
export type TickEnd = { kind: 'ran' } | { kind: 'skipped' } | LeadEnd;

/**
 * Runs the tick `rec` (already `scheduled`, due now) on `leash` or a new one, and again after a failure as
 * `task.retries` allows — each attempt once the one before is confirmed gone, all under the tick's one record,
 * and only when it can start before the next tick is due. The child is gone when it resolves.
 */
export async function runTick(
  ctx: ModeContext,
  l: Leadership,
  rec: TickRecord,
  ticks: TickPlanner,
  runs: RunLog,
  who: Leader,
  leash: LeashedTask | undefined,
  late: boolean
): Promise<TickEnd> {
  const tick = rec.record.tick;
  try {
    await rec.start(l.signal);
  } catch (err) {
    if (l.signal.aborted) return ended(ctx, l);
    if (!isZkError(err, 'BADVERSION', 'NONODE')) throw err;
    ctx.log.warn('tick claimed by someone else, skipping it', { tick });
    return { kind: 'skipped' };
  }
  const { retries } = ctx.config.task;
  for (let attempt = 0; ; attempt++) {
    const r = await runAttempt({ ctx, l, rec, ticks, runs, who }, attempt === 0 ? leash : undefined, late);
    if (r.kind !== 'done') return r;
    const { end, exit, reason } = r;
    const failed = end.kind === 'timed-out' || (end.kind === 'exited' && !(exit.exitCode === 0 && !exit.signal));
    const waitMs = failed && retries && attempt < retries.count ? retries.backoff * 2 ** attempt : undefined;
    const next = ticks.upcoming(new Date(tick));
    if (waitMs !== undefined && (!next || Date.now() + waitMs < next.getTime())) {
      const { exitCode, signal } = exit;
      ctx.log.warn('tick failed, retrying', {
        tick,
        attempt: attempt + 2,
        of: retries!.count + 1,
        inMs: waitMs,
        exitCode,
        signal,
      });
      await rec.attempted(exit, r.startedAt, reason);
      if (!(await pause(waitMs, l.signal))) return ended(ctx, l);
      if (thinLease(l)) return refused(ctx, 'thin lease'); // the record stays `started`: the next leader fences it
      continue;
    }
    if (waitMs !== undefined) ctx.log.warn('tick failed, not retrying: the next tick is due first', { tick });
    await rec.finish(exit, reason, end.kind === 'timed-out' ? 'timed-out' : 'finished');
    const outcome = end.kind === 'exited' ? (failed ? 'failure' : 'success') : end.kind;
    runEnded(ctx, { tick, outcome, ...exitOf(exit) }, { term: l.term.term, token: l.term.token });
    if (end.kind === 'replaced') ticks.replaceWith(end.next);
    return { kind: 'ran' };
  }
}

type Attempt = {
  kind: 'done';
  end: Exclude<RunEnd, { kind: 'lost' }>;
  exit: TaskExit;
  reason?: string;
  startedAt: Date;
};

/** One tick as its attempts see it: the leader's context, the term, the record, and where ticks are planned. */
interface TickRun {
  ctx: ModeContext;
  l: Leadership;
  rec: TickRecord;
  ticks: TickPlanner;
  runs: RunLog;
  who: Leader;
}

// One attempt at the tick: the child started, waited for (or stopped: replaced, timed out, leadership lost).
async function runAttempt(t: TickRun, leash: LeashedTask | undefined, late: boolean): Promise<Attempt | TickEnd> {
  const { ctx, l, rec, ticks, runs, who } = t;
  const tick = rec.record.tick;
  let task: LeashedTask;
  try {
    task = leash ?? ctx.spawn();
  } catch (err) {
    if (!(err instanceof TaskSpawnError)) throw err;
    ctx.log.error('task cannot start', { tick, error: err.message, code: err.code });
    await rec.finish(undefined, err.message);
    runEnded(ctx, { tick, outcome: 'skipped' });
    return { kind: 'skipped' };
  }
  const about = { term: l.term.term, token: l.term.token };
  if (!(await ctx.hooks.gate('preStart', { reason: `tick ${tick}`, ...about }, l.signal))) {
    task.dispose(); // the tick is skipped and recorded so
    await rec.finish(undefined, 'preStart hook failed');
    runEnded(ctx, { tick, outcome: 'skipped' }, about);
    return { kind: 'skipped' };
  }
  if (!(await l.term.claim())) {
    task.dispose(); // the leader node names another term: ours is lost, nothing starts (DESIGN §3.2)
    await rec.finish(undefined, 'leadership lost');
    return ended(ctx, l);
  }
  ctx.setTask(task);
  const startedAt = new Date();
  task.run(l.term.msUntilStop(), l.term.term, l.term.token, tick);
  ctx.hooks.notifier?.started(tick);
  const { lateMs = 0 } = rec.record;
  const childPgid = (await task.started) ?? 0; // the job's own group (the leash reports it at once)
  ctx.report({ type: 'tick-started', tick, late, lateMs, childPgid, leashPid: task.pid, token: l.term.token });
  const end = await awaitRun(ctx, l, task, tick, ticks, runs, who);
  if (end.kind === 'lost') {
    const lost = ended(ctx, l, task.jobPgid);
    const exit = await task.stop(graceMs(ctx, l)); // still the task: a second signal SIGKILLs it at once
    ctx.setTask(undefined);
    ctx.log[exit.reason === 'killed' ? 'warn' : 'info']('child stopped', { tick, childPgid: task.jobPgid, ...exit });
    ctx.hooks.fire('postStop', { reason: lost.end.message, ...about });
    // best effort, for a second at most: the next leader records it otherwise
    await Promise.race([rec.fence(exit, lost.end.message), sleep(1000)]).catch(() => {});
    runEnded(ctx, { tick, outcome: 'fenced', ...exitOf(exit) }, about);
    return lost;
  }
  const exit = end.kind === 'replaced' || end.kind === 'timed-out' ? await task.stop() : end.exit;
  ctx.setTask(undefined);
  ctx.hooks.fire('postStop', {
    reason: end.kind === 'replaced' ? 'replaced by the next tick' : 'tick finished',
    ...about,
  });
  const reason =
    end.kind === 'replaced'
      ? `stopped: tick ${end.next.toISOString()} replaced it (concurrency: replace)`
      : end.kind === 'timed-out'
        ? `stopped: it ran longer than task.timeout (${ctx.config.task.timeout} ms)`
        : undefined;
  ctx.log[exit.exitCode === 0 ? 'info' : 'warn']('tick finished', {
    tick,
    exitCode: exit.exitCode,
    signal: exit.signal,
    durationMs: exit.durationMs,
    ...(reason ? { reason } : {}),
  });
  return { kind: 'done', end, exit, reason, startedAt };
}

type RunEnd =
  | { kind: 'exited'; exit: TaskExit }
  | { kind: 'lost' }
  | { kind: 'replaced'; next: Date }
  | { kind: 'timed-out' };

// Waits for a run to end. Ticks that come due meanwhile are skipped (forbid) or end it (replace).
async function awaitRun(
  ctx: ModeContext,
  l: Leadership,
  task: LeashedTask,
  tick: string,
  ticks: TickPlanner,
  runs: RunLog,
  who: Leader
): Promise<RunEnd> {
  const { timeout } = ctx.config.task;
  const limit = timeout === undefined ? undefined : performance.now() + timeout;
  for (let after = new Date(tick); ; ) {
    const next = ticks.upcoming(after);
    let timer: NodeJS.Timeout | undefined;
    const due = new Promise<'due' | 'timed-out'>((r) => {
      const dueIn = next ? next.getTime() - Date.now() : Infinity;
      const overIn = limit === undefined ? Infinity : limit - performance.now();
      const ms = Math.max(0, Math.min(dueIn, overIn, 2 ** 31 - 1));
      timer = setTimeout(() => r(overIn <= dueIn ? 'timed-out' : 'due'), ms);
    });
    const first = await untilAborted(Promise.race([task.exited, due]), l.signal);
    clearTimeout(timer);
    if (first === 'aborted') return { kind: 'lost' };
    if (first === 'timed-out') return { kind: 'timed-out' };
    if (first !== 'due') return { kind: 'exited', exit: first };
    if (!next || Date.now() < next.getTime()) continue; // woke early (clock step): wait again
    after = next;
    if (ctx.config.task.concurrency === 'replace') {
      ctx.log.warn('tick due while the previous run still runs: replacing it', {
        tick: next.toISOString(),
        running: tick,
      });
      return { kind: 'replaced', next };
    }
    ticks.passed(next);
    ctx.log.warn('tick skipped: the previous run still runs (concurrency: forbid)', {
      tick: next.toISOString(),
      running: tick,
    });
    const reason = `the run of ${tick} was still running (concurrency: forbid)`;
    await runs
      .put({ tick: next.toISOString(), state: 'skipped', ...who, reason })
      .then(() => runEnded(ctx, { tick: next.toISOString(), outcome: 'skipped' }))
      .catch((err: unknown) =>
        ctx.log.warn('cannot record a skipped tick', { tick: next.toISOString(), error: String(err) })
      );
  }
}
