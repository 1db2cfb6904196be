// Lease arithmetic (DESIGN §3.1), pure: the margin, the stop budget, the heartbeat period, and the delivery rule
// (a heartbeat counts once a later one, sent at least a server tick after its answer, has been answered).
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
