import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TermHistory, termOf } from '../../../src/recipes/history.js';

test('history: term numbers grow past every term seen, even when the leader node holds an older one', () => {
  const h = new TermHistory();
  h.see({ term: 7, sessionId: 'a' });
  h.see({ term: 3 });
  assert.equal(h.latest?.term, 7);
  assert.equal(h.next({ term: 2 }, 5), 8);
  assert.equal(h.next(undefined, 9), 10);
});

test('history: a won token no higher than one seen is reported (a restored ZooKeeper), a higher one is kept', () => {
  const back: [number, number][] = [];
  const h = new TermHistory({ onTokenBack: (t, seen) => back.push([t, seen]) });
  h.ours(18);
  h.see(termOf(JSON.stringify({ term: 2, token: 40 })));
  h.ours(41);
  assert.deepEqual(back, []);
  h.ours(18);
  h.ours(41);
  assert.deepEqual(back, [
    [18, 41],
    [41, 41],
  ]);
});

test('history: termOf reads term, session, pid node, end mark and token; nothing from what is not a term', () => {
  const data = { term: 4, token: 99, sessionId: 'ab', pidNode: '/p', ended: 'x', id: 'h' };
  assert.deepEqual(termOf(JSON.stringify(data)), { term: 4, token: 99, sessionId: 'ab', pidNode: '/p', ended: 'x' });
  assert.equal(termOf('{"id":"h"}'), undefined);
  assert.equal(termOf('not json'), undefined);
  assert.equal(termOf(''), undefined);
});
