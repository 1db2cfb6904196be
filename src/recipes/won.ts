// An election won, as a term: the leader node written over the last term's (announce) and the watches that end
// the term; release() marks the term ended in the leader node and leaves the queue (DESIGN §3).
import type { Zk } from '../zk/client.js';
import { retry } from '../zk/retry.js';
import { clearResign, readResign } from './resign.js';
import type { LeaderInfo } from './leader.js';
import type { TermHistory, Unconfirmed } from './history.js';
import { TermEnd, type TermEndKind } from './end.js';
import { watchNode } from './watch-node.js';

/** An election won: our place at the head of the queue, for one term (the {@link Term} recipe adds the rest). */
export interface Won {
  /** Our candidate node. */
  node: string;
  /** The term number: above the previous term's and every term this process saw (see {@link TermHistory}). */
  term: number;
  /** Set when the term before ours may still be running although its baton is gone (see {@link TermHistory}). */
  unconfirmed?: Unconfirmed;
  /** Aborts (reason: a TermEnd) when the candidate node or the leader node is deleted or rewritten, or on resign. */
  lost: AbortSignal;
  /**
   * Writes the leader node (with `term` and, when given, the fencing token) and arms the watches behind `lost`;
   * resolves once they are set. Never rejects: when the leader node was written by someone else first, `lost`
   * aborts. Idempotent.
   */
  announce(opts?: { token?: number }): Promise<void>;
  /**
   * Writes the leader node (as announce does; announce then only arms the watches): call it before the work starts.
   * Resolves false, and `lost` aborts, when the leader node was written by someone else since we won — then two
   * leaders that both won on the same leader node (the operator deleted the first one's nodes) cannot both start:
   * only one write over that version succeeds, and a later winner sees our term open and waits for it. Idempotent.
   */
  claim(opts?: { token?: number }): Promise<boolean>;
  /** Ends the term: stops watching and deletes our candidate node (retrying through a disconnect). */
  release(): Promise<void>;
}

/** What a won term needs of its election. */
export interface WonElection {
  readonly zk: Zk;
  readonly leaderPath: string;
  readonly resignPath: string;
  readonly history: TermHistory;
  /** Who we are (the leader node's data, with the term's fields added). */
  readonly info: LeaderInfo;
}

/**
 * The term `term` on `node` once we lead: announce() writes the leader node over version `seen` and arms the
 * watches that end the term; release() marks it ended there (the next leader trusts the missing baton then).
 */
export function wonTerm(
  e: WonElection,
  node: string,
  term: number,
  seen: number,
  releaseNode: () => Promise<void>,
  unconfirmed: Unconfirmed | undefined
): Won {
  const ended = new AbortController();
  const lost = (kind: TermEndKind, reason: string) => {
    if (!ended.signal.aborted) ended.abort(new TermEnd(kind, reason));
  };
  const since = new Date().toISOString();
  let resignSeen = false; // only then is there a request to clear at release (saves a read per hand-over)
  const onResign = () => {
    resignSeen = true;
    void readResign(e.zk, e.resignPath).then((r) => {
      if (r && r.term === term) lost('resigned', `resign requested by ${r.by}`);
    });
  };
  let announced: Promise<void> | undefined;
  let claimed: Promise<number | undefined> | undefined;
  let version: number | undefined; // the leader node's, once our write is done
  let info: LeaderInfo | undefined;
  const claim = (token?: number): Promise<number | undefined> => {
    if (claimed) return claimed;
    const sessionId = e.zk.sessionId;
    info = { ...e.info, node, term, ...(token === undefined ? {} : { token }), since, sessionId };
    if (token !== undefined) e.history.ours(token);
    e.history.see({ term, sessionId, pidNode: info.pidNode });
    claimed = write(e, JSON.stringify(info), seen, ended.signal).then((v) => {
      version = v;
      if (v === undefined) lost('leader-changed', 'leader node changed before we wrote it');
      return v;
    });
    return claimed;
  };
  const announce = async (token?: number): Promise<void> => {
    // Watches are set right behind the write (or after it), so they see it unless someone else wrote after us.
    const written = claim(token);
    await Promise.all([
      watchNode(e.zk, node, (e) => e === 'deleted' && lost('candidate-lost', 'candidate node deleted'), ended.signal),
      watchNode(e.zk, e.leaderPath, (e) => lost('leader-changed', `leader node ${e}`), ended.signal, {
        armed: (stat) =>
          void written.then(
            (v) => v !== undefined && stat?.version !== v && lost('leader-changed', 'leader node changed')
          ),
      }),
      watchNode(e.zk, e.resignPath, (e) => e !== 'deleted' && onResign(), ended.signal, {
        mayBeAbsent: true,
        armed: (stat) => stat && onResign(),
      }),
      written,
    ]);
  };
  // Sent before our candidate node's delete: the next leader reads it when it wins.
  const markEnded = async () => {
    if (version === undefined || !info) return;
    const at = new Date().toISOString();
    e.history.see({ term, ended: at });
    await e.zk.set(e.leaderPath, JSON.stringify({ ...info, ended: at }), version).catch(() => {});
  };
  return {
    node,
    term,
    unconfirmed,
    lost: ended.signal,
    announce: (o) => (announced ??= announce(o?.token)),
    claim: (o) => claim(o?.token).then((v) => v !== undefined),
    release: async () => {
      // Both requests go out before the abort's listeners run: arriving together, they share one log write.
      const marked = markEnded();
      const left = releaseNode(); // the next candidate is waiting for it
      lost('released', 'leadership released');
      await Promise.all([left, marked]);
      if (resignSeen) await clearResign(e.zk, e.resignPath, term);
    },
  };
}

// Writes the leader node over version `seen`, retrying through a lost connection until the term ends;
// resolves with the version written, or undefined when someone else wrote it first (or the term ended).
async function write(e: WonElection, data: string, seen: number, signal: AbortSignal): Promise<number | undefined> {
  const write = async (tries: number): Promise<number | undefined> => {
    if (tries > 0) {
      // The last write may have been applied: it was, if the node now holds our data.
      const now = await e.zk.get(e.leaderPath);
      if (now.data.toString() === data) return now.stat.version;
      if (now.stat.version !== seen) return undefined;
    }
    return (await e.zk.set(e.leaderPath, data, seen)).version;
  };
  return retry(e.zk, write, { signal }).catch(() => undefined);
}
