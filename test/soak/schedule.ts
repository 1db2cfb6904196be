// The soak's fault schedule: drawn from a seed alone (the same seed, hosts and length give the same schedule,
// whatever the system does), in bursts of mixed and overlapping faults separated by quiet stretches in which the
// election must recover. Pure: the nemesis (nemesis.ts) applies it.

/** Every fault the soak injects. */
export const FAULT_KINDS = [
  'kill-supervisor', // SIGKILL of the supervisor alone (its leash sees it go); restarted after `ms`
  'kill-host', // SIGKILL of every process of the host at once; restarted after `ms`
  'kill-leash', // SIGKILL of the leash (the supervisor finds and stops the job)
  'kill-child', // SIGKILL of the job's main process (it exits by itself, as far as the supervisor knows)
  'freeze-supervisor', // SIGSTOP of the supervisor for `ms`
  'freeze-leash', // SIGSTOP of the leash for `ms`
  'freeze-child', // SIGSTOP of the job for `ms`
  'freeze-host', // SIGSTOP of supervisor, leash and job for `ms` (a paused VM)
  'partition', // the host's client links black-holed both ways for `ms`
  'one-way', // the host is heard, its replies are lost, for `ms`
  'lost-reply', // the reply to the host's next request is lost and its connection reset
  'isolate-member', // one member cut off from the quorum for `ms` (its clients stay connected)
  'kill-member', // one member killed, restarted after `ms`
  'quorum-loss', // two members cut off from the quorum for `ms`
  'resign', // `zk-supervisor resign`
  'drain', // `zk-supervisor drain` of the host, `undrain` after `ms`
  'reload', // SIGHUP (the config is unchanged: nothing may restart)
  'delete-candidate', // an operator deletes the leader's candidate node
  'delete-leader-nodes', // an operator deletes every baton and the leader's candidate node
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault: when (ms from the start), what, on whom, for how long. */
export interface Fault {
  atMs: number;
  kind: FaultKind;
  /** The host: 'leader' is resolved when the fault comes (the host running job 0's child), else an index. */
  host: 'leader' | number;
  /** The member (index) of member faults; the first of the two for quorum loss. */
  member: number;
  /** How long it lasts, or the delay before the restart (0 for instant faults). */
  ms: number;
}

export interface ScheduleOptions {
  seed: number;
  minutes: number;
  hosts: number;
  /** The session timeout (ms): durations scale with it. */
  sessionMs: number;
  /** Kinds left out (e.g. those a host's child makes a known gap of). */
  without?: FaultKind[];
}

/** mulberry32: a small, fast, seeded PRNG with 32 bits of state, returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Relative weights: the faults that threaten the lease most come most often.
const WEIGHT: Record<FaultKind, number> = {
  'kill-supervisor': 5,
  'kill-host': 5,
  'kill-leash': 4,
  'kill-child': 4,
  'freeze-supervisor': 6,
  'freeze-leash': 3,
  'freeze-child': 2,
  'freeze-host': 4,
  partition: 8,
  'one-way': 5,
  'lost-reply': 4,
  'isolate-member': 5,
  'kill-member': 4,
  'quorum-loss': 2,
  resign: 4,
  drain: 2,
  reload: 2,
  'delete-candidate': 2,
  'delete-leader-nodes': 2,
};

/** How long each kind lasts, in session timeouts (min, max); 0 for instant faults. */
const LASTS: Partial<Record<FaultKind, [number, number]>> = {
  'kill-supervisor': [0.05, 1.5],
  'kill-host': [0.05, 1.5],
  'freeze-supervisor': [0.2, 2.5],
  'freeze-leash': [0.2, 2.5],
  'freeze-child': [0.1, 1],
  'freeze-host': [0.2, 2.5],
  partition: [0.2, 3],
  'one-way': [0.2, 3],
  'isolate-member': [0.5, 3],
  'kill-member': [0.5, 4],
  'quorum-loss': [0.5, 3],
  drain: [0.5, 5],
};

/** A burst of faults, then a quiet stretch this many session timeouts long (recovery is checked there). */
const BURST_MS: [number, number] = [15_000, 45_000];
const QUIET_T = 3;
/** Mean time between two fault starts within a burst. */
const MEAN_GAP_MS = 800;

/** The whole schedule, sorted by time. */
export function schedule(opts: ScheduleOptions): Fault[] {
  const rnd = prng(opts.seed);
  const kinds = FAULT_KINDS.filter((k) => !opts.without?.includes(k));
  const total = kinds.reduce((s, k) => s + WEIGHT[k], 0);
  const pick = (): FaultKind => {
    let x = rnd() * total;
    for (const k of kinds) {
      x -= WEIGHT[k];
      if (x < 0) return k;
    }
    return kinds[kinds.length - 1]!;
  };
  const endMs = opts.minutes * 60_000;
  const out: Fault[] = [];
  // one quorum fault (member isolation, kill, quorum loss) and one drain at a time: two at once would leave
  // the ensemble or the fleet without a possible leader for a while, which is an outage, not a test of safety
  let quorumFreeAt = 0;
  let drainFreeAt = 0;
  let t = 2000;
  while (t < endMs) {
    const burstEnd = Math.min(endMs, t + BURST_MS[0] + rnd() * (BURST_MS[1] - BURST_MS[0]));
    let last = t;
    for (; t < burstEnd; t += -Math.log(1 - rnd()) * MEAN_GAP_MS) {
      const kind = pick();
      const [lo, hi] = LASTS[kind] ?? [0, 0];
      const ms = Math.round((lo + rnd() * (hi - lo)) * opts.sessionMs);
      const host = rnd() < 0.6 ? 'leader' : Math.floor(rnd() * opts.hosts);
      const member = Math.floor(rnd() * 3);
      const atMs = Math.round(t);
      const quorum = kind === 'isolate-member' || kind === 'kill-member' || kind === 'quorum-loss';
      if (quorum && atMs < quorumFreeAt) continue;
      if (kind === 'drain' && atMs < drainFreeAt) continue;
      if (quorum) quorumFreeAt = atMs + ms + opts.sessionMs;
      if (kind === 'drain') drainFreeAt = atMs + ms;
      out.push({ atMs, kind, host, member, ms });
      last = Math.max(last, atMs + ms);
    }
    t = last + QUIET_T * opts.sessionMs + 2000; // faults stop; the next burst begins after the quiet stretch
  }
  return out.filter((f) => f.atMs < endMs);
}
