// npm run bench:lease -- [--trials N] [--T 2,4,10]: what the leader-confirmed lease costs and keeps, per session
// timeout T, on a private ZooKeeper (tickTime 100 ms; stopTimeout 300 ms): the partition margin (old child dead →
// new child started), failover after a partition and after a crash, and the largest network blip a leader rides
// out without stopping its child. Also prints the lease arithmetic for stock servers (tickTime 2 s).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { leaseMarginMs, leaseTiming, stopBudgetMs } from '../src/recipes/lease-timing.js';
import { Zk } from '../src/zk/client.js';
import { readRuns } from '../test/helpers/overlap.js';
import { TcpProxy } from '../test/helpers/proxy.js';
import { SupervisorProc, killAll, pgidOf, writeConfig } from '../test/helpers/supervisors.js';
import { waitFor } from '../test/helpers/wait.js';
import { startCluster } from '../test/helpers/zk-server.js';

const { values } = parseArgs({
  options: { trials: { type: 'string', default: '5' }, T: { type: 'string', default: '2,4,10' } },
});
const TRIALS = Number(values.trials);
const TS = values.T.split(',').map(Number);
const TICK = 100;
const STOP = 300;
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-lease-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (xs: number[]) => (xs.length ? `${median(xs).toFixed(0)} (max ${Math.max(...xs).toFixed(0)})` : '–');

const cluster = await startCluster(1, { tickTime: TICK });
let seq = 0;
async function pair(T: number) {
  const root = `/lease-${seq++}`;
  const zk = await Zk.connect({ connect: cluster.connectString });
  await zk.create(root);
  zk.close();
  const proxy = await TcpProxy.start({ port: cluster.servers[0]!.port });
  const childLog = join(dir, `c-${seq}.log`);
  const opts = { path: '/job', childLog, sessionTimeout: `${T}s`, stopTimeout: `${STOP}ms` };
  const a = new SupervisorProc(`la-${seq}`, writeConfig(dir, { ...opts, connect: `${proxy.address}${root}` }));
  await a.waitLog(/to=running/, 20_000);
  const b = new SupervisorProc(`lb-${seq}`, writeConfig(dir, { ...opts, connect: `${cluster.connectString}${root}` }));
  await b.waitLog(/candidate position/, 20_000);
  await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'the first child' });
  const end = async () => {
    await killAll([a, b]);
    await proxy.stop();
  };
  return { a, b, proxy, childLog, end };
}

type Row = { T: number; dead: number[]; margin: number[]; partition: number[]; crash: number[]; blip: string };
const rows: Row[] = [];
try {
  for (const T of TS) {
    const row: Row = { T, dead: [], margin: [], partition: [], crash: [], blip: '' };
    for (let i = 0; i < TRIALS; i++) {
      process.stderr.write(`\rT = ${T} s: partition ${i + 1}/${TRIALS}   `);
      const p = await pair(T);
      const t0 = process.hrtime.bigint();
      p.proxy.blackhole();
      await waitFor(() => readRuns(p.childLog).length === 2, { timeoutMs: 3 * T * 1000, what: 'the new child' });
      const [old, next] = readRuns(p.childLog);
      row.dead.push(Number(old!.endNs - t0) / 1e6);
      row.margin.push(Number(next!.startNs - old!.endNs) / 1e6);
      row.partition.push(Number(next!.startNs - t0) / 1e6);
      await p.end();
    }
    for (let i = 0; i < TRIALS; i++) {
      process.stderr.write(`\rT = ${T} s: crash ${i + 1}/${TRIALS}       `);
      const p = await pair(T);
      const child = readRuns(p.childLog)[0]!;
      const leash = pgidOf(child.pid);
      const t0 = process.hrtime.bigint();
      p.a.killGroup();
      if (leash) process.kill(-leash, 'SIGKILL');
      await waitFor(() => readRuns(p.childLog).length === 2, { timeoutMs: 3 * T * 1000, what: 'the new child' });
      row.crash.push(Number(readRuns(p.childLog)[1]!.startNs - t0) / 1e6);
      await p.end();
    }
    // Blips of growing length (steps of T/20): the longest after which the first child still runs, every trial.
    let ridden = 0;
    for (let d = T * 50; d < T * 1000; d += T * 50) {
      let ok = true;
      for (let i = 0; i < Math.min(TRIALS, 3) && ok; i++) {
        process.stderr.write(`\rT = ${T} s: blip ${d} ms ${i + 1}        `);
        const p = await pair(T);
        p.proxy.blackhole();
        await sleep(d);
        p.proxy.heal();
        await sleep(Math.min(T * 1000, 3000));
        ok = readRuns(p.childLog).length === 1 && p.a.state === 'running';
        await p.end();
      }
      if (!ok) break;
      ridden = d;
    }
    row.blip = `${ridden} ms`;
    rows.push(row);
  }
} finally {
  process.stderr.write('\n');
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nMeasured: server tickTime ${TICK} ms, stopTimeout ${STOP} ms, ${TRIALS} trials (median, max in ms)\n`);
console.log(
  '| T | margin | heartbeat | partition → old child dead | old dead → new child (margin kept) |' +
    ' partition → new child | crash (kill -9 host) → new child | blip ridden out in every phase |' +
    ' longest blip ridden out |'
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const timing = leaseTiming(r.T * 1000, TICK, STOP)!;
  console.log(
    `| ${r.T} s | ${timing.marginMs} ms | ${timing.heartbeatMs} ms | ${fmt(r.dead)} | ${fmt(r.margin)} |` +
      ` ${fmt(r.partition)} | ${fmt(r.crash)} |` +
      ` ${r.T * 1000 - timing.marginMs - STOP - 2 * timing.heartbeatMs} ms | ${r.blip} |`
  );
}
console.log('\nLease arithmetic on stock servers (tickTime 2 s), stopTimeout = 25 % of T:\n');
console.log('| T | margin | longest stopTimeout allowed | heartbeat | blip ridden out (at least … at most) |');
console.log('|---|---|---|---|---|');
for (const T of [4, 10, 20, 30]) {
  const t = T * 1000;
  const stop = t / 4;
  const timing = leaseTiming(t, 2000, stop);
  if (!timing) continue;
  // The child is stopped stopTimeout before the lease end; the lease counts from the newest delivered heartbeat,
  // which trails the present by one server tick plus one to two heartbeat periods.
  const lo = t - leaseMarginMs(t) - stop - 2000 - 2 * timing.heartbeatMs;
  const hi = t - leaseMarginMs(t) - stop - 2000 - timing.heartbeatMs;
  console.log(
    `| ${T} s | ${timing.marginMs} ms | ${stopBudgetMs(t, 2000) - 1} ms | ${timing.heartbeatMs} ms |` +
      ` ${Math.max(0, lo)} … ${Math.max(0, hi)} ms |`
  );
}
