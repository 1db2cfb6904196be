// The child's environment (task/spec.ts): what it inherits, what it never gets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { childEnv } from '../../../src/task/spec.js';

const SUPERVISOR_ENV = { PATH: '/opt/bin:/usr/bin', HOME: '/root', LANG: 'C.UTF-8', ZK_DIGEST: 'ops:pw', REGION: 'eu' };
const config = (task: string) =>
  parseConfig(
    `zookeeper:\n  connect: "h:1"\n  auth:\n    digestEnv: ZK_DIGEST\nelection:\n  path: /e\n  id: a\ntask:\n${task}`,
    'c.yaml',
    SUPERVISOR_ENV
  ).config;

test('child env: everything the supervisor has, but the ZooKeeper credential (inheritEnv: true, the default)', () => {
  const env = childEnv(config('  command: [run]\n  env:\n    X: "1"\n'), SUPERVISOR_ENV);
  assert.equal(env.ZK_DIGEST, undefined);
  assert.deepEqual(
    { ...env },
    {
      PATH: '/opt/bin:/usr/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      REGION: 'eu',
      X: '1',
      ZK_SUPERVISOR_ID: 'a',
      ZK_SUPERVISOR_PATH: '/e',
    }
  );
});

test('child env: inheritEnv false gives task.env and a system PATH; a list picks names; never the credential', () => {
  const none = childEnv(config('  command: [run]\n  inheritEnv: false\n  env:\n    X: "1"\n'), SUPERVISOR_ENV);
  assert.deepEqual(Object.keys(none).sort(), ['PATH', 'X', 'ZK_SUPERVISOR_ID', 'ZK_SUPERVISOR_PATH']);
  assert.match(none.PATH!, /^\/usr\/local\/sbin:/);
  const some = childEnv(config('  command: [run]\n  inheritEnv: [LANG, ZK_DIGEST]\n'), SUPERVISOR_ENV);
  assert.deepEqual(Object.keys(some).sort(), ['LANG', 'PATH', 'ZK_SUPERVISOR_ID', 'ZK_SUPERVISOR_PATH']);
});

test('child env: a string command gets the variables it names (the shell expands them), but not the credential', () => {
  const env = childEnv(config('  command: echo ${REGION} ${ZK_DIGEST:-none}\n  inheritEnv: false\n'), SUPERVISOR_ENV);
  assert.equal(env.REGION, 'eu');
  assert.equal(env.ZK_DIGEST, undefined);
});

test('child env: task.user sets USER, LOGNAME and HOME; task.env still wins', () => {
  const id = { uid: 65534, gid: 65534, name: 'nobody', home: '/nonexistent' };
  const env = childEnv(config('  command: [run]\n  env:\n    HOME: /srv\n'), SUPERVISOR_ENV, id);
  assert.deepEqual([env.USER, env.LOGNAME, env.HOME], ['nobody', 'nobody', '/srv']);
});

test('child env: never what systemd gives the supervisor alone (notify socket, watchdog, sockets), even when listed', () => {
  const systemd = {
    NOTIFY_SOCKET: '/run/systemd/notify',
    WATCHDOG_USEC: '30000000',
    WATCHDOG_PID: '1',
    LISTEN_FDS: '1',
  };
  const base = { ...SUPERVISOR_ENV, ...systemd, LISTEN_PID: '1', LISTEN_FDNAMES: 'x', INVOCATION_ID: 'abc' };
  for (const task of ['  command: [run]\n', '  command: [run]\n  inheritEnv: [NOTIFY_SOCKET, WATCHDOG_USEC]\n']) {
    const env = childEnv(config(task), base);
    for (const k of [...Object.keys(systemd), 'LISTEN_PID', 'LISTEN_FDNAMES', 'INVOCATION_ID']) {
      assert.equal(env[k], undefined, `${k} reached the child`);
    }
  }
});
