import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bySequence } from '../../../src/recipes/queue-lock.js';
import { isZkError } from '../../../src/zk/errors.js';
import { readRuns } from '../../helpers/overlap.js';
import { BIN, SupervisorProc, writeConfig, useSupervisors } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

const SECRET = 'ops:Sup3r-s3cret-pw';
const noauth = (p: Promise<unknown>, what: string) =>
  assert.rejects(p, (e: unknown) => isZkError(e, 'NOAUTH'), `${what} must be refused without credentials`);

test('security: with digest auth, only members can write the election; credentials appear nowhere', async () => {
  const root = await fx.chroot();
  // Someone created the election path earlier with an open ACL: the supervisor narrows it.
  const early = await fx.client({ connect: root });
  await early.create('/sec');
  const openNodes = ['/sec/job', '/sec/job/leader', '/sec/job/runs', '/sec/job/runs/2026-01-01T00:00:00.000Z'];
  for (const n of [...openNodes, '/sec/job/drained', '/sec/job/drained/old-host']) {
    await early.create(n, '{}'); // nodes of an earlier open-mode run: narrowed at start-up
  }
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/sec/job',
    childLog: join(work.dir, 'children.log'),
    extraZk: '  auth:\n    digestEnv: ZKS_TEST_DIGEST\n  acl: secured',
  });
  process.env.ZKS_TEST_DIGEST = SECRET;
  const sups = ['a', 'b'].map((id) => new SupervisorProc(`sec-${id}`, config));
  delete process.env.ZKS_TEST_DIGEST;
  procs.push(...sups);
  const leader = await Promise.any(sups.map((s) => s.waitLog(/to=running/, 10_000).then(() => s)));
  await Promise.all(sups.map((s) => s.waitLog(/candidate position/, 10_000)));

  const stranger = await fx.client({ connect: root });
  const { children } = await stranger.children('/sec/job/candidates'); // everyone may read
  assert.equal(children.length, 2);
  const leaderNode = `/sec/job/candidates/${children.sort(bySequence)[0]}`;
  await noauth(stranger.delete(leaderNode), "deleting the leader's candidate node");
  await noauth(
    stranger.create('/sec/job/candidates/0-lock-', '', { mode: 'ephemeral_sequential' }),
    'injecting a candidate'
  );
  await noauth(stranger.set('/sec/job/leader', '{"id":"intruder"}'), 'rewriting the leader node');
  await noauth(stranger.delete('/sec/job/leader'), 'deleting the leader node');
  await noauth(stranger.delete('/sec/job/candidates'), 'deleting the candidates directory');
  await noauth(stranger.create('/sec/job/runs/x', ''), 'adding a run record');
  await noauth(stranger.set('/sec/job/runs/2026-01-01T00:00:00.000Z', '{}'), 'rewriting a run record');
  const [baton] = (await stranger.children('/sec/job/batons')).children;
  await noauth(stranger.delete(`/sec/job/batons/${baton}`), "deleting the leader's baton");
  await noauth(stranger.create('/sec/job/batons/x', '', { mode: 'ephemeral' }), 'making a baton');
  await noauth(stranger.create('/sec/job/resign', '{"term":1}'), 'asking the leader to resign');
  await noauth(stranger.create('/sec/job/last-run', '{}'), 'writing the once-per record');
  await noauth(stranger.create('/sec/job/drained/sec-a', ''), 'draining a host');
  await noauth(stranger.delete('/sec/job/drained/old-host'), 'undraining a host');
  await noauth(stranger.set('/sec/job/drained/old-host', '{}'), 'rewriting a drain marker');
  const [pid] = (await stranger.children('/sec/job/pids')).children;
  await noauth(stranger.delete(`/sec/job/pids/${pid}`), "deleting a supervisor's pid node");
  await noauth(stranger.create('/sec/job/pids/fake', ''), 'adding a pid node');
  assert.equal(leader.state, 'running');

  process.env.ZKS_TEST_DIGEST = SECRET;
  const status = spawnSync(process.execPath, [BIN, 'status', '--config', config, '--json'], {
    encoding: 'utf8',
    env: process.env,
  });
  const validate = spawnSync(process.execPath, [BIN, 'validate', '--config', config], {
    encoding: 'utf8',
    env: process.env,
  });
  delete process.env.ZKS_TEST_DIGEST;
  assert.equal(status.status, 0, status.stderr);
  const password = SECRET.split(':')[1]!;
  for (const [what, text] of [
    ['logs', sups.flatMap((s) => s.lines).join('\n')],
    ['status', status.stdout + status.stderr],
    ['validate', validate.stdout + validate.stderr],
  ]) {
    assert.ok(!text!.includes(password), `the password appears in ${what}`);
  }
});

test('security: the child never inherits the ZooKeeper credential', async () => {
  const root = await fx.chroot();
  const childLog = join(work.dir, 'children-env.log');
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/env/job',
    childLog,
    extraZk: '  auth:\n    digestEnv: ZKS_TEST_DIGEST\n  acl: secured',
  });
  process.env.ZKS_TEST_DIGEST = SECRET;
  const sup = new SupervisorProc('env-a', config);
  delete process.env.ZKS_TEST_DIGEST;
  procs.push(sup);
  await sup.waitLog(/to=running/, 10_000);
  const child = await waitFor(() => readRuns(childLog)[0], {
    timeoutMs: 5000,
    what: 'the child writing its start line',
  });
  const environ = readFileSync(`/proc/${child.pid}/environ`, 'latin1');
  assert.ok(environ.includes('CHILD_LOG='), 'read the environment of the child itself');
  assert.ok(!environ.includes(SECRET.split(':')[1]!), 'the digest password is in the child environment');
  assert.ok(!environ.includes('ZKS_TEST_DIGEST='), 'the credential variable is in the child environment');
  // What a job of the same user can read of the processes above it (#25.6): their first environment blocks.
  const leash = Number(readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  for (const [who, pid] of [
    ['supervisor', sup.pid],
    ['leash', leash],
  ] as const) {
    const block = readFileSync(`/proc/${pid}/environ`, 'latin1');
    assert.ok(block.includes('ZKS_TEST_TAG=') || block.includes('PATH='), `read the ${who}'s environment`);
    assert.ok(!block.includes(SECRET.split(':')[1]!), `the digest password is in the ${who}'s /proc/pid/environ`);
  }
});

test('security: task.user runs the job as that user, with its own HOME; the supervisor stays root', async (t) => {
  const root = await fx.chroot();
  // A directory the job's user can write to (the work dir is private to root).
  const shared = mkdtempSync(join(tmpdir(), 'zks-user-'));
  t.after(() => rmSync(shared, { recursive: true, force: true }));
  chmodSync(shared, 0o777);
  const out = join(shared, 'id');
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/user/job',
    childLog: join(work.dir, 'unused.log'),
    command: `echo "$(id -u) $(id -g) $HOME $USER" > ${out}.tmp && mv ${out}.tmp ${out} && exec sleep 600`,
    extraTask: '  user: nobody',
  });
  const sup = new SupervisorProc('user-a', config);
  procs.push(sup);
  await sup.waitLog(/to=running/, 10_000);
  const line = await waitFor(
    () => {
      try {
        return readFileSync(out, 'utf8').trim();
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 5000, what: 'the job writing its identity' }
  );
  const [uid, gid, home, user] = line.split(' ');
  assert.equal(uid, '65534', line);
  assert.equal(gid, '65534', line);
  assert.equal(user, 'nobody');
  assert.equal(home, '/nonexistent');
  assert.equal(readFileSync(`/proc/${sup.pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1], '0');
  sup.signal('SIGTERM');
  assert.equal(await sup.exited, 0, 'the root supervisor stops the job it runs as nobody');
});

test('security: validate --quiet prints nothing; validate never prints a value from the environment', async () => {
  const root = await fx.chroot();
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/validate/job',
    childLog: join(work.dir, 'v.log'),
    childEnv: { API_TOKEN: '${ZKS_TEST_TOKEN}' },
  });
  const env = { ...process.env, ZKS_TEST_TOKEN: 'tok-Zz9-secret' };
  const quiet = spawnSync(process.execPath, [BIN, 'validate', '--quiet', '--config', config], {
    encoding: 'utf8',
    env,
  });
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stdout + quiet.stderr, '');
  const loud = spawnSync(process.execPath, [BIN, 'validate', '--config', config], { encoding: 'utf8', env });
  assert.equal(loud.status, 0, loud.stderr);
  assert.ok(!loud.stdout.includes('tok-Zz9-secret'), loud.stdout);
  assert.match(loud.stdout, /API_TOKEN: «from \$ZKS_TEST_TOKEN»/);
});

test('security: forged candidate names cannot block the election (open mode)', async () => {
  const root = await fx.chroot();
  const stranger = await fx.client({ connect: root });
  await stranger.create('/forged');
  await stranger.create('/forged/job');
  await stranger.create('/forged/job/candidates');
  // Sorts first forever, by name and by suffix; and a well-formed name with a sequence ZooKeeper never gave.
  await stranger.create('/forged/job/candidates/x-lock-0000000000');
  const config = writeConfig(work.dir, { connect: root, path: '/forged/job', childLog: join(work.dir, 'f.log') });
  const a = new SupervisorProc('forged-a', config);
  procs.push(a);
  await a.waitLog(/to=running/, 10_000);
  const b = new SupervisorProc('forged-b', config);
  procs.push(b);
  await b.waitLog(/candidate position/, 10_000);
  const fake = '00000000-0000-4000-8000-000000000000-lock-0000000001';
  await stranger.create(`/forged/job/candidates/${fake}`);
  a.signal('SIGTERM'); // hand over: b must not wait on the forged node that claims to precede it
  await b.waitLog(/to=running/, 10_000);
  assert.ok(a.lines.some((l) => /ignoring a node that is not a candidate.*x-lock-0000000000/.test(l)));
  assert.ok(b.lines.some((l) => /ignoring a node that is not a candidate.*lock-0000000001.*created-after/.test(l)));
});

test('security: wrong credentials fail fast: one line naming the user, exit 1, no retry loop', async () => {
  const root = await fx.chroot();
  const config = (secretVar: string) =>
    writeConfig(work.dir, {
      connect: root,
      path: '/auth/job',
      childLog: join(work.dir, 'auth.log'),
      extraZk: `  auth:\n    digestEnv: ${secretVar}\n  acl: secured`,
    });
  process.env.ZKS_TEST_DIGEST = SECRET;
  const member = new SupervisorProc('auth-a', config('ZKS_TEST_DIGEST'));
  delete process.env.ZKS_TEST_DIGEST;
  procs.push(member);
  await member.waitLog(/to=running/, 10_000); // the election's nodes now carry the members' ACL
  process.env.ZKS_TEST_WRONG = 'ops:not-the-password';
  const intruder = new SupervisorProc('auth-b', config('ZKS_TEST_WRONG'));
  delete process.env.ZKS_TEST_WRONG;
  procs.push(intruder);
  const code = await Promise.race([intruder.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
  assert.equal(code, 1, 'the supervisor with the wrong password exits 1');
  const refused = intruder.lines.filter((l) => /NOAUTH/.test(l));
  assert.ok(
    refused.some((l) => /digest user \\?"ops\\?".*not allowed/.test(l)),
    intruder.lines.join('\n')
  );
  assert.ok(!intruder.lines.join('\n').includes('not-the-password'));
  assert.ok(intruder.lines.filter((l) => /campaign failed|session failed/.test(l)).length === 0, 'no retry loop');
  assert.equal(member.state, 'running');
  // The one-shot commands say the same, not a raw "NOAUTH (rc=-102)".
  for (const args of [['resign'], ['drain', '--id', 'auth-a'], ['once']]) {
    const r = spawnSync(process.execPath, [BIN, ...args, '--config', config('ZKS_TEST_WRONG')], {
      encoding: 'utf8',
      env: { ...process.env, ZKS_TEST_WRONG: 'ops:not-the-password' },
    });
    assert.equal(r.status, 1, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /digest user \\?"ops\\?" of zookeeper\.auth is not allowed/, `${args[0]}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /rc=-102/, args[0]);
  }
});

test('security: open mode says so at start-up and in status', async () => {
  const root = await fx.chroot();
  const config = writeConfig(work.dir, { connect: root, path: '/open/job', childLog: join(work.dir, 'o.log') });
  const sup = new SupervisorProc('open-a', config);
  procs.push(sup);
  await sup.waitLog(/election is writable by any ZooKeeper client; set zookeeper\.acl: secured/, 10_000);
  const status = spawnSync(process.execPath, [BIN, 'status', '--config', config], { encoding: 'utf8' });
  assert.match(status.stdout, /^warning: election is writable by any ZooKeeper client; set zookeeper\.acl: secured$/m);
});

test('security: a shared pid-node parent outside the election is left alone, with a warning', async () => {
  const root = await fx.chroot();
  const other = await fx.client({ connect: root });
  await other.create('/shared');
  await other.create('/shared/pids'); // another team's open directory
  const config = writeConfig(work.dir, {
    connect: root,
    path: '/own/job',
    childLog: join(work.dir, 'p.log'),
    extraZk: '  auth:\n    digestEnv: ZKS_TEST_DIGEST\n  acl: secured',
    extra: 'pidNode:\n  path: /shared/pids/own-job',
  });
  process.env.ZKS_TEST_DIGEST = SECRET;
  const sup = new SupervisorProc('shared-a', config);
  delete process.env.ZKS_TEST_DIGEST;
  procs.push(sup);
  await sup.waitLog(/pid node parent is writable by any client; it is shared/, 10_000);
  const { acl } = await other.getACL('/shared/pids');
  assert.deepEqual(
    acl.map((a) => [a.scheme, a.id, a.perms]),
    [['world', 'anyone', 31]]
  );
  await other.create('/shared/pids/someone-else', ''); // still usable by its owners
});
