// The soak's verdict, from process lifetimes (sampled from /proc: the authority, DESIGN §3.6) and the fault log:
// every overlap of two runs of one job, every leaderless gap that outlasts T + 1 s once faults stopped, every
// child stopped when no fault explains it. Pure: the lives and the faults' windows in, the findings out.
import { procOverlaps, runOf, type ProcLife, type ProcOverlap } from '../helpers/proc-sampler.js';

/** A fault as applied: from `fromNs` until it healed (`toNs`; the same for an instant fault). */
export interface Applied {
  kind: string;
  /** The host it hit (its id), or '' (members, the whole fleet). */
  host: string;
  fromNs: bigint;
  toNs: bigint;
  /** Whether a child stopping within T + 1 s of it is explained by it (a reload explains nothing). */
  excuses: boolean;
}

export interface Gap {
  path: string;
  fromNs: bigint;
  toNs: bigint;
  /** Of it, the time since the last fault had healed (ms): what the recovery rule bounds. */
  afterFaultsMs: number;
}

export interface Verdict {
  overlaps: ProcOverlap[];
  /** Overlaps DESIGN §3.4 leaves to the fencing token: a job resumed from a whole-host freeze, ≤ 100 ms. */
  tolerated: ProcOverlap[];
  /** Gaps whose part after the last heal is longer than the bound. */
  gaps: Gap[];
  /** The longest leaderless time after faults stopped, over all gaps (ms). */
  worstGapMs: number;
  /** Runs that ended with no fault within T + 1 s before: a child stopped for nothing. */
  needless: { run: string; atNs: bigint }[];
}

const ms = (ns: bigint) => Number(ns) / 1e6;
export const maxNs = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const minNs = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const FREEZE_TOLERANCE_MS = 100;

/** Intervals of `lives`' running segments merged into disjoint, sorted ones. */
function union(lives: ProcLife[]): [bigint, bigint][] {
  const segs = lives.flatMap((l) => l.segments).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [a, b] of segs) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = maxNs(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The latest heal at or before `t` of the faults that began before `t` (or the start when there is none). */
function lastHeal(faults: Applied[], t: bigint, startNs: bigint): bigint {
  let e = startNs;
  for (const f of faults) if (f.fromNs <= t) e = maxNs(e, minNs(f.toNs, t));
  return e;
}

/**
 * Judges a soak: `lives` of every tagged process, `faults` as applied, the session timeout, and the span that
 * counts (`startNs`: the first leader ran; `endNs`: the nemesis stopped and the fleet was left to settle).
 */
export function judge(
  lives: ProcLife[],
  faults: Applied[],
  opts: { sessionMs: number; startNs: bigint; endNs: bigint }
): Verdict {
  const boundMs = opts.sessionMs + 1000;
  const found = procOverlaps(lives, opts.endNs);
  const frozen = faults.filter((f) => f.kind === 'freeze-host');
  const hostOf = (run: string) => lives.find((l) => runOf(l) === run)?.host;
  // a job resumed from a whole-host freeze runs until its leash (thawed with it) sees the lease over
  const resumed = (o: ProcOverlap) =>
    o.ms <= FREEZE_TOLERANCE_MS && [o.a, o.b].some((run) => frozen.some((f) => f.host === hostOf(run)));
  const jobs = lives.filter((l) => l.job);
  const gaps: Gap[] = [];
  let worstGapMs = 0;
  for (const path of new Set(jobs.map((l) => l.path))) {
    const covered = union(jobs.filter((l) => l.path === path));
    const edges: [bigint, bigint][] = [];
    let prev = opts.startNs;
    for (const [a, b] of covered) {
      if (a > prev) edges.push([prev, a]);
      prev = maxNs(prev, b);
    }
    if (opts.endNs > prev) edges.push([prev, opts.endNs]);
    for (const [from, to] of edges) {
      if (to <= opts.startNs || from >= opts.endNs) continue;
      const healed = lastHeal(faults, to, opts.startNs);
      const after = ms(to - maxNs(healed, from));
      worstGapMs = Math.max(worstGapMs, after);
      if (after > boundMs) gaps.push({ path, fromNs: from, toNs: to, afterFaultsMs: after });
    }
  }
  const needless: Verdict['needless'] = [];
  const windowNs = BigInt(boundMs) * 1_000_000n;
  const byRun = new Map<string, ProcLife[]>();
  for (const l of jobs) byRun.set(runOf(l), [...(byRun.get(runOf(l)) ?? []), l]);
  for (const [run, ls] of byRun) {
    const end = ls.reduce((m, l) => maxNs(m, l.goneNs ?? 0n), 0n);
    if (ls.some((l) => l.goneNs === undefined) || end >= opts.endNs || end === 0n) continue;
    const explained = faults.some((f) => f.excuses && f.fromNs <= end && f.toNs + windowNs >= end);
    if (!explained) needless.push({ run, atNs: end });
  }
  return {
    overlaps: found.filter((o) => !resumed(o)),
    tolerated: found.filter(resumed),
    gaps,
    worstGapMs,
    needless,
  };
}
