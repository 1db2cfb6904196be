// The Baton on a real ZooKeeper: a second session waits while the first holds it, and a baton is only ever
// deleted by its holder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Baton } from '../../../src/recipes/baton.js';
import { useZk } from '../../helpers/fixture.js';
import { waitFor, within } from '../../helpers/wait.js';

const fx = useZk();

test('baton: a second session waits while the first holds it, and takes it when it is dropped or its session ends', async () => {
  const root = await fx.chroot();
  const [za, zb, zc] = await Promise.all([
    fx.client({ connect: root }),
    fx.client({ connect: root }),
    fx.client({ connect: root, sessionTimeoutMs: 1000 }),
  ]);
  const a = new Baton(za, '/e/batons');
  const t1 = await a.take('a');
  const t2 = await a.take('a again'); // ours already: made again at once, so that the token is new
  assert.ok(t2.token > t1.token, `token ${t1.token} → ${t2.token}`);
  assert.equal((await za.exists(a.path))?.czxid, t2.token, "the token is the baton node's creation zxid");
  const waits: string[] = [];
  const b = new Baton(zb, '/e/batons');
  const bTakes = b.take('b', { onWait: (h) => waits.push(`${h.data} ${h.session}`) });
  await waitFor(() => waits.length > 0, { timeoutMs: 5000, what: 'b waiting', intervalMs: 5 });
  assert.deepEqual(waits, [`a again ${za.sessionId}`]);
  assert.equal(b.held, false);
  await a.drop();
  const tb = await within(bTakes, 5000, 'b taking the dropped baton');
  assert.equal(b.held, true);
  assert.equal(tb.waited, true);
  assert.ok(tb.token > t2.token, `token ${t2.token} → ${tb.token}`);
  await b.drop();
  const c = new Baton(zc, '/e/batons');
  await c.take('c');
  const bAgain = b.take('b2');
  zc.close(); // its session ends: the ephemeral baton goes with it
  await within(bAgain, 5000, 'b taking the baton of a closed session');
  const ac = new AbortController();
  const aWaits = a.take('a', { signal: ac.signal });
  ac.abort(new Error('term over'));
  await assert.rejects(aWaits, /term over/);
  assert.equal(await zb.exists(a.path), null, 'an aborted take leaves no node');
});

test('baton: a holder whose baton was deleted by hand never deletes the next holder’s (#25.3)', async () => {
  const root = await fx.chroot();
  const [za, zb, op] = await Promise.all([1, 2, 3].map(() => fx.client({ connect: root })));
  const a = new Baton(za!, '/e/batons');
  await a.take('a');
  for (const n of (await op!.children('/e/batons')).children) await op!.delete(`/e/batons/${n}`); // a "reset"
  const b = new Baton(zb!, '/e/batons');
  const { waited } = await b.take('b');
  assert.equal(waited, false);
  await a.drop(); // a's child is gone now: it drops what it believes is its baton
  const left = await op!.exists(b.path);
  assert.equal(left?.ephemeralOwner, zb!.sessionId, "b's baton survived a's drop");
});

test('baton: the single baton node of an older release is waited for (a rolling upgrade)', async () => {
  const root = await fx.chroot();
  const [zold, zb] = await Promise.all([1, 2].map(() => fx.client({ connect: root })));
  await zold!.create('/e', '');
  await zold!.create('/e/active', 'old', { mode: 'ephemeral' });
  const b = new Baton(zb!, '/e/batons', { legacy: '/e/active' });
  const waits: string[] = [];
  const bTakes = b.take('b', { onWait: (h) => waits.push(h.data) });
  await waitFor(() => waits.length > 0, { timeoutMs: 5000, what: 'b waiting for the old baton', intervalMs: 5 });
  assert.deepEqual(waits, ['old']);
  await zold!.delete('/e/active');
  await within(bTakes, 5000, 'b taking the baton once the old one is gone');
});
