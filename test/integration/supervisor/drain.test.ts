// drain / undrain and status --watch: a drained host stays connected and visible but never leads, across restarts; draining the
// leader hands over through the resign path (its child stops before the next one starts).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { BIN, SupervisorProc, startElection, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { track } from '../../helpers/reaper.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();
const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('drain: the drained leader hands over, stays visible, never leads (even restarted) until undrained', async () => {
  const childLog = join(work.dir, 'drain.log');
  const config = writeConfig(work.dir, { connect: await fx.chroot(), path: '/drain/job', childLog });
  const [a, b] = (await startElection(procs, { ids: ['dr-a', 'dr-b'], config, childLog })) as [
    SupervisorProc,
    SupervisorProc,
  ];

  const drained = await cli('drain', '--config', config, '--id', 'dr-a');
  assert.match(drained.stdout, /^drained: dr-a\nit leads: asked it to step down/);
  await b.waitLog(/to=running/, 10_000);
  await a.waitLog(/to=drained reason="drained by an operator"/, 10_000);
  assert.deepEqual(overlaps(readRuns(childLog)), [], 'the hand-over waited for the old child');

  const status = JSON.parse((await cli('status', '--config', config, '--json')).stdout);
  assert.deepEqual(
    status.drained.map((d: { name: string }) => d.name),
    ['dr-a']
  );
  assert.equal(status.candidates.length, 1, 'a drained host is not in the queue');
  assert.equal(status.pidNodes.length, 2, 'but it is still visible');

  // Restarted, and its rival gone: it still does not lead.
  a.signal('SIGTERM');
  await a.exited;
  const a2 = new SupervisorProc('dr-a', config);
  procs.push(a2);
  await a2.waitLog(/to=drained/, 10_000);
  b.signal('SIGTERM');
  await b.exited;
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(!a2.lines.some((l) => /to=candidate/.test(l)), 'a drained host never campaigns');

  assert.match((await cli('undrain', '--config', config, '--id', 'dr-a')).stdout, /^undrained: dr-a$/m);
  await a2.waitLog(/to=running/, 10_000);
  await waitFor(() => readRuns(childLog).length === 3, { timeoutMs: 5000, what: 'the third child' });
});

test('status --watch prints one line per change of leadership until interrupted (exit 0)', async () => {
  const childLog = join(work.dir, 'watch.log');
  const config = writeConfig(work.dir, { connect: await fx.chroot(), path: '/watch/job', childLog });
  const watcher = spawn(process.execPath, [BIN, 'status', '--config', config, '--watch', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(watcher);
  const lines: { leader: { id: string; term: number } | null }[] = [];
  watcher.stdout.setEncoding('utf8').on('data', (d: string) => {
    for (const l of d.split('\n').filter(Boolean)) lines.push(JSON.parse(l));
  });
  const exited = new Promise<number | null>((r) => watcher.once('exit', (code) => r(code)));
  await waitFor(() => lines.length === 1, { timeoutMs: 5000, what: 'the first line' });
  assert.equal(lines[0]!.leader, null);
  const a = new SupervisorProc('w-a', config);
  procs.push(a);
  await a.waitLog(/to=running/, 10_000);
  const b = new SupervisorProc('w-b', config);
  procs.push(b);
  await b.waitLog(/candidate position/, 10_000);
  a.signal('SIGTERM');
  await b.waitLog(/to=running/, 10_000);
  await waitFor(() => lines.some((l) => l.leader?.id === 'w-b'), { timeoutMs: 5000, what: 'the hand-over seen' });
  let err = '';
  watcher.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  watcher.kill('SIGINT');
  assert.equal(await exited, 0, err);
  const leaders = lines.map((l) => l.leader?.id ?? 'none');
  assert.deepEqual(
    leaders.filter((id, i) => id !== leaders[i - 1]),
    leaders,
    'one line per change, no repeats'
  );
  assert.deepEqual(
    leaders.filter((id) => id !== 'none'),
    ['w-a', 'w-b']
  );
});
