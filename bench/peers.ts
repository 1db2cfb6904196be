// npm run bench:peers -- [--trials N] [--idle S]: zk-supervisor side by side with the kazoo reference peer
// (bench/peers/kazoo_peer.py, Debian python3-kazoo; event-driven, no polling) on one private ZooKeeper (tickTime
// 100 ms), T = 2 s, the same child for both (bench/peers/child.c, built here with cc: it starts in well under a
// millisecond), interleaved trials. Prints medians, p90 and the ratio ours / kazoo.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Zk } from '../src/zk/client.js';
import { readRuns } from '../test/helpers/overlap.js';
import { track } from '../test/helpers/reaper.js';
import { SupervisorProc, pgidOf, writeConfig } from '../test/helpers/supervisors.js';
import { waitFor } from '../test/helpers/wait.js';
import { startCluster } from '../test/helpers/zk-server.js';
import { packets, rssMb, threadsMs } from './stats.js';

const { values } = parseArgs({
  options: { trials: { type: 'string', default: '20' }, idle: { type: 'string', default: '30' } },
});
const TRIALS = Number(values.trials);
const IDLE_S = Number(values.idle);
const PEER = resolve(import.meta.dirname, 'peers/kazoo_peer.py');
const CHILD_BIN = join(mkdtempSync(join(tmpdir(), 'zk-supervisor-child-')), 'child');
execFileSync('cc', ['-O2', '-o', CHILD_BIN, resolve(import.meta.dirname, 'peers/child.c')]);
execFileSync('/usr/bin/python3', ['-c', 'import kazoo'], { stdio: 'ignore' }); // throws: apt-get install python3-kazoo
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-peers-'));
const cluster = await startCluster(1);
type Kind = 'ours' | 'kazoo';
let seq = 0;

/** One host of `kind` on election `root`: its process, when its child runs, and how to end it. */
interface Host {
  proc: ChildProcess;
  leading(): Promise<void>;
  pid: number;
}

async function host(kind: Kind, root: string, childLog: string, id: string): Promise<Host> {
  if (kind === 'ours') {
    const config = writeConfig(dir, {
      connect: `${cluster.connectString}${root}`,
      path: '/job',
      childLog,
      command: [CHILD_BIN],
    });
    const p = new SupervisorProc(id, config);
    return { proc: p.proc, pid: p.pid, leading: () => p.waitLog(/to=running/, 20_000).then(() => {}) };
  }
  const args = [PEER, `${cluster.connectString}${root}`, '/job', id, '2', '0.3', '--', CHILD_BIN];
  const proc = spawn('/usr/bin/python3', args, {
    env: { ...process.env, CHILD_LOG: childLog },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  track(proc);
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  return {
    proc,
    pid: proc.pid!,
    leading: () => waitFor(() => out.includes('leading'), { timeoutMs: 20_000, what: `${id} leading` }).then(() => {}),
  };
}

async function freshRoot(): Promise<string> {
  const root = `/peers-${seq++}`;
  const zk = await Zk.connect({ connect: cluster.connectString });
  await zk.create(root);
  zk.close();
  return root;
}

/** Resolves once `n` contenders are queued in the election at `root` (ours: candidates/; kazoo: the path). */
async function queued(kind: Kind, root: string, n: number): Promise<void> {
  const zk = await Zk.connect({ connect: `${cluster.connectString}${root}` });
  try {
    const dir = kind === 'ours' ? '/job/candidates' : '/job';
    await waitFor(
      async () => ((await zk.children(dir).catch(() => ({ children: [] }))).children.length >= n ? true : undefined),
      {
        timeoutMs: 20_000,
        what: `${n} contenders queued`,
      }
    );
  } finally {
    zk.close();
  }
}

const end = (hosts: Host[]) => {
  for (const h of hosts) {
    try {
      process.kill(-h.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
};
const killChildren = (childLog: string) => {
  for (const r of readRuns(childLog)) {
    try {
      process.kill(-(pgidOf(r.pid) ?? r.pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
};

const figures: Record<string, Record<Kind, number[]>> = {};
const failed: Record<Kind, number> = { ours: 0, kazoo: 0 };
const add = (name: string, kind: Kind, v: number) => {
  figures[name] ??= { ours: [], kazoo: [] };
  figures[name]![kind].push(v);
};
/** The same for `pid` and its direct children: ours, the supervisor and its leash; kazoo's, the peer and its child. */
const cpuMs = (pid: number) =>
  readdirSync(`/proc/${pid}/task`)
    .flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number))
    .reduce((sum, child) => sum + threadsMs(child), threadsMs(pid));

try {
  for (let i = 0; i < TRIALS; i++) {
    for (const kind of (i % 2 ? ['kazoo', 'ours'] : ['ours', 'kazoo']) as Kind[]) {
      process.stderr.write(`\rtrial ${i + 1}/${TRIALS} ${kind}    `);
      const hosts: Host[] = [];
      const childLog = join(dir, `c-${kind}-${i}.log`);
      try {
        // Cold start, then a graceful hand-over (SIGTERM of the leader), then a crash failover (kill -9 of the
        // leader's host: supervisor and child), on one election.
        const root = await freshRoot();
        const t0 = process.hrtime.bigint();
        const a = await host(kind, root, childLog, `a${i}`);
        hosts.push(a);
        await a.leading();
        await waitFor(() => readRuns(childLog).length >= 1, { timeoutMs: 20_000, what: 'the first child' });
        add('cold start: spawn → child first line, ms', kind, Number(readRuns(childLog)[0]!.startNs - t0) / 1e6);
        const b = await host(kind, root, childLog, `b${i}`);
        hosts.push(b);
        await queued(kind, root, 2);
        a.proc.kill('SIGTERM');
        await waitFor(() => readRuns(childLog).length >= 2, { timeoutMs: 20_000, what: 'the second child' });
        const [first, second] = readRuns(childLog);
        add(
          "graceful hand-over: old child's SIGTERM handler → new child first line, ms",
          kind,
          Number(second!.startNs - first!.endNs) / 1e6
        );
        const c = await host(kind, root, childLog, `c${i}`);
        hosts.push(c);
        await queued(kind, root, 2);
        const kill0 = process.hrtime.bigint();
        process.kill(-b.pid, 'SIGKILL');
        killChildren(childLog);
        await waitFor(() => readRuns(childLog).length >= 3, { timeoutMs: 20_000, what: 'the third child' });
        add(
          'crash failover: kill -9 of the leader host → new child first line, ms',
          kind,
          Number(readRuns(childLog)[2]!.startNs - kill0) / 1e6
        );
        if (i < 3) {
          // Idle leader: CPU (with its direct children) and RSS of the supervisor process, and what it asks of
          // ZooKeeper (it is the only client left connected).
          const [t, n] = [cpuMs(c.pid), await packets(cluster.servers[0]!.port)];
          await sleep(IDLE_S * 1000);
          add(
            `idle leader over ${IDLE_S} s: CPU (with the leash / the child), %`,
            kind,
            ((cpuMs(c.pid) - t) / 1000 / IDLE_S) * 100
          );
          add(
            'idle leader: ZooKeeper requests per minute',
            kind,
            (((await packets(cluster.servers[0]!.port)) - n) * 60) / IDLE_S
          );
          add('idle leader: RSS, MB', kind, rssMb(c.pid));
        }
      } catch (err) {
        failed[kind]++; // counted and reported: a stuck trial must not end the run
        process.stderr.write(`\ntrial ${i + 1} ${kind} failed: ${(err as Error).message}\n`);
      } finally {
        end(hosts);
        killChildren(childLog);
      }
    }
  }
} finally {
  process.stderr.write('\n');
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
console.log(`\nzk-supervisor vs the kazoo reference peer (T = 2 s, ZooKeeper tickTime 100 ms, ${TRIALS} trials):\n`);
console.log(`trials that failed (timed out): ours ${failed.ours}, kazoo ${failed.kazoo}\n`);
console.log('| figure | ours median | ours p90 | kazoo median | kazoo p90 | ratio ours / kazoo (median) |');
console.log('|---|---|---|---|---|---|');
for (const [name, f] of Object.entries(figures)) {
  const [om, km] = [pct(f.ours, 0.5), pct(f.kazoo, 0.5)];
  console.log(
    `| ${name} | ${om.toFixed(2)} | ${pct(f.ours, 0.9).toFixed(2)} | ${km.toFixed(2)} | ${pct(f.kazoo, 0.9).toFixed(2)} | ${(om / km).toFixed(2)} |`
  );
}
