// The faults an outside review used to run two children at once (DESIGN §3.1, §3.2, §3.3): a member cut off
// from the quorum, hand-overs before the old child is dead, a restart on a lapsed lease, a frozen host, a stop
// racing the start, a lost reply. Each names the issue that fixes it while it still fails (`todo`).
import { spawnSync } from 'node:child_process';
import { bySequence } from '../../src/recipes/queue-lock.js';
import { readRuns } from '../helpers/overlap.js';
import { aliveJobs } from '../helpers/proc-sampler.js';
import { BIN } from '../helpers/supervisors.js';
import { waitFor } from '../helpers/wait.js';
import { sleep, waitRuns, type Scenario, type TrialContext } from './trial.js';

const SLOW_CHILD = { CHILD_STOP_DELAY_MS: '1500' };

/** A hand-over forced by `act` while the leader's child takes 1.5 s to stop: the next child must wait. */
async function handOver(ctx: TrialContext, act: () => Promise<unknown>) {
  const t0 = ctx.mark();
  await act();
  const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
  await ctx.jobsGone(ctx.leader);
  await waitRuns(ctx, 2, 'a second child');
  return { failoverMs };
}

const lowestCandidate = (children: string[]) => children.sort(bySequence)[0]!;

export const REVIEW_FAULTS: Scenario[] = [
  {
    name: "ensemble: member isolation (the leader's member cut off from the quorum for longer than T)",
    cluster: 'isolation',
    sessionTimeout: '4s',
    async connects(cluster) {
      const member = await cluster.memberIn('follower');
      return {
        first: member.address,
        rest: cluster.servers
          .filter((s) => s !== member)
          .map((s) => s.address)
          .join(','),
      };
    },
    async run(ctx) {
      const sessionId = /sessionId=(\w+)/.exec(ctx.leader.lines.findLast((l) => /sessionId=\w/.test(l))!)![1]!;
      const member = await waitFor(() => ctx.cluster.serverOf(sessionId), {
        timeoutMs: 5000,
        what: `member serving ${sessionId}`,
      });
      const t0 = ctx.mark();
      ctx.cluster.isolate(member);
      try {
        const failoverMs = await ctx.nextLeader(t0, [ctx.leader], 30_000);
        await ctx.jobsGone(ctx.leader, 20_000);
        return { failoverMs };
      } finally {
        ctx.cluster.rejoin(member);
        await member.waitServing();
      }
    },
  },
  {
    name: 'resign while the child takes 1.5 s to stop (stopTimeout 2 s)',
    sessionTimeout: '4s',
    stopTimeout: '2s',
    childEnv: SLOW_CHILD,
    run: (ctx) =>
      handOver(ctx, async () => {
        const code = await ctx.cli(['resign', '--config', ctx.config]);
        if (code !== 0) throw new Error(`resign exited ${code}`);
      }),
  },
  {
    name: "operator deletes the leader's candidate node while the child takes 1.5 s to stop",
    sessionTimeout: '4s',
    stopTimeout: '2s',
    childEnv: SLOW_CHILD,
    run: (ctx) =>
      handOver(ctx, () =>
        ctx.asOperator(async (zk) => {
          await zk.delete(`/job/candidates/${lowestCandidate((await zk.children('/job/candidates')).children)}`);
        })
      ),
  },
  {
    name: 'operator rewrites <path>/leader while the child takes 1.5 s to stop',
    sessionTimeout: '4s',
    stopTimeout: '2s',
    childEnv: SLOW_CHILD,
    async run(ctx) {
      const t0 = ctx.mark();
      await ctx.asOperator((zk) =>
        zk.set('/job/leader', JSON.stringify({ id: 'intruder', host: 'elsewhere', pid: 1 }))
      );
      const failoverMs = await ctx.nextLeader(t0, [], 10_000); // whoever leads afterwards
      await sleep(2500); // a slow stop and a new start, if any, have happened
      return { failoverMs };
    },
  },
  {
    name: 'server caps the session timeout below the configured T (partition of the leader)',
    cluster: 'capped',
    sessionTimeout: '8s',
    proxy: true,
    async run(ctx) {
      const t0 = ctx.mark();
      ctx.proxy!.blackhole();
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      await ctx.jobsGone(ctx.leader);
      ctx.proxy!.reset();
      ctx.proxy!.heal();
      return { failoverMs, expectRuns: 2 };
    },
  },
  {
    name: 'server caps the session timeout below what stopTimeout needs (30 s / 15 s configured, 2 s granted)',
    cluster: 'capped',
    sessionTimeout: '30s',
    stopTimeout: '15s',
    noCampaign:
      /not campaigning: the session timeout the server granted cannot cover task\.stopTimeout.*requestedTimeoutMs=30000 grantedTimeoutMs=2000/,
    async run(ctx) {
      await sleep(3000);
      // No child may start (before the fix: start → lease expired → stop, 11 times in 5 s).
      const starts = ctx.sups.flatMap((s) => s.lines).filter((l) => l.includes('to=running')).length;
      const status = spawnSync(process.execPath, [BIN, 'status', '--config', ctx.config], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      if (!/^warning: the servers grant a session timeout of 2000 ms \(requested 30000 ms\)/m.test(status.stdout)) {
        throw new Error(`status does not warn about the granted session timeout:\n${status.stdout}${status.stderr}`);
      }
      return { restarts: starts };
    },
  },
  {
    name: 'SIGSTOP of the supervisor during its restart backoff, SIGCONT after another host leads',
    sessionTimeout: '2s',
    childEnv: { CHILD_EXIT_AFTER_MS: '300', CHILD_EXIT_CODE: '1', CHILD_ONCE_FILE: 'once' },
    extraTask: '  onExit: restart\n  restart:\n    initialDelay: 1500ms\n    maxDelay: 1500ms',
    async run(ctx) {
      await ctx.leader.waitLog(/to=backoff/, 10_000);
      await sleep(1200); // late in the delay: on resume the restart timer is due before the lease timer
      ctx.leader.signal('SIGSTOP');
      const t0 = ctx.mark();
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      await sleep(1000);
      const from = ctx.leader.lines.length;
      ctx.leader.signal('SIGCONT');
      await ctx.leader.waitLog(/to=(candidate|connecting|backoff|starting)/, 10_000, from);
      await sleep(1500);
      return { failoverMs };
    },
  },
  {
    name: 'whole-host freeze: SIGSTOP of supervisor, leash and child for 2×T, then SIGCONT',
    sessionTimeout: '2s',
    toleratedMs: 100, // DESIGN §3.4: the resumed job runs until its leash sees the lease over (bounded, not zero)
    async run(ctx) {
      const host = (await ctx.sampler.snapshot()).filter((l) => l.host === ctx.leader.id && l.goneNs === undefined);
      const pids = [ctx.leader.pid, ...host.map((l) => l.pid)];
      const t0 = ctx.mark();
      for (const pid of pids)
        try {
          process.kill(pid, 'SIGSTOP');
        } catch {
          /* gone */
        }
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      await sleep(Math.max(0, 4000 - (performance.now() - t0.at)));
      for (const pid of pids)
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          /* gone */
        }
      await ctx.jobsGone(ctx.leader, 5000);
      return { failoverMs };
    },
  },
  {
    name: 'a stop 0–2 ms after the child starts, then SIGKILL of the supervisor (no orphan)',
    sessionTimeout: '2s',
    async run(ctx) {
      // The first standby to win gets the racing stop; the third host takes over once its session expires.
      const t0 = ctx.mark();
      ctx.leader.signal('SIGTERM');
      const next = await Promise.any(
        ctx.standbys.map((s) => s.waitLog(/to=running/, 15_000, t0.lines.get(s)).then((l) => [s, l] as const))
      );
      const [victim, line] = next;
      const pgid = Number(/leashPid=(\d+)/.exec(line)?.[1]); // the leash leads its own group
      await sleep(Math.random() * 2);
      try {
        process.kill(-pgid, 'SIGTERM');
      } catch {
        /* gone */
      }
      victim.killGroup();
      const t1 = ctx.mark();
      const failoverMs = await ctx.nextLeader(t1, [ctx.leader, victim]);
      const orphans = await ctx.jobsGone(victim, 2000).then(
        () => 0,
        async () => aliveJobs(await ctx.sampler.snapshot(), victim.id).length
      );
      return { failoverMs, overlaps: orphans };
    },
  },
  {
    name: "scheduled job (every second): a lost reply to a tick's started write (read back, not fenced)",
    sessionTimeout: '2s',
    proxy: true,
    extraTask: '  schedule: "* * * * * *"',
    childEnv: { CHILD_EXIT_AFTER_MS: '300' },
    arm: (proxy) => proxy.dropReplyAfter((chunk) => chunk.includes('"state":"started"')),
    async run(ctx) {
      await ctx.leader.waitLog(/state=disconnected/, 10_000);
      const from = ctx.leader.lines.length;
      for (let i = 0; i < 2; i++)
        await ctx.leader.waitLog(
          /tick finished/,
          5000,
          ctx.leader.lines.findLastIndex((l) => /tick finished/.test(l)) + 1 || from
        );
      const records = await ctx.asOperator(async (zk) => {
        const { children } = await zk.children('/job/runs');
        return Promise.all(
          children.map(
            async (c) => JSON.parse((await zk.get(`/job/runs/${c}`)).data.toString()) as { tick: string; state: string }
          )
        );
      });
      const fenced = records.filter((r) => r.state === 'fenced');
      if (fenced.length)
        throw new Error(
          `ticks recorded as fenced although they ran to the end: ${fenced.map((r) => r.tick).join(', ')}`
        );
      const ticks = readRuns(ctx.childLog).map((r) => r.tick);
      return { overlaps: ticks.length - new Set(ticks).size };
    },
  },
  {
    name: 'a lost reply to the candidate create (the leader finds its node by GUID)',
    sessionTimeout: '2s',
    proxy: true,
    arm: (proxy) => proxy.dropReplyAfter((chunk) => chunk.includes('/job/candidates/') && chunk.includes('-lock-')),
    async run(ctx) {
      const { children } = await ctx.asOperator((zk) => zk.children('/job/candidates'));
      if (children.length !== 3)
        throw new Error(`3 supervisors hold ${children.length} candidate nodes: ${children.join(', ')}`);
      if (readRuns(ctx.childLog).length !== 1) throw new Error('more than one child ran');
      await waitFor(() => ctx.leader.lines.some((l) => /reconnect|connecting|disconnected/i.test(l)), {
        timeoutMs: 5000,
        what: 'the leader seeing its connection break (the reply was lost)',
      });
      return { expectRuns: 1 };
    },
  },
];
