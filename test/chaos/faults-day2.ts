// Day-2 operations under faults (#31): a suspended job stays suspended across a leader's kill -9 or partition —
// the next leader takes the term and starts nothing — and one resume runs exactly one child.
import { readRuns } from '../helpers/overlap.js';
import { waitFor } from '../helpers/wait.js';
import { sleep, type Scenario, type TrialContext } from './trial.js';

const SUSPENDED = /to=waiting reason="suspended by an operator"/;

async function suspendedAcross(ctx: TrialContext, fault: () => Promise<void>, heal?: () => void) {
  if ((await ctx.cli(['suspend', '--config', ctx.config])) !== 0) throw new Error('suspend failed');
  await ctx.leader.waitLog(SUSPENDED, 10_000);
  await ctx.jobsGone(ctx.leader, 10_000);
  const t0 = ctx.mark();
  await fault();
  // another host takes the term, suspended: it starts nothing
  await Promise.any(ctx.standbys.map((s) => s.waitLog(SUSPENDED, 20_000, t0.lines.get(s))));
  const failoverMs = performance.now() - t0.at;
  heal?.();
  await sleep(500); // a child started by mistake would write its start line by now
  if (readRuns(ctx.childLog).length !== 1) throw new Error('a child started while the job was suspended');
  if ((await ctx.cli(['resume', '--config', ctx.config])) !== 0) throw new Error('resume failed');
  await waitFor(() => readRuns(ctx.childLog).length === 2, { timeoutMs: 10_000, what: 'one child after resume' });
  await sleep(500);
  const runs = readRuns(ctx.childLog).length;
  return { failoverMs, overlaps: runs === 2 ? 0 : runs - 2 };
}

export const DAY2_FAULTS: Scenario[] = [
  {
    name: 'suspend, then kill -9 of the leader host: the next leader starts nothing; one resume, one child',
    sessionTimeout: '2s',
    run: (ctx) => suspendedAcross(ctx, () => ctx.killHost(ctx.leader)),
  },
  {
    name: 'suspend, then partition of the leader for longer than T: nothing starts; one resume, one child',
    sessionTimeout: '2s',
    proxy: true,
    run: (ctx) =>
      suspendedAcross(
        ctx,
        async () => ctx.proxy!.blackhole(),
        () => {
          ctx.proxy!.reset();
          ctx.proxy!.heal();
        }
      ),
  },
];
