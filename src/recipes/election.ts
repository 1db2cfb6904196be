// Leader election on the Mutex (kazoo's Election on Lock; etcd's concurrency.Election): candidates queue under
// `<path>/candidates`, the lowest leads, and the leader writes `<path>/leader` (JSON of the term). Winning gives
// a Term whose `lost` signal aborts when leadership ends; `release()` leaves. `lead()` is the seed's RunTask.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { childrenOrEmpty, createOrUpdate, ensurePath } from '../zk/helpers.js';
import { join } from '../zk/paths.js';
import { bySequence } from './queue-lock.js';
import { backoffDelay, pause } from './backoff.js';
import { RecipeError } from './errors.js';
import { Lease } from './lease.js';
import { CONTENDER_NAME, Mutex, type Position } from './mutex.js';
import { watchNode } from './watch-node.js';

/** What a candidate says about itself (its candidate node's data and, while it leads, the leader node's). */
export interface LeaderInfo {
  id: string;
  host: string;
  pid: number;
  description: string;
  node?: string;
  term?: number;
  since?: string;
}

/** One term of leadership. */
export interface Term {
  /** Our candidate node. */
  node: string;
  /** The leader node's version after our write: grows by one per term. */
  term: number;
  /** The zxid of that write: the fencing token, strictly increasing across terms and hosts. */
  token: number;
  /** Aborts (reason: an Error naming why) when the candidate node or the leader node is deleted or rewritten. */
  lost: AbortSignal;
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
  /** Called when deleting our candidate node failed and is retried (e.g. to log it once). */
  onRetry?: (node: string, err: unknown) => void;
}

/** A queued candidate, lowest first. */
export interface Contender {
  node: string;
  id?: string;
}

/** Leader election at `path` on one session. `campaign()` once per term; not reusable across sessions. */
export class Election {
  readonly candidates: string;
  readonly leaderPath: string;
  /** A request to the leader to step down (see {@link requestResign}). */
  readonly resignPath: string;

  /** `info` describes us as a candidate (needed to campaign, not to read the election). */
  constructor(
    readonly zk: Zk,
    readonly path: string,
    readonly opts: { info?: LeaderInfo; acl?: readonly Acl[] } = {}
  ) {
    this.candidates = join(path, 'candidates');
    this.leaderPath = join(path, 'leader');
    this.resignPath = join(path, 'resign');
  }

  /**
   * Queues and waits until we lead; checks our node is ours, writes the leader node and resolves with the term.
   * Rejects RecipeError LOCK_TIMEOUT, NOT_QUEUED (our node was deleted) or NOT_OWNED, or the signal's reason;
   * our candidate node is deleted again in every case.
   */
  async campaign(opts: CampaignOptions = {}): Promise<Term> {
    const me = this.opts.info;
    if (!me) throw new TypeError('Election.campaign needs opts.info (who we are)');
    await ensurePath(this.zk, this.candidates, this.opts.acl);
    const mutex = new Mutex(this.zk, this.candidates, { data: JSON.stringify(me), acl: this.opts.acl });
    const release = () => releaseNode(this.zk, mutex, opts.signal, opts.onRetry);
    try {
      const { signal, timeoutMs, onPosition, onIgnored } = opts;
      await mutex.lock({ signal, timeoutMs, onPosition, onIgnored });
      if (!(await mutex.owned())) {
        throw new RecipeError('NOT_OWNED', mutex.node ?? this.candidates, 'candidate node not owned by this session');
      }
      await ensurePath(this.zk, this.leaderPath, this.opts.acl);
      const before = await this.zk.exists(this.leaderPath);
      const term = (before?.version ?? 0) + 1;
      const info: LeaderInfo = { ...me, node: mutex.node, term, since: new Date().toISOString() };
      const written = await this.zk.set(this.leaderPath, JSON.stringify(info), before?.version ?? -1);
      const ended = new AbortController();
      const lost = (reason: string) => {
        if (!ended.signal.aborted) ended.abort(new Error(reason));
      };
      // The watches are set before the term is handed out, and the leader node is still our write when they are.
      let resignSeen = false; // only then is there a request to clear at release (saves a read per hand-over)
      const onResign = () => {
        resignSeen = true;
        void this.#resignRequest().then((r) => {
          if (r && r.term === written.version) lost(`resign requested by ${r.by}`);
        });
      };
      await Promise.all([
        watchNode(this.zk, mutex.node!, (e) => e === 'deleted' && lost('candidate node deleted'), ended.signal),
        watchNode(this.zk, this.leaderPath, (e) => lost(`leader node ${e}`), ended.signal, {
          armed: (stat) => stat?.version !== written.version && lost('leader node changed'),
        }),
        watchNode(this.zk, this.resignPath, (e) => e !== 'deleted' && onResign(), ended.signal, {
          mayBeAbsent: true,
          armed: (stat) => stat && onResign(),
        }),
      ]);
      return {
        node: mutex.node!,
        term: written.version,
        token: written.mzxid,
        lost: ended.signal,
        release: async () => {
          lost('leadership released');
          if (resignSeen) await this.#clearResign(written.version);
          await release();
        },
      };
    } catch (err) {
      await release();
      throw err;
    }
  }

  /**
   * Asks the current leader to step down (writes the resign node for its term); resolves with the request, or
   * undefined when nobody leads. The leader deletes the request once it has stepped down.
   */
  async requestResign(by: string): Promise<ResignRequest | undefined> {
    const current = await this.leader();
    if (!current?.info.term) return undefined;
    const req: ResignRequest = { term: current.info.term, id: current.info.id, by, at: new Date().toISOString() };
    await createOrUpdate(this.zk, this.resignPath, JSON.stringify(req), { acl: this.opts.acl });
    return req;
  }

  async #resignRequest(): Promise<ResignRequest | undefined> {
    try {
      return JSON.parse((await this.zk.get(this.resignPath)).data.toString()) as ResignRequest;
    } catch {
      return undefined;
    }
  }

  // Deletes a resign request for our term (or an older one: stale) once we stepped down.
  async #clearResign(term: number): Promise<void> {
    try {
      const { data, stat } = await this.zk.get(this.resignPath);
      const req = JSON.parse(data.toString()) as Partial<ResignRequest>;
      if (typeof req.term !== 'number' || req.term <= term) await this.zk.delete(this.resignPath, stat.version);
    } catch {
      /* none, changed meanwhile (a newer request), or unreachable: the next leader ignores stale ones */
    }
  }

  /** The queue, lowest (the leader, if any) first. Nodes whose name is not `<uuid>-lock-<seq>` are left out. */
  async contenders(): Promise<Contender[]> {
    const out: Contender[] = [];
    const names = (await childrenOrEmpty(this.zk, this.candidates)).filter((n) => CONTENDER_NAME.test(n));
    for (const name of names.sort(bySequence)) {
      const node = join(this.candidates, name);
      let data: Buffer;
      try {
        ({ data } = await this.zk.get(node));
      } catch (err) {
        if (isZkError(err, 'NONODE')) continue; // gone meanwhile
        throw err;
      }
      let id: string | undefined;
      try {
        id = (JSON.parse(data.toString()) as Partial<LeaderInfo>).id;
      } catch {
        /* not one of ours */
      }
      out.push({ node, id });
    }
    return out;
  }

  /**
   * The current leader: the leader node's term, if it names the lowest live candidate (a leader node left by a
   * dead term does not count), with its fencing token; undefined when nobody leads.
   */
  async leader(): Promise<{ info: LeaderInfo; token: number } | undefined> {
    const [first] = await this.contenders();
    if (!first) return undefined;
    try {
      const { data, stat } = await this.zk.get(this.leaderPath);
      const info = JSON.parse(data.toString()) as LeaderInfo;
      return info.node === first.node ? { info, token: stat.mzxid } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A request to the leader of `term` to step down: it stops its child, hands the baton on and releases. */
export interface ResignRequest {
  term: number;
  id?: string;
  by: string;
  at: string;
}

// Deletes our candidate node, retrying through a disconnect: while it exists (our session lives on) nobody else
// can lead, so it must not be left behind. Gives up only when the session is gone (or, after an abort, when
// the connection is down: the session's end removes it); rejects NOAUTH (the caller must end the session).
async function releaseNode(
  zk: Zk,
  mutex: Mutex,
  signal?: AbortSignal,
  onRetry?: (node: string, err: unknown) => void
): Promise<void> {
  let saidAt = -Infinity;
  for (let attempt = 0; mutex.node; attempt++) {
    try {
      await mutex.unlock();
      return;
    } catch (err) {
      if (zk.state === 'expired' || zk.state === 'closed') return;
      if (isZkError(err, 'NOAUTH')) throw err; // retrying cannot help: only the session's end removes it
      if (performance.now() - saidAt >= 30_000) {
        saidAt = performance.now(); // at once, then every 30 s: never silent while waiting for ZooKeeper
        onRetry?.(mutex.node, err);
      }
      await zk.settled(Math.min(1000, 50 * 2 ** attempt));
      if (signal?.aborted && (zk.state as string) !== 'connected') return;
    }
  }
}

export interface LeadOptions {
  /** Stops leading: the routine's signal aborts, then we release and resolve. */
  signal: AbortSignal;
  /**
   * Also hold a {@link Lease} with this stop time (ms): the routine's signal aborts when ZooKeeper's leader can
   * no longer vouch for us (unreachable for too long), not only when the term is lost.
   */
  stopTimeoutMs?: number;
  /** The servers' tickTime (ms) for the lease; default 2000 (ZooKeeper's stock value). */
  serverTickMs?: number;
  /** Called with every failed campaign or routine before the next try (after a backoff). */
  onError?: (err: unknown) => void;
}

/**
 * The seed's `RunTask`: campaigns, runs `routine` while we lead (its signal aborts when leadership ends —
 * it must then return promptly), releases, and campaigns again, until `opts.signal` aborts. Resolves then;
 * never rejects (errors go to `onError`, followed by a backoff of 100 ms up to 1 min). Throws RangeError at
 * once when `stopTimeoutMs` does not fit the session timeout.
 */
export async function lead(
  election: Election,
  opts: LeadOptions,
  routine: (term: Term, signal: AbortSignal) => Promise<void>
): Promise<void> {
  const lease =
    opts.stopTimeoutMs === undefined
      ? undefined
      : new Lease(election.zk, { stopTimeoutMs: opts.stopTimeoutMs, serverTickMs: opts.serverTickMs ?? 2000 });
  try {
    for (let failures = 0; !opts.signal.aborted; ) {
      let term: Term | undefined;
      try {
        term = await election.campaign({ signal: opts.signal });
        await routine(term, AbortSignal.any([opts.signal, term.lost, ...(lease ? [lease.hold(term.node)] : [])]));
        failures = 0;
      } catch (err) {
        if (opts.signal.aborted) break;
        opts.onError?.(err);
        failures++;
      } finally {
        lease?.release();
        await term?.release();
      }
      const delay = backoffDelay(failures - 1, { baseMs: 100, maxMs: 60_000 });
      if (failures) await pause(delay, opts.signal);
    }
  } finally {
    lease?.stop();
  }
}
