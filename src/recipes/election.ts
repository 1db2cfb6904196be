// Leader election on the Mutex (kazoo's Election on Lock; etcd's concurrency.Election): candidates queue under
// `<path>/candidates`, the lowest leads, and the leader writes `<path>/leader` (JSON of the term). Winning gives
// a Term whose `lost` signal aborts when leadership ends; `release()` leaves. `lead()` (lead.ts) is the seed's RunTask.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { ensurePath } from '../zk/helpers.js';
import type { Stat } from '../zk/types.js';
import { retry } from '../zk/retry.js';
import { layoutOf } from './layout.js';
import { contendersAt, leaderAt, type Contender, type LeaderInfo } from './leader.js';
import { clearResign, readResign, writeResign, type ResignRequest } from './resign.js';
import { RecipeError } from './errors.js';
import { readTerm, TermHistory, type Unconfirmed } from './history.js';
import { TermEnd, type TermEndKind } from './end.js';
import { Mutex, type Position } from './mutex.js';
import { watchNode } from './watch-node.js';

export type { Contender, LeaderInfo } from './leader.js';
export type { ResignRequest } from './resign.js';

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
  /** Ends the term: stops watching and deletes our candidate node (retrying through a disconnect). */
  release(): Promise<void>;
}

export interface CampaignOptions {
  signal?: AbortSignal;
  /** Give up after this long (RecipeError LOCK_TIMEOUT); 0 = try once. Default: wait forever. */
  timeoutMs?: number;
  /** Called whenever our place in the queue changes. */
  onPosition?: (p: Position) => void;
  /** A node in the queue that is not a contender was skipped (called once per node). */
  onIgnored?: (node: string, why: 'name' | 'created-after') => void;
  /**
   * Deleting our candidate node (after a failed or aborted campaign, or at the term's release) is retried until
   * it is done or the session is over; once this signal aborts (we shut down) it stops as soon as ZooKeeper is
   * unreachable: closing the session removes the node then. Not `signal`: a campaign aborted for any other reason
   * must still leave the queue.
   */
  shutdown?: AbortSignal;
  /** Called when deleting our candidate node failed and is retried (e.g. to log it once). */
  onRetry?: (node: string, err: unknown) => void;
  /** Resolve before the term is announced; the caller calls `term.announce()` (see {@link Election.campaign}). */
  deferAnnounce?: boolean;
}

/** Leader election at `path` on one session. `campaign()` once per term; not reusable across sessions. */
export class Election {
  readonly candidates: string;
  readonly leaderPath: string;
  /** A request to the leader to step down (see {@link requestResign}). */
  readonly resignPath: string;

  /** `info` describes us as a candidate (needed to campaign, not to read the election). */
  readonly history: TermHistory;

  /** `history` is shared by the Elections of one path in one process (one per session). */
  constructor(
    readonly zk: Zk,
    readonly path: string,
    readonly opts: { info?: LeaderInfo; acl?: readonly Acl[]; history?: TermHistory } = {}
  ) {
    this.history = opts.history ?? new TermHistory();
    const layout = layoutOf(path);
    this.candidates = layout.candidates;
    this.leaderPath = layout.leader;
    this.resignPath = layout.resign;
  }

  /**
   * Queues and waits until we lead; checks our node is ours and resolves with the term, announced: the leader
   * node written and the term's watches armed. With `deferAnnounce` it resolves before that (one round trip
   * after our predecessor left: the queue listing, our node and the leader node read behind it) and the
   * caller calls `term.announce()` — e.g. right after starting its work. Rejects RecipeError LOCK_TIMEOUT,
   * NOT_QUEUED (our node was deleted) or NOT_OWNED, or the signal's reason; our candidate node is deleted again
   * in every case.
   */
  async campaign(opts: CampaignOptions = {}): Promise<Won> {
    const me = this.opts.info;
    if (!me) throw new TypeError('Election.campaign needs opts.info (who we are)');
    const { acl } = this.opts; // made now, not on the way from winning to running (one round trip)
    const dirs = [this.candidates, this.leaderPath, layoutOf(this.path).batons];
    // As we join, the last term seen (ours will be above it): read in the same round trip as the paths' first requests
    const [, last] = await Promise.all([
      Promise.all(dirs.map((d) => ensurePath(this.zk, d, acl))),
      readTerm(this.zk, this.leaderPath),
    ]);
    this.history.see(last?.seen);
    const mutex = new Mutex(this.zk, this.candidates, { data: JSON.stringify(me), acl: this.opts.acl });
    const release = () => mutex.release({ signal: opts.shutdown, onRetry: opts.onRetry });
    try {
      const { signal, timeoutMs, onPosition, onIgnored } = opts;
      // Our node and the leader node, read behind every listing of the queue (answered in order, in the same round
      // trip): the last listing is the one that found us first.
      let reads: Promise<[Stat | null, Awaited<ReturnType<typeof readTerm>>]> | undefined;
      const onList = () => {
        reads = Promise.all([this.zk.exists(mutex.node!), readTerm(this.zk, this.leaderPath)]);
        reads.catch(() => {}); // a stale listing's reads: nobody waits for them
      };
      await mutex.lock({ signal, timeoutMs, onPosition, onIgnored, onList });
      const node = mutex.node!;
      const [own, seen] = await reads!;
      if (own?.ephemeralOwner !== this.zk.sessionId)
        throw new RecipeError('NOT_OWNED', node, 'candidate node not owned by this session');
      // deleted by hand since we joined: made again (a rare extra round trip)
      const before =
        seen ??
        (await ensurePath(this.zk, this.leaderPath, this.opts.acl).then(() => readTerm(this.zk, this.leaderPath)));
      if (!before) throw new RecipeError('NOT_OWNED', this.leaderPath, 'leader node deleted while we won');
      const unconfirmed = this.history.unconfirmed(before.seen, this.zk.sessionId);
      this.history.see(before.seen);
      const number = this.history.next(before.seen, before.version);
      const term = this.#term(node, number, before.version, release, unconfirmed);
      if (!opts.deferAnnounce) await term.announce();
      if (term.lost.aborted) throw term.lost.reason;
      return term;
    } catch (err) {
      await release();
      throw err;
    }
  }

  // The term `term` on `node` once we lead: announce() writes the leader node over version `seen` and arms the
  // watches that end the term; release() marks it ended there (the next leader trusts the missing baton then).
  #term(
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
      void readResign(this.zk, this.resignPath).then((r) => {
        if (r && r.term === term) lost('resigned', `resign requested by ${r.by}`);
      });
    };
    let announced: Promise<void> | undefined;
    let version: number | undefined; // the leader node's, once our write is done
    let info: LeaderInfo | undefined;
    const announce = async (token?: number): Promise<void> => {
      const sessionId = this.zk.sessionId;
      info = { ...this.opts.info!, node, term, ...(token === undefined ? {} : { token }), since, sessionId };
      this.history.see({ term, sessionId, pidNode: info.pidNode });
      // Watches are set right behind the write, so they see it unless someone else wrote after us.
      const written = this.#write(JSON.stringify(info), seen, ended.signal);
      void written.then((v) => {
        version = v;
      });
      await Promise.all([
        watchNode(
          this.zk,
          node,
          (e) => e === 'deleted' && lost('candidate-lost', 'candidate node deleted'),
          ended.signal
        ),
        watchNode(this.zk, this.leaderPath, (e) => lost('leader-changed', `leader node ${e}`), ended.signal, {
          armed: (stat) =>
            void written.then(
              (v) => v !== undefined && stat?.version !== v && lost('leader-changed', 'leader node changed')
            ),
        }),
        watchNode(this.zk, this.resignPath, (e) => e !== 'deleted' && onResign(), ended.signal, {
          mayBeAbsent: true,
          armed: (stat) => stat && onResign(),
        }),
        written.then((v) => v === undefined && lost('leader-changed', 'leader node changed before we wrote it')),
      ]);
    };
    // Sent before our candidate node's delete: the next leader reads it when it wins.
    const markEnded = async () => {
      if (version === undefined || !info) return;
      const at = new Date().toISOString();
      this.history.see({ term, ended: at });
      await this.zk.set(this.leaderPath, JSON.stringify({ ...info, ended: at }), version).catch(() => {});
    };
    return {
      node,
      term,
      unconfirmed,
      lost: ended.signal,
      announce: (o) => (announced ??= announce(o?.token)),
      release: async () => {
        // Both requests go out before the abort's listeners run: arriving together, they share one log write.
        const marked = markEnded();
        const left = releaseNode(); // the next candidate is waiting for it
        lost('released', 'leadership released');
        await Promise.all([left, marked]);
        if (resignSeen) await clearResign(this.zk, this.resignPath, term);
      },
    };
  }

  // Writes the leader node over version `seen`, retrying through a lost connection until the term ends;
  // resolves with the version written, or undefined when someone else wrote it first (or the term ended).
  async #write(data: string, seen: number, signal: AbortSignal): Promise<number | undefined> {
    const write = async (tries: number): Promise<number | undefined> => {
      if (tries > 0) {
        // The last write may have been applied: it was, if the node now holds our data.
        const now = await this.zk.get(this.leaderPath);
        if (now.data.toString() === data) return now.stat.version;
        if (now.stat.version !== seen) return undefined;
      }
      return (await this.zk.set(this.leaderPath, data, seen)).version;
    };
    return retry(this.zk, write, { signal }).catch(() => undefined);
  }

  /** Asks the current leader to step down (writes the resign node for its term); resolves with the request, or
   * undefined when nobody leads. The leader deletes the request once it has stepped down. */
  async requestResign(by: string): Promise<ResignRequest | undefined> {
    const current = await this.leader();
    if (!current?.term) return undefined;
    return writeResign(this.zk, this.resignPath, { term: current.term, id: current.id }, by, this.opts.acl);
  }

  /** The queue, lowest (the leader, if any) first. Nodes whose name is not `<uuid>-lock-<seq>` are left out. */
  contenders(): Promise<Contender[]> {
    return contendersAt(this.zk, this.candidates);
  }

  /**
   * The current leader: the leader node's term, if it names the lowest live candidate (a leader node left by a
   * dead term does not count), with its fencing token when it has one; undefined when nobody leads.
   */
  leader(): Promise<LeaderInfo | undefined> {
    return leaderAt(this.zk, this.candidates, this.leaderPath);
  }
}
