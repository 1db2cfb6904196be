// Continuous mode: while we lead, the child runs; when it exits by itself the restart policy decides
// (release leadership, restart here after a backoff, or step down on a crash loop).
import { pause, untilAborted } from '../util/abort.js';
import { TaskSpawnError, type LeashedTask } from '../task/task.js';
import { graceMs, reasonOf, shuttingDown, thinLease, type LeadEnd, type Leadership, type ModeHost } from './mode.js';
import { RestartTracker } from './restart-policy.js';
import type { EndReason } from './states.js';

/**
 * Runs the command under `l` (the first run on `leash`, already spawned) until leadership ends, we shut down
 * (then rejects with the shutdown reason after stopping the child) or the policy gives up.
 */
export async function runContinuous(
  host: ModeHost,
  l: Leadership,
  leash: LeashedTask,
  onExit: 'release' | 'restart'
): Promise<LeadEnd> {
  const restarts = new RestartTracker({ ...host.config.task.restart, onExit });
  for (let run = 0; ; run++) {
    if (l.signal.aborted) return { kind: 'lost', reason: reasonOf(l.signal) };
    let task: LeashedTask;
    try {
      task = run === 0 ? leash : host.spawn();
    } catch (err) {
      if (!(err instanceof TaskSpawnError)) throw err;
      host.log.error('task cannot start', { error: err.message, code: err.code });
      return { kind: 'spawn-failed', error: err };
    }
    const about = { term: l.term.term, token: l.term.token };
    if (!(await host.hooks.gate('preStart', { reason: run ? 'restart' : 'won election', ...about }, l.signal))) {
      if (run > 0) task.dispose();
      host.transition('stopping', 'preStart hook failed');
      return { kind: 'lost', reason: 'preStart hook failed' as EndReason };
    }
    const thin = thinLease(l);
    if (thin) {
      if (run > 0) task.dispose();
      host.transition('stopping', thin);
      return { kind: 'lost', reason: thin };
    }
    host.setTask(task);
    task.run(l.lease.remainingMs(), l.term.term, l.term.token);
    void l.term.announce(); // the leader node and the term's watches: after the start, off the hand-over path
    host.transition('running', run ? 'restarted' : 'child started', { childPgid: task.pid, token: l.term.token });
    const exit = await untilAborted(task.exited, l.signal);
    if (exit === 'aborted') {
      const shutdown = shuttingDown(l);
      const reason = reasonOf(l.signal);
      host.transition(shutdown ? 'shutting-down' : 'stopping', reason, { childPgid: task.pid });
      const stopped = await task.stop(graceMs(host, l));
      host.log.info('child stopped', { childPgid: task.pid, ...stopped });
      host.hooks.fire('postStop', { reason, ...about });
      if (shutdown) throw l.outer.reason;
      return { kind: 'lost', reason };
    }
    host.log.info('child exited', { childPgid: task.pid, ...exit });
    host.hooks.fire('postStop', { reason: 'child exited', ...about });
    if (l.lease.remainingMs() <= 0) {
      // the leash stopped it at the lease end, a hair before our own timer
      host.transition('stopping', 'lease expired (child stopped by the leash)');
      return { kind: 'lost', reason: 'lease expired' };
    }
    const next = restarts.afterExit(performance.now());
    if (next.action === 'release') {
      host.transition('stopping', 'child exited');
      return { kind: 'exited', exit };
    }
    if (next.action === 'crash-loop') {
      const windowMs = host.config.task.restart.crashLoopWindow;
      host.log.warn('crash loop, stepping down', { exits: next.exits, windowMs });
      host.transition('stopping', 'crash loop');
      return { kind: 'exited', exit };
    }
    host.transition('stopping', 'child exited');
    host.transition('backoff', 'restart delay');
    await pause(next.delayMs, l.signal);
    if (!l.signal.aborted) host.transition('starting', 'restart');
  }
}
