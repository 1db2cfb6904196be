// The protocol model (model/supervisor.pml), checked by SPIN: the protocol holds in every reachable state, and each
// variant with one rule of DESIGN §3 removed produces a counterexample trail (the model can fail).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

interface Result {
  name: string;
  errors: number;
  states: number;
  complete: boolean;
  trail: string[];
}

// One run of model/check.mjs for every case: about six minutes, most of it two full searches.
const run = spawnSync(process.execPath, ['model/check.mjs', '--json'], { encoding: 'utf8', timeout: 600_000 });
const results: Result[] = run.status === 0 || run.status === 1 ? JSON.parse(run.stdout) : [];

test('model: the checker ran (spin, a C compiler)', () => {
  assert.ok(results.length > 0, `model/check.mjs exited ${run.status}: ${run.stderr}`);
});

test('model: the protocol holds in every reachable state, and the search was complete', () => {
  const r = results.find((x) => x.name === 'protocol');
  assert.ok(r, 'no result for the protocol');
  assert.equal(r.errors, 0, `counterexample:\n${r.trail.join('\n')}`);
  assert.ok(r.complete, 'the search was cut short (depth or memory)');
  assert.ok(r.states > 1_000_000, `only ${r.states} states: the model lost its faults?`);
});

for (const name of [
  'no-sync',
  'no-delivery',
  'no-baton',
  'no-confirm',
  'no-thin',
  'no-unconfirmed',
  'announce-after',
]) {
  test(`model: without its rule, ${name} ends in two jobs alive at once`, () => {
    const r = results.find((x) => x.name === name);
    assert.ok(r, `no result for ${name}`);
    assert.ok(r.errors > 0, `${name}: no counterexample in ${r.states} states`);
    assert.ok(
      r.trail.some((l) => l.includes('OVERLAP')),
      `${name}: the trail does not end in an overlap`
    );
  });
}
