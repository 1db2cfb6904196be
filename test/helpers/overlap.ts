// Reads the children's own start/tick/stop lines and reports overlapping runs and leaderless gaps.
import { existsSync, readFileSync } from 'node:fs';

export interface Run { name: string; pid: number; startNs: bigint; endNs: bigint; token: string; stopped: boolean; /** ZK_SUPERVISOR_TICK, '-' when none */ tick: string }

/** One run per child pid: from its start line to its stop line (or last tick when it was killed). */
export function readRuns(file: string): Run[] {
  if (!existsSync(file)) return [];
  const runs = new Map<number, Run>();
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const [kind, name, pid, ns, token, tick] = l.split(' ');
    if (!kind || !name || !pid || !ns) continue;
    const t = BigInt(ns);
    const r = runs.get(Number(pid)) ?? { name, pid: Number(pid), startNs: t, endNs: t, token: token ?? '', stopped: false, tick: tick ?? '-' };
    if (t > r.endNs) r.endNs = t;
    if (kind === 'stop') r.stopped = true;
    runs.set(Number(pid), r);
  }
  return [...runs.values()].sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
}

/** Pairs of runs that were alive at the same time (ms of overlap). */
export function overlaps(runs: Run[]): { a: Run; b: Run; ms: number }[] {
  const out = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const a = runs[i]!, b = runs[j]!;
      const start = a.startNs > b.startNs ? a.startNs : b.startNs;
      const end = a.endNs < b.endNs ? a.endNs : b.endNs;
      if (end > start) out.push({ a, b, ms: Number(end - start) / 1e6 });
    }
  }
  return out;
}

/** Gaps between consecutive runs (ms): end of one to start of the next. */
export function gaps(runs: Run[]): number[] {
  const out = [];
  for (let i = 1; i < runs.length; i++) out.push(Number(runs[i]!.startNs - runs[i - 1]!.endNs) / 1e6);
  return out;
}
