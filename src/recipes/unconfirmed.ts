// A term won with no baton left while the term before it may still run (DESIGN §3.2): the baton was deleted by
// hand, or the whole election reset. The new leader waits — until the old leader marks its term ended, until its
// session is seen gone, or for as long as that term's child may live.
import type { Zk } from '../zk/client.js';
import { pause } from '../util/abort.js';
import { termOf, type Unconfirmed } from './history.js';

/** How the wait for an unconfirmed previous term ended. */
export type PreviousEnd = 'released' | 'session-gone' | 'waited';

/**
 * Waits until the previous term of `u` is over: its leader marked it ended in the leader node at `leaderPath`,
 * its pid node shows its session gone (whose lease ended, and its child with it, before ZooKeeper expired it), or
 * `boundMs` passed. Rejects with the signal's reason when it aborts first; ZooKeeper errors shorten nothing (the
 * bound holds).
 */
export async function awaitPrevious(
  zk: Zk,
  leaderPath: string,
  u: Unconfirmed,
  boundMs: number,
  signal: AbortSignal
): Promise<PreviousEnd> {
  signal.throwIfAborted();
  const done = new AbortController();
  const stop = AbortSignal.any([signal, done.signal]);
  try {
    const { previous } = u;
    const waits: Promise<PreviousEnd | undefined>[] = [pause(boundMs, stop).then((t) => (t ? 'waited' : undefined))];
    if (u.kind === 'not-released') waits.push(released(zk, leaderPath, previous.term, stop));
    if (u.kind === 'not-released' && previous.pidNode && previous.sessionId) {
      waits.push(sessionGone(zk, previous.pidNode, previous.sessionId, stop));
    }
    const end = await Promise.race(waits);
    signal.throwIfAborted();
    return end ?? 'waited';
  } finally {
    done.abort();
  }
}

// Resolves 'released' once the leader node marks term `term` ended; never when `stop` aborts first or on errors.
async function released(zk: Zk, path: string, term: number, stop: AbortSignal): Promise<PreviousEnd | undefined> {
  try {
    while (!stop.aborted) {
      const { data, event } = await zk.getW(path, { signal: stop });
      const t = termOf(data);
      if (t?.term === term && t.ended) return 'released';
      await event;
    }
  } catch {
    /* the bound holds */
  }
  return new Promise(() => {}); // never: the others decide
}

// Resolves 'session-gone' once `pidNode` is not (or no longer) owned by `session`.
async function sessionGone(zk: Zk, pidNode: string, session: string, stop: AbortSignal) {
  try {
    while (!stop.aborted) {
      const { stat, event } = await zk.existsW(pidNode, { signal: stop });
      if (stat?.ephemeralOwner !== session) return 'session-gone' as const;
      await event;
    }
  } catch {
    /* the bound holds */
  }
  return new Promise<never>(() => {});
}
