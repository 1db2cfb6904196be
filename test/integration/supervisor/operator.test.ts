import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deleteRecursive } from '../../../src/zk/helpers.js';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { SupervisorProc, alive, pgidOf, writeConfig, useSupervisors } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

let n = 0;
async function start(
  ids: string[],
  opts: { extraTask?: string; childEnv?: Record<string, string>; stopTimeout?: string; sessionTimeout?: string } = {}
) {
  const i = n++;
  const root = await fx.chroot();
  const childLog = join(work.dir, `children-${i}.log`);
  const path = `/ops/j${i}`;
  const config = writeConfig(work.dir, { connect: root, path, childLog, ...opts });
  const sups = ids.map((id) => new SupervisorProc(`${id}${i}`, config));
  procs.push(...sups);
  const leader = await Promise.any(sups.map((s) => s.waitLog(/to=running/, 10_000).then(() => s)));
  const admin = await fx.client({ connect: root });
  return { sups, leader, childLog, path, admin };
}

test('operator: deleting <path>/leader or the whole election path makes the leader step down; the election recovers', async () => {
  const { sups, leader, childLog, path, admin } = await start(['a', 'b']);
  await waitFor(() => readRuns(childLog).length === 1, {
    timeoutMs: 5000,
    what: 'the first child writing its start line',
  });
  await admin.delete(`${path}/leader`);
  await leader.waitLog(/reason="leader node deleted"/, 5000);
  await waitFor(() => readRuns(childLog).length >= 2, {
    timeoutMs: 10_000,
    what: 'a child running again after the leader node was deleted',
  });
  const before = readRuns(childLog).length;
  // The supervisors re-create nodes while we delete: retry as an operator would.
  await waitFor(() => deleteRecursive(admin, path).then(() => true), { timeoutMs: 10_000, what: `deleting ${path}` });
  await waitFor(() => readRuns(childLog).length > before, {
    timeoutMs: 10_000,
    what: 'a child running again after the election path was deleted',
  });
  await waitFor(async () => (await admin.exists(`${path}/leader`)) !== null, {
    timeoutMs: 5000,
    what: 'the leader node re-created',
  });
  assert.deepEqual(overlaps(readRuns(childLog)), []);
  assert.equal(sups.filter((s) => s.state === 'running').length, 1);
});

test('task: onExit restart runs the child again here, and a crash loop makes the host step down', async () => {
  const { sups, leader, childLog } = await start(['a', 'b'], {
    extraTask:
      '  onExit: restart\n  restart:\n    initialDelay: 50ms\n    maxDelay: 200ms\n    crashLoopFailures: 3\n    crashLoopWindow: 10s',
    childEnv: { CHILD_EXIT_AFTER_MS: '100', CHILD_EXIT_CODE: '1' },
  });
  await leader.waitLog(/reason=restarted/, 5000);
  await leader.waitLog(/reason="crash loop"/, 10_000);
  const other = sups.find((s) => s !== leader)!;
  await other.waitLog(/to=running/, 10_000);
  const byLeader = readRuns(childLog).filter((r) => r.name === leader.id);
  assert.equal(byLeader.length, 3, 'the crash-looping leader ran its child exactly crashLoopFailures times');
  assert.deepEqual(overlaps(readRuns(childLog)), []);
});

test('task: many restarts under one leadership leave no listener behind (no MaxListenersExceededWarning)', async () => {
  const { leader, childLog } = await start(['a'], {
    extraTask:
      '  onExit: restart\n  restart:\n    initialDelay: 10ms\n    maxDelay: 20ms\n    crashLoopFailures: 1000\n    crashLoopWindow: 10s',
    childEnv: { CHILD_EXIT_AFTER_MS: '0', CHILD_EXIT_CODE: '0' },
  });
  await waitFor(() => readRuns(childLog).length >= 15, {
    timeoutMs: 20_000,
    what: '15 runs of the child on one leader',
  });
  assert.ok(
    !leader.lines.some((l) => /MaxListenersExceeded|memory leak/i.test(l)),
    leader.lines.filter((l) => /Warning/.test(l)).join('\n')
  );
});

test('shutdown: SIGTERM while still a candidate exits 0; a second SIGTERM kills a child that ignores the first', async () => {
  const { sups, leader, childLog } = await start(['a', 'b'], {
    childEnv: { CHILD_IGNORE_TERM: '1' },
    stopTimeout: '1500ms',
    sessionTimeout: '4s',
  });
  const standby = sups.find((s) => s !== leader)!;
  await standby.waitLog(/candidate position/, 5000);
  standby.signal('SIGTERM');
  assert.equal(await standby.exited, 0);
  await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'child start' });
  const t0 = performance.now();
  leader.signal('SIGTERM');
  await leader.waitLog(/shutdown requested/, 5000);
  leader.signal('SIGTERM');
  assert.equal(await leader.exited, 0);
  const took = performance.now() - t0;
  assert.ok(took < 1200, `the second signal did not cut the 1.5 s grace short (${took.toFixed(0)} ms)`);
  const run = readRuns(childLog)[0]!;
  assert.equal(run.stopped, false, 'the child ignored SIGTERM and was SIGKILLed');
  await waitFor(() => !alive(run.pid), { timeoutMs: 2000, what: `child ${run.pid} gone` });
});

test('task: a child that ignores SIGTERM is SIGKILLed after stopTimeout, with its grandchildren', async () => {
  const { leader, childLog } = await start(['a'], {
    childEnv: { CHILD_IGNORE_TERM: '1', CHILD_GRANDCHILD_FILE: join(work.dir, 'grandchild.pid') },
    stopTimeout: '500ms',
  });
  await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'child start' });
  const group = pgidOf(readRuns(childLog)[0]!.pid)!;
  const t0 = performance.now();
  leader.signal('SIGTERM');
  assert.equal(await leader.exited, 0);
  const took = performance.now() - t0;
  const run = readRuns(childLog)[0]!;
  assert.equal(run.stopped, false);
  assert.ok(took >= 450, `SIGKILL came before the grace period (${took.toFixed(0)} ms)`);
  const groupGone = () => {
    try {
      process.kill(-group, 0);
      return false;
    } catch {
      return true;
    }
  };
  await waitFor(groupGone, { timeoutMs: 2000, what: `process group ${group} gone (zombies reaped)` });
  const grandchild = Number(readFileSync(join(work.dir, 'grandchild.pid'), 'utf8'));
  await waitFor(() => !alive(grandchild), { timeoutMs: 2000, what: `grandchild ${grandchild} gone` });
});
