// What a daemon's file shows of its jobs: systemd's STATUS= line and where this host stands in a job (#29).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { thisHostIn } from '../../src/cli/status-jobs.js';
import type { Status } from '../../src/cli/status.js';
import { jobsLine } from '../../src/cli/systemd.js';
import type { Config } from '../../src/config/schema.js';

test('systemd STATUS= of a daemon: how many jobs it leads, and what keeps the others', () => {
  assert.equal(jobsLine(['running', 'candidate', 'waiting', 'fenced']), 'leading 3 of 4 jobs');
  assert.equal(
    jobsLine(['running', 'backoff', 'connecting', 'drained']),
    'leading 1 of 4 jobs, 2 waiting for ZooKeeper, 1 drained'
  );
});

test('status of a daemon: this host is the leader, a candidate (its place), drained, or not a candidate', () => {
  const s = (over: Partial<Status>): Status => ({
    leader: null,
    candidates: [],
    pidNodes: [],
    drained: [],
    session: { requestedTimeoutMs: 1, grantedTimeoutMs: 1, leaseCoversStopTimeout: true },
    ...over,
  });
  const job = (id: string, defaultId: boolean) => ({ config: { election: { id } } as Config, defaultId });
  const info = (id: string, host: string) => ({ id, host, pid: 1, description: '' });
  const byDefault = job('h1:42', true);
  assert.equal(thisHostIn(s({ leader: info('h1:7', 'h1') }), byDefault, 'h1'), 'leader');
  assert.equal(thisHostIn(s({ leader: info('h2:7', 'h2') }), byDefault, 'h1'), 'not a candidate');
  const queue = [
    { node: 'n1', id: 'h2:7' },
    { node: 'n2', id: 'h1:9' },
  ];
  assert.equal(thisHostIn(s({ candidates: queue }), byDefault, 'h1'), 'candidate 2 of 2');
  assert.equal(thisHostIn(s({ candidates: queue }), job('web-3', false), 'h1'), 'not a candidate');
  assert.equal(thisHostIn(s({ drained: [{ name: 'h1', data: {} }] }), byDefault, 'h1'), 'drained');
});
