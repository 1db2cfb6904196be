// One daemon, many jobs (#29): three daemons share four jobs, one session each; every job has one leader at a time,
// a job that cannot start disturbs no other, and kill -9 of a daemon moves its jobs without overlap.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { BIN, CHILD, SupervisorProc, useSupervisors } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';
import { freePort } from '../../helpers/zk-server.js';

const { fx, work, procs } = useSupervisors();

const JOBS = { report: '300ms', worker: '500ms', indexer: '800ms' } as const;

/** A daemon's file and a job file per job (each child writing to its own log); returns the file and the logs. */
let n = 0;
async function daemonConfig(metricsPort?: number, extra = ''): Promise<{ file: string; logs: Record<string, string> }> {
  const dir = join(work.dir, `daemon-${n++}`);
  mkdirSync(join(dir, 'jobs.d'), { recursive: true });
  const logs: Record<string, string> = {};
  for (const [name, stopTimeout] of Object.entries(JOBS)) {
    logs[name] = join(dir, `${name}.log`);
    const task = `  command: ${JSON.stringify([process.execPath, CHILD])}\n  stopTimeout: ${stopTimeout}\n`;
    const env = `  env:\n    CHILD_LOG: "${logs[name]}"\n`;
    writeFileSync(join(dir, 'jobs.d', `${name}.yaml`), `election:\n  path: /daemon/${name}\ntask:\n${task}${env}`);
  }
  // a job whose command is missing: it never starts, and nothing else notices
  writeFileSync(
    join(dir, 'jobs.d', 'broken.yaml'),
    'election:\n  path: /daemon/broken\ntask:\n  command: [/no/such]\n  stopTimeout: 1s\n'
  );
  const zk = `zookeeper:\n  connect: "${await fx.chroot()}"\n  sessionTimeout: 2s\n  serverTickTime: 100ms\n`;
  const file = join(dir, 'zk-supervisor.yaml');
  const metrics = metricsPort ? `metrics:\n  listen: "127.0.0.1:${metricsPort}"\n` : '';
  writeFileSync(file, `${zk}${metrics}logging:\n  level: debug\n  format: text\n${extra}jobs: jobs.d\n`);
  return { file, logs };
}

/** One daemon (with metrics) of its own jobs, once it runs every job's child. */
async function alone(id: string) {
  const port = await freePort();
  const { file, logs } = await daemonConfig(port);
  const sup = new SupervisorProc(id, file);
  procs.push(sup);
  await waitFor(() => Object.keys(JOBS).every((j) => readRuns(logs[j]!).length === 1), {
    timeoutMs: 15_000,
    what: `${id} running every child`,
  });
  return { port, file, logs, sup };
}

/** Resolves once `s` has queued in the election of every job that can run. */
const queued = (s: SupervisorProc) =>
  waitFor(() => s.lines.filter((l) => l.includes('candidate position')).length >= Object.keys(JOBS).length, {
    timeoutMs: 10_000,
    what: `${s.id} queued for every job`,
  });

/** Daemons `ids` on `file`, started one by one: the first leads every job, each next one queues behind the others. */
async function inOrder(file: string, logs: Record<string, string>, ids: string[]): Promise<SupervisorProc[]> {
  const sups: SupervisorProc[] = [];
  for (const id of ids) {
    const s = new SupervisorProc(id, file);
    procs.push(s);
    sups.push(s);
    if (sups.length > 1) await queued(s);
    else
      await waitFor(() => Object.keys(JOBS).every((j) => readRuns(logs[j]!).length === 1), {
        timeoutMs: 15_000,
        what: `${id} leading every job`,
      });
  }
  return sups;
}

const leaderOf = (sups: SupervisorProc[], job: string) =>
  sups.filter((s) => {
    const last = s.lines.filter((l) => l.includes('state change') && l.includes(` job=${job} `)).at(-1);
    return last !== undefined && / to=running /.test(last);
  });

test('jobs: three daemons share the jobs, one session each; kill -9 of one moves its jobs without overlap', async () => {
  const { file, logs } = await daemonConfig();
  const sups = ['ja', 'jb', 'jc'].map((id) => new SupervisorProc(id, file));
  procs.push(...sups);
  const names = Object.keys(JOBS);
  await waitFor(() => names.every((j) => readRuns(logs[j]!).length === 1 && leaderOf(sups, j).length === 1), {
    timeoutMs: 15_000,
    what: 'one running child per job',
  });
  for (const s of sups) {
    await s.waitLog(/job=broken.*task cannot start|task cannot start.*job=broken/, 10_000);
    assert.equal(s.lines.filter((l) => l.includes('zookeeper session ')).length, 1, `${s.id}: one session`);
  }
  const leads = (s: SupervisorProc) => names.filter((j) => leaderOf([s], j).length === 1);
  const victim = sups.reduce((a, b) => (leads(b).length > leads(a).length ? b : a));
  const moved = leads(victim);
  victim.killGroup(); // the daemon, its leashes and children: as a host crash takes them
  await victim.exited;
  await waitFor(() => moved.every((j) => readRuns(logs[j]!).length === 2), {
    timeoutMs: 10_000,
    what: `the jobs of ${victim.id} (${moved.join(', ')}) running elsewhere`,
  });
  for (const j of names) {
    const runs = readRuns(logs[j]!);
    assert.equal(runs.length, moved.includes(j) ? 2 : 1, `${j}: a job the victim did not lead was not disturbed`);
    assert.deepEqual(
      overlaps(runs).map((o) => `${o.a.name}/${o.b.name} ${o.ms.toFixed(1)} ms`),
      [],
      `${j} overlap`
    );
    assert.equal(
      leaderOf(
        sups.filter((s) => s !== victim),
        j
      ).length,
      1,
      `${j}: one leader`
    );
  }
});

test('jobs: status lists every job, status/resign --job act on one; the others are not disturbed', async () => {
  const { file, logs } = await daemonConfig();
  const sups = ['ka', 'kb'].map((id) => new SupervisorProc(id, file));
  procs.push(...sups);
  const names = Object.keys(JOBS);
  await waitFor(() => names.every((j) => readRuns(logs[j]!).length === 1 && leaderOf(sups, j).length === 1), {
    timeoutMs: 15_000,
    what: 'one running child per job',
  });
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args, '--config', file], { encoding: 'utf8' });
  const all = cli('status');
  assert.equal(all.status, 3, `exit 3: the broken job has no leader\n${all.stderr}`);
  assert.match(all.stdout, /^4 jobs on .*; this host leads 3\n/);
  assert.match(all.stdout, /\nbroken +none +- +0 +not a candidate\n/, 'it never queues: its command is missing');
  for (const j of names) assert.match(all.stdout, new RegExp(`\\n${j} +k[ab] \\(host .*\\) +\\d+ +2 +leader`));
  const oneRun = cli('status', '--job', 'report', '--json');
  assert.equal(oneRun.status, 0, oneRun.stderr);
  const one = JSON.parse(oneRun.stdout);
  assert.equal(one.leader.id.split(':')[0], leaderOf(sups, 'report')[0]!.id);
  const wrong = cli('status', '--job', 'nope');
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /--job nope: .* has no such job: name one with --job \(broken, indexer, report, worker\)/);
  const before = leaderOf(sups, 'report')[0]!;
  const resigned = cli('resign', '--job', 'report', '--wait', '--timeout', '10s');
  assert.equal(resigned.status, 0, resigned.stderr);
  await waitFor(() => readRuns(logs.report!).length === 2, { timeoutMs: 5000, what: 'report running elsewhere' });
  assert.notEqual(leaderOf(sups, 'report')[0], before, 'report moved');
  for (const j of ['worker', 'indexer']) assert.equal(readRuns(logs[j]!).length, 1, `${j} was not disturbed`);
  assert.deepEqual(overlaps(readRuns(logs.report!)), []);
});

test('jobs: /metrics gives every series a job label; /status lists the jobs', async () => {
  const { port } = await alone('ma');
  const names = Object.keys(JOBS);
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const j of names) {
    assert.match(body, new RegExp(`^zk_supervisor_leader\\{job="${j}"\\} 1$`, 'm'));
    assert.match(body, new RegExp(`^zk_supervisor_child_running\\{job="${j}"\\} 1$`, 'm'));
    assert.match(body, new RegExp(`^zk_supervisor_leadership_transitions_total\\{job="${j}",reason="won"\\} 1$`, 'm'));
    assert.match(body, new RegExp(`^zk_supervisor_lease_remaining_seconds\\{job="${j}"\\} (0\\.\\d*[1-9]|[1-9])`, 'm'));
  }
  assert.match(body, /^zk_supervisor_leader\{job="broken"\} 0$/m);
  const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
    jobs: { job: string; leader: { id: string } | null }[];
  };
  assert.deepEqual(
    status.jobs.map((j) => [j.job, j.leader?.id ?? null]),
    [['broken', null], ...names.sort().map((j) => [j, 'ma'])]
  );
});

test('jobs: SIGHUP adds, removes and changes jobs; the others keep their children and the session', async () => {
  const { port, file, logs, sup } = await alone('ha');
  const dir = join(file, '..', 'jobs.d');
  rmSync(join(dir, 'worker.yaml'));
  const extraLog = join(dir, '..', 'extra.log');
  const extra = `election:\n  path: /daemon-extra\ntask:\n  command: ${JSON.stringify([process.execPath, CHILD])}\n`;
  writeFileSync(join(dir, 'extra.yaml'), `${extra}  stopTimeout: 1s\n  env:\n    CHILD_LOG: "${extraLog}"\n`);
  const report = join(dir, 'report.yaml');
  writeFileSync(report, readFileSync(report, 'utf8').replace('  env:\n', '  env:\n    MARK: "v2"\n'));
  const from = sup.lines.length;
  sup.signal('SIGHUP');
  await sup.waitLog(/job=report .*config reloaded|config reloaded.*job=report/, 5000, from);
  await waitFor(() => readRuns(extraLog).length === 1, { timeoutMs: 10_000, what: 'the added job running' });
  await waitFor(() => readRuns(logs.worker!)[0]?.stopped, {
    timeoutMs: 10_000,
    what: "the removed job's child stopped",
  });
  await sup.waitLog(/state change job=worker .*to=stopped/, 5000, from);
  assert.equal(readRuns(logs.report!).length, 1, 'the changed job keeps its child (the change applies next term)');
  assert.equal(readRuns(logs.indexer!).length, 1, 'the untouched job is not disturbed');
  assert.equal(sup.lines.filter((l) => l.includes('zookeeper session ')).length, 1, 'on the same session');
  assert.ok(!sup.lines.slice(from).some((l) => /job=indexer/.test(l) && /state change/.test(l)), 'indexer untouched');
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.doesNotMatch(body, /job="worker"/, "the removed job's series are gone");
  assert.match(body, /^zk_supervisor_leader\{job="extra"\} 1$/m);
});

test('jobs: with spread, the jobs of a failed host do not pile onto the next one', async () => {
  const { file, logs } = await daemonConfig(undefined, 'spread: true\n');
  const names = Object.keys(JOBS);
  const [a, b, c] = (await inOrder(file, logs, ['sa', 'sb', 'sc'])) as [SupervisorProc, SupervisorProc, SupervisorProc];
  a.killGroup();
  await waitFor(() => names.every((j) => readRuns(logs[j]!).length === 2 && leaderOf([b, c], j).length === 1), {
    timeoutMs: 20_000,
    what: 'every job running again',
  });
  const leads = (s: SupervisorProc) => names.filter((j) => leaderOf([s], j).length === 1).length;
  // 4 jobs (one of which cannot run) over 2 hosts: a share of ⌈4 / 2⌉ = 2 (without spread: [3, 0])
  assert.deepEqual([leads(b), leads(c)], [2, 1], 'b kept its share and passed the rest on');
  assert.ok(b.lines.some((l) => /passing the term on \(spread\)/.test(l)));
  for (const j of names) assert.deepEqual(overlaps(readRuns(logs[j]!)), [], `${j} overlap`);
});

test('jobs: drain of a host without --job drains it in every job: its jobs move, it stays a standby', async () => {
  const { file, logs } = await daemonConfig();
  const names = Object.keys(JOBS);
  const [a, b] = (await inOrder(file, logs, ['da', 'db'])) as [SupervisorProc, SupervisorProc];
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args, '--config', file], { encoding: 'utf8' });
  const drained = cli('drain', '--id', 'da');
  assert.equal(drained.status, 0, drained.stderr);
  for (const j of [...names, 'broken']) assert.match(drained.stdout, new RegExp(`^drained: da \\(job ${j}\\)$`, 'm'));
  await waitFor(() => names.every((j) => readRuns(logs[j]!).length === 2 && leaderOf([b], j).length === 1), {
    timeoutMs: 15_000,
    what: 'every job moved to b',
  });
  for (const j of names) assert.deepEqual(overlaps(readRuns(logs[j]!)), [], `${j} overlap`);
  await a.waitLog(/state change job=report .*to=drained/, 5000);
});

test('jobs: a scheduled job runs its ticks beside a continuous one; its records are its own (status --job)', async () => {
  const dir = join(work.dir, 'scheduled');
  mkdirSync(join(dir, 'jobs.d'), { recursive: true });
  const tickLog = join(dir, 'ticks.log');
  const child = JSON.stringify([process.execPath, CHILD]);
  writeFileSync(
    join(dir, 'jobs.d', 'tick.yaml'),
    `election:\n  path: /sched/tick\ntask:\n  command: ${child}\n  schedule: "* * * * * *"\n  stopTimeout: 300ms\n` +
      `  env:\n    CHILD_LOG: "${tickLog}"\n    CHILD_EXIT_AFTER_MS: "100"\n`
  );
  const steadyLog = join(dir, 'steady.log');
  writeFileSync(
    join(dir, 'jobs.d', 'steady.yaml'),
    `election:\n  path: /sched/steady\ntask:\n  command: ${child}\n  stopTimeout: 300ms\n  env:\n    CHILD_LOG: "${steadyLog}"\n`
  );
  const file = join(dir, 'main.yaml');
  const zk = `zookeeper:\n  connect: "${await fx.chroot()}"\n  sessionTimeout: 2s\n  serverTickTime: 100ms\n`;
  writeFileSync(file, `${zk}logging:\n  level: debug\n  format: text\njobs: jobs.d\n`);
  procs.push(new SupervisorProc('ta', file));
  await waitFor(() => readRuns(tickLog).length >= 3, { timeoutMs: 10_000, what: 'three ticks run' });
  assert.equal(readRuns(steadyLog).length, 1, 'the continuous job runs once, undisturbed by the ticks');
  const st = spawnSync(process.execPath, [BIN, 'status', '--config', file, '--job', 'tick'], { encoding: 'utf8' });
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, /schedule: \* \* \* \* \* \*, next tick \d{4}-/);
  assert.match(st.stdout, /finished exit 0 in \d+ ms on ta/);
  const steady = spawnSync(process.execPath, [BIN, 'status', '--config', file, '--job', 'steady'], {
    encoding: 'utf8',
  });
  assert.doesNotMatch(steady.stdout, /schedule:/, "the other job's status has no schedule");
});
