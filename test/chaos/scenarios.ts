// Fault-injection scenarios: three real supervisors, one fault, then the verdict from the children's own
// timestamps. Used by test/chaos/chaos.test.ts (one trial each) and `npm run chaos -- --trials N`.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Zk } from '../../src/zk/client.js';
import { gaps, overlaps, readRuns } from '../helpers/overlap.js';
import { TcpProxy } from '../helpers/proxy.js';
import { SupervisorProc, alive, killAll, pgidOf, startElection, writeConfig } from '../helpers/supervisors.js';
import { waitFor } from '../helpers/wait.js';
import type { ZkCluster } from '../helpers/zk-server.js';

export interface TrialResult {
  overlaps: number;
  /** Fault → a child running again (ms), when the scenario expects a new child. */
  failoverMs?: number;
  /** Longest time without any child (ms). */
  maxGapMs: number;
  /** Child restarts where none was wanted. */
  disturbed: number;
}

export interface Scenario {
  name: string;
  ensemble?: boolean;
  sessionTimeout: string;
  /** Extra environment of the test child. */
  childEnv?: Record<string, string>;
  /** Extra lines of the `task` section (indented by two spaces). */
  extraTask?: string;
  /** Injects the fault and waits for the outcome; returns when the election settled again. */
  run(ctx: TrialContext): Promise<{ failoverMs?: number; expectRuns?: number; overlaps?: number }>;
}

/** A point in a trial: when, and how many log lines each supervisor had written by then. */
export interface Mark { at: number; lines: Map<SupervisorProc, number> }

export interface TrialContext {
  cluster: ZkCluster;
  sups: SupervisorProc[];
  leader: SupervisorProc;
  standbys: SupervisorProc[];
  childLog: string;
  /** Where children started with CHILD_GRANDCHILD_FILE write their grandchild's pid, one per line. */
  grandchildFile: string;
  proxy?: TcpProxy;
  /** Connect string of this trial's chroot (the election is at `/job`). */
  root: string;
  /** The time and every supervisor's log position now: take it before injecting a fault. */
  mark(): Mark;
  /** Resolves with ms since `since` once any supervisor but `except` logged `to=running` after it. */
  nextLeader(since: Mark, except?: SupervisorProc[], timeoutMs?: number): Promise<number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runsNow = (ctx: TrialContext) => readRuns(ctx.childLog).length;
const waitRuns = (ctx: TrialContext, n: number, what: string) =>
  waitFor(() => runsNow(ctx) >= n, { timeoutMs: 20_000, what });

// Runs `fn` with a client on the trial's chroot, as an operator would.
async function asOperator<T>(ctx: TrialContext, fn: (zk: Zk) => Promise<T>): Promise<T> {
  const zk = await Zk.connect({ connect: ctx.root, sessionTimeoutMs: 10_000 });
  try { return await fn(zk); } finally { zk.close(); }
}

// Injects a fault that removes the leader, then waits for another host's child: the common failover shape.
async function failover(ctx: TrialContext, inject: () => void | Promise<void>): Promise<{ failoverMs: number; expectRuns: number }> {
  const t0 = ctx.mark();
  await inject();
  const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
  await waitRuns(ctx, 2, 'second child');
  return { failoverMs, expectRuns: 2 };
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'SIGTERM of the leader', sessionTimeout: '2s',
    run: (ctx) => failover(ctx, () => ctx.leader.signal('SIGTERM')),
  },
  {
    name: 'kill -9 of the leader host (supervisor + child groups)', sessionTimeout: '2s',
    run(ctx) {
      const group = pgidOf(readRuns(ctx.childLog)[0]!.pid);
      return failover(ctx, () => {
        ctx.leader.killGroup();
        if (group) try { process.kill(-group, 'SIGKILL'); } catch { /* gone */ }
      });
    },
  },
  {
    name: 'kill -9 of the supervisor alone (leash)', sessionTimeout: '2s',
    run: (ctx) => failover(ctx, () => ctx.leader.killGroup()),
  },
  {
    name: 'SIGSTOP of the supervisor for 2×T, then SIGCONT', sessionTimeout: '2s',
    async run(ctx) {
      const t0 = ctx.mark();
      ctx.leader.signal('SIGSTOP');
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      await sleep(Math.max(0, 4000 - (performance.now() - t0.at)));
      const from = ctx.leader.lines.length;
      ctx.leader.signal('SIGCONT');
      await ctx.leader.waitLog(/to=candidate|to=connecting/, 10_000, from);
      await waitRuns(ctx, 2, 'second child');
      return { failoverMs, expectRuns: 2 };
    },
  },
  {
    name: 'partition of the leader longer than T', sessionTimeout: '2s',
    async run(ctx) {
      const t0 = ctx.mark();
      ctx.proxy!.blackhole();
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      ctx.proxy!.reset();
      ctx.proxy!.heal();
      await ctx.leader.waitLog(/to=candidate/, 10_000, ctx.leader.lines.length - 1);
      return { failoverMs, expectRuns: 2 };
    },
  },
  {
    name: 'partition of 2 s at T = 4 s (shorter than the fencing deadline)', sessionTimeout: '4s',
    async run(ctx) {
      ctx.proxy!.blackhole();
      await sleep(2000);
      ctx.proxy!.heal();
      await sleep(4000);
      return { expectRuns: 1 };
    },
  },
  {
    name: 'ZooKeeper standalone restart', sessionTimeout: '4s',
    async run(ctx) {
      const t0 = performance.now();
      await ctx.cluster.servers[0]!.restart();
      await sleep(Math.max(0, 6000 - (performance.now() - t0)));
      // Whether the child survived depends on the restart time vs the lease; leadership must come back.
      await waitFor(() => ctx.sups.some((s) => s.state === 'running'), { timeoutMs: 15_000, what: 'a leader after the restart' });
      return {};
    },
  },
  {
    name: "ensemble: kill the member the leader is connected to", ensemble: true, sessionTimeout: '4s',
    async run(ctx) {
      const sessionId = /sessionId=(\w+)/.exec(ctx.leader.lines.findLast((l) => l.includes('sessionId='))!)![1]!;
      const member = await waitFor(() => ctx.cluster.serverOf(sessionId), { timeoutMs: 5000, what: `member serving ${sessionId}` });
      await member.kill();
      await sleep(5000);
      member.start();
      await member.waitServing();
      return { expectRuns: 1 };
    },
  },
  {
    name: 'ensemble: kill two of three (no quorum), then restore', ensemble: true, sessionTimeout: '4s',
    async run(ctx) {
      const [a, b] = ctx.cluster.servers;
      const t0 = performance.now();
      await Promise.all([a!.kill(), b!.kill()]);
      // Every child must stop by its lease end, within T of the fault: a new quorum could expire the
      // session after T, and nothing can renew it meanwhile. Stopping later counts as an overlap risk.
      await waitFor(() => readRuns(ctx.childLog).every((r) => !alive(r.pid)), { timeoutMs: 8000, what: 'every child stopped without a quorum', intervalMs: 5 });
      const stoppedAfterMs = performance.now() - t0;
      const since = ctx.mark();
      a!.start(); b!.start();
      await Promise.all([a!.waitServing(), b!.waitServing()]);
      const healedAt = performance.now();
      await ctx.nextLeader(since);
      const failoverMs = Math.max(0, performance.now() - healedAt); // quorum back → a leader's child running
      await waitRuns(ctx, 2, 'a child after the quorum returned');
      return { failoverMs, overlaps: stoppedAfterMs >= 4000 ? 1 : 0 };
    },
  },
  {
    name: 'operator deletes <path>/leader', sessionTimeout: '2s',
    async run(ctx) {
      const t0 = ctx.mark();
      await asOperator(ctx, (zk) => zk.delete('/job/leader'));
      const failoverMs = await ctx.nextLeader(t0);
      await waitRuns(ctx, 2, 'a child after the leader node was deleted');
      return { failoverMs };
    },
  },
  {
    name: "operator deletes the leader's candidate node", sessionTimeout: '2s',
    async run(ctx) {
      const t0 = ctx.mark();
      await asOperator(ctx, async (zk) => {
        const { children } = await zk.children('/job/candidates');
        const first = children.sort((a, b) => a.slice(-10).localeCompare(b.slice(-10)))[0]!;
        await zk.delete(`/job/candidates/${first}`);
      });
      const failoverMs = await ctx.nextLeader(t0);
      await waitRuns(ctx, 2, 'a child after the candidate node was deleted');
      return { failoverMs };
    },
  },
  {
    name: "operator deletes the leader's pid node", sessionTimeout: '2s',
    async run(ctx) {
      const node = await asOperator(ctx, async (zk) => {
        const { children } = await zk.children('/job/pids');
        const mine = children.find((c) => c === ctx.leader.id)!;
        await zk.delete(`/job/pids/${mine}`);
        return `/job/pids/${mine}`;
      });
      await waitFor(() => asOperator(ctx, (zk) => zk.exists(node)), { timeoutMs: 5000, what: 'the pid node re-created' });
      await sleep(500);
      return { expectRuns: 1 };
    },
  },
  {
    name: 'kill -9 of the supervisor alone, child with a grandchild (leash stops the group)', sessionTimeout: '2s',
    childEnv: { CHILD_GRANDCHILD_FILE: 'grandchildren' },
    async run(ctx) {
      const grandchild = Number(readFileSync(ctx.grandchildFile, 'utf8').split('\n')[0]);
      let goneAt = Infinity;
      const watch = waitFor(() => !alive(grandchild) && (goneAt = performance.now()), { timeoutMs: 20_000, what: `grandchild ${grandchild} stopped`, intervalMs: 2 });
      const t0 = ctx.mark();
      ctx.leader.killGroup();
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      const newLeaderAt = t0.at + failoverMs;
      await watch;
      await waitRuns(ctx, 2, 'second child');
      // The grandchild writes no timestamps: it counts as an overlap if it outlived the next leader's start.
      return { failoverMs, expectRuns: 2, overlaps: goneAt > newLeaderAt ? 1 : 0 };
    },
  },
  {
    name: 'child exits at once, in a loop (onExit: release passes leadership around)', sessionTimeout: '2s',
    childEnv: { CHILD_EXIT_AFTER_MS: '0', CHILD_EXIT_CODE: '1' },
    async run(ctx) {
      await waitRuns(ctx, 6, 'six short runs across the hosts');
      return {};
    },
  },
  {
    name: 'child exits at once, in a loop (onExit: restart, crash loop steps down)', sessionTimeout: '2s',
    childEnv: { CHILD_EXIT_AFTER_MS: '0', CHILD_EXIT_CODE: '1' },
    extraTask: '  onExit: restart\n  restart:\n    initialDelay: 20ms\n    maxDelay: 100ms\n    crashLoopFailures: 3\n    crashLoopWindow: 10s',
    async run(ctx) {
      const t0 = ctx.mark();
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      await waitRuns(ctx, 6, 'runs on a second host after the crash loop');
      return { failoverMs };
    },
  },
  {
    name: 'scheduled job (every second): kill -9 of the leader host mid-run', sessionTimeout: '2s',
    extraTask: '  schedule: "* * * * * *"', childEnv: { CHILD_EXIT_AFTER_MS: '400' },
    async run(ctx) {
      const before = readRuns(ctx.childLog).length;
      const running = await waitFor(() => readRuns(ctx.childLog).slice(before).find((r) => !r.stopped), { timeoutMs: 5000, what: 'a run in progress' });
      const group = pgidOf(running.pid);
      const result = await failover(ctx, () => {
        ctx.leader.killGroup();
        if (group) try { process.kill(-group, 'SIGKILL'); } catch { /* gone */ }
      });
      await waitRuns(ctx, readRuns(ctx.childLog).length + 2, 'two more ticks on the new leader');
      // A tick that ran twice counts as an overlap, wherever its runs were.
      const ticks = readRuns(ctx.childLog).map((r) => r.tick);
      return { failoverMs: result.failoverMs, overlaps: ticks.length - new Set(ticks).size };
    },
  },
  {
    name: 'SIGTERM of a leader whose child ignores SIGTERM (SIGKILL after the grace)', sessionTimeout: '2s', childEnv: { CHILD_IGNORE_TERM: '1' },
    run: (ctx) => failover(ctx, () => ctx.leader.signal('SIGTERM')),
  },
];

/** Runs one trial of `scenario` on `cluster` in `dir`; every process it starts is killed before it returns. */
export async function runTrial(scenario: Scenario, cluster: ZkCluster, dir: string): Promise<TrialResult> {
  const id = randomUUID().slice(0, 8);
  const admin = await Zk.connect({ connect: cluster.connectString, sessionTimeoutMs: 10_000 });
  await admin.create(`/chaos-${id}`);
  admin.close();
  const childLog = join(dir, `children-${id}.log`);
  const needsProxy = scenario.name.startsWith('partition');
  const proxy = needsProxy ? await TcpProxy.start({ port: cluster.servers[0]!.port }) : undefined;
  const direct = `${cluster.connectString}/chaos-${id}`;
  const grandchildFile = join(dir, `grandchildren-${id}.log`);
  const childEnv = scenario.childEnv?.CHILD_GRANDCHILD_FILE ? { ...scenario.childEnv, CHILD_GRANDCHILD_FILE: grandchildFile } : scenario.childEnv;
  const opts = { path: '/job', childLog, sessionTimeout: scenario.sessionTimeout, stopTimeout: '300ms', childEnv, extraTask: scenario.extraTask };
  const first = writeConfig(dir, { ...opts, connect: proxy ? `${proxy.address}/chaos-${id}` : direct });
  const rest = writeConfig(dir, { ...opts, connect: direct });
  const sups: SupervisorProc[] = [];
  try {
    const [leader] = await startElection(sups, { ids: ['a', 'b', 'c'].map((n) => `${n}-${id}`), config: rest, firstConfig: first, childLog });
    const ctx: TrialContext = {
      cluster, sups, leader: leader!, standbys: sups.slice(1), childLog, grandchildFile, proxy, root: direct,
      mark: () => ({ at: performance.now(), lines: new Map(sups.map((s) => [s, s.lines.length])) }),
      async nextLeader(since, except = [], timeoutMs = 20_000) {
        await Promise.any(sups.filter((s) => !except.includes(s)).map((s) => s.waitLog(/to=running/, timeoutMs, since.lines.get(s)))).catch(() => {
          const logs = sups.map((s) => `--- ${s.id}:\n${s.lines.slice(since.lines.get(s)).slice(-15).join('\n')}`).join('\n');
          throw new Error(`no supervisor became leader within ${timeoutMs} ms; their logs since the fault:\n${logs}`);
        });
        return performance.now() - since.at;
      },
    };
    const out = await scenario.run(ctx);
    const runs = readRuns(childLog);
    return {
      overlaps: overlaps(runs).length + (out.overlaps ?? 0),
      failoverMs: out.failoverMs,
      maxGapMs: Math.max(0, ...gaps(runs)),
      disturbed: out.expectRuns === 1 ? runs.length - 1 : 0,
    };
  } finally {
    for (const s of sups) s.signal('SIGCONT');
    await killAll(sups);
    await proxy?.stop();
  }
}
