// The compiled leash on its own (no ZooKeeper): whatever the job starts, nothing outlives a stop, a lease end or
// the supervisor's death, and the job's exact status comes back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, test } from 'node:test';
import { leashPath, parseStatus } from '../../../src/task/leash.js';
import { spawnTask, type TaskSpec } from '../../../src/task/task.js';
import { newTag, sweepTag, taggedPids } from '../../helpers/proc-sampler.js';
import { waitFor, within } from '../../helpers/wait.js';

const CHILD = resolve(import.meta.dirname, '../../fixtures/child.mjs');
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-leash-'));
const tag = newTag();
after(async () => {
  await sweepTag(tag);
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A leashed job tagged for the sweep; `node child.mjs` unless `argv` is given. */
function task(env: Record<string, string> = {}, argv?: string[], opts: Partial<TaskSpec> = {}) {
  const log = join(dir, `c${n++}.log`);
  const t = spawnTask({
    argv: argv ?? [process.execPath, CHILD],
    stopTimeoutMs: 300,
    ...opts,
    env: { ...process.env, ZKS_TEST_TAG: tag, CHILD_LOG: log, ...env },
  });
  return {
    t,
    log,
    started: () =>
      waitFor(
        () => {
          try {
            return readFileSync(log, 'utf8').includes('start');
          } catch {
            return false;
          }
        },
        { timeoutMs: 5000, what: 'the job started' }
      ),
  };
}
// The job's processes: a task's end is its leash's report that none is left; the leash exits right after it.
const notLeash = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'zks-leash';
  } catch {
    return false; // gone
  }
};
const jobs = () => taggedPids({ tag }).filter(notLeash).length;

const ESCAPES: [string, Record<string, string>, string[]?][] = [
  ['a setsid copy', { CHILD_ESCAPE: 'setsid' }],
  ['a double-forking daemon', { CHILD_ESCAPE: 'daemon' }],
  ['coreutils timeout around the job', {}, ['timeout', '3600', process.execPath, CHILD]],
  ['a SIGTERM ignorer', { CHILD_IGNORE_TERM: '1' }],
];

for (const [what, env, argv] of ESCAPES) {
  test(`leash: ${what} — nothing survives a stop, and exited resolves only then`, async () => {
    const { t, started } = task(env, argv);
    t.run(60_000, 1, 7);
    await started();
    if (env.CHILD_ESCAPE) await waitFor(() => jobs() >= 2, { timeoutMs: 5000, what: 'the escaped copy running' });
    const exit = await within(t.stop(), 5000, 'the stop');
    assert.equal(jobs(), 0, `survivors: ${taggedPids({ tag }).filter(notLeash).join(' ')}`);
    assert.ok(['stopped', 'killed'].includes(exit.reason), JSON.stringify(exit));
  });
}

for (const [what, env, argv] of ESCAPES.filter(([, e, a]) => e.CHILD_ESCAPE || a)) {
  test(`leash: killed itself with ${what} — the task finds what left the group by the term's token`, async () => {
    const { t, started } = task(env, argv);
    t.run(60_000, 1, 4242);
    await started();
    if (env.CHILD_ESCAPE) await waitFor(() => jobs() >= 2, { timeoutMs: 5000, what: 'the escaped copy running' });
    process.kill(t.pid, 'SIGKILL');
    const exit = await within(t.exited, 5000, 'the task reporting the lost leash');
    assert.equal(exit.leashLost, true);
    assert.equal(jobs(), 0, `survivors: ${taggedPids({ tag }).filter(notLeash).join(' ')}`);
  });
}

test('leash: at the lease end the job and everything it started are stopped', async () => {
  const { t, started } = task({ CHILD_ESCAPE: 'daemon' });
  t.run(1500, 1, 7);
  await started();
  await waitFor(() => jobs() >= 2, { timeoutMs: 5000, what: 'the daemon running' });
  const exit = await within(t.exited, 5000, 'the leash stopping the job at the lease end');
  assert.equal(jobs(), 0);
  assert.equal(exit.exitCode, 0, 'the job ended on its stop signal (the fixture exits 0 on SIGTERM)');
});

test('leash: the supervisor gone (control socket EOF) stops the job and a 200-process tree at once', async () => {
  const p = spawn(leashPath(), ['300', 'SIGTERM', '/bin/bash', '-c', 'for i in $(seq 200); do sleep 60 & done; wait'], {
    env: { ...process.env, ZKS_TEST_TAG: tag },
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    detached: true,
  });
  const ctl = p.stdio[3] as Duplex;
  let status = '';
  ctl.on('data', (d) => {
    status += d;
  });
  ctl.write(`R ${process.hrtime.bigint() + 60_000_000_000n} 1 7\n`);
  await waitFor(() => jobs() >= 201, { timeoutMs: 10_000, what: '200 sleeps running' });
  const t0 = performance.now();
  ctl.end();
  await within(new Promise((r) => p.once('exit', r)), 5000, 'the leash exiting');
  console.log(`# 200-process tree stopped in ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(jobs(), 0);
  const [started, last] = status.trim().split('\n');
  assert.match(started!, /^P \d+$/, 'the job reported right after the fork');
  assert.deepEqual(parseStatus(last!), { ran: true, exitCode: null, signal: 'SIGTERM', survivors: false });
});

test('leash: a stop 0–2 ms after the start, the supervisor side gone right after — no orphan, 200 times', async () => {
  for (let i = 0; i < 200; i++) {
    const p = spawn(leashPath(), ['100', 'SIGTERM', 'sleep', '60'], {
      env: { ...process.env, ZKS_TEST_TAG: tag },
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const ctl = p.stdio[3] as Duplex;
    ctl.write(`R ${process.hrtime.bigint() + 60_000_000_000n} 1 7\n`);
    const wait = (i % 3) * 1; // 0, 1 or 2 ms
    if (wait) await new Promise((r) => setTimeout(r, wait));
    ctl.write('S 100\n');
    ctl.end();
    await within(new Promise((r) => p.once('exit', r)), 5000, `leash ${i} exiting`);
  }
  assert.equal(jobs(), 0, 'orphans');
});

test('leash: exact status — exit 130 is an exit code, a signal is a signal; a run whose deadline passed is refused', async () => {
  const a = task({}, ['/bin/sh', '-c', 'exit 130']);
  a.t.run(60_000, 1, 7);
  assert.deepEqual(await a.t.exited, { ...(await a.t.exited), reason: 'exited', exitCode: 130, signal: null });
  const b = task({}, ['/bin/sh', '-c', 'kill -INT $$']);
  b.t.run(60_000, 1, 7);
  const eb = await b.t.exited;
  assert.equal(eb.signal, 'SIGINT');
  assert.equal(eb.exitCode, null);
  const c = task();
  c.t.run(0, 1, 7);
  const ec = await within(c.t.exited, 5000, 'a refused run');
  assert.equal(ec.exitCode, null);
  assert.equal(ec.signal, null);
  assert.equal(jobs(), 0);
});

test('leash: the job inherits no descriptor but stdio; SHELLOPTS and BASH_ENV change nothing', async () => {
  const fds = join(dir, 'fds');
  const { t, started } = task({ CHILD_FDS: fds, SHELLOPTS: 'errexit', BASH_ENV: '/nonexistent' });
  t.run(60_000, 1, 7);
  await started();
  const [, list] = readFileSync(fds, 'utf8').trim().split(' ');
  // node's own descriptors (epoll, eventfd, pipes it creates) come after 2; none may be inherited sockets
  const { t: t2, started: s2 } = task({}, ['/bin/sh', '-c', `ls -l /proc/self/fd > ${fds}.sh; exec sleep 60`]);
  t2.run(60_000, 1, 7);
  await waitFor(
    () => {
      try {
        return readFileSync(`${fds}.sh`, 'utf8');
      } catch {
        return '';
      }
    },
    { timeoutMs: 5000, what: 'the fd list' }
  );
  const inherited = readFileSync(`${fds}.sh`, 'utf8')
    .split('\n')
    .filter((l) => /\d+ -> /.test(l))
    .map((l) => l.split(' -> ')[0]!.split(' ').at(-1));
  assert.deepEqual(
    inherited.filter((fd) => Number(fd) > 2 && fd !== '3'),
    [],
    `inherited: ${inherited}`
  ); // 3: ls's own dir fd
  assert.ok(list, 'the child listed its fds');
  await Promise.all([t.stop(), t2.stop()]);
  void s2;
});

test('leash: killed itself, its job dies with it and the task kills what is left of the group before exiting', async () => {
  const { t } = task({}, ['/bin/sh', '-c', 'sleep 60 & sleep 60 & wait']);
  t.run(60_000, 1, 7);
  const pgid = await within(t.started, 5000, 'the job reported');
  assert.ok(pgid && pgid !== t.pid, `the job's group ${pgid} is not the leash's ${t.pid}`);
  await waitFor(() => jobs() >= 3, { timeoutMs: 5000, what: 'the job and its two sleeps' });
  process.kill(t.pid, 'SIGKILL');
  const exit = await within(t.exited, 5000, 'the task reporting the lost leash');
  assert.equal(exit.leashLost, true);
  assert.equal(exit.reason, 'killed');
  assert.equal(jobs(), 0, 'nothing of the job is left once `exited` resolves');
});

// Found by the soak (seeds 11 and 12): a leash frozen past its lease end (a whole-host freeze, or the leash and the
// supervisor frozen together) gives the job its whole grace again once thawed, so a job slow to stop runs on
// beside the next leader's for up to stopTimeout (2005 ms here). Once the lease is over, so is the grace: SIGKILL.
test('leash: thawed after its lease ended (deadline + grace passed), it kills the job at once, without a new grace', async () => {
  const p = spawn(leashPath(), ['2000', 'SIGTERM', process.execPath, CHILD], {
    env: { ...process.env, ZKS_TEST_TAG: tag, CHILD_IGNORE_TERM: '1', CHILD_LOG: join(dir, 'thaw.log') },
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
    detached: true,
  });
  const ctl = p.stdio[3] as Duplex;
  let status = '';
  ctl.on('data', (d) => {
    status += d;
  });
  const exited = new Promise((r) => p.once('exit', r));
  try {
    ctl.write(`R ${process.hrtime.bigint() + 300_000_000n} 1 7\n`);
    await waitFor(() => status.startsWith('P '), { timeoutMs: 5000, what: 'the job reported started' });
    process.kill(p.pid!, 'SIGSTOP');
    // The freeze itself (the fault): past the deadline (300 ms) and its grace (2 s).
    await new Promise((r) => setTimeout(r, 2600));
    const t0 = performance.now();
    process.kill(p.pid!, 'SIGCONT');
    await within(exited, 5000, 'the leash exiting');
    const ms = performance.now() - t0;
    assert.ok(ms < 300, `the job was stopped ${ms.toFixed(0)} ms after the thaw (the lease had ended 2.3 s before)`);
  } finally {
    p.kill('SIGKILL');
    await sweepTag(tag);
  }
});
