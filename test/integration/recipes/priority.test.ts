// Priorities on a real ZooKeeper: the next term goes to the most preferred waiting candidate, a candidate that just
// stepped down is passed over once, and a preempter asks a less preferred leader to step down after `after`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Election, type Won } from '../../../src/recipes/election.js';
import type { TermEnd } from '../../../src/recipes/end.js';
import { useZk } from '../../helpers/fixture.js';
import { waitFor, within } from '../../helpers/wait.js';

const fx = useZk();
const me = (id: string, priority?: number) => ({
  id,
  host: 'test',
  pid: process.pid,
  description: '',
  ...(priority === undefined ? {} : { priority }),
});
const aborted = (signal: AbortSignal) =>
  new Promise<void>((r) => {
    if (signal.aborted) r();
    else signal.addEventListener('abort', () => r());
  });

async function queued(e: Election, n: number) {
  await waitFor(async () => (await e.contenders()).length === n, { timeoutMs: 5000, what: `${n} candidates queued` });
}

test('priority: when the term ends, it goes to the most preferred waiting candidate, not the next in the queue', async () => {
  const root = await fx.chroot();
  const zks = await Promise.all([0, 1, 2, 3].map(() => fx.client({ connect: root })));
  const [l, c, b, a] = [me('l'), me('c', 0), me('b', 5), me('a', 5)].map(
    (m, i) => new Election(zks[i]!, '/e', { info: m })
  );
  const first = await l!.campaign();
  const passes: string[] = [];
  const onPass = (who: string) => (to: { id?: string }) => passes.push(`${who}→${to.id}`);
  const terms: Record<string, Promise<Won>> = {};
  terms.c = c!.campaign({ onPass: onPass('c') });
  await queued(l!, 2);
  terms.b = b!.campaign({ onPass: onPass('b') });
  await queued(l!, 3);
  terms.a = a!.campaign({ onPass: onPass('a') });
  await queued(l!, 4);
  await first.release();
  const next = await within(Promise.race([terms.b, terms.c.then(() => 'c' as const)]), 5000, 'a next leader');
  assert.notEqual(next, 'c', 'c, next in the queue, passed the term on');
  assert.equal((await l!.leader())?.id, 'b', 'b (5) queued before a (5): ties go in queue order');
  assert.deepEqual(passes, ['c→b']);
  assert.equal((await l!.leader())?.priority, 5, 'the leader node says its priority');
  const queue = await l!.contenders();
  assert.deepEqual(
    queue.map((x) => x.id),
    ['b', 'a', 'c'],
    'c queued again, at the back'
  );
  await (await terms.b).release();
  const t = await within(terms.a, 5000, 'a leading after b');
  await t.release();
  await (await within(terms.c, 5000, 'c leading last')).release();
});

test('priority: a candidate that stepped down from the last term is passed over for the next one only', async () => {
  const root = await fx.chroot();
  const zks = await Promise.all([0, 1, 2].map(() => fx.client({ connect: root })));
  const [a, b, c] = [me('a', 10), me('b', 0), me('c', 0)].map((m, i) => new Election(zks[i]!, '/e', { info: m }));
  const t1 = await a!.campaign();
  const tb = b!.campaign();
  await queued(a!, 2);
  await t1.release(); // a resigned, say: it queues again saying so
  const again = a!.campaign({ steppedDown: t1.term });
  const t2 = await within(tb, 5000, 'b leading after a stepped down');
  await queued(a!, 2);
  const tc = c!.campaign();
  await queued(a!, 3);
  await t2.release();
  const t3 = await within(again, 5000, 'a, preferred again once a later term (b’s) came');
  assert.equal(t3.term, t2.term + 1);
  await t3.release();
  await (await within(tc, 5000, 'c last')).release();
});

test('preempt: a more preferred waiting candidate asks the leader to step down after `after`, then leads', async () => {
  const root = await fx.chroot();
  const [zl, zp] = await Promise.all([fx.client({ connect: root }), fx.client({ connect: root })]);
  const low = new Election(zl, '/e', { info: me('low', 0) });
  const high = new Election(zp, '/e', { info: me('high', 10) });
  const t1 = await low.campaign();
  const asked: number[] = [];
  const joined = performance.now();
  const th = high.campaign({ preempt: { afterMs: 600, onAsk: (l) => asked.push(l.term!) } });
  await within(aborted(t1.lost), 5000, 'the leader asked to step down');
  const waited = performance.now() - joined;
  assert.equal((t1.lost.reason as TermEnd).kind, 'resigned');
  assert.match((t1.lost.reason as TermEnd).message, /high \(preempting: priority 10\)/);
  assert.ok(waited >= 590, `asked after ${waited.toFixed(0)} ms, before preempt.after (600 ms)`);
  assert.deepEqual(asked, [t1.term]);
  await t1.release();
  const t2 = await within(th, 5000, 'the preferred candidate leading');
  assert.equal(t2.term, t1.term + 1);
  assert.deepEqual((await zl.exists('/e/resign')) === null, true, 'the request was cleared at the release');
  // it does not preempt an equal or more preferred leader: a queued equal waits
  const same = new Election(zl, '/e', { info: me('same', 10) });
  const ts = same.campaign({ preempt: { afterMs: 100 } });
  await queued(same, 2);
  await new Promise((r) => setTimeout(r, 400)); // four times `after`: a request would have come by now
  assert.equal(await zl.exists('/e/resign'), null, 'no request to a leader as preferred');
  assert.ok(!t2.lost.aborted);
  await t2.release();
  await (await within(ts, 5000, 'same leading')).release();
});

test('preempt: minTenure holds the request until the term is that old', async () => {
  const root = await fx.chroot();
  const [zl, zp] = await Promise.all([fx.client({ connect: root }), fx.client({ connect: root })]);
  const t1 = await new Election(zl, '/e', { info: me('low', 0) }).campaign();
  const started = performance.now();
  const th = new Election(zp, '/e', { info: me('high', 1) }).campaign({ preempt: { afterMs: 0, minTenureMs: 800 } });
  await within(aborted(t1.lost), 5000, 'the leader asked to step down');
  const tenure = performance.now() - started;
  assert.ok(tenure >= 700, `asked when the term was ${tenure.toFixed(0)} ms old, before minTenure (800 ms)`);
  await t1.release();
  await (await within(th, 5000, 'the preferred candidate leading')).release();
});
