// suspend / resume end to end: the leader keeps its term and starts nothing — continuous mode stops its child and
// starts a new one on resume; a leader change while suspended starts nothing either; scheduled mode records the
// ticks due meanwhile as `suspended`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { BIN, SupervisorProc, startElection, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

const cli = (config: string, ...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args, '--config', config], { encoding: 'utf8' });

test('suspend: the child stops, the term stays; a new leader starts nothing; resume runs the job again', async () => {
  const childLog = join(work.dir, 'children.log');
  const config = writeConfig(work.dir, { connect: await fx.chroot(), path: '/jobs/s', childLog });
  const [a, b] = (await startElection(procs, { ids: ['a', 'b'], config, childLog })) as [
    SupervisorProc,
    SupervisorProc,
  ];

  const s = cli(config, 'suspend');
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /^suspended: \/jobs\/s: its leader keeps the term and starts nothing until resume\n$/);
  await a.waitLog(/child stopped: the job is suspended/, 5000);
  await a.waitLog(/to=waiting reason="suspended by an operator"/, 5000);
  assert.ok(readRuns(childLog)[0]!.stopped, 'the child was stopped (its stop line)');
  const st = cli(config, 'status');
  assert.equal(st.status, 0, 'the suspended leader still leads');
  assert.match(st.stdout, /^suspended by \S+ at \d{4}-.*: the leader keeps its term and starts nothing/m);
  assert.match(st.stdout, /^leader: a /m);
  assert.match(cli(config, 'suspend').stdout, /^already suspended/);

  a.signal('SIGTERM'); // a new leader while suspended: it takes the term and starts nothing
  await b.waitLog(/to=waiting reason="suspended by an operator"/, 10_000);
  assert.equal(readRuns(childLog).length, 1, 'nothing started while suspended');

  assert.match(cli(config, 'resume').stdout, /^resumed: \/jobs\/s\n$/);
  await b.waitLog(/to=starting reason="resumed by an operator"/, 5000);
  await waitFor(() => readRuns(childLog).length === 2, { timeoutMs: 5000, what: "b's child after resume" });
  assert.equal(readRuns(childLog)[1]!.name, 'b');
  assert.deepEqual(overlaps(readRuns(childLog)), []);
});

test('suspend: scheduled mode records the ticks due while suspended, and runs again on resume', async () => {
  const root = await fx.chroot();
  const childLog = join(work.dir, 'ticks.log');
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/cron',
    childLog,
    childEnv: { CHILD_EXIT_AFTER_MS: '50', CHILD_EXIT_CODE: '0' },
    extraTask: '  schedule: "* * * * * *"',
  });
  const s = new SupervisorProc('t', config);
  procs.push(s);
  await waitFor(() => readRuns(childLog).length >= 1, { timeoutMs: 15_000, what: 'a tick run' });
  assert.equal(cli(config, 'suspend').status, 0);
  const admin = await fx.client({ connect: root });
  const states = async () => {
    const { children } = await admin.children('/cron/runs');
    return Promise.all(children.map(async (c) => JSON.parse((await admin.get(`/cron/runs/${c}`)).data.toString())));
  };
  await waitFor(async () => (await states()).filter((r) => r.state === 'suspended').length >= 2, {
    timeoutMs: 10_000,
    what: 'two ticks recorded suspended',
  });
  const ran = readRuns(childLog).length;
  assert.equal(cli(config, 'resume').status, 0);
  await waitFor(() => readRuns(childLog).length > ran, { timeoutMs: 5000, what: 'a tick run after resume' });
});

test('suspend: once runs nothing on a suspended job (exit 75), and runs again once resumed', async () => {
  const childLog = join(work.dir, 'once.log');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/jobs/once',
    childLog,
    childEnv: { CHILD_EXIT_AFTER_MS: '20', CHILD_EXIT_CODE: '0' },
  });
  assert.equal(cli(config, 'suspend').status, 0);
  const held = cli(config, 'once');
  assert.equal(held.status, 75, held.stderr);
  assert.match(held.stderr, /the job is suspended, not running/);
  assert.equal(readRuns(childLog).length, 0);
  assert.equal(cli(config, 'resume').status, 0);
  const ran = cli(config, 'once');
  assert.equal(ran.status, 0, ran.stderr);
  assert.equal(readRuns(childLog).length, 1);
});
