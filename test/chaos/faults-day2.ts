// Day-2 operations under faults (#31): a triggered run is run once across a leader's kill -9 or partition, and a
// suspended job stays suspended across them — the next leader takes the term and starts nothing — and one resume
// runs exactly one child.
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

// Every second a short scheduled tick (its child exits after 50 ms); a triggered run (a tick off the whole second)
// goes on until it is stopped.
const TRIGGERED = {
  extraTask: '  schedule: "* * * * * *"',
  wrap: [
    '/bin/sh',
    '-c',
    'case "$ZK_SUPERVISOR_TICK" in *.000Z) export CHILD_EXIT_AFTER_MS=50;; esac; exec "$@"',
    'sh',
  ],
};
const triggeredRuns = (ctx: TrialContext) => readRuns(ctx.childLog).filter((r) => !r.tick.endsWith('.000Z'));

async function triggerAcross(ctx: TrialContext, fault: () => Promise<void>, before: boolean, heal?: () => void) {
  const t0 = ctx.mark();
  if (before) await fault(); // the leader is cut off before the request
  if ((await ctx.cli(['trigger', '--config', ctx.config])) !== 0) throw new Error('trigger failed');
  if (!before) {
    await waitFor(() => triggeredRuns(ctx).length === 1, { timeoutMs: 10_000, what: 'the triggered run started' });
    await fault(); // mid-run
  }
  await waitFor(
    () => ctx.standbys.some((s) => s.lines.slice(t0.lines.get(s)).some((l) => /to=(waiting|running)/.test(l))),
    {
      timeoutMs: 20_000,
      what: 'another host leading',
    }
  );
  const failoverMs = performance.now() - t0.at;
  if (before)
    await waitFor(() => triggeredRuns(ctx).length === 1, {
      timeoutMs: 10_000,
      what: 'the request run by the next leader',
    });
  heal?.();
  await sleep(3000); // a second run of the request (by the new leader, or the old one back) would have started
  const runs = triggeredRuns(ctx).length;
  return { failoverMs, overlaps: runs === 1 ? 0 : Math.abs(runs - 1) };
}

export const DAY2_FAULTS: Scenario[] = [
  {
    name: 'trigger, then kill -9 of the leader host mid-run: the request is never run twice',
    sessionTimeout: '2s',
    ...TRIGGERED,
    run: (ctx) => triggerAcross(ctx, () => ctx.killHost(ctx.leader), false),
  },
  {
    name: 'trigger while the leader is partitioned: the next leader runs it, once',
    sessionTimeout: '2s',
    proxy: true,
    ...TRIGGERED,
    run: (ctx) =>
      triggerAcross(
        ctx,
        async () => ctx.proxy!.blackhole(),
        true,
        () => {
          ctx.proxy!.reset();
          ctx.proxy!.heal();
        }
      ),
  },
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
