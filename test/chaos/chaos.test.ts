// One trial of every fault scenario (CI). Many trials and a table: npm run chaos -- --trials N
// Scenarios that still fail on today's code run as `todo`: their failure shows in the output, CI stays green.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { workDir } from '../helpers/supervisors.js';
import { SCENARIOS } from './scenarios.js';
import { Clusters, runTrial } from './trial.js';

const work = workDir();
const clusters = new Clusters();
after(async () => {
  await clusters.stop();
  work.cleanup();
});

for (const scenario of SCENARIOS) {
  test(`chaos: ${scenario.name}`, { todo: scenario.todo }, async () => {
    const r = await runTrial(scenario, await clusters.get(scenario.cluster ?? 'standalone'), work.dir);
    console.log(`# ${scenario.name}: ${JSON.stringify(r)}`);
    assert.equal(
      r.procOverlaps,
      0,
      `processes of two terms ran at the same time (up to ${r.procMaxMs.toFixed(1)} ms, /proc)`
    );
    assert.equal(
      r.selfOverlaps,
      0,
      `two children ran at the same time (up to ${r.selfMaxMs.toFixed(1)} ms, their own lines)`
    );
    assert.equal(r.disturbed, 0, 'the child was restarted although leadership should have survived');
  });
}
