// One trial of every fault scenario (CI). Many trials and a table: npm run chaos -- --trials N
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { workDir } from '../helpers/supervisors.js';
import { startCluster, type ZkCluster } from '../helpers/zk-server.js';
import { SCENARIOS, runTrial } from './scenarios.js';

const work = workDir();
let standalone: ZkCluster;
let ensemble: ZkCluster;
before(async () => { [standalone, ensemble] = await Promise.all([startCluster(1), startCluster(3)]); });
after(async () => { await Promise.all([standalone?.stop(), ensemble?.stop()]); work.cleanup(); });

for (const scenario of SCENARIOS) {
  test(`chaos: ${scenario.name}`, async () => {
    const r = await runTrial(scenario, scenario.ensemble ? ensemble : standalone, work.dir);
    console.log(`# ${scenario.name}: ${JSON.stringify(r)}`);
    assert.equal(r.overlaps, 0, 'two children ran at the same time');
    assert.equal(r.disturbed, 0, 'the child was restarted although leadership should have survived');
  });
}
