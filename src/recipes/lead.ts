// The seed's `RunTask` on the Election: campaign, run a routine while we lead, release, again — with a Lease when
// the routine must stop before ZooKeeper's leader can no longer vouch for us.
import { backoffDelay } from '../util/backoff.js';
import { pause } from '../util/abort.js';
import type { Election, Term } from './election.js';
import { Lease } from './lease.js';

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
        term = await election.campaign({ signal: opts.signal, shutdown: opts.signal });
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
