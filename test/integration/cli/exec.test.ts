// exec, the one-liner: once's lock and exit codes from flags alone; the command after `--` keeps its own flags;
// a bad or missing flag is one line naming it and exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { cleanArgv } from '../../../src/util/clean-exec.js';
import { BIN, useSupervisors } from '../../helpers/supervisors.js';

const { fx } = useSupervisors();

function exec(...args: string[]) {
  const { file, args: a, env } = cleanArgv([process.execPath, BIN, 'exec', ...args]);
  return spawnSync(file, a, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
}

test('exec: runs the command once under the lock; --once-per refuses a second run (75); its flags are its own', async () => {
  const connect = await fx.chroot();
  const first = exec(
    '--connect',
    connect,
    '--path',
    '/locks/r',
    '--once-per',
    '1h',
    '--',
    '/bin/echo',
    '--daily',
    '$HOME'
  );
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stdout, '--daily $HOME\n', 'argv passed as given: no shell, no ${} expansion');
  const again = exec('--connect', connect, '--path', '/locks/r', '--once-per', '1h', '--', '/bin/echo', 'x');
  assert.equal(again.status, 75, again.stderr);
  assert.equal(again.stdout, '');
  const code = exec('--connect', connect, '--path', '/locks/other', '--', '/bin/sh', '-c', 'exit 7');
  assert.equal(code.status, 7, 'the command’s own exit code');
});

test('exec: a missing or bad flag is one line naming it (exit 2)', () => {
  const noPath = exec('--connect', '127.0.0.1:2181', '--', '/bin/true');
  assert.equal(noPath.status, 2);
  assert.match(noPath.stderr, /^zk-supervisor: exec: --path is required/);
  const noCmd = exec('--connect', '127.0.0.1:2181', '--path', '/x');
  assert.equal(noCmd.status, 2);
  assert.match(noCmd.stderr, /no command: give it after --/);
  const bad = exec('--connect', 'not a host', '--path', '/x', '--', '/bin/true');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^zk-supervisor: exec: --connect: must be host:port/);
  const t = exec('--connect', '127.0.0.1:2181', '--path', '/x', '--session-timeout', '10', '--', '/bin/true');
  assert.equal(t.status, 2);
  assert.match(t.stderr, /--session-timeout: must be a duration like "500ms", "10s" or "2m" \(got "10"\)/);
  assert.equal(t.stderr.trim().split('\n').length, 1, 'one line');
});
