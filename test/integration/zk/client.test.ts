import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Zk } from '../../../src/zk/client.js';
import { ZkConnectError, isZkError } from '../../../src/zk/errors.js';
import { PERM_READ, securedAcl, worldAcl } from '../../../src/zk/acl.js';
import { useZk } from '../../helpers/fixture.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { stateReached, within } from '../../helpers/wait.js';

const fx = useZk();
/** host and port of the first server (ours, or the one ZK_CONNECT names): proxies go in front of it. */
const firstServer = () => {
  const [host, port] = fx.connectString().split(',')[0]!.split('/')[0]!.split(':');
  return { host: host!, port: Number(port) };
};

const rejectsCode = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e: unknown) => isZkError(e) && e.code === code && e.path.length > 0, `expected ${code}`);

test('client: typed errors NONODE, NODEEXISTS, NOTEMPTY, BADVERSION, NOAUTH', async () => {
  const zk = await fx.client();
  await rejectsCode(zk.get('/missing'), 'NONODE');
  await zk.create('/a', 'x');
  await rejectsCode(zk.create('/a'), 'NODEEXISTS');
  await zk.create('/a/b');
  await rejectsCode(zk.delete('/a'), 'NOTEMPTY');
  await rejectsCode(zk.set('/a', 'y', 7), 'BADVERSION');
  await zk.create('/ro', 'r', { acl: worldAcl(PERM_READ) });
  await rejectsCode(zk.set('/ro', 'w'), 'NOAUTH');
  assert.equal(await zk.exists('/nope'), null);
});

test('client: data, stat and ACL round-trip; ephemeralOwner is our session', async () => {
  const zk = await fx.client();
  const p = await zk.create('/e', Buffer.from([1, 2, 3]), { mode: 'ephemeral' });
  const { data, stat } = await zk.get(p);
  assert.deepEqual([...data], [1, 2, 3]);
  assert.equal(stat.ephemeralOwner, zk.sessionId);
  const seq = await zk.create('/s-', '', { mode: 'persistent_sequential' });
  assert.match(seq, /^\/s-\d{10}$/);
  const s2 = await zk.set('/e', 'v2', stat.version);
  assert.equal(s2.version, stat.version + 1);
  const { children } = await zk.children('/');
  assert.deepEqual(children.sort(), ['e', seq.slice(1)].sort());
  const acl = securedAcl('u:p');
  await zk.addAuth('digest', 'u:p');
  await zk.create('/sec', '', { acl });
  assert.deepEqual((await zk.getACL('/sec')).acl, acl);
});

test('client: one-shot watches resolve with their event and can be cancelled', async () => {
  const zk = await fx.client();
  const other = await fx.client({ connect: undefined });
  const { event: created } = await zk.existsW('/w');
  await zk.create('/w', '1');
  assert.deepEqual(await within(created, 2000, 'created event'), { type: 'created', path: '/w' });
  const { event: changed } = await zk.getW('/w');
  await zk.set('/w', '2');
  assert.equal((await within(changed, 2000, 'changed event')).type, 'changed');
  const { event: child } = await zk.childrenW('/w');
  await zk.create('/w/c');
  assert.equal((await within(child, 2000, 'child event')).type, 'child');
  const ac = new AbortController();
  const { event: cancelled } = await zk.getW('/w', { signal: ac.signal });
  ac.abort(new Error('stop watching'));
  await assert.rejects(cancelled, /stop watching/);
  const { event: onClose } = await zk.getW('/w');
  zk.close();
  assert.deepEqual(await within(onClose, 2000, 'session event on close'), {
    type: 'session',
    path: '',
    state: 'closed',
  });
  other.close();
});

test('client: close is idempotent and a closed client rejects with CLOSED', async () => {
  const zk = await fx.client();
  const states: string[] = [];
  zk.on('state', (s) => states.push(s));
  zk.close();
  zk.close();
  assert.equal(zk.state, 'closed');
  assert.deepEqual(states, ['closed']);
  await rejectsCode(zk.get('/'), 'CLOSED');
});

test('client: connect to a server that never answers fails by our deadline, naming the server', async () => {
  const proxy = await TcpProxy.start({ port: 9 });
  proxy.blackhole();
  try {
    const started = Date.now();
    await assert.rejects(
      Zk.connect({ connect: proxy.address, sessionTimeoutMs: 2000, connectTimeoutMs: 800 }),
      (e: unknown) => e instanceof ZkConnectError && e.code === 'CONNECT_TIMEOUT' && e.message.includes(proxy.address)
    );
    assert.ok(Date.now() - started < 3000, 'connect deadline was not enforced');
  } finally {
    await proxy.stop();
  }
});

test('client: a connect can be aborted', async () => {
  const proxy = await TcpProxy.start({ port: 9 });
  proxy.blackhole();
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('gave up')), 100);
    await assert.rejects(Zk.connect({ connect: proxy.address, connectTimeoutMs: 5000, signal: ac.signal }), /gave up/);
  } finally {
    await proxy.stop();
  }
});

test('client: a blip shorter than the session timeout → disconnected → connected, same session', async () => {
  const proxy = await TcpProxy.start(firstServer());
  try {
    const zk = await fx.client({
      connect: `${proxy.address}${(await fx.chroot()).slice(fx.connectString().length)}`,
      sessionTimeoutMs: 4000,
    });
    const session = zk.sessionId;
    await zk.exists('/');
    proxy.blackhole();
    await stateReached(zk, 'disconnected', 4000);
    proxy.heal();
    await stateReached(zk, 'connected', 4000);
    assert.equal(zk.sessionId, session);
    assert.ok((await zk.exists('/')) !== null);
    zk.close();
  } finally {
    await proxy.stop();
  }
});

test('client: a partition longer than the session timeout is observed as expired after it heals', async () => {
  const proxy = await TcpProxy.start(firstServer());
  try {
    const zk = await fx.client({ connect: proxy.address, sessionTimeoutMs: 1000 });
    const watcher = await fx.client({ connect: fx.connectString() });
    const node = await zk.create(`/eph-${zk.sessionId}`, '', { mode: 'ephemeral' });
    const { event: gone } = await watcher.existsW(node);
    const { event: mine } = await zk.getW(node);
    proxy.blackhole();
    await stateReached(zk, 'disconnected', 3000);
    assert.equal(
      (await within(gone, 5000, 'server deleting the ephemeral node of the partitioned session')).type,
      'deleted'
    );
    proxy.reset();
    proxy.heal();
    await stateReached(zk, 'expired', 5000);
    // While partitioned the client re-dials (the watch reports `lost`) or, if it never did, sees the expiry.
    const ev = await within(mine, 1000, 'watch of the expired session');
    assert.ok(ev.type === 'lost' || (ev.type === 'session' && ev.state === 'expired'), JSON.stringify(ev));
    assert.ok(zk.redials > 0, 'a partition of a second must have triggered a re-dial');
    await rejectsCode(zk.get('/'), 'SESSIONEXPIRED');
  } finally {
    await proxy.stop();
  }
});

test('client: a node is created with its ACL in the one request — no open window (patched binding)', async () => {
  const zk = await fx.client();
  await zk.create('/sealed', 'x', { acl: worldAcl(PERM_READ) });
  const stat = await zk.exists('/sealed');
  // setACL after an open create bumps the ACL version: 0 means the create itself carried the ACL
  assert.equal(stat?.aversion, 0, 'the ACL was set after the create: the binding is not patched (scripts/setup.sh)');
  await rejectsCode(zk.set('/sealed', 'w'), 'NOAUTH');
  await zk.create('/seq-', '', { mode: 'ephemeral_sequential', acl: worldAcl(PERM_READ) });
});
