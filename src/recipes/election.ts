// Leader election on the Mutex (kazoo's Election on Lock; etcd's concurrency.Election): candidates queue under
// `<path>/candidates`, the lowest leads, and the leader writes `<path>/leader` (JSON of the term). Winning gives
// a Term whose `lost` signal aborts when leadership ends; `release()` leaves. `lead()` (lead.ts) is the seed's RunTask.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { ensurePath } from '../zk/helpers.js';
import type { Stat } from '../zk/types.js';
import { layoutOf } from './layout.js';
import { contendersAt, leaderAt, readContenders, type Contender, type LeaderInfo } from './leader.js';
import { writeResign, type ResignRequest } from './resign.js';
import { RecipeError } from './errors.js';
import { readTerm, TermHistory, type TermSeen } from './history.js';
import { Mutex, type LockOptions, type Position } from './mutex.js';
import { preemptWhileWaiting, type PreemptOptions } from './preempt.js';
import { preferredOf, priorityOf } from './priority.js';
import { wonTerm, type Won } from './won.js';

export type { Contender, LeaderInfo } from './leader.js';
export type { ResignRequest } from './resign.js';
export type { Won } from './won.js';
export type { PreemptOptions } from './preempt.js';

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
  /**
   * The term we stepped down from just before this campaign (a resign, the child's exit): winners pass the next
   * term over us (priority.ts), so that it goes to another candidate if there is one.
   */
  steppedDown?: number;
  /** While we wait, ask a leader less preferred than us (`info.priority`) to step down (see preempt.ts). */
  preempt?: PreemptOptions;
  /** We won, but a more preferred candidate waits: we pass the term on to it and queue again at the back. */
  onPass?: (to: Contender) => void;
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
    const data = JSON.stringify({
      ...me,
      ...(opts.steppedDown === undefined ? {} : { steppedDown: opts.steppedDown }),
    });
    const waiting = new AbortController(); // the preempter's, while we wait
    if (opts.preempt) {
      const by = `${me.id} (preempting: priority ${priorityOf(me)})`;
      const self = { priority: priorityOf(me), steppedDown: opts.steppedDown, by };
      const site = { zk: this.zk, leaderPath: this.leaderPath, resignPath: this.resignPath, acl };
      preemptWhileWaiting(site, self, opts.preempt, waiting.signal);
    }
    const deadline = performance.now() + (opts.timeoutMs ?? Infinity);
    let mutex = new Mutex(this.zk, this.candidates, { data, acl });
    const release = () => mutex.release({ signal: opts.shutdown, onRetry: opts.onRetry });
    try {
      const { signal, onPosition, onIgnored } = opts;
      for (;;) {
        const timeoutMs = opts.timeoutMs === undefined ? undefined : Math.max(0, deadline - performance.now());
        const won = await this.#lock(mutex, { signal, timeoutMs, onPosition, onIgnored });
        const to = won.waiting.length > 0 ? await this.#passTo(won.waiting, priorityOf(me), won.before) : undefined;
        if (!to) {
          waiting.abort();
          return await this.#won(won, me, release, opts);
        }
        opts.onPass?.(to);
        await release();
        mutex = new Mutex(this.zk, this.candidates, { data, acl });
      }
    } catch (err) {
      await release();
      throw err;
    } finally {
      waiting.abort();
    }
  }

  // Waits for `mutex` and checks what the winning listing found: our node (ours?) and the leader node (made again if
  // deleted by hand since we joined: a rare extra round trip); resolves with them and the candidates behind us.
  async #lock(mutex: Mutex, opts: LockOptions) {
    // Our node and the leader node, read behind every listing of the queue (answered in order, in the same round
    // trip): the last listing is the one that found us first.
    let reads: Promise<[Stat | null, Awaited<ReturnType<typeof readTerm>>]> | undefined;
    let queue: readonly string[] = [];
    const onList = () => {
      reads = Promise.all([this.zk.exists(mutex.node!), readTerm(this.zk, this.leaderPath)]);
      reads.catch(() => {}); // a stale listing's reads: nobody waits for them
    };
    await mutex.lock({ ...opts, onList, onListed: (q) => (queue = q) });
    const node = mutex.node!;
    const [own, seen] = await reads!;
    if (own?.ephemeralOwner !== this.zk.sessionId)
      throw new RecipeError('NOT_OWNED', node, 'candidate node not owned by this session');
    const before =
      seen ??
      (await ensurePath(this.zk, this.leaderPath, this.opts.acl).then(() => readTerm(this.zk, this.leaderPath)));
    if (!before) throw new RecipeError('NOT_OWNED', this.leaderPath, 'leader node deleted while we won');
    return { node, before, waiting: queue.slice(1) };
  }

  // The waiting candidate we pass the term to (priority.ts), or undefined: their nodes read in one round trip.
  async #passTo(names: readonly string[], mine: number, before: { seen: TermSeen | undefined }) {
    const waiting = await readContenders(this.zk, this.candidates, names);
    return preferredOf(mine, waiting, before.seen?.term);
  }

  // The term won on `node` after the term the leader node `before` holds; announced unless deferred.
  async #won(
    won: { node: string; before: { seen: TermSeen | undefined; version: number } },
    me: LeaderInfo,
    release: () => Promise<void>,
    opts: CampaignOptions
  ): Promise<Won> {
    const { node, before } = won;
    const unconfirmed = this.history.unconfirmed(before.seen, this.zk.sessionId);
    this.history.see(before.seen);
    const number = this.history.next(before.seen, before.version);
    const election = { zk: this.zk, leaderPath: this.leaderPath, resignPath: this.resignPath, history: this.history };
    const term = wonTerm({ ...election, info: me }, node, number, before.version, release, unconfirmed);
    if (!opts.deferAnnounce) await term.announce();
    if (term.lost.aborted) throw term.lost.reason;
    return term;
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
