// Watching who leads (etcd's Election.Observe): the current leader now, and again after every change.
import { untilAborted } from '../util/abort.js';
import type { Election, LeaderInfo } from './election.js';

/**
 * Calls `onChange` with the current leader (undefined: nobody leads) now and after every change of leadership
 * (a new term, or the leader gone), until `signal` aborts; resolves then. Watches the leader node and the queue,
 * so a change is seen as soon as ZooKeeper tells us. Rejects on ZooKeeper errors (e.g. the session ended).
 */
export async function observeLeader(
  election: Election,
  onChange: (leader: LeaderInfo | undefined) => void,
  signal: AbortSignal
): Promise<void> {
  const { zk } = election;
  let last = '';
  while (!signal.aborted) {
    const round = new AbortController();
    const both = AbortSignal.any([signal, round.signal]);
    // handled from the start: a watch cancelled while the leader is read (a ^C then) rejects with nobody waiting
    const events = [
      zk.existsW(election.leaderPath, { signal: both }).then((r) => r.event),
      zk.childrenW(election.candidates, { signal: both }).then(
        (r) => r.event,
        () => zk.existsW(election.candidates, { signal: both }).then((r) => r.event) // no queue yet
      ),
    ].map((e) => e.catch(() => {})); // a cancelled watch rejects
    try {
      const leader = await election.leader();
      const key = leader ? `${leader.node}#${leader.term}` : 'none';
      if (key !== last) onChange(leader);
      last = key;
      await untilAborted(Promise.race(events), both);
    } finally {
      round.abort();
    }
  }
}
