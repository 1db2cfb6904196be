// npm run chaos -- [--trials N] [--only TEXT[|TEXT…]] [--shard I/N]: runs every fault scenario N times and prints a table
// (a row as soon as its scenario is done). --shard runs every Nth scenario from the Ith (0-based), to split a long
// run across processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, runTrial, type TrialResult } from '../test/chaos/scenarios.js';
import { trackDir } from '../test/helpers/reaper.js';
import { startCluster } from '../test/helpers/zk-server.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '10' }, only: { type: 'string' }, shard: { type: 'string', default: '0/1' } } });
const trials = Number(values.trials);
const [shard, shards] = values.shard.split('/').map(Number) as [number, number];
if (!(trials >= 1) || !(shards >= 1) || !(shard >= 0 && shard < shards)) {
  console.error(`chaos: bad --trials ${values.trials} or --shard ${values.shard} (want N ≥ 1 and I/N with 0 ≤ I < N)`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-chaos-'));
trackDir(dir); // removed on SIGINT/SIGTERM too
const chosen = SCENARIOS.filter((s, i) => i % shards === shard && (!values.only || values.only.split('|').some((part) => s.name.includes(part))));
const [standalone, ensemble] = await Promise.all([startCluster(1), chosen.some((s) => s.ensemble) ? startCluster(3) : undefined]);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)]! : NaN; };
const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)}` : '–');
const head = ['scenario', 'T', 'trials', 'overlaps', 'disturbed', 'errors', 'failover median ms', 'failover max ms', 'max leaderless gap ms'];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
try {
  for (const scenario of chosen) {
    const results: TrialResult[] = [];
    let errors = 0;
    for (let i = 0; i < trials; i++) {
      try { results.push(await runTrial(scenario, scenario.ensemble ? ensemble! : standalone, dir)); } catch (err) {
        errors++;
        process.stderr.write(`${scenario.name} trial ${i + 1}: ${(err as Error).message}\n`);
      }
      process.stderr.write(`\r${scenario.name}: ${i + 1}/${trials}   `);
    }
    process.stderr.write('\n');
    const fo = results.flatMap((r) => (r.failoverMs === undefined ? [] : [r.failoverMs]));
    const row = [scenario.name, scenario.sessionTimeout, String(trials), String(results.reduce((a, r) => a + r.overlaps, 0)),
      String(results.reduce((a, r) => a + r.disturbed, 0)), String(errors), fmt(median(fo)), fmt(Math.max(...fo)),
      fmt(Math.max(...results.map((r) => r.maxGapMs)))];
    console.log(`| ${row.join(' | ')} |`);
  }
} finally {
  await Promise.all([standalone.stop(), ensemble?.stop()]);
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 }); // a child stopped by its leash may still be writing
}
process.exit(0);
