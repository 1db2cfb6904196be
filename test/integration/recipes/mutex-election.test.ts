import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Baton } from '../../../src/recipes/baton.js';
import { Election } from '../../../src/recipes/election.js';
import { Mutex } from '../../../src/recipes/mutex.js';
import { RecipeError } from '../../../src/recipes/errors.js';
import { directoryAcl, PERM_READ, securedAcl } from '../../../src/zk/acl.js';
import { useZk } from '../../helpers/fixture.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { within } from '../../helpers/wait.js';

const fx = useZk();
/** Resolves once `signal` has aborted (at once if it has). */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((r) => {
    if (signal.aborted) r();
    else signal.addEventListener('abort', () => r());
  });
const me = (id: string) => ({ id, host: 'test', pid: process.pid, description: '' });

test('mutex: waiters queue by sequence, only the predecessor is watched, abort and timeout clean up', async () => {
  const zk = await fx.client();
  const a = new Mutex(zk, '/m');
  const b = new Mutex(zk, '/m');
  await a.lock();
  const positions: number[] = [];
  const ac = new AbortController();
  const bLock = b.lock({ signal: ac.signal, onPosition: (p) => positions.push(p.index) });
  const c = new Mutex(zk, '/m');
  await assert.rejects(c.lock({ timeoutMs: 0 }), (e: unknown) => (e as { code?: string }).code === 'LOCK_TIMEOUT');
  assert.equal(c.node, undefined, 'a timed-out contender leaves no node behind');
  await a.unlock();
  await within(bLock, 5000, 'b acquiring after a released');
  assert.deepEqual(positions, [1, 0]);
  assert.equal(await b.owned(), true);
  const d = new Mutex(zk, '/m');
  const ac2 = new AbortController();
  let queued!: () => void;
  const dQueued = new Promise<void>((r) => {
    queued = r;
  });
  const dLock = d.lock({ signal: ac2.signal, onPosition: () => queued() });
  await within(dQueued, 5000, 'd queued behind b');
  assert.equal((await zk.children('/m')).children.length, 2, "d's node exists while it waits");
  ac2.abort(new Error('cancelled'));
  await assert.rejects(dLock, /cancelled/);
  const { children } = await zk.children('/m');
  assert.equal(children.length, 1, `only b's node may remain: ${children.join(',')}`);
  ac.abort();
});

test('election: the lowest candidate leads; the term carries a growing token; status reads it back', async () => {
  const root = await fx.chroot();
  const [za, zb] = await Promise.all([fx.client({ connect: root }), fx.client({ connect: root })]);
  const a = new Election(za, '/e', { info: me('a') });
  const b = new Election(zb, '/e', { info: me('b') });
  const ta = await a.campaign();
  const positions: number[] = [];
  const tb = b.campaign({ onPosition: (p) => positions.push(p.index) });
  await within(
    new Promise<void>((r) => {
      const t = setInterval(() => {
        if (positions.length) {
          clearInterval(t);
          r();
        }
      }, 5);
    }),
    5000,
    'b queued'
  );
  assert.deepEqual(
    (await a.contenders()).map((c) => c.id),
    ['a', 'b']
  );
  assert.equal((await a.leader())?.info.id, 'a');
  assert.equal((await a.leader())?.token, ta.token);
  await ta.release();
  assert.ok(ta.lost.aborted, 'a released term is over');
  const second = await within(tb, 5000, 'b leading after a released');
  assert.ok(
    second.token > ta.token && second.term === ta.term + 1,
    `token ${ta.token} → ${second.token}, term ${ta.term} → ${second.term}`
  );
  assert.deepEqual(positions, [1, 0]);
  assert.equal((await a.leader())?.info.id, 'b');
  await second.release();
  assert.equal(await a.leader(), undefined, 'nobody leads');
});

test('election: the term is lost when its candidate node is deleted or the leader node is rewritten', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  const op = await fx.client({ connect: root });
  const e = new Election(zk, '/e', { info: me('a') });
  const t1 = await e.campaign();
  await op.delete(t1.node);
  await within(aborted(t1.lost), 5000, 'term lost after the candidate node was deleted');
  assert.match(String((t1.lost.reason as Error).message), /candidate node deleted/);
  await t1.release();
  const t2 = await e.campaign();
  await op.set('/e/leader', '{"id":"intruder"}');
  await within(aborted(t2.lost), 5000, 'term lost after the leader node was rewritten');
  assert.match(String((t2.lost.reason as Error).message), /leader node changed/);
  await t2.release();
  assert.deepEqual((await op.children('/e/candidates')).children, [], 'released: no candidate node left');
});

test('election: deferAnnounce hands the term out before the leader node is written; announce writes it', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  const op = await fx.client({ connect: root });
  const e = new Election(zk, '/e', { info: me('a') });
  const t1 = await e.campaign({ deferAnnounce: true });
  assert.equal(await e.leader(), undefined, 'not announced yet');
  await t1.announce({ token: 4242 });
  const led = await e.leader();
  assert.deepEqual([led?.info.id, led?.info.term, led?.token], ['a', t1.term, 4242]);
  await op.set('/e/leader', '{"id":"intruder"}');
  await within(aborted(t1.lost), 5000, 'announced: the watches end the term when the leader node is rewritten');
  await t1.release();
  // Written by someone else between the campaign's read and our write: the term is lost, nothing overwritten.
  const t2 = await e.campaign({ deferAnnounce: true });
  await op.set('/e/leader', '{"id":"intruder again"}');
  await t2.announce();
  assert.match(String((t2.lost.reason as Error).message), /leader node changed before we wrote it/);
  assert.equal((await op.get('/e/leader')).data.toString(), '{"id":"intruder again"}');
  await t2.release();
});

test('election: a campaign that times out leaves no node; one without info is refused', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  const other = await fx.client({ connect: root });
  const held = await new Election(other, '/e', { info: me('b') }).campaign();
  await assert.rejects(
    new Election(zk, '/e', { info: me('a') }).campaign({ timeoutMs: 0 }),
    (e: unknown) => e instanceof RecipeError && e.code === 'LOCK_TIMEOUT'
  );
  assert.equal((await zk.children('/e/candidates')).children.length, 1);
  await assert.rejects(new Election(zk, '/e').campaign(), /needs opts\.info/);
  await held.release();
});

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
  await within(
    new Promise<void>((r) => {
      const t = setInterval(() => {
        if (waits.length) {
          clearInterval(t);
          r();
        }
      }, 5);
    }),
    5000,
    'b waiting'
  );
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

test('secured create: a lost reply to the create or to its setACL never leaves the node open', async () => {
  const creds = 'ops:pw';
  const acl = securedAcl(creds);
  const root = await fx.chroot();
  const chroot = root.slice(root.indexOf('/'));
  const [host, port] = fx.connectString().split(',')[0]!.split(':');
  const reader = await fx.client({ connect: root });
  const isSecured = async (path: string) => {
    const { acl: got } = await reader.getACL(path);
    return got.every((a) => a.scheme !== 'world' || a.perms === PERM_READ);
  };
  const OP_CREATE = 1;
  const OP_SET_ACL = 7;
  for (const [what, op] of [
    ['create', OP_CREATE],
    ['setACL', OP_SET_ACL],
  ] as const) {
    const proxy = await TcpProxy.start({ host, port: Number(port) });
    try {
      const zk = await fx.client({ connect: `${proxy.address}${chroot}`, digestAuth: creds });
      await zk.create(`/q-${what}`, '', { acl: directoryAcl(acl) });
      proxy.dropReplyAfter((chunk) => chunk.length >= 12 && chunk.readInt32BE(8) === op && chunk.includes('-lock-'));
      const m = new Mutex(zk, `/q-${what}`, { acl });
      await within(m.lock(), 10_000, `the lock after a lost ${what} reply`);
      assert.ok(await isSecured(m.node!), `the contender node is narrowed after a lost ${what} reply`);
      zk.close();
    } finally {
      await proxy.stop();
    }
  }
});
