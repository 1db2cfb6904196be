// npm run chaos -- [--trials N] [--only TEXT[|TEXT…]] [--shard I/N]: runs every fault scenario N times and prints a table
// (a row as soon as its scenario is done). --shard runs every Nth scenario from the Ith (0-based), to split a long
// run across processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS } from '../test/chaos/scenarios.js';
import { Clusters, runTrial, type TrialResult } from '../test/chaos/trial.js';
import { trackDir } from '../test/helpers/reaper.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '10' },
    only: { type: 'string' },
    shard: { type: 'string', default: '0/1' },
  },
});
const trials = Number(values.trials);
const [shard, shards] = values.shard.split('/').map(Number) as [number, number];
if (!(trials >= 1) || !(shards >= 1) || !(shard >= 0 && shard < shards)) {
  console.error(`chaos: bad --trials ${values.trials} or --shard ${values.shard} (want N ≥ 1 and I/N with 0 ≤ I < N)`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-chaos-'));
trackDir(dir); // removed on SIGINT/SIGTERM too
const chosen = SCENARIOS.filter(
  (s, i) => i % shards === shard && (!values.only || values.only.split('|').some((part) => s.name.includes(part)))
);
const clusters = new Clusters();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)}` : '–');
const head = [
  'scenario',
  'T',
  'trials',
  'process overlaps',
  'max ms',
  'self-reported overlaps',
  'max ms',
  'disturbed',
  'errors',
  'failover median ms',
  'failover max ms',
  'max leaderless gap ms',
];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
try {
  for (const scenario of chosen) {
    const results: TrialResult[] = [];
    let errors = 0;
    for (let i = 0; i < trials; i++) {
      try {
        results.push(await runTrial(scenario, await clusters.get(scenario.cluster ?? 'standalone'), dir));
      } catch (err) {
        errors++;
        process.stderr.write(`${scenario.name} trial ${i + 1}: ${(err as Error).message}\n`);
      }
      process.stderr.write(`\r${scenario.name}: ${i + 1}/${trials}   `);
    }
    process.stderr.write('\n');
    const fo = results.flatMap((r) => (r.failoverMs === undefined ? [] : [r.failoverMs]));
    const sum = (f: (r: TrialResult) => number) => String(results.reduce((a, r) => a + f(r), 0));
    const max = (f: (r: TrialResult) => number) => fmt(Math.max(0, ...results.map(f)));
    const row = [
      scenario.name,
      scenario.sessionTimeout,
      String(trials),
      sum((r) => (r.procOverlaps ? 1 : 0)),
      max((r) => r.procMaxMs),
      sum((r) => (r.selfOverlaps ? 1 : 0)),
      max((r) => r.selfMaxMs),
      sum((r) => r.disturbed),
      String(errors),
      fmt(median(fo)),
      fmt(Math.max(...fo)),
      max((r) => r.maxGapMs),
    ];
    console.log(`| ${row.join(' | ')} |`);
  }
} finally {
  await clusters.stop();
  rmSync(dir, { recursive: true, force: true }); // every trial ended only once none of its processes was left
}
process.exit(0);
