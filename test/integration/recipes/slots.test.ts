// Slots on a real ZooKeeper: k holders at once, each in a slot of its own; a holder keeps one slot; a lost slot
// is re-taken under its index; hosts that disagree on k are refused; a Term taken on slots has its slot's baton.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecipeError } from '../../../src/recipes/errors.js';
import { Lease } from '../../../src/recipes/lease.js';
import { Slots, type SlotWon } from '../../../src/recipes/slots.js';
import { Term } from '../../../src/recipes/term.js';
import { useZk } from '../../helpers/fixture.js';
import { waitFor, within } from '../../helpers/wait.js';

const fx = useZk();
const me = (id: string) => ({ id, host: 'test', pid: process.pid, description: '' });

test('slots: two of three candidates hold slots 0 and 1, one each; a lost holder’s slot goes to the third', async () => {
  const root = await fx.chroot();
  const zks = await Promise.all([0, 1, 2].map(() => fx.client({ connect: root, sessionTimeoutMs: 2000 })));
  const slots = zks.map((zk, i) => new Slots(zk, '/e', 2, { info: me(`h${i}`) }));
  const w0 = await within(slots[0]!.campaign(), 5000, 'h0 holding a slot');
  const w1 = await within(slots[1]!.campaign(), 5000, 'h1 holding a slot');
  assert.deepEqual([w0.slot, w1.slot].sort(), [0, 1], 'each in a slot of its own');
  const third = slots[2]!.campaign();
  // a holder is queued in no other slot; the third is queued in both
  // h2 joins both queues in parallel: wait for both
  const inBoth = async () =>
    (await Promise.all(slots[2]!.elections.map(async (e) => (await e.contenders()).some((c) => c.id === 'h2')))).every(
      Boolean
    );
  await waitFor(inBoth, { timeoutMs: 5000, what: 'h2 queued in slots 0 and 1' });
  for (const e of slots[0]!.elections) {
    const ids = (await e.contenders()).map((c) => c.id);
    assert.equal(ids.filter((id) => id === 'h0').length, e === slots[0]!.elections[w0.slot] ? 1 : 0);
    assert.equal(ids.filter((id) => id === 'h1').length, e === slots[0]!.elections[w1.slot] ? 1 : 0);
    assert.ok(ids.includes('h2'));
  }
  zks[1]!.close(); // h1's host is gone: its slot is re-taken under the same index
  const w2 = await within(third, 5000, 'h2 holding the lost slot');
  assert.equal(w2.slot, w1.slot);
  for (const e of slots[0]!.elections)
    assert.equal(
      (await e.contenders()).filter((c) => c.id === 'h2').length,
      e === slots[0]!.elections[w2.slot] ? 1 : 0,
      'h2 left the other queue'
    );
  await w0.release();
  await w2.release();
});

test('slots: a host whose config says another slot count is refused with a line naming both', async () => {
  const root = await fx.chroot();
  const [za, zb] = await Promise.all([fx.client({ connect: root }), fx.client({ connect: root })]);
  const w = await new Slots(za, '/e', 2, { info: me('a') }).campaign();
  const err = await new Slots(zb, '/e', 3, { info: me('b') }).campaign().then(
    () => assert.fail('campaigned with 3 slots where the job has 2'),
    (e: RecipeError) => e
  );
  assert.equal(err.code, 'SLOTS_MISMATCH');
  assert.match(err.message, /election\.slots is 3 here, but \/e\/slots says 2/);
  assert.deepEqual(
    await Promise.all(new Slots(zb, '/e', 2).elections.map(async (e) => (await e.contenders()).length)).then((n) =>
      n.sort()
    ),
    [0, 1],
    'the refused host queued nowhere'
  );
  await w.release();
});

test('slots: a Term taken on slots holds its slot’s own baton; fencing tokens grow across slots', async () => {
  const root = await fx.chroot();
  const [za, zb] = await Promise.all([fx.client({ connect: root }), fx.client({ connect: root })]);
  const lease = new Lease(za, { stopTimeoutMs: 500, serverTickMs: 100 });
  const t = await Term.take(new Slots(za, '/e', 2, { info: me('a') }), { lease });
  assert.ok(t.slot === 0 || t.slot === 1);
  const batons = await za.children(`/e/slots/${t.slot}/batons`);
  assert.deepEqual(batons.children, [za.sessionId], 'the baton is under the slot’s own election');
  assert.ok(t.token > 0);
  const other = await Term.take(new Slots(zb, '/e', 2, { info: me('b') }));
  assert.equal(other.slot, 1 - t.slot!, 'b holds the other slot');
  assert.ok(other.token > t.token, 'tokens grow across slots too');
  await t.release();
  await other.release();
  lease.stop();
});

test('slots: a preferred candidate preempts one less preferred holder, not every slot’s', async () => {
  const root = await fx.chroot();
  const zks = await Promise.all([0, 1, 2].map(() => fx.client({ connect: root })));
  const x = await new Slots(zks[0]!, '/e', 2, { info: me('low0') }).campaign();
  const y = await new Slots(zks[1]!, '/e', 2, { info: me('low1') }).campaign();
  const asked: number[] = [];
  const high = new Slots(zks[2]!, '/e', 2, { info: { ...me('high'), priority: 10 } });
  const taking = high.campaign({ preempt: { afterMs: 300, onAsk: (l) => asked.push(l.term!) } });
  const lostFirst = await within(
    Promise.race([x, y].map((w) => new Promise<SlotWon>((r) => w.lost.addEventListener('abort', () => r(w))))),
    5000,
    'one holder asked to step down'
  );
  await new Promise((r) => setTimeout(r, 900)); // three times `after`: a second request would have come by now
  const other = lostFirst === x ? y : x;
  assert.equal(asked.length, 1, 'one request for the two slots');
  assert.ok(!other.lost.aborted, 'the other holder keeps its slot');
  await lostFirst.release();
  const won = await within(taking, 5000, 'the preferred candidate holding the freed slot');
  assert.equal(won.slot, lostFirst.slot);
  await won.release();
  await other.release();
});
