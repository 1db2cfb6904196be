// trigger end to end: a scheduled job's leader runs one out-of-schedule tick per request, recorded as triggered
// by whom; --wait follows it to its end; a continuous job refuses (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRuns } from '../../helpers/overlap.js';
import { BIN, SupervisorProc, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

const cli = (config: string, ...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args, '--config', config], { encoding: 'utf8' });

test('trigger: one run per request, now, recorded triggered; --wait exits with how it went', async () => {
  const root = await fx.chroot();
  const childLog = join(work.dir, 'triggered.log');
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/cron',
    childLog,
    childEnv: { CHILD_EXIT_AFTER_MS: '100', CHILD_EXIT_CODE: '0' },
    extraTask: '  schedule: "0 0 1 1 *"', // once a year: every run here is a triggered one
  });
  const s = new SupervisorProc('t', config);
  procs.push(s);
  await s.waitLog(/to=waiting reason="next tick"/, 15_000);
  const r = cli(config, 'trigger', '--wait', '--timeout', '20s');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^requested a run of \/cron \(req-\d{10}\)\n\S+ finished exit 0 in \d+ ms on t/);
  assert.equal(readRuns(childLog).length, 1);
  const admin = await fx.client({ connect: root });
  const { children } = await admin.children('/cron/runs');
  const recs = await Promise.all(
    children.map(async (c) => JSON.parse((await admin.get(`/cron/runs/${c}`)).data.toString()))
  );
  const run = recs.find((x) => x.triggered);
  assert.match(run.triggered.by, /\S+@\S+/);
  assert.equal((await admin.children('/cron/triggers')).children.length, 0, 'the request is gone once run');
  // two requests, two runs (each once), in order
  assert.equal(cli(config, 'trigger').status, 0);
  assert.equal(cli(config, 'trigger').status, 0);
  await waitFor(() => readRuns(childLog).length === 3, { timeoutMs: 10_000, what: 'two more triggered runs' });
  await waitFor(async () => (await admin.children('/cron/triggers')).children.length === 0, {
    timeoutMs: 5000,
    what: 'both requests handled',
  });
  assert.equal(readRuns(childLog).length, 3, 'each request ran once');
});

test('trigger: a continuous job is refused with what to do instead', async () => {
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/jobs/c',
    childLog: join(work.dir, 'c.log'),
  });
  const r = cli(config, 'trigger');
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /not a scheduled job \(no task\.schedule\); to restart a continuous job's child on its leader, suspend and resume it/
  );
});
