// The seed's `RunTask` on the Term recipe: take a term (election, lease, baton), run a routine while it lasts,
// release, again — until the caller stops it or the session is gone.
import { pause } from '../util/abort.js';
import { backoffDelay } from '../util/backoff.js';
import { isFinal } from '../zk/types.js';
import type { Election } from './election.js';
import { RecipeError } from './errors.js';
import { Lease } from './lease.js';
import { Term } from './term.js';

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
 * The seed's `RunTask`: takes a {@link Term} (so a new term starts only once the previous holder's routine has
 * returned or its session is gone: the baton), runs `routine` while it lasts (its signal aborts when the term is
 * lost — it must then return promptly), releases, and campaigns again, until `opts.signal` aborts: resolves then.
 * Rejects RecipeError SESSION_ENDED once the session has expired or was closed (make a new client); other errors
 * go to `onError`, followed by a backoff of 100 ms up to 1 min. Throws RangeError at once when `stopTimeoutMs`
 * does not fit the session timeout.
 */
export async function lead(
  election: Election,
  opts: LeadOptions,
  routine: (term: Term, signal: AbortSignal) => Promise<void>
): Promise<void> {
  const { zk } = election;
  const lease =
    opts.stopTimeoutMs === undefined
      ? undefined
      : new Lease(zk, { stopTimeoutMs: opts.stopTimeoutMs, serverTickMs: opts.serverTickMs ?? 2000 });
  try {
    for (let failures = 0; !opts.signal.aborted; ) {
      let term: Term | undefined;
      try {
        term = await Term.take(election, { signal: opts.signal, shutdown: opts.signal, lease });
        await routine(term, AbortSignal.any([opts.signal, term.lost]));
        failures = 0;
      } catch (err) {
        if (opts.signal.aborted) break;
        if (isFinal(zk.state)) throw new RecipeError('SESSION_ENDED', election.path, `session ${zk.state}`);
        opts.onError?.(err);
        failures++;
      } finally {
        await term?.release().catch(() => {});
      }
      if (isFinal(zk.state)) throw new RecipeError('SESSION_ENDED', election.path, `session ${zk.state}`);
      if (failures) await pause(backoffDelay(failures - 1, { baseMs: 100, maxMs: 60_000 }), opts.signal);
    }
  } finally {
    lease?.stop();
  }
}
