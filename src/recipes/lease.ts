// The lease (DESIGN §3.1): how long a leader may keep its child alive on what the ZooKeeper *leader* has seen.
// A follower answers reads and pings itself, and one cut off from the quorum keeps doing so for syncLimit ticks
// while the leader expires our session after T. So the heartbeat is `sync` (which only the leader can answer)
// then `exists` of our candidate node, and only answered syncs count — and only once *delivered*: a heartbeat j
// is known to have reached the leader once a later one, sent at least a server tick after j's answer, has been
// answered (a leader ping fell between them). Lease end = send time of the newest delivered heartbeat + T − margin.
import { EventEmitter } from 'node:events';
import type { Zk, ZkState } from '../zk/client.js';
import type { Stat } from '../zk/types.js';
import { TermEnd, type TermEndKind } from './end.js';
import { type HoldOwner, LeaseHold } from './lease-hold.js';
import { HeartbeatLedger, leaseTiming, stopBudgetMs } from './lease-timing.js';

export interface LeaseOptions {
  /**
   * How long the child takes to stop — the longest of the terms held on this lease: the heartbeat period is chosen
   * for it ({@link Lease.cover} raises it). Each hold may stop sooner ({@link Lease.hold}).
   */
  stopTimeoutMs: number;
  /** The servers' tickTime (ms): how often the ZooKeeper leader pings its followers (every tick / 2). */
  serverTickMs: number;
  /** Clock (ms, monotonic); tests inject one. */
  now?: () => number;
}

type LeaseEvents = {
  heartbeat: [rttMs: number];
  unfit: [grantedMs: number, problem: string];
  shortened: [grantedMs: number];
};

/**
 * The lease of one session: heartbeats from construction (so a candidate that wins has a fresh lease) until
 * {@link stop}; one heartbeat stream for every term held on it ({@link hold}: one per election, e.g. the jobs of
 * one daemon). Events: `heartbeat` (round trip of an answered sync, ms), `shortened` (a reconnect was granted a
 * shorter session timeout: the lease counts on it now), `unfit` (one that stopTimeout no longer fits: the lease
 * stopped, every term is lost). The lease counts on the smallest session timeout granted since it began: a
 * session resumed on a member that grants less is expired by the quorum on that (DESIGN §3.1). Never throws.
 */
export class Lease extends EventEmitter<LeaseEvents> implements HoldOwner {
  readonly #ledger: HeartbeatLedger;
  #T: number;
  #marginMs: number;
  readonly #now: () => number;
  #interval: NodeJS.Timeout | undefined;
  readonly #onState: (s: ZkState) => void;
  readonly #held = new Set<LeaseHold>();
  #stopped = false;
  #unfit: string | undefined;
  #stopTimeoutMs: number;

  /** Throws RangeError when stopTimeoutMs does not fit the session's (negotiated) timeout: see {@link leaseTiming}. */
  constructor(
    readonly zk: Zk,
    readonly opts: LeaseOptions
  ) {
    super();
    this.#T = zk.sessionTimeoutMs;
    this.#stopTimeoutMs = opts.stopTimeoutMs;
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
      else if (s === 'disconnected') for (const h of this.#held) h.emit('fenced', h.remainingMs());
      else if (s === 'expired' || s === 'closed') this.#loseAll('session-lost', `session ${s}`);
    };
    zk.on('state', this.#onState);
    this.#interval = setInterval(() => this.#beat(), timing.heartbeatMs);
    this.#beat();
  }

  /** The longest stop the lease is timed for: its heartbeat period follows it ({@link cover}). */
  get stopTimeoutMs(): number {
    return this.#stopTimeoutMs;
  }

  /**
   * Times the lease for children that take up to `stopTimeoutMs` to stop (a job added to a daemon): the heartbeat
   * period shortens to suit it; a smaller value changes nothing. Throws RangeError when it does not fit the
   * session's timeout (the lease is unchanged then).
   */
  cover(stopTimeoutMs: number): void {
    if (stopTimeoutMs <= this.#stopTimeoutMs) return;
    const timing = leaseTiming(this.#T, this.opts.serverTickMs, stopTimeoutMs);
    if (!timing) {
      throw new RangeError(
        `stopTimeout ${stopTimeoutMs} ms does not fit the session timeout of ${this.#T} ms ` +
          `(it must be below ${stopBudgetMs(this.#T, this.opts.serverTickMs)} ms)`
      );
    }
    this.#stopTimeoutMs = stopTimeoutMs;
    this.#retime(timing.heartbeatMs);
  }

  #retime(heartbeatMs: number): void {
    clearInterval(this.#interval);
    if (!this.#stopped) this.#interval = setInterval(() => this.#beat(), heartbeatMs);
  }

  /** Why this session can no longer hold a lease (a renegotiated timeout stopTimeout does not fit), if so. */
  get unfit(): string | undefined {
    return this.#unfit;
  }

  /**
   * ms until a child that takes `stopTimeoutMs` to stop (default: the lease's) must be stopped: negative once that
   * moment has passed, -Infinity before any delivery.
   */
  remainingMs(stopTimeoutMs = this.#stopTimeoutMs): number {
    return this.#ledger.deliveredSentAt + this.#T - this.#marginMs - stopTimeoutMs - this.#now();
  }

  /**
   * Starts a term on our candidate `node`, for a child that takes `stopTimeoutMs` to stop (default and most: the
   * lease's). Terms on other nodes may be held at once; holding `node` again ends its previous hold. Throws
   * RangeError when `stopTimeoutMs` is more than the lease's.
   */
  hold(node: string, stopTimeoutMs = this.#stopTimeoutMs): LeaseHold {
    if (stopTimeoutMs > this.#stopTimeoutMs)
      throw new RangeError(`stopTimeout ${stopTimeoutMs} ms is more than the lease's ${this.#stopTimeoutMs} ms`);
    for (const h of this.#held) if (h.node === node) h.release();
    const hold = new LeaseHold(this, node, stopTimeoutMs);
    if (this.#stopped) hold.end(new TermEnd('session-lost', 'lease stopped'));
    else {
      this.#held.add(hold);
      this.#arm(hold);
    }
    return hold;
  }

  /** Ends every hold (their signals abort with "lease released"). */
  release(): void {
    for (const h of this.#held) h.release();
  }

  /** @internal ends `hold` with `reason`. */
  drop(hold: LeaseHold, reason: TermEnd): void {
    this.#held.delete(hold);
    hold.end(reason);
  }

  /** Stops heartbeating; every term held now is lost. Idempotent. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#interval);
    this.zk.off('state', this.#onState);
    this.#loseAll('session-lost', 'lease stopped');
  }

  // A reconnect granted less than we counted on: the lease counts on that from now on — shorter at once (the
  // leashes are told), or over when stopTimeout no longer fits it.
  #shrink(granted: number): void {
    const timing = leaseTiming(granted, this.opts.serverTickMs, this.#stopTimeoutMs);
    this.#T = granted;
    if (!timing) {
      const problem =
        `the session timeout was renegotiated to ${granted} ms on reconnect: ` +
        `stopTimeout ${this.#stopTimeoutMs} ms no longer fits (it must be below ` +
        `${stopBudgetMs(granted, this.opts.serverTickMs)} ms)`;
      this.#unfit = problem;
      this.#loseAll('lease-expired', problem);
      this.stop();
      this.emit('unfit', granted, problem);
      return;
    }
    this.#marginMs = timing.marginMs;
    this.#retime(timing.heartbeatMs);
    for (const h of this.#held) this.#arm(h); // the leashes are told first
    this.emit('shortened', granted);
  }

  #loseAll(kind: TermEndKind, reason: string): void {
    for (const h of this.#held) this.drop(h, new TermEnd(kind, reason));
  }

  #arm(hold: LeaseHold): void {
    clearTimeout(hold.timer);
    if (!this.#held.has(hold)) return;
    const left = hold.remainingMs();
    if (left <= 0) {
      this.drop(hold, new TermEnd('lease-expired', 'lease expired (no answer from the zookeeper leader)'));
      return;
    }
    hold.emit('renewed', left);
    hold.timer = setTimeout(() => this.#arm(hold), left);
  }

  #beat(): void {
    if (this.#stopped || this.zk.state !== 'connected') return;
    const sentAt = this.#now();
    // FIFO on the session: each exists goes after the sync and is answered after it.
    const synced = this.zk.sync('/');
    const owned = [...this.#held].map((hold) => ({ hold, stat: this.zk.exists(hold.node) }));
    for (const o of owned) o.stat.catch(() => {});
    synced.then(
      () => {
        const answeredAt = this.#now();
        this.#ledger.answered(sentAt, answeredAt);
        this.emit('heartbeat', answeredAt - sentAt);
        for (const o of owned) void this.#check(o.hold, o.stat);
      },
      () => {
        /* the deadline timers decide */
      }
    );
  }

  // After an answered sync: the term goes on while its candidate node is ours, its deadline moved.
  async #check(hold: LeaseHold, owned: Promise<Stat | null>): Promise<void> {
    const stat = await owned.catch(() => 'failed' as const);
    if (stat === 'failed' || !this.#held.has(hold)) return; // the deadline timer decides
    if (!stat) this.drop(hold, new TermEnd('candidate-lost', 'candidate node deleted'));
    else if (stat.ephemeralOwner !== this.zk.sessionId)
      this.drop(hold, new TermEnd('candidate-lost', 'candidate node owned by another session'));
    else this.#arm(hold);
  }
}
