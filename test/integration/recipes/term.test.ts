// The Term recipe as a library user gets it: the baton (a new term waits until the previous holder released,
// even after its candidate node is gone), one fencing token, typed ends; and lead() ending with its session.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { lead } from '../../../src/recipes/lead.js';
import { Election, type LeaderInfo } from '../../../src/recipes/election.js';
import { TermEnd } from '../../../src/recipes/end.js';
import { RecipeError } from '../../../src/recipes/errors.js';
import { Lease } from '../../../src/recipes/lease.js';
import { Term } from '../../../src/recipes/term.js';
import { Baton } from '../../../src/recipes/baton.js';
import { TermHistory } from '../../../src/recipes/history.js';
import type { Zk } from '../../../src/zk/client.js';
import { useZk } from '../../helpers/fixture.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { stateReached, waitFor, within } from '../../helpers/wait.js';
import { deleteRecursive } from '../../../src/zk/helpers.js';

const fx = useZk();
const aborted = (s: AbortSignal) =>
  s.aborted ? Promise.resolve() : new Promise<void>((r) => s.addEventListener('abort', () => r(), { once: true }));
const me = (id: string): LeaderInfo => ({ id, host: 'h', pid: 1, description: '' });

test('term: a new term waits for the baton until the previous holder releases, though its node is gone', async () => {
  const root = await fx.chroot();
  const [za, zb, op] = await Promise.all([1, 2, 3].map(() => fx.client({ connect: root })));
  const a = await Term.take(new Election(za!, '/e', { info: me('a') }));
  assert.equal(
    (await op!.get(`/e/batons/${za!.sessionId}`)).stat.czxid,
    a.token,
    "the token is the baton node's creation zxid"
  );
  const leader = JSON.parse((await op!.get('/e/leader')).data.toString()) as LeaderInfo;
  assert.equal(leader.token, a.token, 'the leader node carries the same token');
  const waits: string[] = [];
  const bTakes = Term.take(new Election(zb!, '/e', { info: me('b') }), { onBatonWait: (h) => waits.push(h.data) });
  await op!.delete(a.node); // an operator removes a's candidate node: b wins, a's work may still run
  await within(aborted(a.lost), 5000, "a's term lost");
  assert.ok(a.lost.reason instanceof TermEnd && a.lost.reason.kind === 'candidate-lost', String(a.lost.reason));
  await new Promise((r) => setTimeout(r, 300)); // the fault's window: b must still be waiting
  assert.ok(waits.length >= 1 && JSON.parse(waits[0]!).id === 'a', `b waited for a's baton: ${waits}`);
  let bDone = false;
  void bTakes.then(() => (bDone = true));
  assert.equal(bDone, false, 'b took a term while a still held the baton');
  await a.release();
  const b = await within(bTakes, 5000, 'b taking the term once a released');
  assert.ok(b.token > a.token, `token ${a.token} → ${b.token}`);
  assert.ok(b.term > a.term);
  await b.release();
  await b.release(); // once: a second call waits for the first
  assert.deepEqual((await op!.children('/e/candidates')).children, []);
  assert.deepEqual((await op!.children('/e/batons')).children, []);
});

test('term: lost while waiting for the baton, take() rejects with the typed end and leaves nothing', async () => {
  const root = await fx.chroot();
  const [za, zb, op] = await Promise.all([1, 2, 3].map(() => fx.client({ connect: root })));
  const a = await Term.take(new Election(za!, '/e', { info: me('a') }));
  let bNode = '';
  const bTakes = Term.take(new Election(zb!, '/e', { info: me('b') }), {
    onWon: (won) => {
      bNode = won.node;
    },
    onBatonWait: () => void op!.delete(bNode).catch(() => {}),
  });
  await op!.delete(a.node); // b wins, waits for a's baton, and then its own node is deleted
  await assert.rejects(bTakes, (e) => e instanceof TermEnd && e.kind === 'candidate-lost');
  await a.release();
  assert.deepEqual((await op!.children('/e/candidates')).children, []);
});

test('term: lead() rejects SESSION_ENDED within T + 2 s of its session expiring, instead of retrying forever', async () => {
  const proxy = await TcpProxy.start(fx.cluster()!.servers[0]!);
  try {
    const chroot = (await fx.chroot()).slice(fx.connectString().length);
    const zk = await fx.client({ connect: `${proxy.address}${chroot}`, sessionTimeoutMs: 2000 });
    const election = new Election(zk, '/e', { info: me('a') });
    let led = 0;
    const errors: unknown[] = [];
    const stop = new AbortController();
    const leading = lead(election, { signal: stop.signal, stopTimeoutMs: 300, serverTickMs: 100 }, async (_, s) => {
      led++;
      await new Promise((r) => s.addEventListener('abort', r, { once: true }));
    });
    leading.catch(() => {});
    await within(
      (async () => {
        while (!led) await new Promise((r) => setTimeout(r, 10));
      })(),
      5000,
      'leading'
    );
    proxy.blackhole();
    await stateReached(zk, 'disconnected', 4000);
    await new Promise((r) => setTimeout(r, 3000)); // the fault: longer than T, the server expires the session
    proxy.reset();
    proxy.heal();
    const healed = performance.now();
    await assert.rejects(
      within(leading, 4000, 'lead() ending after its session expired'),
      (e) => e instanceof RecipeError && e.code === 'SESSION_ENDED'
    );
    console.log(`# lead() rejected ${Math.round(performance.now() - healed)} ms after the link came back`);
    assert.deepEqual(errors, []);
    stop.abort();
  } finally {
    await proxy.stop();
  }
});

test('term: with a lease, msUntilStop counts down to the stop and the term is lost when it runs out', async () => {
  const zk = await fx.client({ sessionTimeoutMs: 4000 });
  const lease = new Lease(zk, { stopTimeoutMs: 500, serverTickMs: 100 });
  try {
    const t = await Term.take(new Election(zk, '/e', { info: me('a') }), { lease });
    assert.ok(t.msUntilStop() > 0 && t.msUntilStop() < 4000, String(t.msUntilStop()));
    lease.stop();
    assert.ok(t.lost.aborted && t.lost.reason instanceof TermEnd && t.lost.reason.kind === 'session-lost');
    await t.release();
  } finally {
    lease.stop();
  }
});

test('term: terms of two elections are held on one lease, each with its own stopTimeout; each is lost alone', async () => {
  const zk = await fx.client({ sessionTimeoutMs: 4000 });
  const lease = new Lease(zk, { stopTimeoutMs: 1000, serverTickMs: 100 });
  try {
    assert.throws(() => lease.hold('/x', 1001), RangeError, 'a hold may not stop slower than the lease');
    const slow = await Term.take(new Election(zk, '/a', { info: me('a') }), { lease });
    const fast = await Term.take(new Election(zk, '/b', { info: me('a') }), { lease, stopTimeoutMs: 200 });
    const c = new Election(zk, '/c', { info: me('a') });
    await assert.rejects(Term.take(c, { lease, stopTimeoutMs: 1500 }), RangeError);
    assert.throws(() => lease.cover(3350), RangeError, 'beyond what the session timeout leaves');
    lease.cover(1500); // a job added to a daemon that stops slower than the others
    const third = await Term.take(c, { lease, stopTimeoutMs: 1500 });
    assert.ok(Math.abs(slow.msUntilStop() - third.msUntilStop() - 500) < 50, 'its child stops 500 ms sooner');
    await third.release();
    const gap = fast.msUntilStop() - slow.msUntilStop(); // one delivered heartbeat; slow is read a little later
    assert.ok(gap >= 800 && gap < 850, `the faster child stops 800 ms later: ${gap}`);
    const beats = (n: number) =>
      new Promise<void>((resolve) => {
        const on = () => {
          if (--n > 0) return;
          lease.off('heartbeat', on);
          resolve();
        };
        lease.on('heartbeat', on);
      });
    await within(beats(2), 5000, 'two heartbeats on the shared lease');
    assert.ok(!slow.lost.aborted && !fast.lost.aborted, 'both terms renewed by one heartbeat stream');
    await zk.delete(fast.node, -1); // only that term's candidate node
    await within(aborted(fast.lost), 5000, 'the term whose candidate node was deleted being lost');
    assert.equal((fast.lost.reason as TermEnd).kind, 'candidate-lost');
    await within(beats(1), 5000, 'one more heartbeat');
    assert.ok(!slow.lost.aborted, 'the other term goes on');
    lease.stop();
    assert.ok(slow.lost.aborted && (slow.lost.reason as TermEnd).kind === 'session-lost');
    await Promise.all([slow.release(), fast.release()]);
  } finally {
    lease.stop();
  }
});

test('term: without a lease too, a term is lost when its session ends (and its wait for a term before it ends)', async () => {
  const zk = await fx.client();
  const t = await Term.take(new Election(zk, '/e', { info: me('a') }));
  zk.close();
  await within(aborted(t.lost), 1000, 'the term lost with its session');
  assert.equal((t.lost.reason as TermEnd).kind, 'session-lost');
  await t.release();
  assert.equal(zk.listenerCount('state'), 0, 'released: nothing left listening');
});

test('term: lead() leaves no abort listener per term on the caller’s signal', async () => {
  const zk = await fx.client();
  const stop = new AbortController();
  const counts: number[] = [];
  let terms = 0;
  await lead(new Election(zk, '/e', { info: me('a') }), { signal: stop.signal }, async () => {
    counts.push(getEventListeners(stop.signal, 'abort').length);
    if (++terms === 6) stop.abort();
  });
  assert.equal(terms, 6);
  assert.ok(counts.at(-1)! <= counts[0]!, `listeners on the caller's signal per term: ${counts}`);
});

test('term: a baton deleted by hand with the candidate node is not trusted: the next term waits for the release (#25.3)', async () => {
  const root = await fx.chroot();
  const [za, zb, op] = await Promise.all([1, 2, 3].map(() => fx.client({ connect: root })));
  await za!.create('/pid-a', '', { mode: 'ephemeral' }); // a's pid node: its session lives
  const a = await Term.take(new Election(za!, '/e', { info: { ...me('a'), pidNode: '/pid-a' } }));
  const waits: number[] = [];
  const ends: string[] = [];
  const bTakes = Term.take(new Election(zb!, '/e', { info: me('b') }), {
    unconfirmedWaitMs: 20_000,
    onUnconfirmed: (_, ms) => waits.push(ms),
    onUnconfirmedEnd: (how) => ends.push(how),
  });
  await waitForQueue(op!, 2);
  await op!.delete(`/e/batons/${za!.sessionId}`); // the operator's "reset": the baton, then a's candidate node
  await op!.delete(a.node);
  await within(aborted(a.lost), 5000, "a's term lost");
  await new Promise((r) => setTimeout(r, 300)); // the fault's window: a's work may still run
  let bDone = false;
  void bTakes.then(() => (bDone = true));
  assert.deepEqual(waits, [20_000], 'b waits: the last term was not released');
  assert.equal(bDone, false, 'b took a term while a may still run');
  await a.release(); // a's work is confirmed gone: it marks its term ended
  const b = await within(bTakes, 5000, 'b taking the term once a released');
  assert.deepEqual(ends, ['released']);
  assert.ok(b.term > a.term && b.token > a.token);
  await b.release();
});

test('term: after a crash (its session gone) the next term does not wait for the unreleased last term', async () => {
  const root = await fx.chroot();
  const [za, zb] = await Promise.all([fx.client({ connect: root }), fx.client({ connect: root })]);
  await za.create('/pid-a', '', { mode: 'ephemeral' });
  await Term.take(new Election(za, '/e', { info: { ...me('a'), pidNode: '/pid-a' } }));
  const ends: string[] = [];
  const bTakes = Term.take(new Election(zb, '/e', { info: me('b') }), {
    unconfirmedWaitMs: 20_000,
    onUnconfirmedEnd: (how) => ends.push(how),
  });
  const t0 = performance.now();
  za.close(); // a's baton, candidate and pid node go with its session; its lease ended before
  const b = await within(bTakes, 5000, 'b taking the term after a crashed');
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `b waited ${Math.round(ms)} ms`);
  assert.ok(
    ends.every((e) => e === 'session-gone'),
    `no wait beyond seeing a's session gone: ${ends}`
  );
  await b.release();
});

async function waitForQueue(op: Zk, n: number) {
  for (let i = 0; (await op.children('/e/candidates')).children.length < n; i++) {
    if (i > 500) throw new Error(`the queue never had ${n} candidates`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('term: one that waited for a baton still waits for an unconfirmed term: its holder may have been waiting too', async () => {
  const root = await fx.chroot();
  const [za, zb, zc, op] = await Promise.all([1, 2, 3, 4].map(() => fx.client({ connect: root })));
  await Term.take(new Election(za!, '/e', { info: me('a') })); // a's work runs on; then the election is reset
  const history = new TermHistory();
  history.see(JSON.parse((await op!.get('/e/leader')).data.toString())); // c has seen a's term, open
  await deleteRecursive(op!, '/e');
  await op!.create('/e');
  await op!.create('/e/batons');
  const b = new Baton(zb!, '/e/batons');
  await b.take('b'); // b holds a baton, as a leader does while it waits for the unconfirmed term
  const events: string[] = [];
  const cTakes = Term.take(new Election(zc!, '/e', { info: me('c'), history }), {
    unconfirmedWaitMs: 20_000,
    onBatonWait: () => events.push('baton-wait'),
    onUnconfirmed: () => events.push('unconfirmed'),
  });
  cTakes.catch(() => {});
  await waitFor(() => events.includes('baton-wait'), { timeoutMs: 5000, what: 'c waiting for b', intervalMs: 5 });
  await b.drop(); // b gave up (deposed while it waited): its baton proves nothing about a's work
  await waitFor(() => events.includes('unconfirmed'), { timeoutMs: 5000, what: 'c waiting for a', intervalMs: 5 });
});
