import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/spawn-emfile.ts');

test('spawn: out of file descriptors is a TaskSpawnError (SPAWN_FAILED), not a crash', () => {
  const r = spawnSync('prlimit', ['--nofile=200:200', process.execPath, '--import', 'tsx', FIXTURE], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `the process crashed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { code: string; message: string };
  assert.equal(out.code, 'SPAWN_FAILED', out.message);
  assert.match(out.message, /task\.command \/bin\/true: the system refused to start a process/);
});
