// A term as the supervisor holds it: the session's lease (checked against the timeout the server granted), the
// term taken with it (the Term recipe: election, lease, baton), and the mode that runs the child while it lasts.
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { CampaignOptions, Election } from '../recipes/election.js';
import { Lease } from '../recipes/lease.js';
import { endOf } from '../recipes/end.js';
import type { Slots, SlotsCampaignOptions, SlotWon } from '../recipes/slots.js';
import { Term } from '../recipes/term.js';
import { TermHistory } from '../recipes/history.js';
import type { Zk } from '../zk/client.js';
import type { LeashedTask } from '../task/task.js';
import { runContinuous } from './continuous.js';
import { endOfTerm, type LeadEnd, type Leadership, type ModeContext } from './mode.js';
import { runSchedule } from './scheduled.js';
import type { Suspension } from './suspend.js';

/**
 * The session's lease (DESIGN §3.1) for children that take up to `stopTimeoutMs` to stop (default: the job's);
 * undefined when the session timeout the server granted cannot cover it — logged once, with the fix: the caller
 * must not campaign on this session then. A renegotiated timeout is logged; `onUnfit` hears of one too short.
 */
export function openLease(
  zk: Zk,
  config: Config,
  log: Logger,
  stopTimeoutMs = config.task.stopTimeout,
  onUnfit?: (problem: string) => void
): Lease | undefined {
  const { sessionTimeout, serverTickTime } = config.zookeeper;
  const granted = zk.sessionTimeoutMs;
  try {
    const lease = new Lease(zk, { stopTimeoutMs, serverTickMs: serverTickTime });
    lease.on('shortened', (grantedTimeoutMs) =>
      log.warn('the session was resumed with a shorter timeout: the lease counts on it now', {
        grantedTimeoutMs,
        fix: 'give every server the same maxSessionTimeout',
      })
    );
    lease.on('unfit', (grantedTimeoutMs, problem) => {
      log.error('the session timeout shrank below what task.stopTimeout needs: the term is lost', {
        grantedTimeoutMs,
        problem,
        fix: 'give every server the same maxSessionTimeout, or lower task.stopTimeout',
      });
      onUnfit?.(problem);
    });
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
      stopTimeoutMs,
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
 * Takes a term on `election` (DESIGN §3: won, the lease held on it, the baton ours), reporting each step; the term
 * is announced later (`deferAnnounce`). `signal` aborts the campaign and the wait for the baton; `shutdown` is the
 * supervisor's (see {@link CampaignOptions.shutdown}). Rejects as {@link Term.take} does.
 */
export async function takeTerm(
  ctx: ModeContext,
  election: Election | Slots,
  lease: Lease,
  opts: Pick<SlotsCampaignOptions, 'signal' | 'shutdown' | 'timeoutMs' | 'steppedDown' | 'steppedDownSlot'>
): Promise<Term> {
  let waitingSince: number | undefined;
  const { preempt } = ctx.config.election;
  const term = await Term.take(election, {
    ...opts,
    ...campaignLog(ctx.log),
    ...(preempt && {
      preempt: {
        afterMs: preempt.after,
        minTenureMs: preempt.minTenure,
        onAsk: (leader) =>
          ctx.log.info('asked the leader to step down: this host is preferred (preempt)', {
            leader: leader.id,
            leaderPriority: leader.priority ?? 0,
            priority: ctx.config.election.priority,
            term: leader.term,
          }),
      },
    }),
    lease,
    stopTimeoutMs: ctx.config.task.stopTimeout, // a job of a daemon may stop sooner than the lease's longest
    deferAnnounce: true,
    // An operator's reset may leave the last term's child running with no baton: as long as it may live.
    unconfirmedWaitMs: unconfirmedWaitOf(ctx.config, election.zk),
    onUnconfirmed: (u, waitMs) =>
      ctx.log.warn('the last term may still run although its baton is gone: waiting before starting', {
        why: u.kind === 'reset' ? 'the election was reset (its nodes deleted)' : 'its baton was deleted by hand',
        previousTerm: u.previous.term,
        previousSession: u.previous.sessionId,
        atMostMs: waitMs,
      }),
    onUnconfirmedEnd: (how, waitedMs) => ctx.log.info('done waiting for the last term', { how, waitedMs }),
    onWon: (won) => ctx.report({ type: 'won', term: won.term, node: won.node, slot: (won as Partial<SlotWon>).slot }),
    onBatonWait: (h) => {
      waitingSince ??= performance.now();
      ctx.report({ type: 'baton-wait', holder: h.data, holderSession: h.session });
    },
  });
  if (waitingSince !== undefined) {
    ctx.log.info('baton taken', { waitedMs: Math.round(performance.now() - waitingSince) });
  }
  return term;
}

/** How a campaign reports its progress in the log. */
export const campaignLog = (log: Logger): Omit<CampaignOptions, 'signal' | 'timeoutMs'> => ({
  onPosition: (p) => {
    const line = () => log.info('candidate position', { position: p.index + 1, of: p.of, node: p.node });
    // first in line: written after the requests that win the term are out
    if (p.index === 0) setImmediate(line);
    else line();
  },
  onIgnored: (node, why) => log.warn('ignoring a node that is not a candidate', { node, why }),
  onPass: (to) =>
    log.info('won, passing the term to a preferred candidate', { to: to.id, toHost: to.host, priority: to.priority }),
  onRetry: (node, err) => log.warn('candidate node not yet deleted, retrying', { node, error: String(err) }),
});

/**
 * Holds `term`: runs the mode that runs the child (`once`: one run, then release) and, once the child is confirmed
 * gone, releases the term (baton, then candidate node). The term is announced (leader node, watches) once the
 * child started — or at once in scheduled mode. Resolves with why the term ended; rejects with the shutdown reason
 * when we shut down first, or on ZooKeeper errors.
 */
export async function leadTerm(
  ctx: ModeContext,
  zk: Zk,
  term: Term,
  leash: LeashedTask,
  outer: AbortSignal,
  once: boolean,
  suspension?: Suspension
): Promise<LeadEnd> {
  const onRenewed = (leftMs: number) => {
    ctx.task()?.renew(leftMs); // the leash holds the child on the same lease
    ctx.report({ type: 'lease-renewed' });
  };
  const onFenced = (leftMs: number) => ctx.report({ type: 'lease-fenced', stopInMs: Math.round(leftMs) });
  term.hold?.on('renewed', onRenewed).on('fenced', onFenced);
  const l: Leadership = { zk, term, outer, signal: AbortSignal.any([outer, term.lost]), suspension };
  const about = { term: term.term, token: term.token };
  // The hooks people page on run when their event happens — during an outage too, not once ZooKeeper is back.
  let leaseLostFired = false;
  const leaseLost = (reason: string) => {
    if (leaseLostFired) return;
    leaseLostFired = true;
    ctx.hooks.fire('onLeaseLost', { reason, ...about });
  };
  const onLost = () => {
    const end = endOf(term.lost);
    if (end.kind === 'lease-expired') leaseLost(end.message);
  };
  term.lost.addEventListener('abort', onLost, { once: true });
  let result: LeadEnd | undefined;
  try {
    ctx.hooks.fire('onLeader', { reason: 'won election', ...about });
    const schedule = ctx.schedule();
    if (schedule && !once) {
      void term.announce();
      result = await runSchedule(ctx, l, schedule, leash);
    } else result = await runContinuous(ctx, l, leash, once ? 'release' : ctx.config.task.onExit);
    return result;
  } finally {
    ctx.setTask(undefined);
    term.hold?.off('renewed', onRenewed).off('fenced', onFenced);
    term.lost.removeEventListener('abort', onLost);
    const end = result?.kind === 'lost' ? result.end : l.signal.aborted ? endOfTerm(l) : undefined;
    const reason = end?.message ?? 'term ended';
    if (end?.kind === 'lease-expired') leaseLost(reason); // (the leash stopped the child a hair before our timer)
    ctx.hooks.fire('onStepDown', { reason, ...about }); // the child is confirmed gone: we no longer lead
    if (end?.kind === 'lease-expired' && zk.state !== 'connected') {
      // A one-way partition lets our re-dials renew the session while no reply reaches us: nobody else could
      // lead for as long as it lasts. Stop resuming it, so that it expires and the nodes below go with it.
      ctx.abandonSession('the lease lapsed while holding a term and ZooKeeper is still unreachable');
    } else if (term.hold?.lease.unfit) ctx.abandonSession(term.hold.lease.unfit); // a session we cannot lead on
    // The baton goes first, our candidate node right behind it (this waits for ZooKeeper).
    await term.release().catch(() => {}); // NOAUTH: the caller's, on its own requests
  }
}

/**
 * How long the last term's child may live after its baton vanished without a release (DESIGN §3.2): its leader
 * sees the deletion on its next contact, at most a session timeout away, then stops its child within stopTimeout.
 */
export const unconfirmedWaitOf = (config: Config, zk: Zk): number =>
  Math.max(config.zookeeper.sessionTimeout, zk.sessionTimeoutMs) + config.task.stopTimeout + 1000;

/**
 * The terms this process sees of the election at `path`; a term won with a fencing token no higher than one seen
 * is logged (a store that keeps the highest token it accepted refuses the term's writes: safe, and loud).
 */
export const historyFor = (log: Logger, path: string): TermHistory =>
  new TermHistory({
    onTokenBack: (token, highestSeen) =>
      log.error("the fencing token went back: ZooKeeper's history is older than a term this process saw", {
        path,
        token,
        highestSeen,
        why: 'its data was restored from a backup, or the election moved to another ensemble',
        fix: 'README, "Restoring ZooKeeper from a backup"',
      }),
  });
