// The lease (DESIGN §3.1): how long a leader may keep its child alive without hearing from ZooKeeper. Heartbeat
// every T/4; the child must be dead by the last confirmed answer + T − margin, so it is stopped `stopTimeoutMs`
// before that. The formula lives here only.
import { EventEmitter } from 'node:events';
import type { Zk, ZkState } from '../zk/client.js';

/** Heartbeat period and safety margin for a session timeout of `sessionTimeoutMs` (T). */
export function leaseTiming(sessionTimeoutMs: number): { heartbeatMs: number; marginMs: number } {
  return { heartbeatMs: Math.round(sessionTimeoutMs / 4), marginMs: Math.max(200, Math.round(sessionTimeoutMs / 10)) };
}

/**
 * The longest `stopTimeout` a session timeout of `sessionTimeoutMs` leaves room for (exclusive): a partitioned
 * leader must have stopped its child before another host can start one.
 */
export function stopBudgetMs(sessionTimeoutMs: number): number {
  const { heartbeatMs, marginMs } = leaseTiming(sessionTimeoutMs);
  return sessionTimeoutMs - heartbeatMs - marginMs;
}

export interface LeaseOptions {
  /** The candidate node the heartbeat checks (it must exist and belong to our session). */
  node: string;
  /** How long the child takes to stop: the lease says "stop now" this long before its end. */
  stopTimeoutMs: number;
  /** Ends the heartbeat, like {@link Lease.stop}. */
  signal?: AbortSignal;
  /** Clock (ms, monotonic); tests inject one. */
  now?: () => number;
}

/** Events: `renewed` (ms left before the child must stop), `fenced` (connection lost; ms left). */
type LeaseEvents = { renewed: [leftMs: number]; fenced: [leftMs: number] };

/**
 * Holds leadership on a session: heartbeats while it lasts and aborts {@link lost} when it ends — the lease
 * ran out (no answer in time), the candidate node was deleted or is owned by another session, or the session
 * expired or closed. Never throws; {@link stop} ends it (idempotent).
 */
export class Lease extends EventEmitter<LeaseEvents> {
  readonly #controller = new AbortController();
  readonly #T: number;
  readonly #marginMs: number;
  readonly #now: () => number;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #interval: NodeJS.Timeout;
  #onState: (s: ZkState) => void;

  constructor(readonly zk: Zk, readonly opts: LeaseOptions) {
    super();
    this.#T = zk.sessionTimeoutMs;
    const { heartbeatMs, marginMs } = leaseTiming(this.#T);
    this.#marginMs = marginMs;
    this.#now = opts.now ?? (() => performance.now());
    this.#onState = (s) => {
      if (s === 'connected') this.#beat(); // renew at once (DESIGN §3.1)
      else if (s === 'disconnected') this.emit('fenced', this.remainingMs());
      else if (s === 'expired' || s === 'closed') this.#lose(`session ${s}`);
    };
    zk.on('state', this.#onState);
    this.#interval = setInterval(() => this.#beat(), heartbeatMs);
    opts.signal?.addEventListener('abort', () => this.stop(), { once: true });
    this.#arm();
    this.#beat();
  }

  /** Aborts (with an Error naming why) when the lease is over. */
  get lost(): AbortSignal { return this.#controller.signal; }

  /** ms until the child must be stopped (negative once that moment has passed). */
  remainingMs(): number {
    return this.zk.lastAckedAt + this.#T - this.#marginMs - this.opts.stopTimeoutMs - this.#now();
  }

  /** Ends the heartbeat; the lease counts as lost from now on. */
  stop(): void {
    clearInterval(this.#interval);
    clearTimeout(this.#deadlineTimer);
    this.zk.off('state', this.#onState);
    this.#lose('lease released');
  }

  #lose(reason: string): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(new Error(reason));
    this.stop();
  }

  #arm(): void {
    clearTimeout(this.#deadlineTimer);
    if (this.lost.aborted) return;
    this.emit('renewed', this.remainingMs());
    this.#deadlineTimer = setTimeout(() => {
      if (this.remainingMs() <= 0) this.#lose('lease expired (no answer from zookeeper)');
      else this.#arm();
    }, Math.max(0, this.remainingMs()));
  }

  #beat(): void {
    if (this.lost.aborted) return;
    this.zk.exists(this.opts.node).then((stat) => {
      if (this.lost.aborted) return;
      if (!stat) this.#lose('candidate node deleted');
      else if (stat.ephemeralOwner !== this.zk.sessionId) this.#lose('candidate node owned by another session');
      else this.#arm();
    }, () => { /* the deadline timer decides */ });
  }
}
