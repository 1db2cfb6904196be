// npm run bench:jobs -- [--counts 1,20,100] [--idle S] [--handovers K]: what supervising N jobs costs an idle
// host — one daemon with N jobs (one session, one lease heartbeat) against N single-job processes (for
// N ≤ --separate, default 20): RSS and CPU of the supervisor processes (their leashes apart), ZooKeeper requests
// per minute, sessions; every job leads (one host), its child a `sleep`. Then the hand-over of one job
// (`resign --job`, K times between two daemons) while the N − 1 others run: does it slow down with N?
// ZooKeeper tickTime 100 ms; T = 10 s, stopTimeout 5 s.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Zk } from '../src/zk/client.js';
import { readRuns } from '../test/helpers/overlap.js';
import { ProcSampler, newTag, procOverlaps } from '../test/helpers/proc-sampler.js';
import { BIN, SupervisorProc, endAll, killAll } from '../test/helpers/supervisors.js';
import { fourLetter, startCluster } from '../test/helpers/zk-server.js';
import { median, packets, rssMb, threadsMs } from './stats.js';

const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '1,20,100' },
    idle: { type: 'string', default: '30' },
    separate: { type: 'string', default: '20' },
    handovers: { type: 'string', default: '7' },
  },
});
const HANDOVERS = Number(values.handovers);
const CHILD_BIN = join(tmpdir(), `zks-bench-child-${process.pid}`);
execFileSync('cc', ['-O2', '-o', CHILD_BIN, resolve(import.meta.dirname, 'peers/child.c')]);
const COUNTS = values.counts.split(',').map(Number);
const IDLE_S = Number(values.idle);
const SEPARATE = Number(values.separate);
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-jobs-'));
const cluster = await startCluster(1);
const port = cluster.servers[0]!.port;

const SHARED = (root: string) =>
  `zookeeper:\n  connect: "${cluster.connectString}${root}"\n  sessionTimeout: 10s\n  serverTickTime: 100ms\n` +
  'logging:\n  level: warn\n';
const JOB = (path: string) =>
  `election:\n  path: ${path}\ntask:\n  command: ["/bin/sleep", "100000"]\n  stopTimeout: 5s\n`;

const sessions = async () => [...(await fourLetter(port, 'cons')).matchAll(/sid=0x/g)].length;

type Row = { what: string; procs: number; rssMb: number; cpuPct: number; reqPerMin: number; sessions: number };
const rows: Row[] = [];

/** The jobs' children running now (`sleep 100000`). */
const sleeping = () =>
  readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'latin1') === '/bin/sleep\x00100000\x00';
    } catch {
      return false; // gone meanwhile
    }
  }).length;
/** Polls (a benchmark's set-up, not a measurement) until `ok`, for at most 60 s. */
async function until(ok: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within 60 s: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until every job's child runs (a `sleep` under each leash), then measures the idle supervisors. */
async function measure(what: string, sups: SupervisorProc[], jobs: number): Promise<void> {
  await until(() => sleeping() >= jobs, `${what}: every child running`);
  await new Promise((r) => setTimeout(r, 2000)); // start-up settles
  const [t0, n0] = [sups.reduce((s, p) => s + threadsMs(p.pid), 0), await packets(port)];
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const cpu = sups.reduce((s, p) => s + threadsMs(p.pid), 0) - t0;
  rows.push({
    what,
    procs: sups.length,
    rssMb: sups.reduce((s, p) => s + rssMb(p.pid), 0),
    cpuPct: (cpu / 1000 / IDLE_S) * 100,
    reqPerMin: (((await packets(port)) - n0) * 60) / IDLE_S,
    sessions: await sessions(),
  });
}

const handed = new Map<number, number[]>();
/** Two daemons of `n` jobs; job0's child is the C child, the others `sleep`: job0 is resigned back and forth. */
async function handovers(n: number): Promise<void> {
  const base = join(dir, `handover-${n}`);
  mkdirSync(join(base, 'jobs.d'), { recursive: true });
  const log = join(base, 'job0.log');
  for (let j = 0; j < n; j++) {
    const job =
      j === 0
        ? JOB(`/h${n}/job0`).replace('["/bin/sleep", "100000"]', JSON.stringify([CHILD_BIN]))
        : JOB(`/h${n}/job${j}`);
    writeFileSync(join(base, 'jobs.d', `job${j}.yaml`), j === 0 ? `${job}  env:\n    CHILD_LOG: "${log}"\n` : job);
  }
  const file = join(base, 'main.yaml');
  writeFileSync(file, `${SHARED('').replace('level: warn', 'level: info\n  format: text')}jobs: jobs.d\n`);
  const a = new SupervisorProc(`ha-${n}`, file);
  process.stderr.write(`hand-over with ${n} jobs…\n`);
  const b = new SupervisorProc(`hb-${n}`, file);
  // Both daemons in job0's queue (the leader and a standby), read from ZooKeeper: a resign while the last leader is
  // still in its back-off would measure that back-off, not the hand-over. (Counting "candidate position" lines did
  // that: a standby moving up logs one too.)
  const zk = await Zk.connect({ connect: cluster.connectString, sessionTimeoutMs: 10_000 });
  const queued = async () =>
    (await zk.children(`/h${n}/job0/candidates`).catch(() => ({ children: [] }))).children.length;
  try {
    await until(
      async () => sleeping() >= n - 1 && readRuns(log).length === 1 && (await queued()) === 2,
      `${n} jobs running`
    );
    const ms: number[] = [];
    for (let k = 1; k <= HANDOVERS; k++) {
      const r = spawnSync(process.execPath, [BIN, 'resign', '--config', file, '--job', 'job0'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`resign: ${r.stderr}`);
      await until(async () => readRuns(log).length === k + 1 && (await queued()) === 2, `hand-over ${k}`);
      const runs = readRuns(log);
      ms.push(Number(runs[k]!.startNs - runs[k - 1]!.endNs) / 1e6);
    }
    handed.set(n, ms);
  } finally {
    zk.close();
    await killAll([a, b]);
    await until(() => sleeping() === 0, 'the children gone');
  }
}

const failovers = { n: 0, ms: [] as number[], overlaps: 0, leaders: [] as number[] };
/** Three daemons of `n` jobs (C children), the first leading all; kill -9 of its host: each job's failover. */
async function failover(n: number): Promise<void> {
  const base = join(dir, `failover-${n}`);
  mkdirSync(join(base, 'jobs.d'), { recursive: true });
  const logs = Array.from({ length: n }, (_, j) => join(base, `job${j}.log`));
  for (let j = 0; j < n; j++) {
    const job = JOB(`/f${n}/job${j}`).replace('["/bin/sleep", "100000"]', JSON.stringify([CHILD_BIN]));
    writeFileSync(join(base, 'jobs.d', `job${j}.yaml`), `${job}  env:\n    CHILD_LOG: "${logs[j]}"\n`);
  }
  const file = join(base, 'main.yaml');
  writeFileSync(file, `${SHARED('').replace('level: warn', 'level: info\n  format: text')}jobs: jobs.d\n`);
  process.stderr.write(`failover of ${n} jobs…\n`);
  const queued = (s: SupervisorProc) => s.lines.filter((l) => l.includes('candidate position')).length >= n;
  const tag = newTag(); // every process of this phase: their lifetimes sampled from /proc (DESIGN §3.6)
  const sampler = await ProcSampler.start(tag);
  const a = new SupervisorProc(`fa-${n}`, file, [], { tag });
  const sups = [a];
  try {
    await until(() => logs.every((l) => readRuns(l).length === 1), `${n} jobs running on a`);
    for (const id of ['fb', 'fc']) {
      const s = new SupervisorProc(`${id}-${n}`, file, [], { tag });
      sups.push(s);
      await until(() => queued(s), `${s.id} queued`);
    }
    const children = logs.map((l) => readRuns(l)[0]!.pid);
    const kill0 = process.hrtime.bigint();
    a.killGroup(); // a host crash: the daemon, its leashes and children at once
    for (const pid of children) process.kill(pid, 'SIGKILL');
    await until(() => logs.every((l) => readRuns(l).length === 2), 'every job running again');
    failovers.n = n;
    failovers.ms = logs.map((l) => Number(readRuns(l)[1]!.startNs - kill0) / 1e6);
    await new Promise((r) => setTimeout(r, 500)); // an old child still alive would be sampled beside its successor
    failovers.overlaps = procOverlaps(await sampler.stop()).length;
    const running = (s: SupervisorProc, j: number) =>
      / to=running /.test(s.lines.findLast((l) => l.includes(`state change job=job${j} `)) ?? '');
    failovers.leaders = Array.from({ length: n }, (_, j) => sups.slice(1).filter((s) => running(s, j)).length);
  } finally {
    await endAll(sups, tag);
    await sampler.stop();
  }
}

try {
  await failover(Math.min(20, COUNTS.at(-1)!));
  for (const n of COUNTS) {
    const base = join(dir, `daemon-${n}`);
    mkdirSync(join(base, 'jobs.d'), { recursive: true });
    for (let j = 0; j < n; j++) writeFileSync(join(base, 'jobs.d', `job${j}.yaml`), JOB(`/d${n}/job${j}`));
    writeFileSync(join(base, 'main.yaml'), `${SHARED('')}jobs: jobs.d\n`);
    const daemon = new SupervisorProc(`daemon-${n}`, join(base, 'main.yaml'));
    process.stderr.write(`daemon with ${n} jobs…\n`);
    try {
      await measure(`one daemon, ${n} jobs`, [daemon], n);
    } finally {
      await killAll([daemon]);
      await until(() => sleeping() === 0, 'the children gone'); // their leashes kill them
    }
    if (n > SEPARATE) continue;
    const sups = Array.from({ length: n }, (_, j) => {
      const file = join(base, `single-${j}.yaml`);
      writeFileSync(file, `${SHARED('')}${JOB(`/s${n}/job${j}`)}`);
      return new SupervisorProc(`single-${n}-${j}`, file);
    });
    process.stderr.write(`${n} single-job processes…\n`);
    try {
      await measure(`${n} processes, one job each`, sups, n);
    } finally {
      await killAll(sups);
      await until(() => sleeping() === 0, 'the children gone');
    }
  }
  for (const n of new Set([COUNTS[0]!, COUNTS.at(-1)!])) await handovers(n);
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(CHILD_BIN, { force: true });
}
console.log(
  `\nkill -9 of the host leading all ${failovers.n} jobs (3 daemons; T = 10 s): kill → each job's new child,`
);
console.log(
  `ms: median ${median(failovers.ms).toFixed(0)}, max ${Math.max(...failovers.ms).toFixed(0)} (T + 1 s = 11000);`
);
const one = failovers.leaders.every((k) => k === 1);
console.log(`overlaps of two runs of a job, from /proc: ${failovers.overlaps}; one leader per job after: ${one}`);
console.log(`\nHand-over of one job (resign --job, ${HANDOVERS} times) between two daemons while the others run:\n`);
console.log("| jobs per daemon | old child's last line → new child's first line, ms (median) | max |");
console.log('|---|---|---|');
for (const [n, ms] of handed) console.log(`| ${n} | ${median(ms).toFixed(1)} | ${Math.max(...ms).toFixed(1)} |`);
console.log(`\nIdle cost of supervising N jobs on one host (every job leads; ${IDLE_S} s idle; T = 10 s):\n`);
console.log(
  '| setup | supervisor processes | RSS, MB (sum) | CPU, % of a core (sum) | ZooKeeper requests/min | sessions |'
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const f = (x: number, d = 1) => x.toFixed(d);
  console.log(`| ${r.what} | ${r.procs} | ${f(r.rssMb)} | ${f(r.cpuPct, 2)} | ${f(r.reqPerMin, 0)} | ${r.sessions} |`);
}
