// Small promises of the command line: the lease gauge never goes negative; a bundle that cannot load is one line
// and exit 1, not an unhandled rejection's stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { leaseSeconds } from '../../src/cli/metrics.js';

test('metrics: the lease gauge is seconds left, 0 once the lease is over and without a lease', () => {
  assert.equal(leaseSeconds(1500), 1.5);
  assert.equal(leaseSeconds(-250), 0);
  assert.equal(leaseSeconds(Number.NEGATIVE_INFINITY), 0);
  assert.equal(leaseSeconds(undefined), 0);
});

test('bin: a missing or broken bundle is one line on stderr and exit 1', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zks-bin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(resolve(import.meta.dirname, '../../bin/zk-supervisor.js'), join(dir, 'bin/zk-supervisor.js'));
  const r = spawnSync(process.execPath, [join(dir, 'bin/zk-supervisor.js'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^zk-supervisor: Cannot find module .*zk-supervisor\.mjs/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});
