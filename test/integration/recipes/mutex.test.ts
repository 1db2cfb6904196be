// The Mutex on a real ZooKeeper: queueing, clean-up on abort and timeout, and secured creates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mutex } from '../../../src/recipes/mutex.js';
import { directoryAcl, PERM_READ, securedAcl } from '../../../src/zk/acl.js';
import { useZk } from '../../helpers/fixture.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { within } from '../../helpers/wait.js';

const fx = useZk();

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
