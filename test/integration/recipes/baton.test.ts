// The Baton on a real ZooKeeper: a second session waits while the first holds it.
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
  const a = new Baton(za, '/e/active');
  const t1 = await a.take('a');
  const t2 = await a.take('a again'); // ours already: made again at once, so that the token is new
  assert.ok(t2 > t1, `token ${t1} → ${t2}`);
  assert.equal((await za.exists('/e/active'))?.czxid, t2, "the token is the baton node's creation zxid");
  const waits: string[] = [];
  const b = new Baton(zb, '/e/active');
  const bTakes = b.take('b', { onWait: (h) => waits.push(`${h.data} ${h.session}`) });
  await waitFor(() => waits.length > 0, { timeoutMs: 5000, what: 'b waiting', intervalMs: 5 });
  assert.deepEqual(waits, [`a again ${za.sessionId}`]);
  assert.equal(b.held, false);
  await a.drop();
  const tb = await within(bTakes, 5000, 'b taking the dropped baton');
  assert.equal(b.held, true);
  assert.ok(tb > t2, `token ${t2} → ${tb}`);
  await b.drop();
  const c = new Baton(zc, '/e/active');
  await c.take('c');
  const bAgain = b.take('b2');
  zc.close(); // its session ends: the ephemeral baton goes with it
  await within(bAgain, 5000, 'b taking the baton of a closed session');
  const ac = new AbortController();
  const aWaits = a.take('a', { signal: ac.signal });
  ac.abort(new Error('term over'));
  await assert.rejects(aWaits, /term over/);
});
