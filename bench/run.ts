// npm run bench -- [--trials N] [--only TEXT]: failover, start-up and overhead figures on a private
// ZooKeeper. Prints a table (median, p90, max) and writes bench/results-<date>.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Mutex } from '../src/recipes/mutex.js';
import { Zk } from '../src/zk/client.js';
import { TcpProxy } from '../test/helpers/proxy.js';
import { readRuns } from '../test/helpers/overlap.js';
import { SupervisorProc, killAll, pgidOf, startElection, writeConfig } from '../test/helpers/supervisors.js';
import { waitFor, within } from '../test/helpers/wait.js';
import { startCluster, type ZkCluster } from '../test/helpers/zk-server.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    only: { type: 'string' },
    idle: { type: 'string', default: '60' },
  },
});
const TRIALS = Number(values.trials);
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-bench-'));
const rows: { name: string; unit: string; samples: number[]; note?: string }[] = [];
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
let seq = 0;

async function freshRoot(cluster: ZkCluster): Promise<string> {
  const root = `/bench-${seq++}-${process.pid}`;
  const zk = await Zk.connect({ connect: cluster.connectString });
  await zk.create(root);
  zk.close();
  return `${cluster.connectString}${root}`;
}

// N supervisors on one election; resolves once one runs its child.
async function group(cluster: ZkCluster, n: number, sessionTimeout: string, childEnv: Record<string, string> = {}) {
  const childLog = join(dir, `children-${seq}.log`);
  const config = writeConfig(dir, {
    connect: await freshRoot(cluster),
    path: '/job',
    childLog,
    sessionTimeout,
    stopTimeout: '300ms',
    childEnv,
  });
  const sups: SupervisorProc[] = [];
  await startElection(sups, { ids: Array.from({ length: n }, (_, i) => `s${i}-${seq}`), config, childLog });
  return { sups, leader: sups[0]!, childLog, config };
}

async function bench(
  name: string,
  unit: string,
  trial: () => Promise<number>,
  note?: string,
  trials = TRIALS
): Promise<void> {
  if (values.only && !name.includes(values.only)) return;
  const samples: number[] = [];
  for (let i = 0; i < trials; i++) {
    samples.push(await trial());
    process.stderr.write(`\r${name}: ${i + 1}/${trials}   `);
  }
  process.stderr.write('\n');
  rows.push({ name, unit, samples, note });
}

const standalone = await startCluster(1);
try {
  // 1. Cold start: `run` spawned → the child's first line, uncontested.
  await bench(
    'cold start: run → child running',
    'ms',
    async () => {
      const childLog = join(dir, `cold-${seq}.log`);
      const config = writeConfig(dir, {
        connect: await freshRoot(standalone),
        path: '/job',
        childLog,
        sessionTimeout: '2s',
        stopTimeout: '300ms',
      });
      const t0 = performance.now();
      const p = new SupervisorProc(`cold-${seq}`, config);
      await p.waitLog(/to=running/, 15_000);
      const ms = performance.now() - t0;
      await killAll([p]);
      return ms;
    },
    'until the supervisor has spawned the child (node startup, connect, election, spawn)'
  );

  // 2. Graceful hand-over.
  const handover: number[] = [];
  await bench('graceful hand-over: SIGTERM → standby child spawned', 'ms', async () => {
    const g = await group(standalone, 2, '2s');
    const t0 = performance.now();
    g.leader.signal('SIGTERM');
    await g.sups[1]!.waitLog(/to=running/, 10_000);
    const ms = performance.now() - t0;
    await waitFor(() => readRuns(g.childLog).length === 2, { timeoutMs: 5000, what: 'second child' });
    const [a, b] = readRuns(g.childLog);
    handover.push(Number(b!.startNs - a!.endNs) / 1e6);
    await killAll(g.sups);
    return ms;
  });
  if (handover.length)
    rows.push({
      name: 'graceful hand-over: old child last sign of life → new child start line',
      unit: 'ms',
      samples: handover,
      note: 'includes ~80 ms node start-up of the test child',
    });

  // 3. Crash failover for several session timeouts.
  for (const T of [1, 2, 4]) {
    await bench(
      `crash failover at T = ${T} s: kill -9 leader host → standby running`,
      'ms',
      async () => {
        const g = await group(standalone, 2, `${T}s`);
        const child = readRuns(g.childLog)[0]!;
        const leash = pgidOf(child.pid);
        const t0 = performance.now();
        g.leader.killGroup();
        if (leash)
          try {
            process.kill(-leash, 'SIGKILL');
          } catch {
            /* gone */
          }
        await g.sups[1]!.waitLog(/to=running/, 20_000);
        const ms = performance.now() - t0;
        await killAll(g.sups);
        return ms;
      },
      `ratio to T reported below`
    );
  }

  // 4. Partition fencing: black-hole the leader; its child must be dead before the standby's starts.
  const margins: number[] = [];
  const deadAt: number[] = [];
  await bench('partition fencing (T = 2 s): black-hole → standby child start line', 'ms', async () => {
    const proxy = await TcpProxy.start({ port: standalone.servers[0]!.port });
    const root = await freshRoot(standalone);
    const chroot = root.slice(standalone.connectString.length);
    const childLog = join(dir, `part-${seq}.log`);
    const opts = { path: '/job', childLog, sessionTimeout: '2s', stopTimeout: '300ms' };
    const a = new SupervisorProc(`pa-${seq}`, writeConfig(dir, { ...opts, connect: `${proxy.address}${chroot}` }));
    await a.waitLog(/to=running/, 15_000);
    const b = new SupervisorProc(`pb-${seq}`, writeConfig(dir, { ...opts, connect: root }));
    await b.waitLog(/candidate position/, 15_000);
    await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'first child' });
    const t0 = process.hrtime.bigint();
    proxy.blackhole();
    await waitFor(() => readRuns(childLog).length === 2, { timeoutMs: 15_000, what: "standby's child" });
    const [old, next] = readRuns(childLog);
    deadAt.push(Number(old!.endNs - t0) / 1e6);
    margins.push(Number(next!.startNs - old!.endNs) / 1e6);
    await killAll([a, b]);
    await proxy.stop();
    return Number(next!.startNs - t0) / 1e6;
  });
  if (deadAt.length) {
    rows.push({ name: 'partition fencing: black-hole → old child last sign of life', unit: 'ms', samples: deadAt });
    rows.push({
      name: 'partition fencing: margin old child dead → new child start (must be > 0)',
      unit: 'ms',
      samples: margins,
      note: `minimum ${Math.min(...margins).toFixed(0)} ms`,
    });
  }

  // 5. Election scaling with the library: N contenders (one session each) in this process.
  for (const n of [10, 50, 200]) {
    const woken: number[] = [];
    await bench(`election scaling, ${n} candidates: leader's node deleted → next holds the lock`, 'ms', async () => {
      const root = await freshRoot(standalone);
      const clients = await within(
        Promise.all(Array.from({ length: n }, () => Zk.connect({ connect: root, sessionTimeoutMs: 10_000 }))),
        20_000,
        `${n} sessions`
      );
      try {
        let wakeups = 0;
        let armed = false;
        const mutexes = clients.map((zk) => new Mutex(zk, '/election'));
        await within(mutexes[0]!.lock(), 10_000, 'the first contender taking the lock');
        const waits = mutexes.slice(1).map((m) =>
          m.lock({
            onPosition: () => {
              if (armed) wakeups++;
            },
          })
        );
        for (const w of waits) w.catch(() => {}); // the rest are cancelled by closing their sessions
        await waitFor(async () => (await clients[0]!.children('/election')).children.length === n, {
          timeoutMs: 20_000,
          what: `${n} contenders queued`,
        });
        await new Promise((r) => setTimeout(r, 100));
        armed = true;
        const t0 = performance.now();
        await mutexes[0]!.unlock();
        await within(Promise.any(waits), 10_000, 'the next contender taking the lock'); // lowest sequence, whichever it is
        const ms = performance.now() - t0;
        await new Promise((r) => setTimeout(r, 100)); // let any wrongly woken contender report
        woken.push(wakeups);
        return ms;
      } finally {
        for (const c of clients) c.close();
      }
    });
    if (woken.length)
      rows.push({
        name: `election scaling, ${n} candidates: contenders woken per change (must be 1)`,
        unit: 'count',
        samples: woken,
      });
  }

  // 5b. Election scaling with real processes: 50 supervisors on one election; SIGTERM the leader each trial.
  if (!values.only || 'election scaling, 50 real supervisor processes'.includes(values.only)) {
    const n = 50;
    const childLog = join(dir, `children-50-${seq}.log`);
    const config = writeConfig(dir, {
      connect: await freshRoot(standalone),
      path: '/job',
      childLog,
      sessionTimeout: '10s',
      stopTimeout: '300ms',
    });
    let current = new SupervisorProc(`p0-${seq}`, config);
    const all = [current];
    try {
      await current.waitLog(/to=running/, 15_000);
      for (let i = 1; i < n; i += 10) {
        // in batches, so 49 Node.js start-ups do not starve each other
        const batch = Array.from(
          { length: Math.min(10, n - i) },
          (_, k) => new SupervisorProc(`p${i + k}-${seq}`, config)
        );
        all.push(...batch);
        await Promise.all(batch.map((p) => p.waitLog(/candidate position/, 60_000)));
      }
      const reacted: number[] = [];
      const trials = Math.min(TRIALS, n - 1);
      await bench(
        `election scaling, ${n} real supervisor processes: SIGTERM of the leader → next leader running`,
        'ms',
        async () => {
          const others = all.filter((p) => p !== current && p.proc.exitCode === null);
          const marks = new Map(others.map((p) => [p, p.lines.length]));
          const t0 = performance.now();
          current.signal('SIGTERM');
          const next = await Promise.any(
            others.map((p) => p.waitLog(/to=running/, 15_000, marks.get(p)).then(() => p))
          );
          const ms = performance.now() - t0;
          await current.exited;
          await new Promise((r) => setTimeout(r, 300)); // let any wrongly woken candidate log
          reacted.push(others.filter((p) => p.lines.length > marks.get(p)!).length);
          current = next;
          return ms;
        },
        undefined,
        trials
      );
      if (reacted.length)
        rows.push({
          name: `election scaling, ${n} real processes: candidates that reacted per change (must be 1)`,
          unit: 'count',
          samples: reacted,
        });
    } finally {
      await killAll(all);
    }
  }

  // 7. Ensemble: kill the member the leader is connected to.
  if (!values.only || 'ensemble'.includes(values.only)) {
    const ensemble = await startCluster(3);
    const disturbed: number[] = [];
    try {
      await bench("ensemble (T = 4 s): kill the leader's member → supervisor reconnected", 'ms', async () => {
        const g = await group(ensemble, 2, '4s');
        const sessionId = /sessionId=(\w+)/.exec(
          g.leader.lines.findLast((l) => l.includes('sessionId=') && !l.includes('sessionId= '))!
        )![1]!;
        const member = await waitFor(() => ensemble.serverOf(sessionId), {
          timeoutMs: 5000,
          what: 'member of the leader',
        });
        const from = g.leader.lines.length;
        const t0 = performance.now();
        await member.kill();
        await g.leader.waitLog(/zookeeper state.* state=connected/, 15_000, from);
        const ms = performance.now() - t0;
        await new Promise((r) => setTimeout(r, 1000));
        disturbed.push(readRuns(g.childLog).length - 1);
        await killAll(g.sups);
        member.start();
        await member.waitServing();
        return ms;
      });
    } finally {
      await ensemble.stop();
    }
    if (disturbed.length)
      rows.push({ name: 'ensemble: child restarts caused (must be 0)', unit: 'count', samples: disturbed });
  }

  // 6. Overhead of an idle leader.
  if (!values.only || 'overhead'.includes(values.only)) {
    const g = await group(standalone, 1, '10s');
    const pid = g.leader.pid;
    const stat = () => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    };
    const rss = (p: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]) / 1024;
    await new Promise((r) => setTimeout(r, 5000)); // let start-up work (JIT, GC) settle
    const sessionId = /sessionId=(\w+)/.exec(g.leader.lines.findLast((l) => /sessionId=\w/.test(l))!)![1]!;
    const server = standalone.servers[0]!;
    const packets0 = await server.packetsFrom(sessionId);
    const cpu0 = stat();
    const idleS = Number(values.idle);
    await new Promise((r) => setTimeout(r, idleS * 1000));
    const cpu = stat() - cpu0;
    const packets1 = await server.packetsFrom(sessionId);
    if (packets0 !== undefined && packets1 !== undefined) {
      rows.push({
        name: 'idle leader (T = 10 s): ZooKeeper requests per minute (incl. pings)',
        unit: 'req/min',
        samples: [((packets1 - packets0) / idleS) * 60],
      });
    }
    const leashPid = pgidOf(readRuns(g.childLog)[0]!.pid)!;
    const watchdog = Number(
      execFileSync('pgrep', ['-P', String(leashPid), '-x', 'bash'])
        .toString()
        .trim()
        .split('\n')[0] || 0
    );
    rows.push({ name: `idle leader over ${idleS} s: supervisor RSS`, unit: 'MB', samples: [rss(pid)] });
    rows.push({
      name: 'idle leader: leash RSS (bash + watchdog)',
      unit: 'MB',
      samples: [rss(leashPid) + (watchdog ? rss(watchdog) : 0)],
    });
    rows.push({ name: 'idle leader: supervisor CPU', unit: '%', samples: [(cpu / idleS) * 100] });
    await killAll(g.sups);
  }
} finally {
  await standalone.stop();
}

const env = {
  cores: cpus().length,
  cpu: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  zookeeper: (() => {
    try {
      return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'zookeeper']).toString();
    } catch {
      return '?';
    }
  })(),
  trials: TRIALS,
  date: new Date().toISOString(),
};
console.log(
  `\nmachine: ${env.cores} cores (${env.cpu}), ${env.memoryGiB} GiB, Node ${env.node}, ZooKeeper ${env.zookeeper}, ${TRIALS} trials\n`
);
console.log('| measure | unit | median | p90 | max | n |\n|---|---|---|---|---|---|');
for (const r of rows) {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  console.log(
    `| ${r.name} | ${r.unit} | ${f(pct(r.samples, 0.5))} | ${f(pct(r.samples, 0.9))} | ${f(Math.max(...r.samples))} | ${r.samples.length} |`
  );
}
for (const r of rows.filter((x) => x.name.startsWith('crash failover'))) {
  const T = Number(/T = (\d+)/.exec(r.name)![1]) * 1000;
  console.log(
    `ratio to T (${T / 1000} s): median ${(pct(r.samples, 0.5) / T).toFixed(2)}, max ${(Math.max(...r.samples) / T).toFixed(2)}`
  );
}
const out = join(import.meta.dirname, `results-${env.date.slice(0, 10)}.json`);
writeFileSync(out, `${JSON.stringify({ env, rows }, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
console.log(`\nwrote ${out}`);
process.exit(0);
