// Scheduled mode on a real ZooKeeper with an every-second schedule: each tick runs at most once across
// failovers, no tick disappears without a record, runs never overlap (children's own timestamps).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunRecord } from '../../../src/schedule/runs.js';
import { compileSchedule } from '../../../src/schedule/cron.js';
import { jitterOf } from '../../../src/schedule/ticks.js';
import type { Zk } from '../../../src/zk/client.js';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { cleanArgv } from '../../../src/util/clean-exec.js';
import { BIN, SupervisorProc, alive, pgidOf, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();
const EVERY_SECOND = '* * * * * *';

let n = 0;
async function start(ids: string[], opts: { childEnv?: Record<string, string>; extraTask?: string } = {}) {
  const i = n++;
  const root = await fx.chroot();
  const childLog = join(work.dir, `sched-${i}.log`);
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/cron',
    childLog,
    stopTimeout: '300ms',
    childEnv: opts.childEnv,
    extraTask: `  schedule: "${EVERY_SECOND}"${opts.extraTask ? `\n${opts.extraTask}` : ''}`,
  });
  const sups = ids.map((id) => new SupervisorProc(`${id}${i}`, config));
  procs.push(...sups);
  const admin = await fx.client({ connect: root });
  return { sups, childLog, admin, config };
}

async function records(zk: Zk): Promise<RunRecord[]> {
  const { children } = await zk.children('/cron/runs');
  const out = [];
  for (const c of children.sort()) out.push(JSON.parse((await zk.get(`/cron/runs/${c}`)).data.toString()) as RunRecord);
  return out;
}

function status(config: string): { code: number | null; out: string } {
  const { file, args, env } = cleanArgv([process.execPath, BIN, 'status', '--config', config]);
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout + r.stderr };
}

const finishedCount = async (zk: Zk) => (await records(zk)).filter((r) => r.state === 'finished').length;
const leaderOf = (sups: SupervisorProc[]) =>
  waitFor(() => sups.find((s) => s.state === 'running' || s.state === 'waiting'), {
    timeoutMs: 15_000,
    what: 'a scheduled leader',
  });

// Every tick between the first and the last record has a record; settled ticks are in a final state.
function assertNoTickLost(recs: RunRecord[]): void {
  const schedule = compileSchedule(EVERY_SECOND);
  const ticks = recs.map((r) => r.tick);
  const expected = schedule
    .between(new Date(Date.parse(ticks[0]!) - 1), new Date(ticks.at(-1)!), 1000)
    .map((d) => d.toISOString());
  assert.deepEqual(ticks, expected, 'a tick between the first and the last has no record');
  for (const r of recs.slice(0, -2))
    assert.ok(['finished', 'fenced', 'skipped', 'missed'].includes(r.state), `tick ${r.tick} left in state ${r.state}`);
}

test('schedule: kill -9 of the leader mid-run and mid-wait — no tick twice, none lost unreported, no overlap', async () => {
  const { sups, childLog, admin, config } = await start(['a', 'b', 'c'], { childEnv: { CHILD_EXIT_AFTER_MS: '300' } });
  await waitFor(async () => (await finishedCount(admin)) >= 2, { timeoutMs: 15_000, what: 'two finished ticks' });

  // Mid-run: as soon as a child has started, kill the leader's supervisor alone; the leash stops the child.
  const first = await leaderOf(sups);
  const before = readRuns(childLog).length;
  const running = await waitFor(
    () =>
      readRuns(childLog)
        .slice(before)
        .find((r) => !r.stopped),
    { timeoutMs: 5000, what: 'a run in progress' }
  );
  first.killGroup();
  await waitFor(() => !alive(running.pid), {
    timeoutMs: 3000,
    what: `the interrupted child ${running.pid} stopped by its leash`,
  });
  const rest = sups.filter((s) => s !== first);
  const second = await leaderOf(rest);
  await waitFor(async () => (await records(admin)).find((r) => r.tick === running.tick)?.state === 'fenced', {
    timeoutMs: 10_000,
    what: `tick ${running.tick} recorded as fenced`,
  });
  const afterFirst = await finishedCount(admin);
  await waitFor(async () => (await finishedCount(admin)) >= afterFirst + 2, {
    timeoutMs: 15_000,
    what: 'the new leader running ticks',
  });

  // Mid-wait: right after a run finished (the next tick is ~700 ms away), kill the whole leader host.
  const waiting = await second.waitLog(/to=waiting reason="next tick"/, 5000, second.lines.length);
  const waitedTick = /tick=(\S+)/.exec(waiting)![1]!;
  const group = pgidOf(readRuns(childLog).at(-1)!.pid);
  second.killGroup();
  if (group)
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      /* gone */
    }
  const third = await leaderOf(rest.filter((s) => s !== second));
  const afterSecond = await finishedCount(admin);
  await waitFor(async () => (await finishedCount(admin)) >= afterSecond + 2, {
    timeoutMs: 15_000,
    what: 'the third leader running ticks',
  });
  const st = status(config);
  assert.equal(st.code, 0, st.out);
  console.log(st.out.replace(/^/gm, '# status: '));
  assert.match(st.out, /schedule: \* \* \* \* \* \*, next tick \d{4}-/);
  assert.match(
    st.out,
    new RegExp(`${running.tick.replace(/\./g, '\\.')} fenced on ${first.id} .*ended while it ran`),
    st.out
  );
  assert.match(st.out, new RegExp(`finished exit 0 in \\d+ ms on ${third.id}`));
  third.signal('SIGTERM');
  assert.equal(await third.exited, 0);

  const recs = await records(admin);
  const runs = readRuns(childLog);
  assert.deepEqual(overlaps(runs), [], 'two runs overlapped');
  const starts = runs.map((r) => r.tick);
  assert.equal(new Set(starts).size, starts.length, `a tick ran twice: ${starts.join(' ')}`);
  for (const r of runs)
    assert.ok(
      recs.some((x) => x.tick === r.tick && x.state !== 'missed' && x.state !== 'skipped'),
      `run of ${r.tick} has no started/finished record`
    );
  assertNoTickLost(recs);
  // Both failovers left ticks due with nobody leading: catchUp last ran the latest late, the rest are missed.
  const lateStarts = sups.flatMap((s) => s.lines.filter((l) => /late tick started/.test(l)));
  assert.equal(lateStarts.length, 2, `expected one late catch-up run per failover:\n${lateStarts.join('\n')}`);
  assert.ok(
    recs.some((r) => r.state === 'missed' && /nobody led/.test(r.reason ?? '')),
    'no tick recorded as missed'
  );
  const waited = recs.find((r) => r.tick === waitedTick);
  assert.ok(
    waited?.state === 'missed' || (waited?.state === 'finished' && waited.lateMs! >= 500),
    `tick ${waitedTick} (due while nobody led): ${JSON.stringify(waited)}`
  );
  const fenced = recs.find((r) => r.tick === running.tick)!;
  assert.match(fenced.reason ?? '', /ended while it ran|lease|session/);
  assert.ok(
    third.lines.some((l) => /tick interrupted by a failover|ticks came due while nobody led/.test(l)) ||
      second.lines.some((l) => /tick interrupted by a failover/.test(l)),
    'the failover was not reported in the logs'
  );
});

test('schedule: concurrency forbid skips ticks while a run is still going; replace stops it for the new tick', async () => {
  const forbid = await start(['f'], { childEnv: { CHILD_EXIT_AFTER_MS: '2300' } });
  await waitFor(
    async () =>
      (await records(forbid.admin)).filter((r) => r.state === 'skipped').length >= 2 &&
      (await finishedCount(forbid.admin)) >= 1,
    { timeoutMs: 15_000, what: 'skipped ticks and a finished run' }
  );
  forbid.sups[0]!.signal('SIGTERM');
  assert.equal(await forbid.sups[0]!.exited, 0);
  const fr = await records(forbid.admin);
  assert.ok(fr.filter((r) => r.state === 'skipped').every((r) => /still running/.test(r.reason ?? '')));
  assert.deepEqual(overlaps(readRuns(forbid.childLog)), []);
  assertNoTickLost(fr);

  const replace = await start(['r'], { extraTask: '  concurrency: replace' }); // the child never exits by itself
  await waitFor(async () => (await finishedCount(replace.admin)) >= 3, {
    timeoutMs: 15_000,
    what: 'three replaced runs',
  });
  replace.sups[0]!.signal('SIGTERM');
  assert.equal(await replace.sups[0]!.exited, 0);
  const rr = await records(replace.admin);
  assert.ok(
    rr.filter((r) => r.state === 'finished').every((r) => /replaced it/.test(r.reason ?? '')),
    JSON.stringify(rr)
  );
  const runs = readRuns(replace.childLog);
  assert.deepEqual(overlaps(runs), [], 'a replaced run overlapped its successor');
  assert.ok(runs.length >= 3);
  assertNoTickLost(rr);
});

test('schedule: task.timeout stops a run that goes on too long and records it timed-out', async () => {
  // the child runs until stopped: every run is cut at 2 s; the ticks due meanwhile are skipped (forbid)
  const { sups, childLog, admin, config } = await start(['t'], { extraTask: '  timeout: 2s' });
  await waitFor(async () => (await records(admin)).some((r) => r.state === 'timed-out'), {
    timeoutMs: 10_000,
    what: 'a run recorded timed-out',
  });
  const run = (await records(admin)).find((r) => r.state === 'timed-out')!;
  assert.match(run.reason ?? '', /ran longer than task\.timeout \(2000 ms\)/);
  assert.ok(run.durationMs! >= 2000 && run.durationMs! < 3500, `stopped after ${run.durationMs} ms`);
  const [first] = readRuns(childLog);
  assert.ok(first!.stopped, 'the child was stopped (its stop line)');
  await sups[0]!.waitLog(/tick finished.*reason="stopped: it ran longer than task\.timeout/, 5000);
  assert.match(status(config).out, /timed-out .* in \d+ ms on t\d/);
});

test('schedule: task.jitter starts each tick its own delay late, the same a test computes', async () => {
  const { admin } = await start(['j'], {
    extraTask: '  jitter: 800ms',
    childEnv: { CHILD_EXIT_AFTER_MS: '50', CHILD_EXIT_CODE: '0' },
  });
  await waitFor(async () => (await finishedCount(admin)) >= 4, { timeoutMs: 15_000, what: '4 ticks run' });
  const ran = (await records(admin)).filter((r) => r.state === 'finished').slice(1); // the first may be a late one
  for (const r of ran) {
    const expected = jitterOf(r.tick, '/cron', 800);
    assert.ok(
      r.lateMs! >= expected && r.lateMs! < expected + 400,
      `tick ${r.tick} started ${r.lateMs} ms late, its jitter is ${expected} ms`
    );
  }
});

// A job every 5 s running `command` with `task.retries` (`extra`: more top-level lines): its first finished tick.
async function firstFinished(id: string, command: string, retries: string, extra?: string) {
  const root = await fx.chroot();
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/cron',
    childLog: join(work.dir, 'unused.log'),
    command,
    extraTask: `  schedule: "*/5 * * * * *"\n  retries: ${retries}`,
    extra,
  });
  const s = new SupervisorProc(id, config);
  procs.push(s);
  const admin = await fx.client({ connect: root });
  await waitFor(async () => (await records(admin)).some((r) => r.state === 'finished'), {
    timeoutMs: 15_000,
    what: 'a tick finished',
  });
  return { s, config, done: (await records(admin)).find((r) => r.state === 'finished')! };
}

test('schedule: task.retries runs a failed tick again, one attempt after the other, all under its record', async () => {
  const marker = join(work.dir, `failed-once-${n++}`);
  // the first attempt of each tick fails (exit 3), the second succeeds
  const command = `if [ -e ${marker}-$ZK_SUPERVISOR_TICK ]; then exit 0; fi; touch ${marker}-$ZK_SUPERVISOR_TICK; exit 3`;
  const { s, config, done } = await firstFinished('r', command, '{ count: 2, backoff: 300ms }');
  assert.equal(done.exitCode, 0, 'the retry succeeded');
  assert.equal(done.attempts?.length, 1, 'one failed attempt before it');
  assert.equal(done.attempts![0]!.exitCode, 3);
  const gap = Date.parse(done.finishedAt!) - done.durationMs! - Date.parse(done.attempts![0]!.startedAt);
  assert.ok(gap >= 300, `the retry started ${gap} ms after the first attempt's start: before the backoff`);
  await s.waitLog(/tick failed, retrying.*attempt=2/, 1000);
  assert.match(status(config).out, /finished exit 0 in \d+ ms \(attempt 2\)/);
});

test('schedule: task.retries gives up after count attempts; the record keeps every exit; onFailure once', async () => {
  const told = join(work.dir, `told-${n++}`);
  const hook = `hooks:\n  onFailure: 'echo "$ZK_SUPERVISOR_TICK $ZK_SUPERVISOR_OUTCOME $ZK_SUPERVISOR_EXIT_CODE" >> ${told}'`;
  const { s, done } = await firstFinished('g', 'exit 4', '{ count: 2, backoff: 200ms }', hook);
  assert.equal(done.exitCode, 4);
  assert.deepEqual(
    done.attempts?.map((a) => a.exitCode),
    [4, 4],
    'three attempts: two recorded before the last'
  );
  const starts = [
    ...done.attempts!.map((a) => Date.parse(a.startedAt)),
    Date.parse(done.finishedAt!) - done.durationMs!,
  ];
  assert.ok(
    starts[2]! - starts[1]! >= 400 - 50,
    `the second retry waited twice the backoff (${starts[2]! - starts[1]!} ms)`
  );
  await s.waitLog(/hook done .*hook=onFailure/, 5000);
  const lines = readFileSync(told, 'utf8').trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith(done.tick)).length, 1, 'onFailure once for the tick, not per attempt');
  assert.equal(lines[0], `${done.tick} failure 4`);
});

test('schedule: notify POSTs exactly the documented events and the Healthchecks pings to a local receiver', async () => {
  const got: { path: string; doc: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ path: req.url!, doc: JSON.parse(body) as Record<string, unknown> });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const root = await fx.chroot();
    const config = writeConfig(work.dir, {
      connect: root,
      path: '/cron',
      childLog: join(work.dir, 'unused.log'),
      command: '[ $(( $(date +%s) % 2 )) -eq 0 ]', // every other second fails
      extraTask: `  schedule: "${EVERY_SECOND}"`,
      extra: `notify:\n  url: ${url}/events\n  healthchecks: ${url}/hc`,
    });
    procs.push(new SupervisorProc('n', config));
    const admin = await fx.client({ connect: root });
    await waitFor(async () => (await finishedCount(admin)) >= 5, { timeoutMs: 15_000, what: '5 ticks run' });
    const recs = (await records(admin)).filter((r) => r.state === 'finished');
    const of = (path: string, tick: string, event?: string) =>
      got.filter((g) => g.path === path && g.doc.tick === tick && (!event || g.doc.event === event)).length;
    // each finished tick's pings come after its record: wait for those of every tick read
    await waitFor(() => recs.every((r) => of(r.exitCode === 0 ? '/hc' : '/hc/fail', r.tick) > 0), {
      timeoutMs: 5000,
      what: 'a ping per finished tick',
    });
    await new Promise((r) => setTimeout(r, 200)); // a second, duplicate ping would have come by now
    for (const r of recs) {
      assert.equal(of('/hc/start', r.tick), 1, `one start ping for ${r.tick}`);
      if (r.exitCode === 0) {
        assert.equal(of('/hc', r.tick), 1, `one success ping for ${r.tick}`);
        assert.equal(of('/events', r.tick, 'success'), 0, 'success is not in the default `on`');
      } else {
        assert.equal(of('/hc/fail', r.tick), 1, `one fail ping for ${r.tick}`);
        assert.equal(of('/events', r.tick, 'failure'), 1, `one failure document for ${r.tick}`);
      }
    }
    // a success right after a failure is a recovery (every other tick here)
    const recoveries = got.filter((g) => g.path === '/events' && g.doc.event === 'recovery');
    assert.ok(recoveries.length >= 1, 'a recovery document');
    const doc = got.find((g) => g.path === '/events')!.doc;
    for (const k of ['tick', 'outcome', 'event', 'exitCode', 'durationMs', 'host', 'id', 'path', 'term', 'token', 'at'])
      assert.ok(k in doc, `the document has ${k}`);
  } finally {
    server.close();
  }
});
