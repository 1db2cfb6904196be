// The lease (DESIGN §3.1): how long a leader may keep its child alive on what the ZooKeeper *leader* has seen.
// A follower answers reads and pings itself, and one cut off from the quorum keeps doing so for syncLimit ticks
// while the leader expires our session after T. So the heartbeat is `sync` (which only the leader can answer)
// then `exists` of our candidate node, and only answered syncs count — and only once *delivered*: a heartbeat j
// is known to have reached the leader once a later one, sent at least a server tick after j's answer, has been
// answered (a leader ping fell between them). Lease end = send time of the newest delivered heartbeat + T − margin.
import { EventEmitter } from 'node:events';
import type { Zk, ZkState } from '../zk/client.js';
import { TermEnd, type TermEndKind } from './end.js';

/** The smallest heartbeat period we use: below it the lease is mostly spent on requests. */
const MIN_PERIOD_MS = 50;

/** Safety margin for a session timeout T: clock rates, scheduling delays. */
export const leaseMarginMs = (T: number): number => Math.max(200, Math.round(T / 10));

/**
 * How long the child may take to stop, at most, for a session timeout `T` on servers whose tickTime is
 * `serverTickMs` (exclusive): what a steady heartbeat keeps of the lease, T − margin − tick − 2 periods, with
 * the period at its minimum.
 */
export function stopBudgetMs(T: number, serverTickMs: number): number {
  return T - leaseMarginMs(T) - serverTickMs - 3 * MIN_PERIOD_MS;
}

/**
 * Heartbeat period and margin for `stopTimeoutMs` on T and the server tick: the period leaves a third of the
 * room T − margin − tick − stopTimeout as slack (at most T/4). Undefined when stopTimeout does not fit.
 */
export function leaseTiming(
  T: number,
  serverTickMs: number,
  stopTimeoutMs: number
): { heartbeatMs: number; marginMs: number } | undefined {
  if (stopTimeoutMs >= stopBudgetMs(T, serverTickMs)) return undefined; // the one fit rule, as `validate` applies it
  const marginMs = leaseMarginMs(T);
  const room = T - marginMs - serverTickMs - stopTimeoutMs; // > 3 × MIN_PERIOD_MS here
  return { heartbeatMs: Math.floor(Math.min(T / 4, room / 3)), marginMs };
}

/** The delivery rule, pure: feed it answered heartbeats in order; it knows the newest delivered one. */
export class HeartbeatLedger {
  #waiting: { sentAt: number; answeredAt: number }[] = [];
  #delivered = -Infinity;

  constructor(readonly serverTickMs: number) {}

  /** Send time of the newest heartbeat known to have reached the leader (-Infinity: none yet). */
  get deliveredSentAt(): number {
    return this.#delivered;
  }

  /** Records that the heartbeat sent at `sentAt` was answered at `answeredAt` (answers come in send order). */
  answered(sentAt: number, answeredAt: number): void {
    const still = [];
    for (const b of this.#waiting) {
      if (sentAt >= b.answeredAt + this.serverTickMs) this.#delivered = Math.max(this.#delivered, b.sentAt);
      else still.push(b);
    }
    still.push({ sentAt, answeredAt });
    this.#waiting = still;
  }

  /** Counts `sentAt` as delivered outright (e.g. the session's creation, a quorum write). */
  deliveredAt(sentAt: number): void {
    this.#delivered = Math.max(this.#delivered, sentAt);
  }
}

export interface LeaseOptions {
  /** How long the child takes to stop: the lease says "stop now" this long before its end. */
  stopTimeoutMs: number;
  /** The servers' tickTime (ms): how often the ZooKeeper leader pings its followers (every tick / 2). */
  serverTickMs: number;
  /** Clock (ms, monotonic); tests inject one. */
  now?: () => number;
}

type LeaseEvents = {
  renewed: [leftMs: number];
  fenced: [leftMs: number];
  heartbeat: [rttMs: number];
  unfit: [grantedMs: number, problem: string];
  shortened: [grantedMs: number];
};

/**
 * The lease of one session: heartbeats from construction (so a candidate that wins has a fresh lease) until
 * {@link stop}. {@link hold} starts a term on a candidate node. Events: `renewed` (ms left before the child must
 * stop), `fenced` (connection lost while holding; ms left), `heartbeat` (round trip of an answered sync, ms),
 * `shortened` (a reconnect was granted a shorter session timeout: the lease counts on it now), `unfit` (one
 * that stopTimeout no longer fits: the lease stopped, the term is lost). The lease counts on the smallest session
 * timeout granted since it began: a session resumed on a member that grants less is expired by the quorum on that
 * (DESIGN §3.1). Never throws.
 */
export class Lease extends EventEmitter<LeaseEvents> {
  readonly #ledger: HeartbeatLedger;
  #T: number;
  #marginMs: number;
  readonly #now: () => number;
  #interval: NodeJS.Timeout | undefined;
  readonly #onState: (s: ZkState) => void;
  #held: { node: string; controller: AbortController } | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #unfit: string | undefined;

  /** Throws RangeError when stopTimeoutMs does not fit the session's (negotiated) timeout: see {@link leaseTiming}. */
  constructor(
    readonly zk: Zk,
    readonly opts: LeaseOptions
  ) {
    super();
    this.#T = zk.sessionTimeoutMs;
    const timing = leaseTiming(this.#T, opts.serverTickMs, opts.stopTimeoutMs);
    if (!timing) {
      throw new RangeError(
        `stopTimeout ${opts.stopTimeoutMs} ms does not fit a session timeout of ${this.#T} ms ` +
          `(servers' tickTime ${opts.serverTickMs} ms): ` +
          `it must be below ${stopBudgetMs(this.#T, opts.serverTickMs)} ms`
      );
    }
    this.#marginMs = timing.marginMs;
    this.#ledger = new HeartbeatLedger(opts.serverTickMs);
    this.#ledger.deliveredAt(zk.requestedAt); // the session's creation went through the leader
    this.#now = opts.now ?? (() => performance.now());
    this.#onState = (s) => {
      if (s === 'connected' && zk.sessionTimeoutMs < this.#T) this.#shrink(zk.sessionTimeoutMs);
      if (s === 'connected')
        this.#beat(); // renew at once (DESIGN §3.1)
      else if (s === 'disconnected' && this.#held) this.emit('fenced', this.remainingMs());
      else if (s === 'expired' || s === 'closed') this.#lose('session-lost', `session ${s}`);
    };
    zk.on('state', this.#onState);
    this.#interval = setInterval(() => this.#beat(), timing.heartbeatMs);
    this.#beat();
  }

  /** Why this session can no longer hold a lease (a renegotiated timeout stopTimeout does not fit), if so. */
  get unfit(): string | undefined {
    return this.#unfit;
  }

  /** ms until the child must be stopped (negative once that moment has passed, -Infinity before any delivery). */
  remainingMs(): number {
    return this.#ledger.deliveredSentAt + this.#T - this.#marginMs - this.opts.stopTimeoutMs - this.#now();
  }

  /**
   * Starts a term on our candidate `node`: the returned signal aborts (reason: a TermEnd) when the
   * lease runs out, the node is deleted or owned by another session, or the session ends. One term at a time.
   */
  hold(node: string): AbortSignal {
    this.release();
    const controller = new AbortController();
    this.#held = { node, controller };
    if (this.#stopped) controller.abort(new TermEnd('session-lost', 'lease stopped'));
    else this.#arm();
    return controller.signal;
  }

  /** Ends the current term's hold (its signal aborts with "lease released"). */
  release(): void {
    clearTimeout(this.#deadlineTimer);
    this.#held?.controller.abort(new TermEnd('released', 'lease released'));
    this.#held = undefined;
  }

  /** Stops heartbeating; a term held now is lost. Idempotent. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#interval);
    this.zk.off('state', this.#onState);
    this.#lose('session-lost', 'lease stopped');
  }

  // A reconnect granted less than we counted on: the lease counts on that from now on — shorter at once (the
  // leash is told), or over when stopTimeout no longer fits it.
  #shrink(granted: number): void {
    const timing = leaseTiming(granted, this.opts.serverTickMs, this.opts.stopTimeoutMs);
    this.#T = granted;
    if (!timing) {
      const problem =
        `the session timeout was renegotiated to ${granted} ms on reconnect: ` +
        `stopTimeout ${this.opts.stopTimeoutMs} ms no longer fits (it must be below ` +
        `${stopBudgetMs(granted, this.opts.serverTickMs)} ms)`;
      this.#unfit = problem;
      this.#lose('lease-expired', problem);
      this.stop();
      this.emit('unfit', granted, problem);
      return;
    }
    this.#marginMs = timing.marginMs;
    clearInterval(this.#interval);
    this.#interval = setInterval(() => this.#beat(), timing.heartbeatMs);
    this.#arm(); // the leash is told first
    this.emit('shortened', granted);
  }

  #lose(kind: TermEndKind, reason: string): void {
    clearTimeout(this.#deadlineTimer);
    this.#held?.controller.abort(new TermEnd(kind, reason));
    this.#held = undefined;
  }

  #arm(): void {
    clearTimeout(this.#deadlineTimer);
    if (!this.#held) return;
    const left = this.remainingMs();
    if (left <= 0) {
      this.#lose('lease-expired', 'lease expired (no answer from the zookeeper leader)');
      return;
    }
    this.emit('renewed', left);
    this.#deadlineTimer = setTimeout(() => this.#arm(), left);
  }

  #beat(): void {
    if (this.#stopped || this.zk.state !== 'connected') return;
    const sentAt = this.#now();
    const held = this.#held;
    // FIFO on the session: the exists goes after the sync and is answered after it.
    const synced = this.zk.sync('/');
    const owned = held ? this.zk.exists(held.node) : undefined;
    owned?.catch(() => {});
    synced.then(
      async () => {
        const answeredAt = this.#now();
        this.#ledger.answered(sentAt, answeredAt);
        this.emit('heartbeat', answeredAt - sentAt);
        if (!held) return;
        const stat = await owned;
        if (held !== this.#held) return;
        if (!stat) this.#lose('candidate-lost', 'candidate node deleted');
        else if (stat.ephemeralOwner !== this.zk.sessionId)
          this.#lose('candidate-lost', 'candidate node owned by another session');
        else this.#arm();
      },
      () => {
        /* the deadline timer decides */
      }
    );
  }
}
