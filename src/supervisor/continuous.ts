// Continuous mode: while we lead, the child runs; when it exits by itself the restart policy decides
// (release leadership, restart here after a backoff, or step down on a crash loop).
import { TermEnd } from '../recipes/end.js';
import { TaskSpawnError, type LeashedTask } from '../task/task.js';
import { pause, untilAborted } from '../util/abort.js';
import {
  ended,
  graceMs,
  refused,
  shuttingDown,
  thinLease,
  type LeadEnd,
  type Leadership,
  type ModeContext,
} from './mode.js';
import type { StartRefusal } from './transitions.js';
import { RestartTracker } from './restart-policy.js';
import { untilResumed, untilSuspended } from './suspend.js';

/**
 * Runs the command under `l` (the first run on `leash`, already spawned) until leadership ends, we shut down
 * (then rejects with the shutdown reason after stopping the child) or the policy gives up.
 */
export async function runContinuous(
  ctx: ModeContext,
  l: Leadership,
  leash: LeashedTask,
  onExit: 'release' | 'restart'
): Promise<LeadEnd> {
  const restarts = new RestartTracker({ ...ctx.config.task.restart, onExit });
  const about = { term: l.term.term, token: l.term.token };
  const refuse = (task: LeashedTask, first: boolean, why: StartRefusal): LeadEnd => {
    if (!first) task.dispose();
    return refused(ctx, why);
  };
  for (let run = 0; ; run++) {
    if (l.signal.aborted) return ended(ctx, l);
    if (l.suspension?.on) {
      // suspended: the term is held (and announced), nothing runs until the marker goes
      ctx.report({ type: 'suspended' });
      void l.term.announce();
      if (!(await untilResumed(l.suspension, l.signal))) return ended(ctx, l);
      ctx.report({ type: 'resumed' });
    }
    let task: LeashedTask;
    try {
      task = run === 0 ? leash : ctx.spawn();
    } catch (err) {
      if (!(err instanceof TaskSpawnError)) throw err;
      ctx.log.error('task cannot start', { error: err.message, code: err.code });
      return { kind: 'spawn-failed', error: err };
    }
    if (!(await ctx.hooks.gate('preStart', { reason: run ? 'restart' : 'won election', ...about }, l.signal))) {
      return refuse(task, run === 0, 'preStart hook failed');
    }
    if (thinLease(l)) return refuse(task, run === 0, 'thin lease');
    // The leader node names our term before anything starts: a leader whose nodes an operator deleted meanwhile
    // cannot start beside the next one (only one of two writes over the same version succeeds; DESIGN §3.2).
    if (!(await l.term.claim())) {
      if (run === 0) task.dispose();
      return ended(ctx, l);
    }
    ctx.setTask(task);
    task.run(l.term.msUntilStop(), l.term.term, l.term.token, undefined, l.term.slot);
    void l.term.announce(); // the term's watches: after the start, off the hand-over path
    const childPgid = (await task.started) ?? 0; // the job's own group (the leash reports it at once)
    ctx.report({ type: 'child-started', restart: run > 0, childPgid, leashPid: task.pid, token: l.term.token });
    const exit = await untilAborted(Promise.race([task.exited, untilSuspended(l.suspension)]), l.signal);
    if (exit === 'suspended') {
      const stopped = await task.stop(graceMs(ctx, l)); // the leash's stop: every descendant confirmed gone
      ctx.setTask(undefined);
      ctx.log.info('child stopped: the job is suspended', { childPgid: task.jobPgid, ...stopped });
      ctx.hooks.fire('postStop', { reason: 'suspended', ...about });
      continue;
    }
    if (exit === 'aborted') {
      const shutdown = shuttingDown(l);
      const lost = ended(ctx, l, task.jobPgid);
      const stopped = await task.stop(graceMs(ctx, l));
      leave(ctx, l); // the next leader waits for this: before the log line
      // SIGKILLed: it outlived its grace (ignored the stop signal, or too slow)
      ctx.log[stopped.reason === 'killed' ? 'warn' : 'info']('child stopped', { childPgid: task.jobPgid, ...stopped });
      ctx.hooks.fire('postStop', { reason: lost.end.message, ...about });
      if (shutdown) throw l.outer.reason;
      return lost;
    }
    // 126/127 from a string command is the shell saying the program is not executable / not there
    const shellFailed = typeof ctx.config.task.command === 'string' && [126, 127].includes(exit.exitCode ?? 0);
    const hint = shellFailed ? { problem: `the shell could not run the command (exit ${exit.exitCode})` } : {};
    ctx.log[exit.leashLost || shellFailed ? 'error' : 'info']('child exited', {
      childPgid: task.jobPgid,
      ...exit,
      ...hint,
    });
    ctx.hooks.fire('postStop', { reason: 'child exited', ...about });
    if (thinLease(l)) {
      // the leash stopped it at the lease end, a hair before our own timer
      ctx.report({ type: 'child-fenced' });
      return { kind: 'lost', end: new TermEnd('lease-expired', 'lease expired') };
    }
    const next = restarts.afterExit(performance.now());
    if (next.action !== 'restart') {
      leave(ctx, l);
      if (next.action === 'crash-loop') {
        const windowMs = ctx.config.task.restart.crashLoopWindow;
        ctx.log.warn('crash loop, stepping down', { exits: next.exits, windowMs });
      }
      ctx.report({ type: 'child-exited', crashLoop: next.action === 'crash-loop' });
      return { kind: 'exited', exit };
    }
    ctx.report({ type: 'child-exited', crashLoop: false });
    ctx.report({ type: 'restart-delay' });
    await pause(next.delayMs, l.signal);
    if (!l.signal.aborted) ctx.report({ type: 'restart' });
  }
}

// Ends the term now that its child is confirmed gone (the caller's finally awaits the same release: idempotent) —
// unless a shutdown hook is set: those are started first (README, Hooks), as the caller's finally does.
const leave = (ctx: ModeContext, l: Leadership) => {
  if (!ctx.hooks.has('postStop') && !ctx.hooks.has('onStepDown')) void l.term.release().catch(() => {});
};
