// One soak: the world started, the first leader awaited, the schedule applied, a quiet settle, the verdict.
// Every process it starts is gone, and its scratch dir removed, before it returns.
import { overlaps, readRuns, bySlot } from '../helpers/overlap.js';
import { waitFor } from '../helpers/wait.js';
import { judge, type Applied, type Verdict } from './checker.js';
import { Nemesis, type Skipped } from './nemesis.js';
import { prng, schedule, type Fault } from './schedule.js';
import { CHILD_KINDS, World, type ChildKind } from './world.js';
import type { ProcLife } from '../helpers/proc-sampler.js';

export interface SoakOptions {
  seed: number;
  minutes: number;
  hosts: number;
  jobs: number;
  sessionMs: number;
  /** Progress lines (a fault every so often) go here. */
  progress?: (line: string) => void;
}

export interface SoakResult {
  opts: SoakOptions;
  children: ChildKind[];
  faults: Fault[];
  applied: Applied[];
  skipped: Skipped[];
  troubles: string[];
  verdict: Verdict;
  /** The longest overlap of the children's own lines (finer, blind to silent processes): a second opinion. */
  selfMaxMs: number;
  lives: ProcLife[];
  startNs: bigint;
  endNs: bigint;
  jobRuns: number;
}

/** Each host's child behaviour, from the seed: every kind appears once there are enough hosts. */
export function childrenFor(seed: number, hosts: number): ChildKind[] {
  const kinds = Object.keys(CHILD_KINDS) as ChildKind[];
  const rnd = prng(seed ^ 0x5eed);
  const shuffled = kinds
    .map((k) => [rnd(), k] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, k]) => k);
  return Array.from({ length: hosts }, (_, i) => shuffled[i % shuffled.length]!);
}

/** Runs a soak; rejects only when the world cannot be started (a finding is in the result, not an error). */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const children = childrenFor(opts.seed, opts.hosts);
  const faults = schedule({ ...opts });
  const world = await World.start({ ...opts, children });
  try {
    const [first, ...rest] = world.hosts;
    first!.start();
    await waitFor(async () => (await world.leader()) !== undefined, {
      timeoutMs: 30_000,
      what: `the first host's child running; its log: ${first!.sup!.lines.slice(-5).join(' / ')}`,
    });
    for (const h of rest) h.start();
    const startNs = process.hrtime.bigint();
    const nemesis = new Nemesis(world, performance.now());
    let n = 0;
    await nemesis.run(faults, (f) => {
      if (++n % 100 === 0) opts.progress?.(`${n}/${faults.length} faults, ${Math.round(f.atMs / 1000)} s`);
    });
    // faults have stopped: the fleet must settle (a leader within T + 1 s), judged up to now
    await new Promise((r) => setTimeout(r, 3 * opts.sessionMs + 2000));
    const endNs = process.hrtime.bigint();
    const lives = await world.sampler.snapshot();
    const verdict = judge(lives, nemesis.applied, { sessionMs: opts.sessionMs, startNs, endNs });
    const self = world.childLogs.flatMap((log) => [...bySlot(readRuns(log)).values()]).flatMap(overlaps);
    const jobRuns = new Set(lives.filter((l) => l.job).map((l) => `${l.path}:${l.host}#${l.term}`)).size;
    return {
      opts,
      children,
      faults,
      applied: nemesis.applied,
      skipped: nemesis.skipped,
      troubles: nemesis.troubles,
      verdict,
      selfMaxMs: Math.max(0, ...self.map((o) => o.ms)),
      lives,
      startNs,
      endNs,
      jobRuns,
    };
  } finally {
    await world.stop();
  }
}
