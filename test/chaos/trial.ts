// One fault-injection trial: three real supervisors on a real ZooKeeper, one fault, then the verdict from the
// processes' lifetimes (sampled from /proc, DESIGN §3.6) and from the children's own timestamps. Every process
// of the trial carries its tag; the trial ends only when none is left.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Zk } from '../../src/zk/client.js';
import { bySlot, gaps, overlaps, readRuns } from '../helpers/overlap.js';
import { ProcSampler, aliveJobs, newTag, procOverlaps, type ProcLife } from '../helpers/proc-sampler.js';
import { TcpProxy } from '../helpers/proxy.js';
import { BIN, SupervisorProc, endAll, jobLog, startElection, writeConfig } from '../helpers/supervisors.js';
import { waitFor } from '../helpers/wait.js';
import { startCluster, type ClusterOptions, type ZkCluster } from '../helpers/zk-server.js';
import { makePki, type TestPki } from '../helpers/certs.js';

export interface TrialResult {
  /** Pairs of runs of different hosts/terms seen running at once in /proc (the authority). */
  procOverlaps: number;
  procMaxMs: number;
  /** The same from the children's own lines (finer, but blind to processes that write none), plus scenario checks. */
  selfOverlaps: number;
  selfMaxMs: number;
  /** Fault → a child running again (ms), when the scenario expects a new child. */
  failoverMs?: number;
  /** Longest time without any child (ms), from the children's lines. */
  maxGapMs: number;
  /** Child restarts where none was wanted. */
  disturbed: number;
}

/** The ZooKeeper a scenario runs on; each kind is started once per run and shared by its scenarios. */
export type ClusterKind = 'standalone' | 'ensemble' | 'isolation' | 'capped' | 'mixed' | 'tls' | 'tls-ensemble';
const CLUSTERS: Record<ClusterKind, [1 | 3, ClusterOptions]> = {
  standalone: [1, {}],
  ensemble: [3, {}],
  // a member cut off from the quorum keeps serving for syncLimit × tickTime = 6 s, longer than T = 4 s
  isolation: [3, { tickTime: 100, syncLimit: 60, quorumProxies: true }],
  capped: [1, { maxSessionTimeout: 2000 }],
  // members that disagree on maxSessionTimeout (a rolling change of it): a session resumed elsewhere gets less
  mixed: [3, { maxSessionTimeout: [12_000, 4000, 4000] }],
  // TLS on a secureClientPort (the PKI is made on first use); scenarios with `tls` connect there
  tls: [1, {}],
  'tls-ensemble': [3, {}],
};

/** Starts clusters on first use; `stop()` ends every one started. */
export class Clusters {
  #started = new Map<ClusterKind, Promise<ZkCluster>>();
  #pki: TestPki | undefined;
  /** The test PKI of the TLS clusters (made on first use, removed by `stop()`). */
  get pki(): TestPki {
    this.#pki ??= makePki(mkdtempSync(join(tmpdir(), 'zks-chaos-pki-')));
    return this.#pki;
  }
  get(kind: ClusterKind): Promise<ZkCluster> {
    let c = this.#started.get(kind);
    if (!c) {
      const [size, opts] = CLUSTERS[kind];
      const tls = kind.startsWith('tls') ? { keyStore: this.pki.serverPem, trustStore: this.pki.ca } : undefined;
      c = startCluster(size, { ...opts, tls });
      this.#started.set(kind, c);
    }
    return c;
  }
  async stop(): Promise<void> {
    if (this.#pki) rmSync(this.#pki.dir, { recursive: true, force: true });
    await Promise.all(
      [...this.#started.values()].map((c) =>
        c.then(
          (z) => z.stop(),
          () => {}
        )
      )
    );
  }
}

export interface Scenario {
  name: string;
  cluster?: ClusterKind;
  sessionTimeout: string;
  /** Default 300ms. */
  stopTimeout?: string;
  /** Extra environment of the test child. */
  childEnv?: Record<string, string>;
  /** Daemons of this many jobs (`job0…`, elections /job0…): the fault hits every job of a host at once. */
  jobs?: number;
  /** With `jobs`: more child environment for job j. */
  jobEnv?: Record<number, Record<string, string>>;
  /** Extra lines of the `task` section (indented by two spaces). */
  extraTask?: string;
  /** Words before the child's own argv in task.command (e.g. `timeout 3600`). */
  wrap?: string[];
  /** The first supervisor (the leader) connects through a TCP proxy (ctx.proxy). */
  proxy?: boolean;
  /** With `proxy`: the host that goes through it instead of the first (0 a, 1 b, 2 c). */
  proxyHost?: number;
  /** How many supervisors (a, b, c, d, e; default 3). */
  hosts?: number;
  /** Each host's `--priority` (a, b, c; default none). */
  priorities?: number[];
  /** Extra lines of every job's `election` section (indented by two spaces). */
  extraElection?: string;
  /** More top-level config lines (e.g. `hooks:`), given the trial's scratch file names. */
  extra?: (file: (name: string) => string) => string;
  /** Every supervisor talks TLS to the servers' secure ports (a `tls` cluster), trusting its CA. */
  tls?: boolean;
  /** Sets up the proxy before the supervisors start (e.g. to lose a reply during the first campaign). */
  arm?(proxy: TcpProxy): void;
  /** Connect strings (without chroot) of the leader and of the others, when not the whole cluster. */
  connects?(cluster: ZkCluster): Promise<{ first: string; rest: string }>;
  /** The supervisors must not campaign: the trial starts them and waits for each to log this, not for a leader. */
  noCampaign?: RegExp;
  /** Fails on today's code: runs as a node:test `todo`, naming the issue that fixes it and what it shows. */
  todo?: string;
  /** Overlap that no lease can prevent and the scenario tolerates (DESIGN §3.4), in ms. */
  toleratedMs?: number;
  /** Injects the fault and waits for the outcome; returns when the election settled again. */
  run(ctx: TrialContext): Promise<{ failoverMs?: number; expectRuns?: number; overlaps?: number; restarts?: number }>;
}

/** A point in a trial: when, and how many log lines each supervisor had written by then. */
export interface Mark {
  at: number;
  lines: Map<SupervisorProc, number>;
}

export interface TrialContext {
  cluster: ZkCluster;
  sups: SupervisorProc[];
  leader: SupervisorProc;
  standbys: SupervisorProc[];
  childLog: string;
  /** Every job's child log (`childLog` is job 0's; one entry without `jobs`). */
  childLogs: string[];
  /** Where children started with CHILD_GRANDCHILD_FILE write their grandchild's pid, one per line. */
  grandchildFile: string;
  /** A scratch file name of this trial. */
  file(name: string): string;
  proxy?: TcpProxy;
  /** Connect string of this trial's chroot (the election is at `/job`). */
  root: string;
  /** Config of the supervisors other than the leader. */
  config: string;
  /** Config of the leader (through the proxy, with `proxy`; of `proxyHost` when set). */
  firstConfig: string;
  sampler: ProcSampler;
  /** The time and every supervisor's log position now: take it before injecting a fault. */
  mark(): Mark;
  /** Resolves with ms since `since` once any supervisor but `except` logged `to=running` after it. */
  nextLeader(since: Mark, except?: SupervisorProc[], timeoutMs?: number): Promise<number>;
  /** Resolves once no job process of `sup` is alive (sampled), rejecting after `timeoutMs`. */
  jobsGone(sup: SupervisorProc, timeoutMs?: number): Promise<void>;
  /** SIGKILLs every process of `sup`'s host at once: the supervisor, its leash, the job and its descendants. */
  killHost(sup: SupervisorProc): Promise<void>;
  /** Runs the CLI (`resign`, `status`…) with the trial's tag; resolves with its exit code. */
  cli(args: string[]): Promise<number | null>;
  /** Runs `fn` with a client on the trial's chroot, as an operator would. */
  asOperator<T>(fn: (zk: Zk) => Promise<T>): Promise<T>;
}

/** Runs one trial of `scenario` on `cluster` in `dir`; every process it starts is gone before it returns. */
export async function runTrial(scenario: Scenario, cluster: ZkCluster, dir: string): Promise<TrialResult> {
  const id = randomUUID().slice(0, 8);
  const tag = newTag();
  const admin = await Zk.connect({ connect: cluster.connectString, sessionTimeoutMs: 10_000 });
  await admin.create(`/chaos-${id}`);
  admin.close();
  const file = (name: string) => join(dir, `${name}-${id}.log`);
  const childLog = file('children');
  const grandchildFile = file('grandchildren');
  const plain = scenario.tls ? cluster.secureConnectString : cluster.connectString;
  const connects = (await scenario.connects?.(cluster)) ?? { first: plain, rest: plain };
  const proxy = scenario.proxy
    ? await TcpProxy.start({ port: Number(connects.first.split(',')[0]!.split(':')[1]) })
    : undefined;
  if (proxy) scenario.arm?.(proxy);
  const root = `${cluster.connectString}/chaos-${id}`;
  const childEnv = { ...scenario.childEnv };
  if (childEnv.CHILD_GRANDCHILD_FILE) childEnv.CHILD_GRANDCHILD_FILE = grandchildFile;
  if (childEnv.CHILD_ONCE_FILE) childEnv.CHILD_ONCE_FILE = file('once');
  const opts = {
    path: '/job',
    childLog,
    sessionTimeout: scenario.sessionTimeout,
    stopTimeout: scenario.stopTimeout ?? '300ms',
    childEnv,
    extraTask: scenario.extraTask,
    extraElection: scenario.extraElection,
    extra: scenario.extra?.(file),
    wrap: scenario.wrap,
    extraZk: scenario.tls ? `  tls:\n    ca: ${cluster.tls!.trustStore}` : undefined,
    jobs: scenario.jobs,
    jobEnv: scenario.jobEnv,
  };
  const childLogs = Array.from({ length: scenario.jobs ?? 1 }, (_, j) => jobLog(childLog, j));
  const first = writeConfig(dir, { ...opts, connect: `${proxy ? proxy.address : connects.first}/chaos-${id}` });
  const rest = writeConfig(dir, { ...opts, connect: `${connects.rest}/chaos-${id}` });
  const sampler = await ProcSampler.start(tag);
  const sups: SupervisorProc[] = [];
  const others: Promise<unknown>[] = [];
  try {
    const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, scenario.hosts ?? 3).map((n) => `${n}-${id}`);
    const configs = ids.map((_, i) => (i === (scenario.proxyHost ?? 0) ? first : rest));
    const args = ids.map((_, i) => {
      const p = scenario.priorities?.[i];
      return p === undefined ? [] : ['--priority', String(p)];
    });
    const [leader] = scenario.noCampaign
      ? await startIdle(sups, ids, rest, tag, scenario.noCampaign)
      : await startElection(sups, { ids, config: rest, configs, args, childLog, tag });
    const ctx: TrialContext = {
      cluster,
      sups,
      leader: leader!,
      standbys: sups.slice(1),
      childLog,
      childLogs,
      grandchildFile,
      file,
      proxy,
      root,
      config: rest,
      firstConfig: first,
      sampler,
      mark: () => ({ at: performance.now(), lines: new Map(sups.map((s) => [s, s.lines.length])) }),
      async nextLeader(since, except = [], timeoutMs = 20_000) {
        await Promise.any(
          sups.filter((s) => !except.includes(s)).map((s) => s.waitLog(/to=running/, timeoutMs, since.lines.get(s)))
        ).catch(() => {
          // and the state changes before it: who led when the fault came (a leader lost before it explains a timeout)
          const logs = sups
            .map((s) => {
              const at = since.lines.get(s) ?? 0;
              const before = s.lines
                .slice(0, at)
                .filter((l) => l.includes('state change'))
                .slice(-6);
              return `--- ${s.id}:\n${[...before, '(the fault)', ...s.lines.slice(at).slice(-15)].join('\n')}`;
            })
            .join('\n');
          throw new Error(`no supervisor became leader within ${timeoutMs} ms; their logs around the fault:\n${logs}`);
        });
        return performance.now() - since.at;
      },
      async jobsGone(sup, timeoutMs = 20_000) {
        await waitFor(async () => aliveJobs(await sampler.snapshot(), sup.id).length === 0, {
          timeoutMs,
          what: `every job process of ${sup.id} gone`,
          intervalMs: 10,
        });
      },
      async killHost(sup) {
        const host = (await sampler.snapshot())
          .filter((l) => l.host === sup.id && l.goneNs === undefined)
          .map((l) => l.pid);
        sup.killGroup();
        for (const pid of host)
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
      },
      cli(args) {
        const p = spawn(process.execPath, [BIN, ...args], {
          stdio: 'ignore',
          env: { ...process.env, ZKS_TEST_TAG: tag, ZKS_TEST_HOST: 'cli' },
        });
        const done = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
        others.push(done);
        return done;
      },
      async asOperator(fn) {
        const zk = await Zk.connect({ connect: root, sessionTimeoutMs: 10_000 });
        try {
          return await fn(zk);
        } finally {
          zk.close();
        }
      },
    };
    const out = await scenario.run(ctx);
    const endNs = process.hrtime.bigint();
    const lives = await sampler.snapshot();
    // a job's slots run side by side: overlaps and gaps are per slot (one group without slots)
    const perJob = childLogs.flatMap((log) => [...bySlot(readRuns(log)).values()]);
    // Max ms include an overlap the scenario tolerates (DESIGN §3.4); the counts do not.
    const self = perJob.flatMap(overlaps);
    const proc = procOverlaps(lives, endNs);
    const beyond = (o: { ms: number }) => o.ms > (scenario.toleratedMs ?? -1);
    if (process.env.CHAOS_VERBOSE && proc.length) console.error(describe(proc, lives));
    return {
      procOverlaps: proc.filter(beyond).length,
      procMaxMs: Math.max(0, ...proc.map((o) => o.ms)),
      selfOverlaps: self.filter(beyond).length + (out.overlaps ?? 0),
      selfMaxMs: Math.max(0, ...self.map((o) => o.ms)),
      failoverMs: out.failoverMs,
      maxGapMs: Math.max(0, ...perJob.flatMap(gaps)),
      disturbed: out.restarts ?? (out.expectRuns === 1 ? perJob.reduce((n, runs) => n + runs.length - 1, 0) : 0),
    };
  } finally {
    await endAll(sups, tag);
    await Promise.all(others);
    await sampler.stop();
    await proxy?.stop();
  }
}

// Starts supervisors that are expected not to campaign, and waits until each says so.
async function startIdle(
  into: SupervisorProc[],
  ids: string[],
  config: string,
  tag: string,
  says: RegExp
): Promise<SupervisorProc[]> {
  const sups = ids.map((i) => new SupervisorProc(i, config, [], { tag }));
  into.push(...sups);
  await Promise.all(sups.map((s) => s.waitLog(says, 15_000)));
  return sups;
}

const describe = (found: ReturnType<typeof procOverlaps>, lives: ProcLife[]) =>
  found
    .map((o) => {
      const who = (pid: number) => {
        const l = lives.find((x) => x.pid === pid);
        return `${pid} ${l?.comm} sid=${l?.sid} ${l?.argv}`;
      };
      return `overlap ${o.a} & ${o.b}: ${o.ms.toFixed(1)} ms (${who(o.pids[0])} | ${who(o.pids[1])})`;
    })
    .join('\n');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runsNow = (ctx: TrialContext) => readRuns(ctx.childLog).length;
export const waitRuns = (ctx: TrialContext, n: number, what: string) =>
  waitFor(() => runsNow(ctx) >= n, { timeoutMs: 20_000, what });

/** Injects a fault that removes the leader, then waits for another host's child: the common failover shape. */
export async function failover(
  ctx: TrialContext,
  inject: () => void | Promise<void>
): Promise<{ failoverMs: number; expectRuns: number }> {
  const t0 = ctx.mark();
  await inject();
  const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
  await waitRuns(ctx, 2, 'second child');
  return { failoverMs, expectRuns: 2 };
}
