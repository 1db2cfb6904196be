// The notifier, with a fake HTTP client: which events a run of ticks makes, the retries, one line when it gives up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../src/log.js';
import { eventsOf, Notifier } from '../../../src/supervisor/notify.js';

const sender = { id: 'h1:1', host: 'h1', path: '/cron' };
const opts = { on: ['failure', 'recovery', 'missed', 'timed-out'] as const, timeout: 1000, retries: 0 };

test('notify: failure, timed-out and missed events; the first success after a failure is a recovery', () => {
  assert.deepEqual(eventsOf('success', false), ['success']);
  assert.deepEqual(eventsOf('success', true), ['success', 'recovery']);
  assert.deepEqual(eventsOf('timed-out', false), ['failure', 'timed-out']);
  assert.deepEqual(eventsOf('fenced', false), ['failure']);
  assert.deepEqual(eventsOf('missed', true), ['missed']);
});

test('notify: the documents of fail, fail, success, missed, success; a refused delivery is one line', async () => {
  const sent: [string, string][] = [];
  const post = (async (url: string | URL | Request, init?: RequestInit) => {
    sent.push([String(url), JSON.parse(String(init!.body)).event]);
    return new Response('ok', { status: String(url).includes('/down') ? 503 : 200 });
  }) as typeof fetch;
  const lines: string[] = [];
  const log = createLogger({ format: 'json', write: (l) => lines.push(l) });
  const n = new Notifier({ ...opts, on: [...opts.on], url: 'http://x/e' }, sender, log, post);
  for (const outcome of ['failure', 'failure', 'success', 'missed', 'success'] as const)
    n.ended({ tick: outcome, outcome });
  await n.idle();
  assert.deepEqual(
    sent.map(([, e]) => e),
    ['failure', 'failure', 'recovery', 'missed']
  );
  const down = new Notifier(
    { ...opts, on: ['failure'], url: 'http://u:secret@x/down?key=1', retries: 1 },
    sender,
    log,
    post
  );
  down.ended({ tick: 't', outcome: 'failure' });
  await down.idle();
  assert.equal(sent.filter(([u]) => u.endsWith('/down?key=1')).length, 2, 'tried once more');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /"message":"notification not delivered"/);
  assert.match(lines[0]!, /"error":"HTTP 503"/);
  assert.doesNotMatch(lines[0]!, /secret|key=1/, 'credentials and the query stay out of the log');
});
