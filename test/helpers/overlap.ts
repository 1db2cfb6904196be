// Reads the children's own start/tick/stop lines and reports overlapping runs and leaderless gaps: the second,
// finer source next to the process sampler (proc-sampler.ts), blind to processes that never write a line.
import { existsSync, readFileSync } from 'node:fs';

export interface Run {
  name: string;
  pid: number;
  startNs: bigint;
  endNs: bigint;
  token: string;
  stopped: boolean;
  /** ZK_SUPERVISOR_TICK, '-' when none */
  tick: string;
  /** ZK_SUPERVISOR_SLOT, '-' when none */
  slot: string;
  /** Silences longer than {@link PAUSE_NS} between two lines (the child was stopped, e.g. SIGSTOP): not running. */
  pauses: [bigint, bigint][];
}

/** A child writes a line every 20 ms; a silence this long means it did not run. */
export const PAUSE_NS = 250_000_000n;

/** One run per child pid: from its start line to its stop line (or last tick when it was killed). */
export function readRuns(file: string): Run[] {
  if (!existsSync(file)) return [];
  const runs = new Map<number, Run>();
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const [kind, name, pid, ns, token, tick, slot] = l.split(' ');
    if (!kind || !name || !pid || !ns) continue;
    const t = BigInt(ns);
    const r = runs.get(Number(pid)) ?? {
      name,
      pid: Number(pid),
      startNs: t,
      endNs: t,
      token: token ?? '',
      stopped: false,
      tick: tick ?? '-',
      slot: slot ?? '-',
      pauses: [],
    };
    if (t - r.endNs > PAUSE_NS) r.pauses.push([r.endNs, t]);
    if (t > r.endNs) r.endNs = t;
    if (kind === 'stop') r.stopped = true;
    runs.set(Number(pid), r);
  }
  return [...runs.values()].sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
}

/**
 * Pairs of runs of different hosts, terms or ticks (a process and the copy it started share all three) alive at
 * the same time (ms of overlap), from the children's own lines.
 */
export function overlaps(runs: Run[]): { a: Run; b: Run; ms: number }[] {
  const out = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const a = runs[i]!;
      const b = runs[j]!;
      if (a.name === b.name && a.token === b.token && a.tick === b.tick) continue;
      let ms = 0;
      for (const [a0, a1] of segments(a)) {
        for (const [b0, b1] of segments(b)) {
          // biome-ignore lint/complexity/useMathMinMax: bigint nanoseconds (Math.max takes numbers)
          const start = a0 > b0 ? a0 : b0;
          // biome-ignore lint/complexity/useMathMinMax: bigint nanoseconds (Math.min takes numbers)
          const end = a1 < b1 ? a1 : b1;
          if (end > start) ms += Number(end - start) / 1e6;
        }
      }
      if (ms > 0) out.push({ a, b, ms });
    }
  }
  return out;
}

/** The intervals in which `r` ran: start to end without its pauses. */
function segments(r: Run): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  let from = r.startNs;
  for (const [p0, p1] of r.pauses) {
    out.push([from, p0]);
    from = p1;
  }
  out.push([from, r.endNs]);
  return out;
}

/** The most runs alive at one instant (from their start and end lines, pauses counted as running). */
export function maxConcurrent(runs: Run[]): number {
  const edges = runs.flatMap(
    (r) =>
      [
        [r.startNs, 1],
        [r.endNs, -1],
      ] as [bigint, number][]
  );
  edges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])); // an end before a start at one instant
  let now = 0;
  let most = 0;
  for (const [, d] of edges) {
    now += d;
    most = Math.max(most, now);
  }
  return most;
}

/** Runs grouped by slot (`-`: none), in start order. */
export const bySlot = (runs: Run[]): Map<string, Run[]> =>
  runs.reduce((m, r) => m.set(r.slot, [...(m.get(r.slot) ?? []), r]), new Map<string, Run[]>());

/** Gaps between consecutive runs (ms): end of one to start of the next. */
export function gaps(runs: Run[]): number[] {
  const out = [];
  for (let i = 1; i < runs.length; i++) out.push(Number(runs[i]!.startNs - runs[i - 1]!.endNs) / 1e6);
  return out;
}
