import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maintainPidNode, removePidNode } from '../../../src/recipes/pid-node.js';
import { useZk } from '../../helpers/fixture.js';
import { within } from '../../helpers/wait.js';

const fx = useZk();

test('pid node: created, re-created after an operator deletes it, removed only by its owner', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  const other = await fx.client({ connect: root });
  const ac = new AbortController();
  let created = 0;
  let onCreated!: () => void;
  let next = new Promise<void>((r) => {
    onCreated = r;
  });
  const running = maintainPidNode(zk, '/svc/pids/me', 'host-a', {
    signal: ac.signal,
    onCreated: () => {
      created++;
      onCreated();
      next = new Promise<void>((r) => {
        onCreated = r;
      });
    },
  });
  await within(next, 5000, 'pid node created');
  const first = next;
  assert.equal((await zk.exists('/svc/pids/me'))?.ephemeralOwner, zk.sessionId);
  await other.delete('/svc/pids/me'); // an operator deletes it
  await within(first, 5000, 'pid node re-created after deletion');
  assert.equal(created, 2);
  await removePidNode(other, '/svc/pids/me'); // not the owner: must not delete
  assert.ok(await zk.exists('/svc/pids/me'), 'a non-owner removed the pid node');
  ac.abort();
  await running;
  await removePidNode(zk, '/svc/pids/me');
  assert.equal(await zk.exists('/svc/pids/me'), null);
});

test('pid node: a node held by another live session is left alone and reported', async () => {
  const root = await fx.chroot();
  const holder = await fx.client({ connect: root });
  const zk = await fx.client({ connect: root });
  await holder.create('/pid', 'holder');
  await holder.delete('/pid');
  await holder.create('/pid', 'holder', { mode: 'ephemeral' });
  const ac = new AbortController();
  const conflict = new Promise<string>((resolve) => {
    void maintainPidNode(zk, '/pid', 'me', { signal: ac.signal, onConflict: resolve });
  });
  assert.equal(await within(conflict, 5000, 'conflict reported'), holder.sessionId);
  assert.equal((await zk.get('/pid')).data.toString(), 'holder');
  holder.close(); // the holder goes: we take over
  await within(
    (async () => {
      while ((await zk.exists('/pid'))?.ephemeralOwner !== zk.sessionId) await new Promise((r) => setTimeout(r, 20));
    })(),
    5000,
    'taking over the pid node'
  );
  ac.abort();
});
