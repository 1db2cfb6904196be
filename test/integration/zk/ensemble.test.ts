import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useZk } from '../../helpers/fixture.js';
import { stateReached, waitFor } from '../../helpers/wait.js';

const fx = useZk({ size: 3 });

test('ensemble: killing the follower a client is connected to keeps the session (prompt reconnect)', async (t) => {
  const cluster = fx.cluster()!;
  const followers = [];
  for (const s of cluster.servers) if ((await s.mode()) === 'follower') followers.push(s);
  assert.equal(followers.length, 2, 'a 3-member ensemble has two followers');
  const chroot = (await fx.chroot()).slice(fx.connectString().length);
  const zk = await fx.client({
    connect: `${followers.map((f) => f.address).join(',')}${chroot}`,
    sessionTimeoutMs: 4000,
  });
  const serving = await waitFor(() => cluster.serverOf(zk.sessionId), {
    timeoutMs: 5000,
    what: `the member serving session ${zk.sessionId}`,
  });
  const node = await zk.create('/eph', '', { mode: 'ephemeral' });
  const session = zk.sessionId;
  // States are recorded from before the kill: the client may be back before kill() has seen the JVM exit.
  const seen: string[] = [];
  zk.on('state', (s) => seen.push(s));
  const t0 = performance.now();
  await serving.kill();
  t.after(async () => {
    // Whatever happened, the next test needs all three members.
    if (!serving.running) serving.start();
    await serving.waitServing();
  });
  await waitFor(() => seen.includes('disconnected'), { timeoutMs: 4000, what: 'the client seeing the disconnect' });
  await stateReached(zk, 'connected', 4000);
  const took = performance.now() - t0;
  assert.equal(zk.sessionId, session, 'the session must survive the loss of one member');
  assert.equal((await zk.exists(node))?.ephemeralOwner, session);
  console.log(`# reconnected to the surviving follower ${took.toFixed(0)} ms after the kill`);
  assert.ok(took < (4000 * 2) / 3, `reconnect took ${took.toFixed(0)} ms: as slow as the binding's fallback`);
});

test('ensemble: killing the leader keeps the session once a new leader is elected', async () => {
  const cluster = fx.cluster()!;
  const zk = await fx.client({ sessionTimeoutMs: 6000 });
  const session = zk.sessionId;
  const node = await zk.create('/eph', '', { mode: 'ephemeral' });
  let leader: (typeof cluster.servers)[number] | undefined;
  for (const s of cluster.servers) if ((await s.mode()) === 'leader') leader = s;
  assert.ok(leader, 'the ensemble has a leader');
  const t0 = performance.now();
  await leader.kill();
  // Leader election after a member was restarted can take several seconds here; the session survives it
  // because the new leader renews every session it takes over.
  await waitFor(async () => (await zk.exists(node).catch(() => null))?.ephemeralOwner === session, {
    timeoutMs: 30_000,
    what: 'the session answering again after the leader was killed',
  });
  console.log(`# session answered again ${(performance.now() - t0).toFixed(0)} ms after the leader was killed`);
  assert.equal(zk.state, 'connected');
  assert.equal(zk.sessionId, session);
  leader.start();
  await leader.waitServing();
});
