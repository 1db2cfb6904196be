// Process-level overlap detection (DESIGN §3.6). Every process a test starts carries ZKS_TEST_TAG (and
// ZKS_TEST_HOST, the supervisor that started it) in its environment, which every descendant inherits whatever
// session or group it moves to. A worker thread samples /proc every few ms and records each tagged process's
// lifetime; a process is part of a *job* once the leash has exec'd it with the term's token in its environment.
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';

/** One tagged process, as sampled. Times are CLOCK_MONOTONIC ns (process.hrtime), like the children's lines. */
export interface ProcLife {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  comm: string;
  argv: string;
  /** ZKS_TEST_HOST of the supervisor that started it. */
  host: string;
  /** Part of a job (has ZK_SUPERVISOR_TOKEN); false for supervisors, leashes and their forks. */
  job: boolean;
  term: string;
  token: string;
  tick: string;
  /** ZK_SUPERVISOR_PATH: the job's election (a daemon's jobs run side by side, each on its own). */
  path: string;
  /** ZK_SUPERVISOR_SLOT ('' without slots): the slots of a job run side by side, each on its own. */
  slot: string;
  /** Fork time from /proc/<pid>/stat (10 ms resolution). */
  forkedAtNs: bigint;
  firstSeenNs: bigint;
  lastSeenNs: bigint;
  /** First sample that found it gone (or a zombie); undefined while alive. */
  goneNs?: bigint;
  /** Sampled intervals in which it ran (not stopped by SIGSTOP). */
  segments: [bigint, bigint][];
}

/** Two runs (host + term) whose processes were seen running at the same instant. */
export interface ProcOverlap {
  a: string;
  b: string;
  ms: number;
  pids: [number, number];
}

type Raw = Omit<ProcLife, 'forkedAtNs' | 'firstSeenNs' | 'lastSeenNs' | 'goneNs' | 'segments'> & {
  forkedAtNs: string;
  firstSeenNs: string;
  lastSeenNs: string;
  goneNs?: string;
  segments: [string, string][];
};

const fromRaw = (r: Raw): ProcLife => ({
  ...r,
  forkedAtNs: BigInt(r.forkedAtNs),
  firstSeenNs: BigInt(r.firstSeenNs),
  lastSeenNs: BigInt(r.lastSeenNs),
  goneNs: r.goneNs === undefined ? undefined : BigInt(r.goneNs),
  segments: r.segments.map(([a, b]) => [BigInt(a), BigInt(b)]),
});

/** A new tag for a trial or a test file. */
export const newTag = (): string => `zks-${randomUUID().slice(0, 13)}`;

type Reply = { kind: string; tag: string; lives: Raw[] };

// One sampling thread for the whole process (see proc-sampler-worker.mjs for why it is never terminated).
let shared: { worker: Worker; port: MessageChannel['port1']; waiting: Map<string, ((r: Reply) => void)[]> } | undefined;

function thread(intervalMs: number) {
  if (shared) return shared;
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./proc-sampler-worker.mjs', import.meta.url), {
    workerData: { intervalMs, port: port2 },
    transferList: [port2],
    execArgv: [],
  });
  worker.unref();
  const waiting = new Map<string, ((r: Reply) => void)[]>();
  port1.on('message', (m: Reply) => waiting.get(m.tag)?.shift()?.(m));
  port1.unref();
  worker.once('error', (err) => {
    for (const list of waiting.values()) for (const w of list) w({ kind: 'error', tag: String(err), lives: [] });
    shared = undefined;
  });
  shared = { worker, port: port1, waiting };
  return shared;
}

/** Samples the processes tagged `tag` every `intervalMs` (default 2; the first sampler's) until {@link stop}. */
export class ProcSampler {
  #stopped: Promise<ProcLife[]> | undefined;

  private constructor(
    readonly tag: string,
    readonly intervalMs: number
  ) {}

  /** Starts sampling; resolves after the first complete sample. */
  static async start(tag: string, intervalMs = 2): Promise<ProcSampler> {
    const s = new ProcSampler(tag, intervalMs);
    await s.#ask('start');
    return s;
  }

  /** Every tagged process seen so far. */
  snapshot(): Promise<ProcLife[]> {
    return this.#ask('snapshot');
  }

  /** The tagged processes alive now (cheaper than a snapshot when many have come and gone). */
  alive(): Promise<ProcLife[]> {
    return this.#ask('alive');
  }

  /** Takes a last sample, ends sampling this tag and resolves with every life. Idempotent. */
  stop(): Promise<ProcLife[]> {
    this.#stopped ??= this.#ask('stop');
    return this.#stopped;
  }

  #ask(kind: 'start' | 'snapshot' | 'alive' | 'stop'): Promise<ProcLife[]> {
    const t = thread(this.intervalMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`process sampler: no ${kind} answer within 5 s`)), 5000);
      const list = t.waiting.get(this.tag) ?? [];
      t.waiting.set(this.tag, list);
      list.push((r) => {
        clearTimeout(timer);
        if (kind === 'stop' && list.length === 0) t.waiting.delete(this.tag);
        if (r.kind === 'error') reject(new Error(`process sampler failed: ${r.tag}`));
        else resolve(r.lives.map(fromRaw));
      });
      t.port.postMessage({ kind, tag: this.tag });
    });
  }
}

/** The run a job process belongs to: its host, term and (scheduled mode) tick. */
export const runOf = (l: ProcLife): string =>
  `${l.path ? `${l.path}:` : ''}${l.slot ? `[${l.slot}]` : ''}${l.host}#${l.term}${l.tick ? `@${l.tick}` : ''}`;

/** How long (ms) more than `k` runs were seen running at once, and the most at one instant (slots: k). */
export function beyondRuns(lives: ProcLife[], k: number): { ms: number; most: number } {
  const edges: [bigint, number, string][] = [];
  for (const l of lives.filter((x) => x.job))
    for (const [a, b] of l.segments) edges.push([a, 1, runOf(l)], [b, -1, runOf(l)]);
  edges.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]));
  const alive = new Map<string, number>(); // processes alive per run
  let most = 0;
  let ns = 0n;
  let since: bigint | undefined; // when more than k began
  for (const [t, d, run] of edges) {
    alive.set(run, (alive.get(run) ?? 0) + d);
    if (alive.get(run) === 0) alive.delete(run);
    most = Math.max(most, alive.size);
    if (alive.size > k) since ??= t;
    else if (since !== undefined) {
      ns += t - since;
      since = undefined;
    }
  }
  return { ms: Number(ns) / 1e6, most };
}

/**
 * Pairs of runs with job processes seen running at the same sampled instant, up to `untilNs`: each pair once,
 * with the longest overlap. Intervals are sampled, so an overlap found is certain; one shorter than the
 * sampling interval can be missed.
 */
export function procOverlaps(lives: ProcLife[], untilNs?: bigint): ProcOverlap[] {
  const jobs = lives.filter((l) => l.job);
  const best = new Map<string, ProcOverlap>();
  for (let i = 0; i < jobs.length; i++) {
    for (let j = i + 1; j < jobs.length; j++) {
      const a = jobs[i]!;
      const b = jobs[j]!;
      if (runOf(a) === runOf(b) || a.path !== b.path || a.slot !== b.slot) continue; // one run, or two jobs/slots
      for (const [a0, a1] of a.segments) {
        for (const [b0, b1] of b.segments) {
          // biome-ignore lint/complexity/useMathMinMax: bigint nanoseconds (Math.max takes numbers)
          const from = a0 > b0 ? a0 : b0;
          // biome-ignore lint/complexity/useMathMinMax: bigint nanoseconds (Math.min takes numbers)
          let to = a1 < b1 ? a1 : b1;
          if (untilNs !== undefined && to > untilNs) to = untilNs;
          if (to < from) continue;
          const key = [runOf(a), runOf(b)].sort().join(' & ');
          const ms = Number(to - from) / 1e6;
          if ((best.get(key)?.ms ?? -1) < ms) best.set(key, { a: runOf(a), b: runOf(b), ms, pids: [a.pid, b.pid] });
        }
      }
    }
  }
  return [...best.values()];
}

/** Job processes of `host` alive at the last sample (or at `atNs`). */
export function aliveJobs(lives: ProcLife[], host?: string, atNs?: bigint): ProcLife[] {
  return lives.filter(
    (l) =>
      l.job &&
      (host === undefined || l.host === host) &&
      (atNs === undefined
        ? l.goneNs === undefined
        : l.firstSeenNs <= atNs && (l.goneNs === undefined || l.goneNs > atNs))
  );
}

/** Pids of live (non-zombie) processes whose environment holds ZKS_TEST_TAG=`tag` (or ZKS_TEST_RUN=`run`). */
export function taggedPids(match: { tag?: string; run?: string }): number[] {
  const needles = [match.tag && `ZKS_TEST_TAG=${match.tag}\0`, match.run && `ZKS_TEST_RUN=${match.run}\0`].filter(
    (n): n is string => !!n
  );
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = `${readFileSync(`/proc/${name}/environ`, 'latin1')}\0`;
      if (!needles.some((n) => env.includes(n))) continue;
      if (/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${name}/stat`, 'latin1'))) continue;
      out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** SIGKILLs (after SIGCONT) every live process tagged `tag`, without waiting. */
export function killTagged(match: { tag?: string; run?: string }): number[] {
  const pids = taggedPids(match);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return pids;
}

/**
 * The tag sweep: SIGKILLs every process tagged `tag` until none is left (new ones may be forked meanwhile).
 * Rejects after `timeoutMs` naming the processes that would not go.
 */
export async function sweepTag(tag: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const pids = killTagged({ tag });
    if (pids.length === 0) return;
    if (performance.now() > deadline) {
      const what = pids.map((p) => {
        try {
          return `${p} ${readFileSync(`/proc/${p}/stat`, 'utf8').split(' ').slice(1, 3).join(' ')}`;
        } catch {
          return `${p}`;
        }
      });
      throw new Error(`tag sweep: processes tagged ${tag} still alive after ${timeoutMs} ms: ${what.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
