// The one retry policy: what it retries, and each way it gives up (signal, deadline, tries, session over).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { ZkError } from '../../../src/zk/errors.js';
import { offlineAfter, retry, RetryError } from '../../../src/zk/retry.js';
import type { ZkState } from '../../../src/zk/types.js';

class FakeSession extends EventEmitter<{ state: [ZkState] }> {
  state: ZkState = 'connected';
  set(s: ZkState): void {
    this.state = s;
    this.emit('state', s);
  }
}

const lost = () => new ZkError(-4, 'delete', '/x'); // CONNECTIONLOSS
const fast = { baseMs: 1, maxMs: 2 };

test('retry: a lost reply is tried again, with the count of failed tries; the value comes back', async () => {
  const seen: number[] = [];
  const v = await retry(
    new FakeSession(),
    async (tries) => {
      seen.push(tries);
      if (tries < 2) throw lost();
      return 'ok';
    },
    fast
  );
  assert.equal(v, 'ok');
  assert.deepEqual(seen, [0, 1, 2]);
});

test('retry: an error that is not retryable rejects as it is, after one try', async () => {
  let tries = 0;
  const nonode = new ZkError(-101, 'delete', '/x');
  await assert.rejects(
    retry(new FakeSession(), async () => {
      tries++;
      throw nonode;
    }),
    (e) => e === nonode
  );
  assert.equal(tries, 1);
});

test('retry: gives up ABORTED when the signal aborts during the wait, at once (not after the backoff)', async () => {
  const ac = new AbortController();
  const started = performance.now();
  const p = retry(
    new FakeSession(),
    async () => {
      setTimeout(() => ac.abort(new Error('shutdown')), 5);
      throw lost();
    },
    { signal: ac.signal, baseMs: 60_000, maxMs: 60_000 }
  );
  await assert.rejects(p, (e) => e instanceof RetryError && e.code === 'ABORTED' && e.tries === 1);
  assert.ok(performance.now() - started < 1000);
});

test('retry: an already aborted signal makes no try', async () => {
  let tries = 0;
  const p = retry(new FakeSession(), async () => tries++, { signal: AbortSignal.abort() });
  await assert.rejects(p, (e) => e instanceof RetryError && e.code === 'ABORTED');
  assert.equal(tries, 0);
});

test('retry: gives up SESSION_ENDED once the session is over, TOO_MANY_TRIES and DEADLINE when told', async () => {
  const zk = new FakeSession();
  const ended = retry(
    zk,
    async () => {
      zk.set('expired');
      throw lost();
    },
    fast
  );
  await assert.rejects(
    ended,
    (e) => e instanceof RetryError && e.code === 'SESSION_ENDED' && e.cause instanceof ZkError
  );
  const failing = async () => {
    throw lost();
  };
  await assert.rejects(
    retry(new FakeSession(), failing, { ...fast, maxTries: 3 }),
    (e) => e instanceof RetryError && e.code === 'TOO_MANY_TRIES' && e.tries === 3
  );
  await assert.rejects(
    retry(new FakeSession(), failing, { ...fast, deadlineMs: 30 }),
    (e) => e instanceof RetryError && e.code === 'DEADLINE'
  );
});

test('retry: a reconnect ends the wait between tries at once', async () => {
  const zk = new FakeSession();
  const started = performance.now();
  const v = await retry(
    zk,
    async (tries) => {
      if (tries === 0) {
        setTimeout(() => zk.set('connected'), 5);
        throw lost();
      }
      return tries;
    },
    { baseMs: 60_000, maxMs: 60_000 }
  );
  assert.equal(v, 1);
  assert.ok(performance.now() - started < 1000);
});

test('offlineAfter: aborts only once the signal aborted while not connected', () => {
  const zk = new FakeSession();
  const outer = new AbortController();
  const off = offlineAfter(zk, outer.signal);
  zk.set('disconnected');
  assert.equal(off.signal.aborted, false, 'disconnected, not aborted');
  zk.set('connected');
  outer.abort(new Error('shutdown'));
  assert.equal(off.signal.aborted, false, 'aborted, connected');
  zk.set('disconnected');
  assert.equal(off.signal.aborted, true);
  assert.equal(zk.listenerCount('state'), 0, 'its listener is gone');
});
