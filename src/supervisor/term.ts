// The two things a term rests on besides winning: the session's lease (checked against the timeout the server
// granted) and the baton (no child while a previous term's may still run).
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { Baton } from '../recipes/baton.js';
import type { CampaignOptions, Term } from '../recipes/election.js';
import { Lease } from '../recipes/lease.js';
import type { Zk } from '../zk/client.js';
import type { LeashedTask } from '../task/task.js';
import { layoutOf } from '../recipes/layout.js';
import { offlineAfter } from '../zk/retry.js';
import { runContinuous } from './continuous.js';
import { reasonOf, shuttingDown, type LeadEnd, type Leadership, type ModeHost } from './mode.js';
import { runSchedule } from './scheduled.js';

/**
 * The session's lease (DESIGN §3.1); undefined when the session timeout the server granted cannot cover
 * task.stopTimeout — logged once, with the fix: the caller must not campaign on this session then.
 */
export function openLease(zk: Zk, config: Config, log: Logger): Lease | undefined {
  const { sessionTimeout, serverTickTime } = config.zookeeper;
  const granted = zk.sessionTimeoutMs;
  try {
    const lease = new Lease(zk, { stopTimeoutMs: config.task.stopTimeout, serverTickMs: serverTickTime });
    log.info('zookeeper session', {
      sessionId: zk.sessionId,
      requestedTimeoutMs: sessionTimeout,
      grantedTimeoutMs: granted,
    });
    return lease;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    log.error('not campaigning: the session timeout the server granted cannot cover task.stopTimeout', {
      requestedTimeoutMs: sessionTimeout,
      grantedTimeoutMs: granted,
      stopTimeoutMs: config.task.stopTimeout,
      serverTickTimeMs: serverTickTime,
      problem: err.message,
      fix:
        'raise maxSessionTimeout on the servers, lower task.stopTimeout, ' +
        "or set zookeeper.serverTickTime to the servers' tickTime",
    });
    return undefined;
  }
}

/**
 * Takes the baton (DESIGN §3.2) for term `l`, waiting (state `waiting-for-baton`) while a previous term's child
 * may still run; resolves with the term's fencing token (the baton node's creation zxid), or undefined when the
 * term ended, or we shut down, first. Rejects on ZooKeeper errors.
 */
export async function takeBaton(host: ModeHost, baton: Baton, l: Leadership): Promise<number | undefined> {
  const { id, host: hostName } = host.info;
  const data = JSON.stringify({ id, host: hostName, term: l.term.term, node: l.term.node, sessionId: l.zk.sessionId });
  const since = performance.now();
  let token: number;
  try {
    token = await baton.take(data, {
      signal: l.signal,
      onWait: (h) =>
        host.transition('waiting-for-baton', 'a previous term may still run its child', {
          holder: h.data,
          holderSession: h.session,
        }),
    });
  } catch (err) {
    if (l.signal.aborted) return undefined;
    throw err;
  }
  if (host.state() === 'waiting-for-baton') {
    host.log.info('baton taken', { waitedMs: Math.round(performance.now() - since) });
  }
  return token;
}

/** How a campaign reports its progress in the log. */
export const campaignLog = (log: Logger): Omit<CampaignOptions, 'signal' | 'timeoutMs'> => ({
  onPosition: (p) => log.info('candidate position', { position: p.index + 1, of: p.of, node: p.node }),
  onIgnored: (node, why) => log.warn('ignoring a node that is not a candidate', { node, why }),
  onRetry: (node, err) => log.warn('candidate node not yet deleted, retrying', { node, error: String(err) }),
});

/**
 * Holds a term on the session's lease: takes the baton, runs the mode that runs the child (`once`: one run, then
 * release) and, once the child is confirmed gone, drops the baton and releases the term. `won` comes from a
 * campaign with `deferAnnounce`: the term is announced (leader node, watches) once the child started — or at once
 * in scheduled mode. Resolves with why the term ended; rejects with the shutdown reason when we shut down first, or on
 * ZooKeeper errors.
 */
export async function leadTerm(
  host: ModeHost,
  zk: Zk,
  lease: Lease,
  won: Term,
  leash: LeashedTask,
  outer: AbortSignal,
  once: boolean
): Promise<LeadEnd> {
  host.beginTerm(won.term);
  host.transition('starting', 'won election', { node: won.node });
  const onRenewed = (leftMs: number) => {
    host.task()?.renew(leftMs); // the leash holds the child on the same lease
    if (host.state() === 'fenced') host.transition('running', 'lease renewed');
  };
  const onFenced = (leftMs: number) => {
    if (host.state() === 'running') {
      host.transition('fenced', 'zookeeper connection lost', { stopInMs: Math.round(leftMs) });
    }
  };
  lease.on('renewed', onRenewed).on('fenced', onFenced);
  const ended = AbortSignal.any([won.lost, lease.hold(won.node)]);
  const l: Leadership = { zk, term: won, lease, ended, outer, signal: AbortSignal.any([outer, ended]) };
  const baton = new Baton(zk, layoutOf(host.config.election.path).active, { acl: host.acl });
  let about: { term: number; token?: number } = { term: won.term };
  try {
    const token = await takeBaton(host, baton, l);
    if (token === undefined) {
      host.transition(shuttingDown(l) ? 'shutting-down' : 'stopping', reasonOf(l.signal));
      if (shuttingDown(l)) throw outer.reason;
      return { kind: 'lost', reason: reasonOf(l.signal) };
    }
    const term: Term = { ...won, token, announce: () => won.announce({ token }) };
    l.term = term;
    about = { term: term.term, token };
    host.hooks.fire('onLeader', { reason: 'won election', ...about });
    const schedule = host.schedule();
    if (schedule && !once) {
      void term.announce();
      return await runSchedule(host, l, schedule, leash);
    }
    return await runContinuous(host, l, leash, once ? 'release' : host.config.task.onExit);
  } finally {
    host.setTask(undefined);
    // The mode returned: the child is confirmed gone. The baton's delete goes first, our candidate node's right
    // behind it in the same round trip (answered in order: the next leader finds the baton gone).
    // After a shutdown while ZooKeeper is unreachable we stop trying: closing the session removes both nodes.
    const offline = offlineAfter(zk, outer);
    const dropped = baton.drop({ signal: offline.signal });
    const released = won.release();
    await Promise.all([dropped, released.catch(() => {})]); // a failed release is the caller's, on its own call
    offline.dispose();
    const why = l.signal.aborted ? reasonOf(l.signal) : 'term ended';
    if (/lease expired/.test(why)) host.hooks.fire('onLeaseLost', { reason: why, ...about });
    host.hooks.fire('onStepDown', { reason: why, ...about });
    lease.release();
    lease.off('renewed', onRenewed).off('fenced', onFenced);
  }
}
