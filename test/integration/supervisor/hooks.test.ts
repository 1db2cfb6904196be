// hooks: run in order, one at a time, with the term's variables; a slow one is cut at hooks.timeout; a failing
// preStart keeps the child from starting; a stop never waits for a hook.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRuns } from '../../helpers/overlap.js';
import { SupervisorProc, startElection, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { TcpProxy } from '../../helpers/proxy.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

const recorder = (file: string) =>
  ['onLeader', 'onStepDown', 'preStart', 'postStop']
    .map((h) => `  ${h}: 'echo "${h} $ZK_SUPERVISOR_ID term=$ZK_SUPERVISOR_TERM $ZK_SUPERVISOR_REASON" >> ${file}'`)
    .join('\n');
const lines = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

test('hooks: onLeader, preStart, postStop, onStepDown in order, with the term, on both sides of a hand-over', async () => {
  const hookLog = join(work.dir, 'hooks.log');
  const childLog = join(work.dir, 'hooked.log');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/hooks/job',
    childLog,
    extra: `hooks:\n${recorder(hookLog)}`,
  });
  const [a, b] = (await startElection(procs, { ids: ['hk-a', 'hk-b'], config, childLog })) as [
    SupervisorProc,
    SupervisorProc,
  ];
  a.signal('SIGTERM');
  await b.waitLog(/to=running/, 10_000);
  assert.equal(await a.exited, 0);
  await waitFor(() => lines(hookLog).length >= 6, { timeoutMs: 5000, what: 'six hook runs' });
  // Each host runs its hooks in order; across hosts there is no order: a stop never waits for a hook, so the
  // old leader's postStop and onStepDown may still run while the new leader's onLeader does.
  const of = (id: string) => lines(hookLog).filter((l) => l.split(' ')[1] === id);
  const hooks = (got: string[]) => got.map((l) => l.split(' ')[0]);
  assert.deepEqual(hooks(of('hk-a')), ['onLeader', 'preStart', 'postStop', 'onStepDown']);
  assert.deepEqual(hooks(of('hk-b')).slice(0, 2), ['onLeader', 'preStart']);
  for (const l of [...of('hk-a').slice(0, 2), ...of('hk-b').slice(0, 2)]) assert.match(l, /term=\d+ won election$/);
  for (const l of of('hk-a').slice(2)) assert.match(l, /term=\d+ SIGTERM$/);
  const term = (l: string) => Number(/term=(\d+)/.exec(l)![1]);
  assert.ok(term(of('hk-b')[0]!) > term(of('hk-a')[0]!), "the new leader's term is greater");
  await waitFor(() => readRuns(childLog).length === 2, { timeoutMs: 5000, what: "b's child" });
});

test('hooks: a slow hook is killed at hooks.timeout; a failing preStart keeps the child from starting', async () => {
  const childLog = join(work.dir, 'gated.log');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/hooks/gated',
    childLog,
    extra: "hooks:\n  onLeader: [sleep, '30']\n  preStart: 'echo refusing; exit 3'\n  timeout: 300ms",
  });
  const a = new SupervisorProc('hk-gate', config);
  procs.push(a);
  const slow = await a.waitLog(/hook failed.*hook=onLeader/, 10_000);
  assert.match(slow, /timed out after 300 ms/);
  await a.waitLog(/hook output.*hook=preStart.*refusing/, 5000);
  await a.waitLog(/to=stopping reason="preStart hook failed"/, 5000);
  await a.waitLog(/to=backoff/, 5000);
  assert.equal(readRuns(childLog).length, 0, 'the child never started');
});

test('hooks: onLeaseLost and onStepDown run while ZooKeeper is still unreachable, not after it comes back', async () => {
  const hookLog = join(work.dir, 'outage-hooks.log');
  const childLog = join(work.dir, 'outage.log');
  const proxy = await TcpProxy.start({ port: fx.cluster()!.servers[0]!.port });
  try {
    const chroot = (await fx.chroot()).slice(fx.connectString().length);
    const record = ['onLeaseLost', 'onStepDown', 'postStop']
      .map((h) => `  ${h}: 'echo "${h} $(cat /proc/uptime | cut -d" " -f1)" >> ${hookLog}'`)
      .join('\n');
    const config = writeConfig(work.dir, {
      connect: `${proxy.address}${chroot}`,
      path: '/hooks/outage',
      childLog,
      extra: `hooks:\n${record}`,
    });
    const a = new SupervisorProc('hk-out', config);
    procs.push(a);
    await a.waitLog(/to=running/, 10_000);
    proxy.blackhole(); // ZooKeeper unreachable (as frozen) for as long as the test needs
    const cut = performance.now();
    await waitFor(() => lines(hookLog).some((l) => l.startsWith('onStepDown')), {
      timeoutMs: 5000,
      what: 'onStepDown while ZooKeeper is unreachable (T = 2 s)',
    });
    const ms = Math.round(performance.now() - cut);
    assert.deepEqual(
      lines(hookLog).map((l) => l.split(' ')[0]),
      ['onLeaseLost', 'postStop', 'onStepDown'],
      'in the order things happened'
    );
    console.log(`# onStepDown ran ${ms} ms after the cut, ZooKeeper still unreachable`);
  } finally {
    await proxy.stop();
  }
});
