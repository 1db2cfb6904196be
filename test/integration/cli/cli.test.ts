import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TcpProxy } from '../../helpers/proxy.js';
import { BIN, SupervisorProc, writeConfig, useSupervisors } from '../../helpers/supervisors.js';
import { freePort } from '../../helpers/zk-server.js';

const { fx, work, procs } = useSupervisors();

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const noStack = (s: string) => assert.ok(!/\n\s+at /.test(s), `stack trace in output:\n${s}`);

test('cli: validate exits 0 for a good config and 2 with one line per problem for a bad one', () => {
  const good = join(work.dir, 'good.yaml');
  writeFileSync(
    good,
    'zookeeper:\n  connect: "127.0.0.1:2181"\nelection:\n  path: /e\ntask:\n  command: [sleep, "1"]\n'
  );
  assert.equal(cli('validate', '--config', good).code, 0);
  const bad = join(work.dir, 'bad.yaml');
  writeFileSync(
    bad,
    'zookeeper:\n  connect: "127.0.0.1:2181"\n  sesionTimeout: 4s\nelection:\n  path: /e\ntask:\n  command: [sleep, "1"]\n  stopTimeout: forever\n'
  );
  const r = cli('validate', '--config', bad);
  assert.equal(r.code, 2);
  assert.equal(cli('run', '--config', bad).code, 2, 'run refuses it too: the unit does not restart exit 2');
  assert.match(r.err, /bad\.yaml:\d+:\d+: zookeeper: unknown key "sesionTimeout"/);
  assert.match(r.err, /bad\.yaml:8:\d+: task\.stopTimeout: must be a duration.*"forever"/);
  noStack(r.err);
  const missing = cli('validate', '--config', join(work.dir, 'nope.yaml'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.yaml: cannot read \(ENOENT\)/);
});

test('cli: bad arguments exit 2 with usage, never a stack trace', () => {
  const typos = [
    ['run', '--confg', 'x'],
    ['run', '-c', 'a', '--config', 'b'],
    ['resign', '-c', 'a', '--timeout', '5s'],
  ];
  for (const args of [[], ['frobnicate'], ['run'], ['status', '--config'], ...typos, ['drain', '-c', 'a', '--id=']]) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    noStack(r.err);
  }
});

test('cli: status against an unreachable server exits 1 naming the server; no leader exits 3', async () => {
  const proxy = await TcpProxy.start({ port: 9 });
  proxy.blackhole();
  try {
    const config = writeConfig(work.dir, { connect: proxy.address, path: '/x', childLog: '/dev/null' });
    const r = cli('status', '--config', config);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`zk-supervisor: zookeeper ${proxy.address}: no server answered within \\d+ ms`));
    // …and it said so after 2 s, not only at the end (#26.7: 15 s of silence before)
    assert.match(
      r.err,
      new RegExp(`^zk-supervisor: zookeeper ${proxy.address}: no answer after 2 s \\(giving up after \\d+ s\\)$`, 'm')
    );
    noStack(r.err);
  } finally {
    await proxy.stop();
  }
  // Nothing listening: refused at once, so said within a second (not after the connect timeout).
  const closed = writeConfig(work.dir, { connect: `127.0.0.1:${await freePort()}`, path: '/x', childLog: '/dev/null' });
  const t0 = performance.now();
  const refused = cli('status', '--config', closed);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /^zk-supervisor: zookeeper 127\.0\.0\.1:\d+: 127\.0\.0\.1:\d+ ECONNREFUSED$/m);
  // --json: a script parsing the output gets a JSON error object, not empty input (#26.7)
  const asJson = cli('status', '--config', closed, '--json');
  assert.equal(asJson.code, 1);
  const { error } = JSON.parse(asJson.out) as { error: { message: string; exitCode: number } };
  assert.match(error.message, /ECONNREFUSED/);
  assert.equal(error.exitCode, 1);
  // node's own start-up included; the connect timeout it no longer waits for is 5 s
  assert.ok(performance.now() - t0 < 3000, `took ${performance.now() - t0} ms`);
  const empty = writeConfig(work.dir, { connect: await fx.chroot(), path: '/nobody', childLog: '/dev/null' });
  const r = cli('status', '--config', empty);
  assert.equal(r.code, 3);
  assert.match(r.out, /leader: none/);
  // drain of a host nobody has heard of: done (it may join later), with a warning that names the way back
  const drained = cli('drain', '--config', empty, '--id', 'nosuchhost');
  assert.equal(drained.code, 0, drained.err);
  assert.match(drained.err, /warning: no candidate "nosuchhost" is in the election now.*undrain/);
});

test('cli: a command that cannot start is reported clearly and the host steps down instead of crashing', async () => {
  const config = writeConfig(work.dir, { connect: await fx.chroot(), path: '/broken', childLog: '/dev/null' });
  const yaml = join(work.dir, 'broken.yaml');
  writeFileSync(
    yaml,
    readFileSync(config, 'utf8').replace(/command: .*/, 'command: ["/nonexistent/worker", "--flag"]')
  );
  const p = new SupervisorProc('broken', yaml);
  procs.push(p);
  const line = await p.waitLog(/task cannot start/, 10_000);
  assert.match(line, /task\.command \/nonexistent\/worker: not found/);
  await p.waitLog(/to=backoff reason="stepped down"/, 5000);
  await p.waitLog(/to=candidate reason=rejoin/, 5000);
  p.signal('SIGTERM');
  assert.equal(await p.exited, 0);
  // A string command whose program is missing: the shell exits 127 — an error line that says so (#26.7)
  writeFileSync(yaml, readFileSync(config, 'utf8').replace(/command: .*/, 'command: "/nonexistent/worker --flag"'));
  const s = new SupervisorProc('broken-sh', yaml);
  procs.push(s);
  const exited = await s.waitLog(/child exited/, 10_000);
  assert.match(exited, /^\S+ error .*exitCode=127.*the shell could not run the command \(exit 127\)/);
  s.signal('SIGTERM');
  assert.equal(await s.exited, 0);
});

test('cli: a missing native ZooKeeper client is one clear error and exit 1, not a crash or a retry loop', () => {
  // The installed command without its node_modules (e.g. a broken install): the bundle cannot load `zookeeper`.
  const copy = join(work.dir, 'broken-install');
  cpSync(join(BIN, '../../dist'), join(copy, 'dist'), { recursive: true });
  cpSync(BIN, join(copy, 'bin/zk-supervisor.js'));
  const config = join(work.dir, 'broken.yaml');
  writeFileSync(
    config,
    'zookeeper:\n  connect: "127.0.0.1:1"\nelection:\n  path: /e\ntask:\n  command: [sleep, "1"]\nlogging:\n  format: text\n'
  );
  for (const command of ['run', 'once']) {
    const r = spawnSync(process.execPath, [join(copy, 'bin/zk-supervisor.js'), command, '--config', config], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 1, `${command}: ${r.stderr}`);
    assert.match(
      r.stderr,
      /the ZooKeeper client library \(npm package zookeeper\) cannot be used: Cannot find (module|package) 'zookeeper'/
    );
    noStack(r.stderr);
  }
});

test('cli: run with nothing listening says so at once, once, with the next retry; then leads when ZooKeeper comes', async () => {
  const port = await freePort();
  const root = await fx.chroot();
  const config = writeConfig(work.dir, {
    connect: `127.0.0.1:${port}${root.slice(root.indexOf('/'))}`,
    path: '/late',
    childLog: join(work.dir, 'late.log'),
  });
  const t0 = performance.now();
  const p = new SupervisorProc('late', config);
  procs.push(p);
  const line = await p.waitLog(/zookeeper unreachable, retrying/, 3000);
  // start-up included; before, nothing was said until the 15 s connect timeout
  assert.ok(performance.now() - t0 < 4000, `said after ${(performance.now() - t0).toFixed(0)} ms`);
  assert.match(line, /ECONNREFUSED.*retryInMs=\d+/);
  await p.waitLog(/reason=retry/, 5000, p.lines.length);
  await p.waitLog(/reason=retry/, 5000, p.lines.length);
  assert.equal(
    p.lines.filter((l) => /zookeeper unreachable, retrying/.test(l)).length,
    1,
    'said once while nothing changes'
  );
  const proxy = await TcpProxy.start({ port: Number(fx.connectString().split(':')[1]) }, port);
  try {
    await p.waitLog(/to=running/, 15_000);
  } finally {
    p.signal('SIGTERM');
    await p.exited;
    await proxy.stop();
  }
});

test('cli: validate warns (exit 0) about a command that is not installed yet; --quiet says nothing', () => {
  const config = join(work.dir, 'later.yaml');
  writeFileSync(
    config,
    'zookeeper:\n  connect: "127.0.0.1:2181"\nelection:\n  path: /e\ntask:\n  command: ["/opt/later/tool"]\n'
  );
  const r = cli('validate', '--config', config);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /^zk-supervisor: warning: .*later\.yaml:\d+:\d+: task\.command: .*\/opt\/later\/tool: not found .*retry/m
  );
  const quiet = cli('validate', '--quiet', '--config', config);
  assert.equal(quiet.code, 0);
  assert.equal(quiet.err + quiet.out, '');
});

test('cli: status --json through a pipe is whole past 64 KiB (it waits for stdout before exiting)', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  await zk.create('/big');
  await zk.create('/big/pids');
  for (let i = 0; i < 120; i++) await zk.create(`/big/pids/host-${i}`, 'x'.repeat(1000));
  const config = writeConfig(work.dir, { connect: root, path: '/big', childLog: join(work.dir, 'unused.log') });
  // a reader that is slow to start, as `| jq` or `| less` can be
  const shell = `${JSON.stringify(process.execPath)} ${BIN} status --json --config ${config} | (sleep 0.3; cat)`;
  const out = spawnSync('/bin/sh', ['-c', shell], { encoding: 'utf8', timeout: 20_000 }).stdout;
  assert.ok(out.length > 120_000, `${out.length} bytes`);
  assert.equal((JSON.parse(out) as { pidNodes: unknown[] }).pidNodes.length, 120);
});
