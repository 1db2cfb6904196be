// A short randomized soak (CI): a fixed seed's two minutes of mixed, overlapping faults on three supervisors and a
// 3-member ensemble. Longer and other seeds: npm run soak -- --minutes M --seed S
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failed, report } from './report.js';
import { runSoak } from './run.js';

test('soak: seed 1, 2 minutes, 3 hosts: no overlap, a leader within T + 1 s of every fault ending', async () => {
  const r = await runSoak({ seed: 1, minutes: 2, hosts: 3, jobs: 1, sessionMs: 2000 });
  const text = report(r);
  console.log(text.replace(/^/gm, '# '));
  assert.ok(r.applied.length > 50, `faults were injected (${r.applied.length})`);
  assert.ok(!failed(r), `the soak found something:\n${text}`);
  assert.deepEqual(r.troubles, [], 'the nemesis did every fault it drew');
});
