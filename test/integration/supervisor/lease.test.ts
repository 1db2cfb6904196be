import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { SupervisorProc, alive, writeConfig, useSupervisors } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';
import { startCluster } from '../../helpers/zk-server.js';

const { fx, work, procs } = useSupervisors();

let n = 0;
// Leader `a` reaches ZooKeeper through a proxy; standbys `b` and `c` directly.
async function partitionable(sessionTimeout: string) {
  const i = n++;
  const server = fx.cluster()!.servers[0]!;
  const proxy = await TcpProxy.start({ port: server.port });
  const chroot = (await fx.chroot()).slice(fx.connectString().length);
  const childLog = join(work.dir, `children-${i}.log`);
  const opts = { path: `/lease/j${i}`, childLog, sessionTimeout, stopTimeout: '300ms' };
  const viaProxy = writeConfig(work.dir, { ...opts, connect: `${proxy.address}${chroot}` });
  const direct = writeConfig(work.dir, { ...opts, connect: `${fx.connectString()}${chroot}` });
  const a = new SupervisorProc(`a${i}`, viaProxy);
  procs.push(a);
  await a.waitLog(/to=running/, 10_000);
  const standbys = ['b', 'c'].map((id) => new SupervisorProc(`${id}${i}`, direct));
  procs.push(...standbys);
  await Promise.all(standbys.map((s) => s.waitLog(/candidate position/, 10_000)));
  await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'the leader child starting' });
  return { a, standbys, proxy, childLog };
}

test('lease: a leader partitioned longer than the session timeout stops its child before a standby starts one', async () => {
  const { a, standbys, proxy, childLog } = await partitionable('2s');
  try {
    proxy.blackhole();
    await a.waitLog(/reason="lease expired/, 5000);
    await Promise.any(standbys.map((s) => s.waitLog(/to=running/, 10_000)));
    await waitFor(() => readRuns(childLog).length === 2, { timeoutMs: 5000, what: "the standby's child starting" });
    const runs = readRuns(childLog);
    const margin = Number(runs[1]!.startNs - runs[0]!.endNs) / 1e6;
    console.log(`# partitioned leader's child dead ${margin.toFixed(0)} ms before the standby's child started`);
    assert.deepEqual(overlaps(runs), [], 'the partitioned leader and the new leader ran children at the same time');
    proxy.reset();
    proxy.heal();
    await a.waitLog(/zookeeper state.*state=expired|to=connecting reason="new session"/, 10_000);
    await a.waitLog(/candidate position/, 10_000, a.lines.length - 1);
    assert.equal(readRuns(childLog).length, 2, 'the old leader must not start its child again');
  } finally {
    await proxy.stop();
  }
});

test('lease: a 2 s partition at T = 4 s (shorter than the fencing deadline) leaves the child undisturbed', async () => {
  const { a, standbys, proxy, childLog } = await partitionable('4s');
  try {
    const from = a.lines.length;
    proxy.blackhole();
    await new Promise((r) => setTimeout(r, 2000)); // the fault itself: a 2 s partition
    proxy.heal();
    // Watch for a full session timeout afterwards: nothing may be stopped, restarted or taken over.
    await new Promise((r) => setTimeout(r, 4000));
    const after = a.lines.slice(from).filter((l) => /state change/.test(l));
    assert.deepEqual(
      after.filter((l) => !/to=(fenced|running)/.test(l)),
      [],
      'the leader changed state beyond fenced/running'
    );
    assert.equal(readRuns(childLog).length, 1, 'the child was restarted by a blip');
    assert.ok(
      standbys.every((s) => s.state === 'candidate'),
      'a standby took over'
    );
    const last = readRuns(childLog)[0]!;
    assert.ok(Number(process.hrtime.bigint() - last.endNs) / 1e6 < 500, 'the child stopped ticking');
  } finally {
    await proxy.stop();
  }
});

test('lease: losing the connection while leading never leaves our own candidate node blocking the queue', async () => {
  const { a, standbys, proxy, childLog } = await partitionable('4s');
  try {
    proxy.blackhole();
    await a.waitLog(/reason="lease expired/, 8000);
    await new Promise((r) => setTimeout(r, 300));
    proxy.heal(); // same session comes back: the old candidate node must be deleted, not left at the head
    await Promise.any([...standbys, a].map((s) => s.waitLog(/to=running/, 10_000, s === a ? a.lines.length : 0)));
    await waitFor(() => readRuns(childLog).length === 2, {
      timeoutMs: 5000,
      what: 'a new child after the lease lapsed',
    });
    assert.deepEqual(overlaps(readRuns(childLog)), []);
  } finally {
    await proxy.stop();
  }
});

test('lease: a reconnect granted a timeout stopTimeout no longer fits stops the child, then closes the session (#25.2)', async (t) => {
  // Members that disagree on maxSessionTimeout: 12 s on the first, 4 s on the others (a rolling change of it).
  const cluster = await startCluster(3, { maxSessionTimeout: [12_000, 4000, 4000] });
  t.after(() => cluster.stop());
  const port = (s: { address: string }) => Number(s.address.split(':')[1]);
  const proxy = await TcpProxy.start({ port: port(cluster.servers[0]!) });
  t.after(() => proxy.stop());
  const childLog = join(work.dir, 'unfit.log');
  // stopTimeout 5 s fits a 12 s session, not a 4 s one
  const opts = { connect: proxy.address, path: '/unfit', childLog, sessionTimeout: '12s', stopTimeout: '5s' };
  const a = new SupervisorProc('unfit-a', writeConfig(work.dir, opts));
  procs.push(a);
  await a.waitLog(/to=running/, 15_000);
  const child = await waitFor(() => readRuns(childLog)[0], { timeoutMs: 5000, what: 'the child running' });
  const from = a.lines.length;
  proxy.retarget(port(cluster.servers[1]!));
  proxy.reset(); // the session is resumed on a member that grants 4 s
  await a.waitLog(/shrank below what task\.stopTimeout needs/, 10_000, from);
  await a.waitLog(/to=stopping/, 5000, from);
  await waitFor(() => !alive(child.pid), { timeoutMs: 10_000, what: 'the child stopped' });
  await a.waitLog(/closing the session instead of resuming it/, 10_000, from);
  // The next session is granted 4 s too: it does not campaign, and says why
  await a.waitLog(/not campaigning: the session timeout the server granted cannot cover/, 15_000, from);
  assert.equal(readRuns(childLog).length, 1, 'no child started on a session that cannot hold a lease');
});
