// npm run bench:tls -- [--rounds N]: what the TLS bridge adds to a request, on loopback, against a real ZooKeeper
// serving the same data on a plain and a secure client port. Rounds alternate plain and TLS (1000 sequential
// `exists` each, after a warm-up); prints per-request medians and p90 over the rounds, and the difference.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Zk } from '../src/zk/client.js';
import { makePki } from '../test/helpers/certs.js';
import { SupervisorProc, killAll, writeConfig } from '../test/helpers/supervisors.js';
import { startCluster } from '../test/helpers/zk-server.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '20' }, handovers: { type: 'string', default: '10' } },
});
const ROUNDS = Number(values.rounds);
const HANDOVERS = Number(values.handovers);
const PER_ROUND = 1000;
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-tls-bench-'));
const pki = makePki(dir);
const cluster = await startCluster(1, { tls: { keyStore: pki.serverPem, trustStore: pki.ca } });
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
try {
  const connectMs: Record<string, number[]> = { plain: [], tls: [] };
  const open = async (kind: 'plain' | 'tls') => {
    const t0 = performance.now();
    const zk = await Zk.connect(
      kind === 'plain'
        ? { connect: cluster.connectString }
        : { connect: cluster.secureConnectString, tls: { ca: readFileSync(pki.ca, 'utf8') } }
    );
    connectMs[kind]!.push(performance.now() - t0);
    return zk;
  };
  const clients = { plain: await open('plain'), tls: await open('tls') };
  for (const zk of Object.values(clients)) for (let i = 0; i < PER_ROUND; i++) await zk.exists('/'); // warm-up
  const perRequest: Record<string, number[]> = { plain: [], tls: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of r % 2 ? (['tls', 'plain'] as const) : (['plain', 'tls'] as const)) {
      const zk = clients[kind];
      const t0 = performance.now();
      for (let i = 0; i < PER_ROUND; i++) await zk.exists('/');
      perRequest[kind]!.push(((performance.now() - t0) / PER_ROUND) * 1000);
    }
    process.stderr.write(`\rround ${r + 1}/${ROUNDS}   `);
  }
  for (const zk of Object.values(clients)) zk.close();
  for (let i = 0; i < 9; i++) for (const kind of ['plain', 'tls'] as const) (await open(kind)).close();
  // Graceful hand-over through supervisors: SIGTERM of the leader → the standby's child running.
  const handover: Record<string, number[]> = { plain: [], tls: [] };
  for (let i = 0; i < HANDOVERS; i++) {
    for (const kind of ['plain', 'tls'] as const) {
      const admin = await open(kind);
      await admin.create(`/h-${kind}-${i}`);
      admin.close();
      const config = writeConfig(dir, {
        connect: `${kind === 'plain' ? cluster.connectString : cluster.secureConnectString}/h-${kind}-${i}`,
        path: '/job',
        childLog: join(dir, `h-${kind}-${i}.log`),
        extraZk: kind === 'tls' ? `  tls:\n    ca: ${pki.ca}` : undefined,
      });
      const a = new SupervisorProc(`ha-${kind}-${i}`, config);
      await a.waitLog(/to=running/, 15_000);
      const b = new SupervisorProc(`hb-${kind}-${i}`, config);
      await b.waitLog(/candidate position/, 15_000);
      const t0 = performance.now();
      a.signal('SIGTERM');
      await b.waitLog(/to=running/, 15_000);
      handover[kind]!.push(performance.now() - t0);
      await killAll([a, b]);
    }
    process.stderr.write(`\rhand-over ${i + 1}/${HANDOVERS}   `);
  }
  const diff = perRequest.tls!.map((t, i) => t - perRequest.plain![i]!);
  process.stderr.write('\n');
  console.log(`\n| measure (${ROUNDS} rounds × ${PER_ROUND} sequential exists) | median | p90 |\n|---|---|---|`);
  for (const kind of ['plain', 'tls'] as const) {
    const xs = perRequest[kind]!;
    console.log(`| ${kind}: one request, µs | ${pct(xs, 0.5).toFixed(0)} | ${pct(xs, 0.9).toFixed(0)} |`);
  }
  console.log(
    `| TLS bridge adds per request, µs (same round) | ${pct(diff, 0.5).toFixed(0)} | ${pct(diff, 0.9).toFixed(0)} |`
  );
  for (const kind of ['plain', 'tls'] as const) {
    const xs = handover[kind]!;
    console.log(
      `| ${kind}: graceful hand-over (SIGTERM → standby running), ms | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.9).toFixed(1)} |`
    );
  }
  for (const kind of ['plain', 'tls'] as const) {
    const xs = connectMs[kind]!;
    console.log(
      `| ${kind}: connect (session established), ms | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.9).toFixed(1)} |`
    );
  }
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
