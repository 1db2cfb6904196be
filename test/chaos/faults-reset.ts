// Operator resets (issue #25.3): nodes of a running term deleted by hand — the baton with the candidate node, or
// the whole election (`deleteall`) — while the child takes 1.5 s to stop. No host may start before that child is
// gone; the old leader must not delete the next leader's baton; term numbers only grow.
import { bySequence } from '../../src/recipes/queue-lock.js';
import type { Zk } from '../../src/zk/client.js';
import { isZkError } from '../../src/zk/errors.js';
import { childrenOrEmpty } from '../../src/zk/helpers.js';
import { existsSync, writeFileSync } from 'node:fs';
import { waitFor } from '../helpers/wait.js';
import { sleep, waitRuns, type Scenario, type TrialContext } from './trial.js';

const SLOW = { sessionTimeout: '4s', stopTimeout: '2s', childEnv: { CHILD_STOP_DELAY_MS: '1500' } };

/** zkCli's `deleteall`: the tree below `path`, leaves first, again until it is gone (nodes reappear meanwhile). */
async function deleteall(zk: Zk, path: string): Promise<void> {
  const del = async (p: string): Promise<void> => {
    for (const c of await childrenOrEmpty(zk, p)) await del(`${p}/${c}`);
    await zk.delete(p).catch((e: unknown) => {
      if (!isZkError(e, 'NONODE', 'NOTEMPTY')) throw e;
    });
  };
  for (let i = 0; (await zk.exists(path)) && i < 50; i++) await del(path);
}

/** Every baton there is: this release's (one per session) and an older release's single node. */
async function batons(zk: Zk): Promise<string[]> {
  const mine = (await childrenOrEmpty(zk, '/job/batons')).map((n) => `/job/batons/${n}`);
  return (await zk.exists('/job/active')) ? [...mine, '/job/active'] : mine;
}

/** Every baton and the first candidate node in line: the leader's nodes, deleted by hand. */
async function deleteLeaderNodes(zk: Zk): Promise<void> {
  for (const b of await batons(zk)) await zk.delete(b);
  const [lowest] = (await zk.children('/job/candidates')).children.sort(bySequence);
  await zk.delete(`/job/candidates/${lowest}`);
}

/** The term number in the last `to=running` line of each supervisor after `from` lines. */
const termsRunning = (ctx: TrialContext) =>
  ctx.sups.flatMap((s) => s.lines.filter((l) => /to=running/.test(l)).map((l) => Number(/term=(\d+)/.exec(l)?.[1])));

/** The reset, then: the next child (after the old one is gone), a baton held by the new leader, a higher term. */
async function reset(ctx: TrialContext, act: (zk: Zk) => Promise<void>) {
  const before = Math.max(...termsRunning(ctx));
  const t0 = ctx.mark();
  await ctx.asOperator(act);
  const failoverMs = await ctx.nextLeader(t0, [], 30_000);
  await waitRuns(ctx, 2, 'a child after the reset');
  await ctx.jobsGone(ctx.leader, 10_000).catch(() => {}); // the old job, if the new term is elsewhere
  await sleep(300); // the old leader has released by now: whatever it deletes, it has deleted
  const held = await ctx.asOperator(batons);
  const after = Math.max(...termsRunning(ctx));
  if (!(after > before)) throw new Error(`the term number went from ${before} to ${after} across the reset`);
  return { failoverMs, expectRuns: 2, overlaps: held.length === 0 ? 1 : 0 };
}

export const RESET_FAULTS: Scenario[] = [
  {
    name: "operator deletes the baton and the leader's candidate node while the child takes 1.5 s to stop",
    ...SLOW,
    run: (ctx) => reset(ctx, deleteLeaderNodes),
  },
  {
    // Found by the model (model/, variant announce-after): the leader node named a new term only after its child
    // had started, so a second winner found no sign of the first (whose nodes the operator had deleted, and which
    // could not hear it) and started beside it.
    name: "operator deletes a new leader's nodes during its preStart hook while it hears nothing",
    ...SLOW,
    sessionTimeout: '8s', // b's lease still covers a start when its 2 s hook ends
    hosts: 2,
    proxy: true,
    proxyHost: 1,
    extra: (file) =>
      [
        'hooks:',
        `  preStart: ["/bin/sh", "-c", "if [ -e ${file('slow')} ]; then : > ${file('in-hook')}; sleep 2; fi"]`,
      ].join('\n'),
    async run(ctx) {
      const [a, b] = ctx.sups;
      writeFileSync(ctx.file('slow'), ''); // from now on every preStart hook takes 2 s
      const t0 = ctx.mark();
      if ((await ctx.cli(['resign', '--config', ctx.config])) !== 0) throw new Error('resign failed');
      await waitFor(() => existsSync(ctx.file('in-hook')), { timeoutMs: 15_000, what: "b's preStart hook" });
      ctx.proxy!.blackhole(); // b hears nothing more
      await ctx.asOperator(deleteLeaderNodes);
      const failoverMs = await ctx.nextLeader(t0, [b!], 30_000); // a again, in its own 2 s hook first
      await a!.waitLog(/to=running/, 1000);
      await sleep(3000); // b's hook has ended: a child of b now would be seen beside a's
      ctx.proxy!.heal();
      return { failoverMs };
    },
  },
  {
    name: 'operator runs deleteall on the election path while the child takes 1.5 s to stop',
    ...SLOW,
    run: (ctx) => reset(ctx, (zk) => deleteall(zk, '/job')),
  },
];

/**
 * #25.2: members that disagree on maxSessionTimeout. The leader's session, granted 12 s on the first member, is
 * resumed on one that grants 4 s — and the quorum expires it on that. Frozen then, the leader's leash must have
 * stopped the child before another host (which waits out 4 s) starts one.
 */
export const RENEGOTIATED: Scenario = {
  name: 'session resumed on a member granting 4 s instead of 12 s, then the leader frozen: its child stops in time',
  cluster: 'mixed',
  sessionTimeout: '12s',
  proxy: true,
  async connects(cluster) {
    const [first, ...rest] = cluster.servers;
    return { first: first!.address, rest: rest.map((s) => s.address).join(',') };
  },
  async run(ctx) {
    const from = ctx.leader.lines.length;
    ctx.proxy!.retarget(Number(ctx.cluster.servers[1]!.address.split(':')[1]));
    ctx.proxy!.reset(); // the leader re-dials through the proxy and resumes its session on the second member
    await ctx.leader.waitLog(/zookeeper state.*state=connected/, 10_000, from);
    // Frozen once the lease had its say (a freeze between the reconnect and that is a window of microseconds;
    // this SIGSTOP, sent on the log line, would land in it). Code that says nothing is frozen anyway.
    await ctx.leader.waitLog(/shorter timeout/, 1000, from).catch(() => {});
    const t0 = ctx.mark();
    ctx.leader.signal('SIGSTOP');
    try {
      const failoverMs = await ctx.nextLeader(t0, [ctx.leader], 20_000);
      await waitRuns(ctx, 2, "the next host's child");
      return { failoverMs, expectRuns: 2 };
    } finally {
      ctx.leader.signal('SIGCONT');
    }
  },
};
