// Why a term ended, typed: every signal that ends a term aborts with a TermEnd, so metrics, hooks and logs read
// its `kind` instead of parsing a message.

/** The ways a term ends. */
export type TermEndKind =
  /** No answer from the ZooKeeper leader in time: the child must be stopped (DESIGN §3.1). */
  | 'lease-expired'
  /** Our candidate node was deleted, or is owned by another session (an operator, or a session mix-up). */
  | 'candidate-lost'
  /** The leader node was deleted or rewritten by someone else. */
  | 'leader-changed'
  /** `resign` asked this term's leader to step down. */
  | 'resigned'
  /** The session expired or was closed. */
  | 'session-lost'
  /** The holder released the term itself. */
  | 'released'
  /** The term's work ended by itself (the child exited, the policy released, a start was refused). */
  | 'done'
  /** The caller's own signal aborted (a shutdown, a drain, a reload, …): `message` says which. */
  | 'aborted';

/** A term's end: the reason of its `lost` signal. `message` is the line a log shows. */
export class TermEnd extends Error {
  override readonly name = 'TermEnd';
  constructor(
    readonly kind: TermEndKind,
    message: string
  ) {
    super(message);
  }
}

/** The end an aborted signal carries: its TermEnd, else `aborted` with the reason's message. */
export function endOf(signal: AbortSignal): TermEnd {
  const r = signal.reason as unknown;
  if (r instanceof TermEnd) return r;
  return new TermEnd('aborted', r instanceof Error ? r.message : String(r));
}
