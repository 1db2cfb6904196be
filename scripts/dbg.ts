import { spawnTask } from '../src/task/task.js';
import { readRuns } from '../test/helpers/overlap.js';
const log = '/tmp/leash-dbg.log';
(await import('node:fs')).rmSync(log, { force: true });
const t0 = performance.now();
const T = () => (performance.now() - t0).toFixed(0);
const task = spawnTask({ argv: [process.execPath, 'test/fixtures/child.mjs'], env: { CHILD_LOG: log, CHILD_IGNORE_TERM: process.env.IGN ?? '0' }, stopTimeoutMs: 300 });
task.exited.then((e) => console.log(T(), 'exited', e));
await new Promise((r) => setTimeout(r, 100));
console.log(T(), 'run');
task.run(500, 7, 99);
for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 200)); task.renew(500); }
console.log(T(), 'stop renewing (lease lapses in 500 ms)');
const e = await task.exited;
console.log(T(), 'runs', readRuns(log).map((r) => `${r.name} ${r.token} stopped=${r.stopped}`));
if (process.env.EOF) {
  const t2 = spawnTask({ argv: [process.execPath, 'test/fixtures/child.mjs'], env: { CHILD_LOG: log }, stopTimeoutMs: 300 });
  t2.run(100000, 1, 1);
  await new Promise((r) => setTimeout(r, 300));
  const t1 = performance.now();
  t2.dispose();
  const e2 = await t2.exited;
  console.log('after EOF exited in', (performance.now() - t1).toFixed(0), 'ms', e2);
}
