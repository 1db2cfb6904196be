// The leash itself killed or frozen (issue #25.1): the job it held may still be alive, so no host may start
// another before that job is gone — whatever the restart policy says. And the one-way partition (#25.5), where
// the leader's lapsed session must not be kept alive by its own re-dials.
import { readFileSync } from 'node:fs';
import { readRuns } from '../helpers/overlap.js';
import { alive } from '../helpers/supervisors.js';
import { waitFor } from '../helpers/wait.js';
import { sleep, waitRuns, type Scenario, type TrialContext } from './trial.js';

/** The leash of the leader's running job: the job's parent (or an ancestor: the job may run under a wrapper). */
export async function leashOf(ctx: TrialContext): Promise<number> {
  const job = await waitFor(() => readRuns(ctx.childLog).find((r) => alive(r.pid)), {
    timeoutMs: 5000,
    what: "the leader's job",
  });
  const stat = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8');
  let pid = job.pid;
  do pid = Number(stat(pid).split(') ')[1]!.split(' ')[1]);
  while (pid > 1 && !stat(pid).includes('(zks-leash)'));
  if (pid <= 1) throw new Error(`no leash above the job ${job.pid}`);
  return pid;
}

/**
 * SIGKILLs the leash, then waits for the next child (here or on another host). The first job and the next are
 * compared too when they share host and term (a restart here), which the overlap check leaves to the scenario.
 */
async function killLeash(ctx: TrialContext): Promise<{ failoverMs: number; expectRuns: number; overlaps: number }> {
  const leash = await leashOf(ctx);
  const t0 = ctx.mark();
  process.kill(leash, 'SIGKILL');
  await waitRuns(ctx, 2, 'a child after the leash was killed');
  await sleep(300); // an orphaned first job would be seen running beside it now
  const [first, next] = readRuns(ctx.childLog);
  const twice = first!.name === next!.name && first!.token === next!.token && first!.endNs > next!.startNs;
  return { failoverMs: performance.now() - t0.at, expectRuns: 2, overlaps: twice ? 1 : 0 };
}

export const LEASH_FAULTS: Scenario[] = [
  {
    name: 'kill -9 of the leash (onExit: release): the job is stopped before anyone else starts one',
    sessionTimeout: '2s',
    run: killLeash,
  },
  {
    name: 'kill -9 of the leash (onExit: restart): no second copy beside the first',
    sessionTimeout: '2s',
    extraTask: '  onExit: restart\n  restart:\n    initialDelay: 100ms',
    run: killLeash,
  },
  {
    name: 'leash frozen (SIGSTOP), then the leader partitioned: its job is dead before another host starts one',
    sessionTimeout: '2s',
    proxy: true,
    async run(ctx) {
      const leash = await leashOf(ctx);
      const t0 = ctx.mark();
      process.kill(leash, 'SIGSTOP'); // the leash can no longer stop the job at the lease end: the supervisor must
      ctx.proxy!.blackhole();
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
      await waitRuns(ctx, 2, "the next host's child");
      ctx.proxy!.reset();
      ctx.proxy!.heal();
      return { failoverMs, expectRuns: 2 };
    },
  },
  {
    // #25.5: the server hears the leader's re-dials (they renew its session), the leader hears nothing.
    name: 'one-way partition of the leader (it is heard, it hears nothing): another host leads within 2T + 1 s',
    sessionTimeout: '2s',
    proxy: true,
    async run(ctx) {
      const t0 = ctx.mark();
      ctx.proxy!.oneWay();
      try {
        const failoverMs = await ctx.nextLeader(t0, [ctx.leader], 2 * 2000 + 1000);
        await waitRuns(ctx, 2, "the next host's child");
        return { failoverMs, expectRuns: 2 };
      } finally {
        ctx.proxy!.reset();
        ctx.proxy!.heal();
      }
    },
  },
];
