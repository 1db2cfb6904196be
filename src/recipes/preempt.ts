// Preempting (#30): a waiting candidate more preferred than the leader asks it to step down — through the resign
// request an operator would write — once it has been queued and connected for `after` without a break and the term
// is `minTenure` old. The leader stops its child and hands the baton on; the winners after it pass the term to us
// (priority.ts). A candidate that keeps losing its connection never asks: each break starts `after` again.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import type { ZkState } from '../zk/types.js';
import type { LeaderInfo } from './leader.js';
import { preemptDecision, type Preempter, type PreemptTiming } from './priority.js';
import { writeResign } from './resign.js';

/** Options of preempting (see {@link CampaignOptions.preempt}). */
export interface PreemptOptions {
  /** Ask after this long queued and connected without a break. */
  afterMs: number;
  /** …and only once the leader's term is this old (by its `since`: the hosts' clocks). Default 0. */
  minTenureMs?: number;
  /** Called when we asked the leader of `leader.term` to step down. */
  onAsk?: (leader: LeaderInfo) => void;
  /** Asked before each request to `leader`: false holds it (tried again in a second), e.g. one across slots. */
  mayAsk?: (leader: LeaderInfo) => boolean;
  /** Told the leader node's content each time it is read (undefined: none, or unreadable). */
  onLeader?: (leader: LeaderInfo | undefined) => void;
}

/** The nodes and session a preempter uses. */
export interface PreemptSite {
  readonly zk: Zk;
  readonly leaderPath: string;
  readonly resignPath: string;
  readonly acl?: readonly Acl[];
}

/**
 * While `signal` has not aborted (we wait in the queue), asks each leader less preferred than `me` to step down
 * once (see {@link preemptDecision}); `by` names us in the request. Runs in the background; never rejects (a
 * failed read or write is tried again on the next change, or in a second).
 */
export function preemptWhileWaiting(
  site: PreemptSite,
  me: Preempter & { by: string },
  opts: PreemptOptions,
  signal: AbortSignal
): void {
  const { zk } = site;
  const timing: PreemptTiming = { afterMs: opts.afterMs, minTenureMs: opts.minTenureMs ?? 0 };
  let calmSince: number | undefined = performance.now();
  let wake = () => {};
  const onState = (s: ZkState) => {
    if (s !== 'connected') calmSince = undefined;
    else calmSince ??= performance.now();
    wake();
  };
  zk.on('state', onState);
  const asked = new Set<number>();
  void (async () => {
    while (!signal.aborted) {
      let leader: LeaderInfo | undefined;
      let changed: Promise<unknown>;
      try {
        const r = await zk.getW(site.leaderPath, { signal });
        leader = parse(r.data);
        changed = r.event;
        opts.onLeader?.(leader);
      } catch (err) {
        if (signal.aborted) break;
        // absent (an election being set up): wait for it; unreachable: try again in a second
        if (isZkError(err, 'NONODE')) opts.onLeader?.(undefined);
        changed = isZkError(err, 'NONODE') ? zk.existsW(site.leaderPath, { signal }).then((x) => x.event) : tick(1000);
      }
      for (let again = true; again && !signal.aborted; ) {
        const calm = calmSince === undefined ? undefined : performance.now() - calmSince;
        const decided = preemptDecision(me, leader, calm, Date.now(), timing, asked);
        const d = decided === 'ask' && leader && opts.mayAsk?.(leader) === false ? { waitMs: 1000 } : decided;
        if (d === 'ask' && leader?.term !== undefined) {
          asked.add(leader.term);
          await writeResign(zk, site.resignPath, { term: leader.term, id: leader.id }, me.by, site.acl).then(
            () => opts.onAsk?.(leader),
            () => asked.delete(leader.term!) // not written: asked again at the next wake
          );
        }
        const woken = new Promise<void>((r) => {
          wake = r;
        });
        const timer = typeof d === 'object' ? tick(d.waitMs) : d === 'ask' ? tick(1000) : undefined;
        const why = await Promise.race([changed.then(() => 'changed'), woken, ...(timer ? [timer] : [])]);
        again = why !== 'changed';
      }
    }
  })()
    .catch(() => {})
    .finally(() => zk.off('state', onState));
}

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function parse(data: Buffer): LeaderInfo | undefined {
  try {
    return JSON.parse(data.toString()) as LeaderInfo;
  } catch {
    return undefined;
  }
}
