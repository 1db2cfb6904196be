import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { SupervisorProc, alive, writeConfig, useSupervisors } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

let n = 0;
async function trio(sessionTimeout: string) {
  const i = n++;
  const childLog = join(work.dir, `children-${i}.log`);
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: `/leash/j${i}`,
    childLog,
    sessionTimeout,
    stopTimeout: '300ms',
  });
  const sups = ['a', 'b', 'c'].map((id) => new SupervisorProc(`${id}${i}`, config));
  procs.push(...sups);
  const leader = await Promise.any(sups.map((s) => s.waitLog(/to=running/, 10_000).then(() => s)));
  await waitFor(() => readRuns(childLog).length === 1, {
    timeoutMs: 5000,
    what: 'the first child writing its start line',
  });
  return { sups, leader, childLog, standbys: sups.filter((s) => s !== leader) };
}

test('leash: kill -9 of the supervisor alone → its orphaned child dies at once; the standby never overlaps', async () => {
  const { leader, childLog, standbys } = await trio('2s');
  const child = readRuns(childLog)[0]!;
  const t0 = performance.now();
  leader.killGroup(); // the supervisor's own group: the child lives in the leash's group
  await waitFor(() => !alive(child.pid), {
    timeoutMs: 2000,
    what: `orphaned child ${child.pid} stopped by its leash`,
    intervalMs: 2,
  });
  const orphanMs = performance.now() - t0;
  await Promise.any(standbys.map((s) => s.waitLog(/to=running/, 10_000)));
  await waitFor(() => readRuns(childLog).length === 2, { timeoutMs: 5000, what: "the standby's child" });
  assert.deepEqual(overlaps(readRuns(childLog)), []);
  console.log(`# orphan stopped ${orphanMs.toFixed(0)} ms after the supervisor's SIGKILL`);
});

test('leash: a supervisor frozen (SIGSTOP) for 2×T has its child stopped before a standby starts; resumed, it does not lead', async () => {
  const { leader, childLog, standbys } = await trio('2s');
  const child = readRuns(childLog)[0]!;
  const t0 = performance.now();
  leader.signal('SIGSTOP');
  await waitFor(() => !alive(child.pid), {
    timeoutMs: 3000,
    what: `child ${child.pid} of the frozen supervisor stopped by its leash`,
  });
  const stoppedMs = performance.now() - t0;
  await Promise.any(standbys.map((s) => s.waitLog(/to=running/, 10_000)));
  await new Promise((r) => setTimeout(r, Math.max(0, 4000 - (performance.now() - t0)))); // the freeze lasts 2×T
  const from = leader.lines.length;
  leader.signal('SIGCONT');
  await leader.waitLog(/to=candidate|to=connecting/, 10_000, from);
  await waitFor(() => readRuns(childLog).length >= 2, { timeoutMs: 5000, what: "the standby's child" });
  const runs = readRuns(childLog);
  assert.deepEqual(overlaps(runs), [], 'the frozen leader and the standby ran children at the same time');
  assert.equal(runs.filter((r) => r.name === leader.id).length, 1, 'the resumed supervisor started its child again');
  console.log(`# frozen supervisor's child stopped ${stoppedMs.toFixed(0)} ms into the freeze (T = 2 s)`);
});

test('leash: with output: log, a SIGKILLed supervisor does not cut its job’s graceful stop short (SIGPIPE)', async () => {
  const done = join(work.dir, 'trap-ran');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/leash/pipe',
    childLog: join(work.dir, 'unused.log'),
    sessionTimeout: '4s',
    stopTimeout: '2s',
    // The trap writes to stdout first: a pipe to a dead supervisor would kill it with SIGPIPE right there.
    command: `trap 'echo stopping; echo more; /bin/sleep 0.2; echo stopped > ${done}; exit 0' TERM; echo started; while :; do /bin/sleep 0.05; done`,
    extraTask: '  output: log',
  });
  const sup = new SupervisorProc('pipe-a', config);
  procs.push(sup);
  await sup.waitLog(/child output.*started/, 10_000);
  sup.killGroup(); // the supervisor alone: its leash sees EOF and stops the job gracefully
  await waitFor(() => existsSync(done), { timeoutMs: 5000, what: "the job's TERM trap to finish", intervalMs: 20 });
  assert.equal(readFileSync(done, 'utf8'), 'stopped\n');
});
