// Children that leave the leash's process group (DESIGN §3.3): `setsid`, coreutils `timeout` (it moves itself
// into a group of its own) and a double-forking daemon, each under the faults that end a term — a graceful
// hand-over, the supervisor killed alone, a partition, the leash killed. Anything of the old term still alive when the next
// term's child runs is an overlap (the process sampler sees it, whatever its session or parent).
import { waitFor } from '../helpers/wait.js';
import { leashOf } from './faults-leash.js';
import { sleep, type Scenario, type TrialContext } from './trial.js';

const KINDS: { what: string; childEnv?: Record<string, string>; wrap?: string[] }[] = [
  { what: 'a child that starts a setsid copy', childEnv: { CHILD_ESCAPE: 'setsid' } },
  { what: 'a child under coreutils timeout', wrap: ['timeout', '3600'] },
  { what: 'a child that starts a double-forking daemon', childEnv: { CHILD_ESCAPE: 'daemon' } },
];

const FAULTS: { what: string; proxy?: boolean; inject(ctx: TrialContext): void | Promise<void> }[] = [
  { what: 'SIGTERM hand-over', inject: (ctx) => ctx.leader.signal('SIGTERM') },
  { what: 'kill -9 of the supervisor alone', inject: (ctx) => ctx.leader.killGroup() },
  { what: 'partition of the leader', proxy: true, inject: (ctx) => ctx.proxy!.blackhole() },
  // the copy outside the group outlives its leash: the supervisor finds it by the term's token (found by the soak)
  { what: 'kill -9 of the leash', inject: async (ctx) => process.kill(await leashOf(ctx), 'SIGKILL') },
];

export const ESCAPES: Scenario[] = KINDS.flatMap((kind) =>
  FAULTS.map(
    (fault): Scenario => ({
      name: `escape: ${kind.what}, ${fault.what}`,
      sessionTimeout: '2s',
      proxy: fault.proxy,
      childEnv: kind.childEnv,
      wrap: kind.wrap,
      async run(ctx) {
        const t0 = ctx.mark();
        await fault.inject(ctx);
        const failoverMs = await ctx.nextLeader(t0, [ctx.leader]);
        await waitFor(
          async () =>
            (await ctx.sampler.snapshot()).some((l) => l.job && l.host !== ctx.leader.id && l.goneNs === undefined),
          { timeoutMs: 10_000, what: "the new leader's child running", intervalMs: 10 }
        );
        await sleep(300); // long enough for the sampler to see both terms, if the old one lives on
        if (fault.proxy) {
          ctx.proxy!.reset();
          ctx.proxy!.heal();
        }
        return { failoverMs };
      },
    })
  )
);
