// SIGHUP re-reads the config: the log level at once; the rest at once for a candidate (it rejoins; a new session
// for zookeeper.*) and when the term ends for a leader (its running child is not disturbed); an invalid file
// changes nothing.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRuns } from '../../helpers/overlap.js';
import { SupervisorProc, startElection, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';
import { freePort } from '../../helpers/zk-server.js';

const { fx, work, procs } = useSupervisors();

test('reload: SIGHUP applies a good file (the leader after its term, the candidate at once), keeps a bad one out', async () => {
  const childLog = join(work.dir, 'reload.log');
  const config = writeConfig(work.dir, { connect: await fx.chroot(), path: '/reload/job', childLog });
  const [a, b] = (await startElection(procs, { ids: ['rl-a', 'rl-b'], config, childLog })) as [
    SupervisorProc,
    SupervisorProc,
  ];
  const original = readFileSync(config, 'utf8');

  writeFileSync(
    config,
    original.replace('  level: debug', '  level: info').replace('env:\n', 'env:\n    MARK: "v2"\n')
  );
  for (const s of [a, b]) s.signal('SIGHUP');
  const aSaid = await a.waitLog(/config reloaded/, 5000);
  assert.match(aSaid, /nextTerm=\["task\.env\.MARK"\].*appliesWhen="when the term ends"/);
  await b.waitLog(/config reloaded.*appliesWhen="now \(rejoining\)"/, 5000);
  await b.waitLog(/candidate position/, 10_000, b.lines.length); // rejoined, on the same session
  assert.equal(readRuns(childLog).length, 1, "the leader's child was not disturbed");
  assert.equal(a.state, 'running');

  writeFileSync(config, original.replace('path: /reload/job', 'path: relative/oops'));
  a.signal('SIGHUP');
  const failed = await a.waitLog(/config reload failed: keeping the running config/, 5000);
  assert.match(failed, /election\.path/);
  assert.equal(a.state, 'running');

  a.signal('SIGTERM'); // the hand-over: b leads with the reloaded config
  await b.waitLog(/to=running/, 10_000, b.lines.length);
  const child = await waitFor(() => readRuns(childLog)[1], { timeoutMs: 5000, what: "b's child" });
  assert.match(readFileSync(`/proc/${child.pid}/environ`, 'latin1'), /MARK=v2/);
  assert.equal(await a.exited, 0, 'SIGHUP did not kill it; SIGTERM ended it cleanly');
});

test('reload: SIGHUP with a corrected connect string while ZooKeeper is unreachable connects to the new one', async () => {
  const childLog = join(work.dir, 'reload-connect.log');
  const chroot = (await fx.chroot()).slice(fx.connectString().length);
  const dead = await freePort(); // nothing listens there: refused at once
  const good = writeConfig(work.dir, { connect: `${fx.connectString()}${chroot}`, path: '/reload/conn', childLog });
  const text = readFileSync(good, 'utf8');
  const config = join(work.dir, 'reload-connect.yaml');
  writeFileSync(config, text.replace(`${fx.connectString()}${chroot}`, `127.0.0.1:${dead}${chroot}`));
  const a = new SupervisorProc('rl-c', config);
  procs.push(a);
  await a.waitLog(/zookeeper unreachable, retrying/, 10_000);
  writeFileSync(config, text);
  a.signal('SIGHUP');
  await a.waitLog(/config reloaded.*appliesWhen="now \(new session\)"/, 5000);
  await a.waitLog(/to=running/, 5000);
});

test('reload: a user lookup that takes 3 s (slow NSS) does not stall the lease: the leader keeps its child', async (t) => {
  // A getent that is slow once the flag file exists: start-up is quick, the reload's lookup takes 3 s.
  const bin = join(work.dir, 'slow-nss');
  const flag = join(work.dir, 'nss-is-slow');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'getent'), `#!/bin/sh\n[ -e ${flag} ] && /bin/sleep 3\nexec /usr/bin/getent "$@"\n`);
  chmodSync(join(bin, 'getent'), 0o755);
  const childLog = join(work.dir, 'slow-nss.log');
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/reload/nss',
    childLog,
    sessionTimeout: '2s',
    extraTask: '  user: root',
  });
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  t.after(() => {
    process.env.PATH = path;
  });
  const a = new SupervisorProc('nss-a', config);
  process.env.PATH = path;
  procs.push(a);
  await a.waitLog(/to=running/, 10_000);
  writeFileSync(flag, '');
  writeFileSync(config, readFileSync(config, 'utf8').replace('env:\n', 'env:\n    MARK: "v2"\n'));
  const from = a.lines.length;
  a.signal('SIGHUP');
  await a.waitLog(/config reloaded/, 10_000, from);
  await new Promise((r) => setTimeout(r, 1000)); // the window in which a lapsed lease would show
  assert.deepEqual(
    a.lines.slice(from).filter((l) => /to=(stopping|fenced)|lease expired/.test(l)),
    [],
    'the lease lapsed while the lookup ran'
  );
  assert.equal(readRuns(childLog).length, 1, "the leader's child was not disturbed");
});
