// npm run bench:cost -- [--trials N]: what an optional feature costs a supervisor that does not use it and one
// that does: start-up (spawn → child running) and RSS after start-up, with neither, `metrics.listen`, or hooks.
// Interleaved trials on one private ZooKeeper; prints medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Zk } from '../src/zk/client.js';
import { SupervisorProc, killAll, writeConfig } from '../test/helpers/supervisors.js';
import { freePort, startCluster } from '../test/helpers/zk-server.js';
import { median, rssMb } from './stats.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '7' } } });
const TRIALS = Number(values.trials);
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-cost-'));
const cluster = await startCluster(1);
const KINDS = ['plain', 'metrics', 'hooks'] as const;
const results: Record<string, { startMs: number[]; rss: number[] }> = Object.fromEntries(
  KINDS.map((k) => [k, { startMs: [], rss: [] }])
);
try {
  for (let i = 0; i < TRIALS; i++) {
    for (const kind of KINDS) {
      const root = `/cost-${kind}-${i}`;
      const admin = await Zk.connect({ connect: cluster.connectString });
      await admin.create(root);
      admin.close();
      const extra =
        kind === 'metrics'
          ? `metrics:\n  listen: "127.0.0.1:${await freePort()}"`
          : kind === 'hooks'
            ? "hooks:\n  onLeader: 'true'\n  preStart: 'true'"
            : undefined;
      const config = writeConfig(dir, {
        connect: `${cluster.connectString}${root}`,
        path: '/job',
        childLog: join(dir, `c-${kind}-${i}.log`),
        extra,
      });
      const t0 = performance.now();
      const p = new SupervisorProc(`cost-${kind}-${i}`, config);
      await p.waitLog(/to=running/, 15_000);
      results[kind]!.startMs.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 1000));
      results[kind]!.rss.push(rssMb(p.pid));
      await killAll([p]);
      process.stderr.write(`\r${kind} ${i + 1}/${TRIALS}   `);
    }
  }
} finally {
  process.stderr.write('\n');
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `| supervisor (${TRIALS} trials, medians) | start → child running, ms | RSS after 1 s, MB |\n|---|---|---|`
);
const WHAT: Record<string, string> = {
  plain: 'neither',
  metrics: 'with metrics.listen',
  hooks: 'with hooks (onLeader, preStart: `true`)',
};
for (const [kind, r] of Object.entries(results)) {
  console.log(`| ${WHAT[kind]} | ${median(r.startMs).toFixed(0)} | ${median(r.rss).toFixed(1)} |`);
}
