// What one process knows of an election's terms across its sessions (DESIGN §3.2): the highest term number it has
// seen, so that term numbers only grow even after the election's nodes were deleted by hand, and whether that term
// is known to have ended — a term whose baton vanished without its release may still be running its child — and the
// highest fencing token it has seen, to notice a token that went back (ZooKeeper restored from a backup).
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import type { LeaderInfo } from './leader.js';

/** A term as the leader node describes it. */
export interface TermSeen {
  term: number;
  /** The session that led it (hex), when the leader node says. */
  sessionId?: string;
  /** The leader's pid node (ephemeral, on its session), when it keeps one: a sign that session still lives. */
  pidNode?: string;
  /** Set by the leader when it released the term, its child confirmed gone. */
  ended?: string;
  /** The term's fencing token, when the leader node says. */
  token?: number;
}

/** Why a new leader must not trust a missing baton at once. */
export type Unconfirmed =
  /** The leader node names a term of another session that was not released: its baton was deleted by hand. */
  | { kind: 'not-released'; previous: TermSeen }
  /** The leader node holds no term, or an older one, than one we saw still open: the election was reset. */
  | { kind: 'reset'; previous: TermSeen };

/**
 * The terms one process has seen of one election. Share one between the Elections of the same path (one per
 * session); each Election makes its own when given none.
 */
export class TermHistory {
  #latest: TermSeen | undefined;
  #token = 0;

  /**
   * `onTokenBack` is called when a term we won has a fencing token no higher than one seen before: ZooKeeper's
   * history went back (its data restored from a backup), and tokens already handed out are handed out again.
   */
  constructor(readonly opts: { onTokenBack?: (token: number, highestSeen: number) => void } = {}) {}

  /** The latest term seen, if any. */
  get latest(): TermSeen | undefined {
    return this.#latest;
  }

  /** Notes a term seen in the leader node (or led by us); ignores older ones. */
  see(t: TermSeen | undefined): void {
    if (t?.token !== undefined && t.token > this.#token) this.#token = t.token;
    if (!t || !Number.isSafeInteger(t.term) || t.term <= 0) return;
    const now = this.#latest;
    if (!now || t.term > now.term) this.#latest = { ...t };
    else if (t.term === now.term && t.ended) now.ended = t.ended;
  }

  /** Notes the fencing token of a term we won, after telling `onTokenBack` if it is not above every token seen. */
  ours(token: number): void {
    if (token <= this.#token) this.opts.onTokenBack?.(token, this.#token);
    else this.#token = token;
  }

  /**
   * The number of the term after `previous` (the leader node's; its `version` counts when it holds no term) and
   * after every term seen: one more than the highest.
   */
  next(previous: TermSeen | undefined, version: number): number {
    return Math.max(previous?.term ?? version, this.#latest?.term ?? 0) + 1;
  }

  /**
   * Whether the term before ours may still be running although no baton is left, given the leader node's term
   * (`previous`) and our session: see {@link Unconfirmed}.
   */
  unconfirmed(previous: TermSeen | undefined, ourSession: string): Unconfirmed | undefined {
    const open = (t: TermSeen | undefined) => t && !t.ended && t.sessionId !== undefined && t.sessionId !== ourSession;
    if (previous && open(previous)) return { kind: 'not-released', previous };
    const latest = this.#latest;
    if (latest && open(latest) && (previous?.term ?? 0) < latest.term) return { kind: 'reset', previous: latest };
    return undefined;
  }
}

/** The term in a leader node's data, if it holds one. */
export function termOf(data: Buffer | string | undefined): TermSeen | undefined {
  if (!data || data.length === 0) return undefined;
  try {
    const info = JSON.parse(data.toString()) as Partial<LeaderInfo & TermSeen>;
    if (typeof info.term !== 'number') return undefined;
    const { term, sessionId, pidNode, ended, token } = info;
    return { term, sessionId, pidNode, ended, ...(typeof token === 'number' ? { token } : {}) };
  } catch {
    return undefined;
  }
}

/** The leader node's term and version, or undefined when it does not exist. */
export function readTerm(
  zk: Zk,
  leaderPath: string
): Promise<{ seen: TermSeen | undefined; version: number } | undefined> {
  return zk.get(leaderPath).then(
    (r) => ({ seen: termOf(r.data), version: r.stat.version }),
    (err: unknown) => (isZkError(err, 'NONODE') ? undefined : Promise.reject(err))
  );
}
