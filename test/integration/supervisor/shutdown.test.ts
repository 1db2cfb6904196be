// Shutdown is bounded whatever ZooKeeper does: SIGTERM to a leader cut off from ZooKeeper exits within stopTimeout
// + 2 s with its child dead, and a second SIGTERM kills a slow child at once, in every mode.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRuns } from '../../helpers/overlap.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { alive, SupervisorProc, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor, within } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();
let n = 0;

type Extra = { extraTask?: string; childEnv?: Record<string, string>; sessionTimeout?: string; stopTimeout?: string };

async function leaderViaProxy(extra: Extra = {}) {
  const i = n++;
  const proxy = await TcpProxy.start({ port: fx.cluster()!.servers[0]!.port });
  const chroot = (await fx.chroot()).slice(fx.connectString().length);
  const childLog = join(work.dir, `children-${i}.log`);
  const config = writeConfig(work.dir, {
    connect: `${proxy.address}${chroot}`,
    path: `/shutdown/j${i}`,
    childLog,
    stopTimeout: '500ms',
    ...extra,
  });
  const a = new SupervisorProc(`a${i}`, config);
  procs.push(a);
  await a.waitLog(/to=running/, 10_000);
  await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'the child starting' });
  return { a, proxy, childLog };
}

test('shutdown: SIGTERM to a leader whose ZooKeeper link is black-holed exits within stopTimeout + 2 s', async () => {
  const { a, proxy, childLog } = await leaderViaProxy();
  try {
    proxy.blackhole();
    const child = readRuns(childLog)[0]!.pid;
    const sent = performance.now();
    a.signal('SIGTERM');
    await within(a.exited, 2500, 'the supervisor exiting after SIGTERM while cut off from ZooKeeper');
    console.log(`# exited ${Math.round(performance.now() - sent)} ms after SIGTERM`);
    assert.equal(alive(child), false, 'its child is dead');
  } finally {
    await proxy.stop();
  }
});

test('shutdown: a second SIGTERM in scheduled mode kills a slow tick at once', async () => {
  const { a, proxy, childLog } = await leaderViaProxy({
    extraTask: '  schedule: "* * * * * *"\n  catchUp: none',
    childEnv: { CHILD_IGNORE_TERM: '1' },
    sessionTimeout: '4s',
    stopTimeout: '2s', // what the first SIGTERM would wait for
  });
  try {
    const child = readRuns(childLog)[0]!.pid;
    a.signal('SIGTERM');
    await a.waitLog(/shutdown requested/, 5000);
    const sent = performance.now();
    a.signal('SIGTERM');
    await waitFor(() => !alive(child), { timeoutMs: 300, what: 'the child killed by the second SIGTERM' });
    console.log(`# child dead ${Math.round(performance.now() - sent)} ms after the second SIGTERM`);
    await within(a.exited, 1500, 'the supervisor exiting');
    const stopped = a.lines.find((l) => l.includes('child stopped'));
    assert.match(stopped ?? '', /\bwarn\s+child stopped.*reason=killed/, 'a SIGKILLed child is a warning');
  } finally {
    await proxy.stop();
  }
});
