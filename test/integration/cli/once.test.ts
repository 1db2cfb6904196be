import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanArgv } from '../../../src/util/clean-exec.js';
import { overlaps, readRuns } from '../../helpers/overlap.js';
import { track } from '../../helpers/reaper.js';
import { BIN, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { freePort } from '../../helpers/zk-server.js';

const { fx, work } = useSupervisors();

// Runs `zk-supervisor once` and resolves with its exit code and output.
function once(
  config: string,
  id: string,
  ...rest: (string | { env: Record<string, string> })[]
): Promise<{ code: number | null; out: string }> {
  const args = rest.filter((x): x is string => typeof x === 'string');
  const extra = rest.find((x) => typeof x !== 'string')?.env ?? {};
  const { file, args: a, env } = cleanArgv([process.execPath, BIN, 'once', '--config', config, '--id', id, ...args]);
  const p = spawn(file, a, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...extra, ...env },
  });
  track(p);
  let out = '';
  p.stdout!.on('data', (d) => {
    out += d;
  });
  p.stderr!.on('data', (d) => {
    out += d;
  });
  return new Promise((r) => p.once('exit', (code) => r({ code, out })));
}

test('once: three hosts at the same tick → exactly one runs the command and exits with its code; the others exit 75', async () => {
  const childLog = join(work.dir, 'once.log');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/cron/report',
    childLog,
    sessionTimeout: '4s',
    childEnv: { CHILD_EXIT_AFTER_MS: '1500', CHILD_EXIT_CODE: '7' },
  });
  const results = await Promise.all(['a', 'b', 'c'].map((id) => once(config, id)));
  const codes = results.map((r) => r.code).sort();
  assert.deepEqual(codes, [7, 75, 75], results.map((r) => r.out).join('\n---\n'));
  assert.equal(readRuns(childLog).length, 1, 'exactly one host ran the command');
  for (const r of results.filter((x) => x.code === 75)) assert.match(r.out, /held elsewhere, not running/);
});

test('once --wait: a host that queues runs after the holder finishes, never at the same time', async () => {
  const childLog = join(work.dir, 'once-wait.log');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/cron/wait',
    childLog,
    sessionTimeout: '4s',
    childEnv: { CHILD_EXIT_AFTER_MS: '800', CHILD_EXIT_CODE: '0' },
  });
  const [a, b] = await Promise.all([once(config, 'a', '--wait', '10s'), once(config, 'b', '--wait', '10s')]);
  assert.deepEqual([a.code, b.code], [0, 0], `${a.out}\n---\n${b.out}`);
  const runs = readRuns(childLog);
  assert.equal(runs.length, 2);
  assert.deepEqual(overlaps(runs), []);
  const bad = await once(config, 'c', '--wait', 'soon');
  assert.equal(bad.code, 2);
  assert.match(bad.out, /--wait: must be a duration/);
});

test('once --once-per: a second host in the same period exits 75 without running; the next period runs again', async () => {
  const childLog = join(work.dir, 'once-per.log');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/cron/per',
    childLog,
    sessionTimeout: '4s',
    childEnv: { CHILD_EXIT_AFTER_MS: '20', CHILD_EXIT_CODE: '0' },
  });
  const period = 5000;
  // Periods are multiples of 5 s by the server's clock (this machine's): start just after a boundary.
  const toBoundary = () => period - (Date.now() % period) + 100;
  await new Promise((r) => setTimeout(r, toBoundary()));
  const a = await once(config, 'a', '--once-per', '5s');
  const b = await once(config, 'b', '--once-per', '5s');
  assert.equal(a.code, 0, a.out);
  assert.equal(b.code, 75, b.out);
  assert.match(b.out, /already ran in this period, not running .*by=a/);
  await new Promise((r) => setTimeout(r, toBoundary()));
  const c = await once(config, 'c', '--once-per', '5s');
  assert.equal(c.code, 0, c.out);
  assert.equal(readRuns(childLog).length, 2, 'a and c ran, b did not');
  const bad = await once(config, 'd', '--once-per', '0s');
  assert.equal(bad.code, 2);
  assert.match(bad.out, /--once-per: must be a positive duration/);
});

test('once: the shipped cron config prints nothing on a quiet tick, winner or not (cron mails any output)', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  await zk.create('/ops');
  const shipped = readFileSync(join(import.meta.dirname, '../../../config/cron-once.yaml'), 'utf8');
  const config = join(work.dir, 'cron-once.yaml');
  writeFileSync(config, shipped.replace('/usr/local/bin/warm-cache', 'sleep 1')); // still running when the other tries
  const env = { ZK_CONNECT: root };
  const results = await Promise.all(['a', 'b'].map((id) => once(config, id, { env })));
  assert.deepEqual(results.map((r) => r.code).sort(), [0, 75]);
  for (const r of results) assert.equal(r.out, '', `a tick said something: ${r.out}`);
});

test('once: a refused port fails in under a second, naming the server (not after the connect timeout)', async () => {
  const port = await freePort(); // nothing listens there
  const config = writeConfig(work.dir, { connect: `127.0.0.1:${port}`, path: '/cron/refused', childLog: 'unused' });
  const started = performance.now();
  const r = await once(config, 'a');
  const ms = performance.now() - started;
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`127\\.0\\.0\\.1:${port} ECONNREFUSED`));
  assert.ok(ms < 1500, `took ${Math.round(ms)} ms (node's start-up included)`);
});

test('once --once-per: a last-run record that is not one (null, not JSON) counts as an older period', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  const childLog = join(work.dir, 'once-null.log');
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/cron/null',
    childLog,
    childEnv: { CHILD_EXIT_AFTER_MS: '50' },
  });
  await zk.create('/cron');
  await zk.create('/cron/null');
  for (const junk of ['null', 'not json']) {
    await zk.create('/cron/null/last-run', junk);
    const r = await once(config, 'a', '--once-per', '1h');
    assert.equal(r.code, 0, `${junk}: ${r.out}`);
    await zk.delete('/cron/null/last-run');
  }
});
