// One term held on a session's lease (lease.ts): its signal, its deadline timer, and the events its leader acts on.
import { EventEmitter } from 'node:events';
import { TermEnd } from './end.js';

/** What a hold needs of its lease. */
export interface HoldOwner {
  /** ms until a child that takes `stopTimeoutMs` to stop must be stopped. */
  remainingMs(stopTimeoutMs?: number): number;
  /** Ends `hold` with `reason`. */
  drop(hold: LeaseHold, reason: TermEnd): void;
  /** Why the session can no longer hold a lease, if so. */
  readonly unfit: string | undefined;
}

type HoldEvents = { renewed: [leftMs: number]; fenced: [leftMs: number] };

/**
 * One term held on a lease: `signal` aborts (reason: a TermEnd) when the lease runs out for it, its candidate node
 * is deleted or owned by another session, or the session ends. Events: `renewed` (ms left before its child must
 * stop), `fenced` (connection lost; ms left).
 */
export class LeaseHold extends EventEmitter<HoldEvents> {
  readonly #controller = new AbortController();
  /** @internal the lease's deadline timer for this hold */
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly lease: HoldOwner,
    readonly node: string,
    readonly stopTimeoutMs: number
  ) {
    super();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** ms until this term's child must be stopped (negative once that moment has passed). */
  remainingMs(): number {
    return this.lease.remainingMs(this.stopTimeoutMs);
  }

  /** Ends the hold (its signal aborts with "lease released"); idempotent. */
  release(): void {
    this.lease.drop(this, new TermEnd('released', 'lease released'));
  }

  /** @internal */
  end(reason: TermEnd): void {
    clearTimeout(this.timer);
    this.#controller.abort(reason);
  }
}
