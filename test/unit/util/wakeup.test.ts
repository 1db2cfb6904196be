// The wake-up the session's watches share: each fire lets the waiters go once; after end, next() never resolves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Wakeup } from '../../../src/util/wakeup.js';

const settled = async (p: Promise<void>) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(r, 20, false))]);

test('wakeup: a fire lets go of the waiters of before it, not those after; end lets go once, then never', async () => {
  const w = new Wakeup();
  const before = w.next();
  w.fire();
  assert.equal(await settled(before), true);
  assert.equal(await settled(w.next()), false, 'waits for the next fire');
  const last = w.next();
  w.end();
  assert.equal(await settled(last), true);
  assert.ok(w.ended);
  assert.equal(await settled(w.next()), false, 'ended: never again (a loop over next() does not spin)');
});
