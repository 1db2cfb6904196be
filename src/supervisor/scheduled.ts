// Scheduled mode: while we lead, run the command once per tick and record every tick under <path>/runs/.
// Ticks before we took over are settled first (interrupted, missed, or one run late per catchUp).
import { pause, sleep, untilAborted } from '../util/abort.js';
import type { Schedule } from '../schedule/cron.js';
import { RunLog, planCatchUp, type RunRecord } from '../schedule/runs.js';
import { TaskSpawnError, type LeashedTask, type TaskExit } from '../task/task.js';
import { isZkError } from '../zk/errors.js';
import { layoutOf } from '../recipes/layout.js';
import type { EndReason } from './states.js';
import { graceMs, reasonOf, shuttingDown, thinLease, type LeadEnd, type Leadership, type ModeHost } from './mode.js';

/**
 * While we lead, runs the command once per tick of `schedule` (the first run on `firstLeash`) until leadership
 * ends or we shut down; resolves with how it ended (the child stopped first).
 */
export async function runSchedule(
  host: ModeHost,
  l: Leadership,
  schedule: Schedule,
  firstLeash: LeashedTask
): Promise<LeadEnd> {
  const t = host.config.task;
  const runs = new RunLog(l.zk, layoutOf(host.config.election.path).runs, host.acl);
  await runs.ensure();
  const who = { id: host.config.election.id, host: host.info.host, term: l.term.term, token: String(l.term.token) };
  const now = new Date();
  const stored = await runs.list();
  const plan = planCatchUp(stored, schedule, now, t.catchUp, t.history, t.startingDeadline);
  // A future tick another leader was waiting for, that this schedule no longer has (the config changed).
  const upcoming = schedule.next(now)?.toISOString();
  for (const r of stored.filter(
    (x) => x.record.state === 'scheduled' && Date.parse(x.record.tick) > now.getTime() && x.record.tick !== upcoming
  )) {
    await runs.remove(r.record.tick, r.version);
  }
  for (const r of plan.interrupted) {
    host.log.warn('tick interrupted by a failover: its run was stopped when its leader lost leadership', {
      tick: r.record.tick,
      previousLeader: r.record.id,
      token: r.record.token,
    });
    await runs
      .write(
        {
          ...r.record,
          state: 'fenced',
          finishedAt: new Date().toISOString(),
          reason:
            `leadership of ${r.record.id ?? '?'} ended while it ran; ` +
            'its child was stopped by fencing (outcome unknown)',
        },
        r.version
      )
      .catch((e: unknown) => {
        if (!isZkError(e, 'BADVERSION', 'NONODE')) throw e;
      });
  }
  if (plan.dueCount) {
    host.log.warn('ticks came due while nobody led', {
      count: plan.dueCount,
      catchUp: t.catchUp,
      late: plan.late?.toISOString(),
      missed: plan.missed.map((d) => d.toISOString()),
    });
  }
  for (const tick of plan.missed) {
    const tooOld = t.catchUp === 'last' && !plan.late && tick === plan.missed.at(-1);
    const old = tooOld ? `, older than startingDeadline ${t.startingDeadline} ms` : '';
    await runs.put({
      tick: tick.toISOString(),
      state: 'missed',
      ...who,
      reason: `nobody led at the tick (catchUp: ${t.catchUp}${old})`,
    });
  }
  let leash: LeashedTask | undefined = firstLeash;
  let pending: { tick: Date; late: boolean } | undefined = plan.late ? { tick: plan.late, late: true } : undefined;
  let cursor = new Date();
  const shutdown = () => shuttingDown(l);
  const why = (): EndReason =>
    shutdown() ? (`supervisor shutting down (${reasonOf(l.signal)})` as EndReason) : reasonOf(l.signal);
  const lost = (): LeadEnd => {
    host.transition(shutdown() ? 'shutting-down' : 'stopping', why());
    return { kind: 'lost', reason: why() };
  };
  try {
    for (;;) {
      if (l.signal.aborted) return lost();
      const tick = pending?.tick ?? schedule.next(cursor);
      const late = pending?.late ?? false;
      pending = undefined;
      if (!tick) {
        host.transition('waiting', 'the schedule fires no more');
        await pause(2 ** 31 - 1, l.signal);
        continue;
      }
      const iso = tick.toISOString();
      cursor = tick;
      // The tick's record: ours as `scheduled`, or adopted from the leader before us.
      let version: number;
      const existing = await runs.read(iso);
      if (existing && existing.record.state !== 'scheduled') {
        host.log.warn('tick already handled, skipping it', { tick: iso, state: existing.record.state });
        continue;
      }
      try {
        version = existing?.version ?? (await runs.write({ tick: iso, state: 'scheduled', ...who }));
      } catch (err) {
        if (isZkError(err, 'NODEEXISTS')) continue;
        throw err;
      }
      host.transition('waiting', late ? 'late tick (catchUp: last)' : 'next tick', { tick: iso });
      while (!late && Date.now() < tick.getTime() && !l.signal.aborted) {
        await pause(Math.min(tick.getTime() - Date.now(), 3_600_000), l.signal);
      }
      if (l.signal.aborted) return lost();
      const thin = thinLease(l); // the tick stays `scheduled`: the next leader runs or settles it
      if (thin) {
        host.transition('stopping', thin);
        return { kind: 'lost', reason: thin };
      }
      const startedAt = new Date();
      const record: RunRecord = {
        tick: iso,
        state: 'started',
        ...who,
        startedAt: startedAt.toISOString(),
        lateMs: startedAt.getTime() - tick.getTime(),
      };
      try {
        version = await runs.writeConfirmed(record, version, l.signal);
      } catch (err) {
        if (l.signal.aborted) return lost();
        if (!isZkError(err, 'BADVERSION', 'NONODE')) throw err;
        host.log.warn('tick claimed by someone else, skipping it', { tick: iso });
        continue;
      }
      let task: LeashedTask;
      try {
        task = leash ?? host.spawn();
      } catch (err) {
        if (!(err instanceof TaskSpawnError)) throw err;
        host.log.error('task cannot start', { tick: iso, error: err.message, code: err.code });
        await runs.write(
          { ...record, state: 'finished', finishedAt: new Date().toISOString(), exitCode: null, reason: err.message },
          version
        );
        continue;
      }
      leash = undefined;
      const about = { term: l.term.term, token: l.term.token };
      if (!(await host.hooks.gate('preStart', { reason: `tick ${iso}`, ...about }, l.signal))) {
        task.dispose(); // the tick is skipped and recorded so
        const reason = 'preStart hook failed';
        await runs.write(
          { ...record, state: 'finished', finishedAt: new Date().toISOString(), exitCode: null, reason },
          version
        );
        continue;
      }
      host.setTask(task);
      task.run(l.lease.remainingMs(), l.term.term, l.term.token, iso);
      host.transition('running', late ? 'late tick started' : 'tick started', {
        tick: iso,
        lateMs: record.lateMs,
        childPgid: task.pid,
        token: l.term.token,
      });
      const end = await awaitRun(host, schedule, task, iso, runs, who, l, why, (next) => {
        cursor = next;
      });
      if (end.kind === 'lost') {
        const exit = await task.stop(graceMs(host, l)); // still the task: a second signal SIGKILLs it at once
        host.setTask(undefined);
        host.log.info('child stopped', { tick: iso, childPgid: task.pid, ...exit });
        host.hooks.fire('postStop', { reason: end.reason, ...about });
        await Promise.race([
          runs.write(
            {
              ...record,
              state: 'fenced',
              finishedAt: new Date().toISOString(),
              durationMs: exit.durationMs,
              exitCode: exit.exitCode,
              signal: exit.signal,
              reason: end.reason,
            },
            version
          ),
          sleep(1000),
        ]).catch(() => {
          /* the next leader records it */
        });
        return lost();
      }
      const exit = end.kind === 'replaced' ? await task.stop() : end.exit;
      host.setTask(undefined);
      host.hooks.fire('postStop', {
        reason: end.kind === 'replaced' ? 'replaced by the next tick' : 'tick finished',
        ...about,
      });
      const reason =
        end.kind === 'replaced'
          ? `stopped: tick ${end.next.toISOString()} replaced it (concurrency: replace)`
          : undefined;
      host.log[exit.exitCode === 0 ? 'info' : 'warn']('tick finished', {
        tick: iso,
        exitCode: exit.exitCode,
        signal: exit.signal,
        durationMs: exit.durationMs,
        ...(reason ? { reason } : {}),
      });
      await runs.writeConfirmed(
        {
          ...record,
          state: 'finished',
          finishedAt: new Date().toISOString(),
          durationMs: exit.durationMs,
          exitCode: exit.exitCode,
          signal: exit.signal,
          ...(reason ? { reason } : {}),
        },
        version
      );
      await runs
        .prune(t.history)
        .catch((err: unknown) => host.log.warn('cannot prune run history', { error: String(err) }));
      if (end.kind === 'replaced') pending = { tick: end.next, late: false };
      if (l.lease.remainingMs() <= 0) return lost();
      try {
        leash = host.spawn();
      } catch {
        /* reported and recorded at the next tick */
      }
    }
  } finally {
    leash?.dispose();
  }
}

// Waits for a scheduled run to end. Ticks that come due meanwhile are skipped (forbid) or end it (replace).
async function awaitRun(
  host: ModeHost,
  schedule: Schedule,
  task: LeashedTask,
  iso: string,
  runs: RunLog,
  who: Partial<RunRecord>,
  l: Leadership,
  why: () => string,
  advance: (tick: Date) => void
): Promise<{ kind: 'exited'; exit: TaskExit } | { kind: 'lost'; reason: string } | { kind: 'replaced'; next: Date }> {
  for (let after = new Date(iso); ; ) {
    const next = schedule.next(after);
    let timer: NodeJS.Timeout | undefined;
    const due = new Promise<'due'>((r) => {
      timer = setTimeout(
        () => r('due'),
        next ? Math.max(0, Math.min(next.getTime() - Date.now(), 2 ** 31 - 1)) : 2 ** 31 - 1
      );
    });
    const first = await untilAborted(Promise.race([task.exited, due]), l.signal);
    clearTimeout(timer);
    if (first === 'aborted') return { kind: 'lost', reason: why() };
    if (first !== 'due') return { kind: 'exited', exit: first };
    if (!next || Date.now() < next.getTime()) continue; // woke early (clock step): wait again
    after = next;
    advance(next);
    if (host.config.task.concurrency === 'replace') {
      host.log.warn('tick due while the previous run still runs: replacing it', {
        tick: next.toISOString(),
        running: iso,
      });
      return { kind: 'replaced', next: next };
    }
    host.log.warn('tick skipped: the previous run still runs (concurrency: forbid)', {
      tick: next.toISOString(),
      running: iso,
    });
    await runs
      .put({
        tick: next.toISOString(),
        state: 'skipped',
        ...who,
        reason: `the run of ${iso} was still running (concurrency: forbid)`,
      })
      .catch((err: unknown) =>
        host.log.warn('cannot record a skipped tick', { tick: next.toISOString(), error: String(err) })
      );
  }
}
