// Many jobs in one daemon (#29): three daemons of five jobs, the first leading them all. A fault of the host moves
// every job, each without overlap (per job, from /proc and from the children's lines); a fault of one job — its
// resign, its leash killed — moves that job alone and disturbs none of the others.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { readRuns } from '../helpers/overlap.js';
import { alive } from '../helpers/supervisors.js';
import { waitFor } from '../helpers/wait.js';
import { ESCAPES } from './faults-escape.js';
import { REVIEW_FAULTS } from './faults-review.js';
import { sleep, type Scenario, type TrialContext } from './trial.js';

const JOBS = 5;

/** Waits until every job's log (or those of `which`) has `n` runs. */
const allRuns = (ctx: TrialContext, n: number, which = ctx.childLogs) =>
  waitFor(() => which.every((log) => readRuns(log).length >= n), {
    timeoutMs: 20_000,
    what: `${n} runs of every job (${which.map((l) => readRuns(l).length).join(', ')} so far)`,
  });

/** A fault of the leader host: every job moves to another daemon. */
async function hostFault(ctx: TrialContext, inject: () => void | Promise<void>) {
  const t0 = ctx.mark();
  await inject();
  const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
  await allRuns(ctx, 2);
  return { failoverMs, restarts: 0 };
}

/** A fault of job 2 alone: it moves; the other four keep their one run. */
async function oneJob(ctx: TrialContext, inject: () => Promise<void>) {
  const t0 = ctx.mark();
  await inject();
  await allRuns(ctx, 2, [ctx.childLogs[2]!]);
  await sleep(300); // an orphaned job, or a disturbed one, would show now
  const restarts = ctx.childLogs.filter((_, j) => j !== 2).reduce((n, log) => n + readRuns(log).length - 1, 0);
  return { failoverMs: performance.now() - t0.at, restarts };
}

/** A single-job scenario again on 5-job daemons; once it settled, every job must have moved. */
const withJobs = (name: string, from: Scenario[]): Scenario => {
  const s = from.find((x) => x.name === name)!;
  return {
    ...s,
    name: `${JOBS}-job daemons: ${name}`,
    jobs: JOBS,
    async run(ctx) {
      const r = await s.run(ctx);
      await allRuns(ctx, 2);
      return r;
    },
  };
};

export const JOB_FAULTS: Scenario[] = [
  withJobs("ensemble: member isolation (the leader's member cut off from the quorum for longer than T)", REVIEW_FAULTS),
  withJobs('escape: a child that starts a setsid copy, partition of the leader', ESCAPES),
  {
    name: `${JOBS}-job daemons: one job crash-loops (its child exits at once) while the others lead undisturbed`,
    jobs: JOBS,
    sessionTimeout: '2s',
    jobEnv: { 1: { CHILD_EXIT_AFTER_MS: '30' } },
    async run(ctx) {
      // job 1's leadership goes round the hosts (onExit: release) while the others keep their one run
      await waitFor(() => readRuns(ctx.childLogs[1]!).length >= 6, { timeoutMs: 20_000, what: '6 runs of job 1' });
      const restarts = ctx.childLogs.filter((_, j) => j !== 1).reduce((n, log) => n + readRuns(log).length - 1, 0);
      return { restarts };
    },
  },
  {
    name: `${JOBS}-job daemons: a reload that removes the leading job during a partition of its host`,
    jobs: JOBS,
    sessionTimeout: '2s',
    proxy: true,
    async run(ctx) {
      const t0 = ctx.mark();
      ctx.proxy!.blackhole();
      const config = parse(readFileSync(ctx.firstConfig, 'utf8')) as { jobs: { name: string }[] };
      config.jobs = config.jobs.filter((j) => j.name !== 'job2');
      writeFileSync(ctx.firstConfig, stringify(config));
      ctx.leader.signal('SIGHUP'); // job2's child stops now; its term is released once ZooKeeper answers again
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      await allRuns(ctx, 2);
      ctx.proxy!.reset();
      ctx.proxy!.heal();
      await ctx.leader.waitLog(/state change job=job2 .*to=stopped/, 10_000, t0.lines.get(ctx.leader));
      return { failoverMs, restarts: 0 };
    },
  },
  {
    name: `${JOBS}-job daemons: kill -9 of the host leading every job`,
    jobs: JOBS,
    sessionTimeout: '2s',
    run: (ctx) => hostFault(ctx, () => ctx.killHost(ctx.leader)),
  },
  {
    name: `${JOBS}-job daemons: partition of the daemon leading every job, longer than T`,
    jobs: JOBS,
    sessionTimeout: '2s',
    proxy: true,
    async run(ctx) {
      const r = await hostFault(ctx, () => ctx.proxy!.blackhole());
      ctx.proxy!.reset();
      ctx.proxy!.heal();
      return r;
    },
  },
  {
    name: `${JOBS}-job daemons: SIGSTOP of the daemon leading every job for 2×T`,
    jobs: JOBS,
    sessionTimeout: '2s',
    async run(ctx) {
      const t0 = ctx.mark();
      const r = await hostFault(ctx, () => ctx.leader.signal('SIGSTOP'));
      await sleep(Math.max(0, 4000 - (performance.now() - t0.at)));
      ctx.leader.signal('SIGCONT');
      await sleep(500); // a resumed daemon that still ran a child would be seen now
      return r;
    },
  },
  {
    name: `${JOBS}-job daemons: resign --job of one job moves it alone`,
    jobs: JOBS,
    sessionTimeout: '2s',
    stopTimeout: '1s',
    childEnv: { CHILD_STOP_DELAY_MS: '400' },
    run: (ctx) =>
      oneJob(ctx, async () => {
        const code = await ctx.cli(['resign', '--config', ctx.config, '--job', 'job2']);
        if (code !== 0) throw new Error(`resign --job job2 exited ${code}`);
      }),
  },
  {
    name: `${JOBS}-job daemons: kill -9 of one job's leash moves that job alone`,
    jobs: JOBS,
    sessionTimeout: '2s',
    run: (ctx) =>
      oneJob(ctx, async () => {
        const job = await waitFor(() => readRuns(ctx.childLogs[2]!).find((r) => alive(r.pid)), {
          timeoutMs: 5000,
          what: "job 2's child",
        });
        const leash = Number(readFileSync(`/proc/${job.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
        process.kill(leash, 'SIGKILL');
      }),
  },
];
