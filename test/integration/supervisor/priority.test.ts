// A preferred leader, end to end: three supervisors A (priority 10), B (5), C (0) with preempt.after; A takes
// the term, a killed A's term goes to B (not C), a restarted A takes it back after `after` — B's child dead before
// A's starts (the children's own lines).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { BIN, SupervisorProc, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();
const AFTER_MS = 3000;

const start = (id: string, config: string, priority: number) => {
  const p = new SupervisorProc(id, config, ['--priority', String(priority)]);
  procs.push(p);
  return p;
};
const noOverlap = (childLog: string) =>
  assert.deepEqual(
    overlaps(readRuns(childLog)).map((x) => `${x.a.name}/${x.b.name} ${x.ms.toFixed(1)} ms`),
    [],
    'two children ran at the same time'
  );
const runner = (childLog: string) => readRuns(childLog).at(-1)?.name;

test('preferred leader: A (10) takes over from C, a killed A fails over to B (5) not C, A back leads again', async () => {
  const childLog = join(work.dir, 'children.log');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/jobs/preferred',
    childLog,
    extraElection: `  preempt:\n    after: ${AFTER_MS}ms`,
  });
  const c = start('c', config, 0);
  await c.waitLog(/to=running/, 15_000);
  const b = start('b', config, 5);
  const a = start('a', config, 10);
  await Promise.all([a, b].map((p) => p.waitLog(/candidate position/, 15_000)));
  const status = execFileSync(process.execPath, [BIN, 'status', '--config', config], { encoding: 'utf8' });
  assert.match(status, /^leader: c \(priority 0, host /m);
  assert.match(status, /^ {2}\d\. a \S+ \(priority 10, preempts at \d{4}-\d\d-\d\dT[\d:.]+Z\)$/m);
  assert.match(status, /^ {2}\d\. b \S+ \(priority 5, preempts at /m);
  const t0 = performance.now();
  await a.waitLog(/to=running/, 15_000);
  const took = performance.now() - t0;
  assert.ok(took >= AFTER_MS - 500, `A took over ${took.toFixed(0)} ms after joining: before preempt.after`);
  await c.waitLog(/reason="resign requested by [ab] \(preempting: priority (10|5)\)"/, 5000); // both ask
  assert.ok(!b.lines.some((l) => l.includes('to=running')), 'B never ran: the term went to the most preferred');
  await waitFor(() => runner(childLog) === 'a', { timeoutMs: 5000, what: "A's child writing its start line" });

  const [fromB, fromC] = [b.lines.length, c.lines.length];
  const killed = performance.now();
  a.killGroup(); // the leash sees its supervisor gone and kills the child
  await b.waitLog(/to=running/, 10_000, fromB);
  const failover = performance.now() - killed;
  assert.ok(failover < 2000 + 1000 + 500, `B took over ${failover.toFixed(0)} ms after the kill: more than T + 1 s`);
  assert.ok(!c.lines.slice(fromC).some((l) => l.includes('to=running')), 'C did not take the term');
  await waitFor(() => runner(childLog) === 'b', { timeoutMs: 5000, what: "B's child writing its start line" });

  const back = start('a', config, 10);
  const joined = performance.now();
  await back.waitLog(/to=running/, 15_000);
  const failback = performance.now() - joined;
  assert.ok(failback >= AFTER_MS - 500, `A back after ${failback.toFixed(0)} ms: before preempt.after`);
  await waitFor(() => runner(childLog) === 'a', { timeoutMs: 5000, what: "A's new child writing its start line" });
  const runs = readRuns(childLog);
  const [bRun, aRun] = runs.slice(-2);
  assert.equal(bRun?.name, 'b');
  assert.ok(bRun!.stopped, "B's child was stopped (its stop line) before A's started");
  assert.ok(bRun!.endNs < aRun!.startNs, "B's child's last line is before A's first");
  noOverlap(childLog);
  console.log(
    `# preferred leader: took over after ${took.toFixed(0)} ms, failover to B ${failover.toFixed(0)} ms, ` +
      `failback after ${failback.toFixed(0)} ms`
  );
});
