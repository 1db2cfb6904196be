// A preferred leader (#30): hand-backs through the resign path, faulted. Host a leads first (it starts alone);
// b is preferred and preempts it `after` once queued; c is the default. Overlap from /proc and the children's lines.
import { readRuns } from '../helpers/overlap.js';
import { waitFor } from '../helpers/wait.js';
import { sleep, type Scenario, type TrialContext } from './trial.js';

const PREFERRED = { priorities: [0, 10, 0], extraElection: '  preempt:\n    after: 2s' };

/** Whose children ran, in order (the hosts' ids without the trial's suffix). */
const runners = (ctx: TrialContext) => readRuns(ctx.childLog).map((r) => r.name.split('-')[0]);

/** Waits until `host`'s child is the last to have started, after at least `n` runs. */
const runsOn = (ctx: TrialContext, host: string, n: number) =>
  waitFor(() => runners(ctx).length >= n && runners(ctx).at(-1) === host, {
    timeoutMs: 20_000,
    what: `${host}'s child running (run ${n}; so far: ${runners(ctx).join(' ')})`,
  });

export const PRIORITY_FAULTS: Scenario[] = [
  {
    name: 'preferred leader: the hand-back to the preferred host, from a child slow to stop (1.5 s)',
    sessionTimeout: '4s',
    stopTimeout: '2s',
    childEnv: { CHILD_STOP_DELAY_MS: '1500' },
    ...PREFERRED,
    async run(ctx) {
      const t0 = ctx.mark();
      const [, b] = ctx.sups;
      await ctx.nextLeader(t0, [ctx.leader]);
      await runsOn(ctx, 'b', 2);
      if (!b!.lines.some((l) => l.includes('to=running'))) throw new Error('the term did not go to b');
      return { failoverMs: performance.now() - t0.at, expectRuns: 2 };
    },
  },
  {
    name: 'preferred leader: the preferred host flapping (its link cut and restored) hands back once, when stable',
    sessionTimeout: '2s',
    proxy: true,
    proxyHost: 1,
    ...PREFERRED,
    async run(ctx) {
      const [, b] = ctx.sups;
      await runsOn(ctx, 'b', 2); // b took the term from a
      // b's link cut for longer than T: c (or a) leads; then b flaps: never 2 s connected in a row
      ctx.proxy!.blackhole();
      await waitFor(() => runners(ctx).length >= 3, { timeoutMs: 20_000, what: 'a third run, off b' });
      const handbacksBefore = b!.lines.filter((l) => l.includes('to=running')).length;
      for (let i = 0; i < 5; i++) {
        ctx.proxy!.heal();
        await sleep(1200);
        ctx.proxy!.blackhole();
        await sleep(1500);
      }
      const flapped = b!.lines.filter((l) => l.includes('to=running')).length - handbacksBefore;
      ctx.proxy!.heal();
      await runsOn(ctx, 'b', 4); // stable now: one hand-back, after `after`
      return { failoverMs: 0, restarts: flapped };
    },
  },
  {
    name: 'preferred leader: the preferred host partitioned right after asking the leader to step down',
    sessionTimeout: '2s',
    proxy: true,
    proxyHost: 1,
    ...PREFERRED,
    async run(ctx) {
      const [a, b] = ctx.sups;
      await b!.waitLog(/asked the leader to step down/, 15_000);
      ctx.proxy!.blackhole();
      const t0 = ctx.mark();
      await a!.waitLog(/reason="resign requested by/, 5000);
      // b may not lead while cut off: its node first in line holds the term until its session expires (T)
      const failoverMs = await ctx.nextLeader(t0, [b!]);
      await waitFor(() => runners(ctx).length >= 2, { timeoutMs: 20_000, what: 'a second run, off b' });
      ctx.proxy!.heal();
      await runsOn(ctx, 'b', 3); // back and connected: b asks again and takes the term
      return { failoverMs };
    },
  },
];
