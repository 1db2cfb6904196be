// Priorities (#30): a candidate says how much it is preferred (`priority`, default 0, higher first). Winners do not
// start a term while a more preferred candidate waits: they pass it on (leave and queue again at the back), so the
// next term goes to the most preferred waiting candidate, ties in queue order. A candidate that just stepped down
// from a term (`steppedDown`) is passed over until a later term was announced: a resign moves the work away.
import type { Contender, LeaderInfo } from './leader.js';

/** The priority a candidate or leader node says, 0 when it says none (an older release, or a library user). */
export const priorityOf = (who: { priority?: unknown } | undefined): number =>
  typeof who?.priority === 'number' && Number.isFinite(who.priority) ? who.priority : 0;

/**
 * The waiting candidate (of `waiting`, in queue order) a winner of priority `mine` passes the term to, or
 * undefined: the first of the highest priority above `mine`, leaving out those that stepped down from `lastTerm`
 * (the term that just ended, as the leader node says) or a later one.
 */
export function preferredOf(
  mine: number,
  waiting: readonly Contender[],
  lastTerm: number | undefined
): Contender | undefined {
  let best: Contender | undefined;
  for (const c of waiting) {
    const p = priorityOf(c);
    if (p <= mine || (best && p <= priorityOf(best))) continue;
    if (c.steppedDown !== undefined && (lastTerm === undefined || c.steppedDown >= lastTerm)) continue;
    best = c;
  }
  return best;
}

/** What {@link preemptDecision} needs to know of us. */
export interface Preempter {
  priority: number;
  /** The term we stepped down from before queueing, if we did. */
  steppedDown?: number;
}

/** When to ask the leader to step down: `after` queued and connected without a break, a term `minTenure` old. */
export interface PreemptTiming {
  afterMs: number;
  minTenureMs: number;
}

/**
 * Whether a waiting candidate asks `leader` to step down now (`ask`), in `waitMs` at the earliest, or not while
 * nothing changes (`never`): only a leader of a lower priority, of a term after the one we stepped down from, not
 * asked yet; once we have been connected for `calmForMs` ≥ `afterMs` (undefined: disconnected now) and the term is
 * `minTenureMs` old by its `since` (wall clocks) at `nowMs`.
 */
export function preemptDecision(
  me: Preempter,
  leader: LeaderInfo | undefined,
  calmForMs: number | undefined,
  nowMs: number,
  timing: PreemptTiming,
  asked: ReadonlySet<number>
): 'ask' | 'never' | { waitMs: number } {
  const term = leader?.term;
  if (!leader || term === undefined || leader.ended !== undefined || asked.has(term)) return 'never';
  if (priorityOf(leader) >= me.priority) return 'never';
  if (me.steppedDown !== undefined && term <= me.steppedDown) return 'never';
  if (calmForMs === undefined) return 'never';
  const since = leader.since === undefined ? Number.NaN : Date.parse(leader.since);
  const tenureMs = Number.isNaN(since) ? Infinity : nowMs - since; // none: a term of unknown age, not a young one
  const waitMs = Math.max(timing.afterMs - calmForMs, timing.minTenureMs - tenureMs, 0);
  return waitMs === 0 ? 'ask' : { waitMs };
}

/**
 * When a waiting candidate `c` would ask `leader` to step down, at the earliest (ms since the epoch), as `status`
 * sees it: its node's creation + `after`, or the term's start + `minTenure`, whichever is later — if it is more
 * preferred than the leader and did not step down from this term; undefined otherwise. A break in its connection
 * since then (which starts `after` again) is not seen from outside.
 */
export function preemptsAtMs(c: Contender, leader: LeaderInfo | undefined, timing: PreemptTiming): number | undefined {
  const term = leader?.term;
  if (!leader || term === undefined || leader.ended !== undefined || c.node === leader.node) return undefined;
  if (priorityOf(c) <= priorityOf(leader) || (c.steppedDown !== undefined && term <= c.steppedDown)) return undefined;
  const since = leader.since === undefined ? Number.NaN : Date.parse(leader.since);
  const joined = c.createdMs ?? Number.NaN;
  const tenure = Number.isNaN(since) ? -Infinity : since + timing.minTenureMs;
  return Math.max(Number.isNaN(joined) ? -Infinity : joined + timing.afterMs, tenure);
}
