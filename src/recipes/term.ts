// The term as one recipe: an election won, the session's lease held on it, and the baton taken (DESIGN §3). A
// term's fencing token is its baton node's creation zxid: each holder's baton is made after the previous one is
// gone, so tokens grow across terms and hosts. `lost` aborts with a typed TermEnd; `release()` ends it, once.
import type { Zk, ZkState } from '../zk/client.js';
import { isFinal } from '../zk/types.js';
import { offlineAfter } from '../zk/retry.js';
import { Baton, type BatonHolder } from './baton.js';
import type { Election, Won } from './election.js';
import { endOf, TermEnd } from './end.js';
import { layoutOf } from './layout.js';
import { watchNode } from './watch-node.js';
import type { Lease } from './lease.js';
import { Slots, type SlotsCampaignOptions, type SlotWon } from './slots.js';
import type { LeaseHold } from './lease-hold.js';
import type { Unconfirmed } from './history.js';
import { awaitPrevious, type PreviousEnd } from './unconfirmed.js';

const CANDIDATE_DELETED = () => new TermEnd('candidate-lost', 'candidate node deleted');

export interface TakeOptions extends Omit<SlotsCampaignOptions, 'deferAnnounce'> {
  /** The session's lease: the term is lost when it runs out (strongly advised: without it `msUntilStop` is ∞). */
  lease?: Lease;
  /** How long the work takes to stop (default and most: the lease's): it must stop this long before the lease ends. */
  stopTimeoutMs?: number;
  /** Called once we won, right after the baton was asked for (before its answer). */
  onWon?: (won: Won) => void;
  /** Called each time another session is found holding the baton (a previous term's work may still run). */
  onBatonWait?: (holder: BatonHolder) => void;
  /** Resolve before the term is announced (the leader node written): the caller calls `announce()`. */
  deferAnnounce?: boolean;
  /**
   * How long the previous term's child may live after its baton vanished without its release (an operator
   * deleted it, or reset the election): the session timeout + stopTimeout. Default 0: trust a missing baton.
   */
  unconfirmedWaitMs?: number;
  /** Called when we wait for such a previous term, with how long at most; and with how the wait ended. */
  onUnconfirmed?: (u: Unconfirmed, waitMs: number) => void;
  onUnconfirmedEnd?: (how: PreviousEnd, waitedMs: number) => void;
}

/** One term of leadership, held: do the work only while `lost` has not aborted, stop it before `msUntilStop()`. */
export class Term {
  #released: Promise<void> | undefined;

  private constructor(
    readonly zk: Zk,
    readonly won: Won,
    readonly token: number,
    readonly lost: AbortSignal,
    readonly baton: Baton,
    /** The term's hold on the session's lease (events `renewed`, `fenced`); undefined without a lease. */
    readonly hold: LeaseHold | undefined,
    readonly shutdown: AbortSignal | undefined,
    readonly session: SessionEnd
  ) {}

  /**
   * Campaigns on `election`, holds `opts.lease` on the won term and waits for the baton; resolves with the term,
   * announced unless `deferAnnounce`. Rejects with `opts.signal`'s reason when it aborts first, with the TermEnd
   * when the term is lost before the baton was ours, or as `campaign` does; nothing is left held in every case.
   * Throws RangeError (before campaigning) when `stopTimeoutMs` is more than the lease's.
   */
  static async take(election: Election | Slots, opts: TakeOptions = {}): Promise<Term> {
    const { lease, stopTimeoutMs, onWon, onBatonWait, deferAnnounce, unconfirmedWaitMs = 0, ...campaign } = opts;
    const { onUnconfirmed, onUnconfirmedEnd, ...rest } = campaign;
    if (lease && stopTimeoutMs !== undefined && stopTimeoutMs > lease.stopTimeoutMs)
      throw new RangeError(`stopTimeout ${stopTimeoutMs} ms is more than the lease's ${lease.stopTimeoutMs} ms`);
    const won = await election.campaign({ ...rest, deferAnnounce: true });
    const at = election instanceof Slots ? election.elections[(won as SlotWon).slot]! : election; // its own baton
    // While we wait for the baton, our candidate node is watched (the term's own watches come with announce()).
    const gone = new AbortController();
    const waiting = new AbortController();
    const hold = lease?.hold(won.node, stopTimeoutMs);
    const { zk } = at;
    const session = sessionEnd(zk); // lost with the session, with or without a lease
    const lost = AbortSignal.any([won.lost, gone.signal, session.signal, ...(hold ? [hold.signal] : [])]);
    const layout = layoutOf(at.path);
    const baton = new Baton(zk, layout.batons, { acl: at.opts.acl, legacy: layout.active });
    const watchOwnNode = () =>
      void watchNode(zk, won.node, (e) => e === 'deleted' && gone.abort(CANDIDATE_DELETED()), waiting.signal);
    try {
      const { id, host } = at.opts.info ?? {};
      const data = JSON.stringify({ id, host, term: won.term, node: won.node, sessionId: zk.sessionId });
      const signal = AbortSignal.any([lost, ...(opts.signal ? [opts.signal] : [])]);
      let watching = false;
      const watchOnce = () => {
        if (!watching) watchOwnNode(); // only when we wait: no extra request on the hand-over path
        watching = true;
      };
      const onWait = (h: BatonHolder) => {
        watchOnce();
        onBatonWait?.(h);
      };
      const taking = baton.take(data, { signal, onWait }); // sent first: onWon's logging is off the hand-over path
      taking.catch(() => {});
      try {
        onWon?.(won);
      } catch (err) {
        await taking.catch(() => {}); // settled: released below
        throw err;
      }
      const { token } = await taking;
      // Even after waiting for a baton: its holder may itself have been waiting for the unconfirmed term.
      if (won.unconfirmed && unconfirmedWaitMs > 0) {
        const since = performance.now();
        watchOnce();
        onUnconfirmed?.(won.unconfirmed, unconfirmedWaitMs);
        const how = await awaitPrevious(zk, layout.leader, won.unconfirmed, unconfirmedWaitMs, signal);
        onUnconfirmedEnd?.(how, Math.round(performance.now() - since));
      }
      waiting.abort();
      const term = new Term(zk, won, token, lost, baton, hold, opts.shutdown, session);
      if (!deferAnnounce) await term.announce();
      return term;
    } catch (err) {
      waiting.abort();
      const why = lost.aborted ? endOf(lost) : err;
      await releaseAll(zk, baton, won, hold, opts.shutdown, session).catch(() => {}); // the baton: held if it failed
      throw opts.signal?.aborted ? opts.signal.reason : why;
    }
  }

  /** Our candidate node. */
  get node(): string {
    return this.won.node;
  }
  /** The term number (grows by one per term). */
  get term(): number {
    return this.won.term;
  }
  /** The slot held (taken on {@link Slots}), else undefined. */
  get slot(): number | undefined {
    return (this.won as Partial<SlotWon>).slot;
  }

  /** ms until the work must be stopped (the lease's; Infinity without a lease; ≤ 0 once lost to it). */
  msUntilStop(): number {
    return this.hold ? this.hold.remainingMs() : Number.POSITIVE_INFINITY;
  }

  /** Writes the leader node with the term's token and arms the term's watches. Never rejects; idempotent. */
  announce(): Promise<void> {
    return this.won.announce({ token: this.token });
  }

  /**
   * Writes the leader node with the term's token (announce() then arms the watches): await it before the work
   * starts. Resolves false when someone else wrote the leader node since we won — the term is lost then (`lost`
   * aborts) and nothing may start. Never rejects; idempotent.
   */
  claim(): Promise<boolean> {
    return this.won.claim({ token: this.token });
  }

  /**
   * Ends the term — call it once the work is confirmed stopped: drops the baton, then leaves the queue (both sent
   * in one round trip: the next leader finds the baton gone). Retries through a disconnect until the session is
   * over, or until take's `shutdown` has aborted while ZooKeeper is unreachable (closing the session removes both
   * then). Idempotent (later calls wait for the first); rejects only NOAUTH on the candidate node.
   */
  release(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }

  #release(): Promise<void> {
    return releaseAll(this.zk, this.baton, this.won, this.hold, this.shutdown, this.session);
  }
}

// Drops the baton and leaves the queue, both sent in one round trip; retries through a disconnect until the
// session is over, or until `shutdown` has aborted while ZooKeeper is unreachable. Rejects as won.release() does,
// once the baton's delete is done too.
async function releaseAll(
  zk: Zk,
  baton: Baton,
  won: Won,
  hold: LeaseHold | undefined,
  shutdown: AbortSignal | undefined,
  session: SessionEnd
): Promise<void> {
  const offline = shutdown ? offlineAfter(zk, shutdown) : undefined;
  try {
    const dropped = baton.drop({ signal: offline?.signal }); // never rejects
    const [, left] = await Promise.allSettled([dropped, won.release()]);
    if (left.status === 'rejected') throw left.reason;
  } finally {
    offline?.dispose();
    hold?.release();
    session.dispose();
  }
}

interface SessionEnd {
  signal: AbortSignal;
  dispose(): void;
}

/** Aborts (a TermEnd `session-lost`) once `zk`'s session has expired or was closed; `dispose` stops listening. */
function sessionEnd(zk: Zk): SessionEnd {
  const ac = new AbortController();
  const onState = (s: ZkState) => {
    if (isFinal(s)) ac.abort(new TermEnd('session-lost', `session ${s}`));
  };
  if (isFinal(zk.state)) onState(zk.state);
  else zk.on('state', onState);
  return { signal: ac.signal, dispose: () => zk.off('state', onState) };
}
