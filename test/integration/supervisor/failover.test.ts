import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { gaps, overlaps, readRuns } from '../../helpers/overlap.js';
import { BIN, SupervisorProc, pgidOf, writeConfig, useSupervisors } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

let n = 0;
// Three supervisors on a fresh election path; resolves once one of them runs the child.
async function trio(opts: { sessionTimeout?: string; extraTask?: string; childEnv?: Record<string, string> } = {}) {
  const i = n++;
  const childLog = join(work.dir, `children-${i}.log`);
  const config = writeConfig(work.dir, { connect: await fx.chroot(), path: `/jobs/j${i}`, childLog, ...opts });
  const sups = ['a', 'b', 'c'].map((id) => new SupervisorProc(`${id}${i}`, config));
  procs.push(...sups);
  const leader = await Promise.any(sups.map((s) => s.waitLog(/to=running/, 15_000).then(() => s)));
  return { sups, leader, childLog, config };
}

const assertNoOverlap = (childLog: string) => {
  const o = overlaps(readRuns(childLog));
  assert.deepEqual(
    o.map((x) => `${x.a.name}/${x.b.name} ${x.ms.toFixed(1)} ms`),
    [],
    'two children ran at the same time'
  );
};

test('supervisor: exactly one of three runs the child; SIGTERM hands over at once, without overlap', async () => {
  const { sups, leader, childLog, config } = await trio();
  await waitFor(() => readRuns(childLog).length === 1, {
    timeoutMs: 5000,
    what: 'the first child writing its start line',
  });
  const status = JSON.parse(execFileSync(process.execPath, [BIN, 'status', '--config', config, '--json']).toString());
  assert.equal(status.leader.id, leader.id);
  assert.equal(status.candidates.length, 3);
  assert.equal(status.pidNodes.length, 3, 'every supervisor advertises itself in a pid node');
  const text = execFileSync(process.execPath, [BIN, 'status', '--config', config]).toString();
  assert.match(
    text,
    new RegExp(`^leader: ${leader.id} \\(host .+, pid \\d+, term \\d+, token \\d+, since .+\\)$`, 'm')
  );
  assert.match(text, /^candidates \(3\):$/m);
  assert.match(text, /^pid nodes \(3\):$/m);
  const t0 = performance.now();
  leader.signal('SIGTERM');
  assert.equal(await leader.exited, 0, 'a SIGTERMed supervisor exits 0');
  const next = await Promise.any(
    sups.filter((s) => s !== leader).map((s) => s.waitLog(/to=running/, 5000).then(() => s))
  );
  const handover = performance.now() - t0;
  await waitFor(() => readRuns(childLog).length === 2, { timeoutMs: 5000, what: 'the second child starting' });
  const runs = readRuns(childLog);
  assert.equal(runs[0]!.stopped, true, 'the first child was stopped with SIGTERM and wrote its stop line');
  assert.ok(
    BigInt(runs[1]!.token) > BigInt(runs[0]!.token),
    `fencing token must grow: ${runs[0]!.token} → ${runs[1]!.token}`
  );
  assertNoOverlap(childLog);
  console.log(
    `# graceful hand-over ${handover.toFixed(0)} ms; gap between children ${gaps(runs)[0]!.toFixed(1)} ms; new leader ${next.id}`
  );
  assert.ok(
    handover < 2000,
    `hand-over took ${handover.toFixed(0)} ms: the candidate node was not deleted at shutdown`
  );
});

test('supervisor: the leader SIGKILLed with its child → a standby takes over after the session timeout, no overlap', async () => {
  const { sups, leader, childLog } = await trio({ sessionTimeout: '2s' });
  await waitFor(() => readRuns(childLog).length === 1, {
    timeoutMs: 5000,
    what: 'the first child writing its start line',
  });
  const child = readRuns(childLog)[0]!;
  const t0 = performance.now();
  const childGroup = pgidOf(child.pid);
  leader.killGroup();
  if (childGroup)
    try {
      process.kill(-childGroup, 'SIGKILL');
    } catch {
      /* already gone */
    } // the whole host dies
  await Promise.any(sups.filter((s) => s !== leader).map((s) => s.waitLog(/to=running/, 10_000)));
  const took = performance.now() - t0;
  assertNoOverlap(childLog);
  console.log(`# crash failover ${took.toFixed(0)} ms at sessionTimeout 2 s`);
  assert.ok(took < 6000, `failover took ${took.toFixed(0)} ms`);
});

test('supervisor: resign asks the leader to step down; --wait returns once another host leads', async () => {
  const { sups, leader, childLog, config } = await trio();
  await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'first child' });
  const out = execFileSync(process.execPath, [BIN, 'resign', '--config', config, '--wait', '--timeout', '10s'], {
    encoding: 'utf8',
  });
  assert.match(out, new RegExp(`^asked ${leader.id} \\(term 1\\) to step down\n\\S+ leads now \\(term 2\\)\n$`));
  await leader.waitLog(/reason="resign requested by \S+@\S+"/, 5000);
  const next = await Promise.any(
    sups.filter((s) => s !== leader).map((s) => s.waitLog(/to=running/, 5000).then(() => s))
  );
  assert.notEqual(next, leader);
  await leader.waitLog(/to=candidate reason=rejoin/, 5000); // a stale request would make the next leader resign too
  assert.equal(next.state, 'running');
  assertNoOverlap(childLog);
});

test('supervisor: onExit release → the exiting leader steps down and the next candidate runs the child', async () => {
  const { sups, leader, childLog } = await trio({ childEnv: { CHILD_EXIT_AFTER_MS: '300', CHILD_EXIT_CODE: '0' } });
  await leader.waitLog(/reason="child exited"/, 5000);
  await Promise.any(sups.filter((s) => s !== leader).map((s) => s.waitLog(/to=running/, 5000)));
  assertNoOverlap(childLog);
});

test('supervisor: the child inherits no descriptor but stdio, and runs in its own process group', async () => {
  const fds = join(work.dir, 'fds.log');
  const { childLog, leader } = await trio({ childEnv: { CHILD_FDS: fds } });
  const leaderOf = (_: string) => leader.pid;
  await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'child start' });
  const [pid] = readFileSync(fds, 'utf8').trim().split('\n')[0]!.split(' ');
  // Beyond stdio (socketpairs here, from the test's pipes) the child may hold no socket: node's own
  // descriptors (epoll, eventfd, pipes) are fine, an inherited ZooKeeper connection is not.
  const sockets = readdirSync(`/proc/${pid}/fd`)
    .filter((fd) => Number(fd) > 2)
    .map((fd) => {
      try {
        return `${fd} -> ${readlinkSync(`/proc/${pid}/fd/${fd}`)}`;
      } catch {
        return '';
      }
    })
    .filter((l) => l.includes('socket:'));
  assert.deepEqual(sockets, [], `child ${pid} holds sockets (a leaked ZooKeeper connection)`);
  const pgid = pgidOf(Number(pid));
  assert.ok(
    pgid && pgid !== pgidOf(process.pid) && pgid !== pgidOf(leaderOf(childLog)),
    'the child runs in a process group of its own (its leash leads it)'
  );
});
