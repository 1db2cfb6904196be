// The two things a term rests on besides winning: the session's lease (checked against the timeout the server
// granted) and the baton (no child while a previous term's may still run).
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Baton } from '../recipes/baton.js';
import type { CampaignOptions } from '../recipes/election.js';
import { Lease } from '../recipes/lease.js';
import type { Zk } from '../zk/client.js';
import type { Leadership, ModeHost } from './mode.js';
import type { State } from './states.js';

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
 * may still run; false when the term ended, or we shut down, first. Rejects on ZooKeeper errors.
 */
export async function takeBaton(host: ModeHost, baton: Baton, l: Leadership, state: () => State): Promise<boolean> {
  const { id, host: hostName } = host.info;
  const { term, token } = l.term;
  const data = JSON.stringify({ id, host: hostName, term, token, sessionId: l.zk.sessionId });
  const since = performance.now();
  try {
    await baton.take(data, {
      signal: l.signal,
      onWait: (h) =>
        host.transition('waiting-for-baton', 'a previous term may still run its child', {
          holder: h.data,
          holderSession: h.session,
        }),
    });
  } catch (err) {
    if (l.signal.aborted) return false;
    throw err;
  }
  if (state() === 'waiting-for-baton') {
    host.log.info('baton taken', { waitedMs: Math.round(performance.now() - since) });
  }
  return true;
}

/** How a campaign reports its progress in the log. */
export const campaignLog = (log: Logger): Omit<CampaignOptions, 'signal' | 'timeoutMs'> => ({
  onPosition: (p) => log.info('candidate position', { position: p.index + 1, of: p.of, node: p.node }),
  onIgnored: (node, why) => log.warn('ignoring a node that is not a candidate', { node, why }),
  onRetry: (node, err) => log.warn('candidate node not yet deleted, retrying', { node, error: String(err) }),
});
