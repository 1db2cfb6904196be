// npm run chaos -- [--trials N] [--only TEXT]: runs every fault scenario N times and prints a table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, runTrial, type TrialResult } from '../test/chaos/scenarios.js';
import { startCluster } from '../test/helpers/zk-server.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '10' }, only: { type: 'string' } } });
const trials = Number(values.trials);
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-chaos-'));
const [standalone, ensemble] = await Promise.all([startCluster(1), startCluster(3)]);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)]! : NaN; };
const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)}` : '–');
const rows: string[][] = [];
try {
  for (const scenario of SCENARIOS.filter((s) => !values.only || s.name.includes(values.only))) {
    const results: TrialResult[] = [];
    let errors = 0;
    for (let i = 0; i < trials; i++) {
      try { results.push(await runTrial(scenario, scenario.ensemble ? ensemble : standalone, dir)); } catch (err) {
        errors++;
        process.stderr.write(`${scenario.name} trial ${i + 1}: ${(err as Error).message}\n`);
      }
      process.stderr.write(`\r${scenario.name}: ${i + 1}/${trials}   `);
    }
    process.stderr.write('\n');
    const fo = results.flatMap((r) => (r.failoverMs === undefined ? [] : [r.failoverMs]));
    rows.push([scenario.name, scenario.sessionTimeout, String(trials), String(results.reduce((a, r) => a + r.overlaps, 0)),
      String(results.reduce((a, r) => a + r.disturbed, 0)), String(errors), fmt(median(fo)), fmt(Math.max(...fo)),
      fmt(Math.max(...results.map((r) => r.maxGapMs)))]);
  }
} finally {
  await Promise.all([standalone.stop(), ensemble.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
const head = ['scenario', 'T', 'trials', 'overlaps', 'disturbed', 'errors', 'failover median ms', 'failover max ms', 'max leaderless gap ms'];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
process.exit(0);
