// Several holders (#30): `slots: 3` over five hosts. A fault of one holder (host a, which started first) moves its
// slot alone, under the same index, to a standby; the other two slots keep their one run. Overlap per slot from
// /proc and the children's lines (trial.ts), and never more than 3 runs of the job alive at one instant.
import { bySlot, readRuns } from '../helpers/overlap.js';
import { beyondRuns } from '../helpers/proc-sampler.js';
import { waitFor } from '../helpers/wait.js';
import { sleep, type Scenario, type TrialContext } from './trial.js';

const K = 3;
const SLOTS = { hosts: 5, extraElection: `  slots: ${K}`, sessionTimeout: '2s' };

/** Injects a fault on host a (a holder) and waits until its slot runs again elsewhere; checks the other slots. */
async function holderFault(
  ctx: TrialContext,
  inject: () => Promise<void>,
  after?: () => Promise<void>,
  toleratedMs = 0
) {
  await waitFor(() => bySlot(readRuns(ctx.childLog)).size === K, { timeoutMs: 20_000, what: `${K} slots running` });
  const mine = readRuns(ctx.childLog).find((r) => r.name === ctx.leader.id)!.slot;
  const t0 = ctx.mark();
  await inject();
  const retaken = () =>
    bySlot(readRuns(ctx.childLog))
      .get(mine)!
      .find((r) => r.name !== ctx.leader.id);
  await waitFor(() => retaken() !== undefined, { timeoutMs: 20_000, what: `slot ${mine} re-taken by another host` });
  const failoverMs = performance.now() - t0.at;
  await after?.();
  await sleep(300); // a disturbed slot, or a second holder, would show now
  const slots = bySlot(readRuns(ctx.childLog));
  const restarts = [...slots].filter(([s]) => s !== mine).reduce((n, [, runs]) => n + runs.length - 1, 0);
  const beyond = beyondRuns(await ctx.sampler.snapshot(), K);
  if (beyond.ms > toleratedMs)
    throw new Error(`${beyond.most} runs at once for ${beyond.ms.toFixed(1)} ms (slots: ${K})`);
  return { failoverMs, restarts };
}

export const SLOT_FAULTS: Scenario[] = [
  {
    name: `${K} slots over 5 hosts: kill -9 of a holder host (its slot re-taken under its index, the others undisturbed)`,
    ...SLOTS,
    run: (ctx) => holderFault(ctx, () => ctx.killHost(ctx.leader)),
  },
  {
    name: `${K} slots over 5 hosts: partition of a holder for longer than T`,
    ...SLOTS,
    proxy: true,
    run: (ctx) =>
      holderFault(
        ctx,
        async () => ctx.proxy!.blackhole(),
        async () => {
          await ctx.jobsGone(ctx.leader, 10_000);
          ctx.proxy!.reset();
          ctx.proxy!.heal();
        }
      ),
  },
  {
    name: `${K} slots over 5 hosts: whole-host freeze of a holder (supervisor, leash and child) for 2×T`,
    ...SLOTS,
    toleratedMs: 100, // DESIGN §3.4: the resumed job runs until its leash sees the lease over (bounded, not zero)
    async run(ctx) {
      let pids: number[] = [];
      return holderFault(
        ctx,
        async () => {
          const host = (await ctx.sampler.snapshot()).filter((l) => l.host === ctx.leader.id && l.goneNs === undefined);
          pids = [ctx.leader.pid, ...host.map((l) => l.pid)];
          for (const pid of pids) signal(pid, 'SIGSTOP');
        },
        async () => {
          await sleep(2000);
          for (const pid of pids) signal(pid, 'SIGCONT');
          await ctx.jobsGone(ctx.leader, 5000);
        },
        100
      );
    },
  },
];

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}
