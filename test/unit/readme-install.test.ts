// The README's install line that puts the command where the systemd units look for it: it must leave a working
// command whether npm's global prefix is /usr (npm made /usr/bin/zk-supervisor itself) or elsewhere.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const line = README.split('\n').find((l) => l.includes('/usr/bin/zk-supervisor') && l.includes('npm prefix -g'));

test('readme: the install line leaves a working /usr/bin/zk-supervisor for a /usr and a /usr/local prefix', (t) => {
  assert.ok(line, 'the README has the line');
  const root = mkdtempSync(join(tmpdir(), 'zks-install-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const prefix of ['usr', 'usr/local']) {
    const dir = join(root, prefix.replace('/', '-'));
    const bin = join(dir, prefix, 'bin');
    mkdirSync(join(dir, 'usr/bin'), { recursive: true });
    mkdirSync(bin, { recursive: true });
    const installed = join(bin, 'zk-supervisor'); // what `npm install -g` made
    writeFileSync(installed, '#!/bin/sh\necho ok\n');
    chmodSync(installed, 0o755);
    const cmd = line!
      .replace(/#.*$/, '')
      .replaceAll('/usr/bin', join(dir, 'usr/bin'))
      .replace('$(npm prefix -g)', join(dir, prefix));
    execFileSync('/bin/sh', ['-ec', cmd]);
    execFileSync('/bin/sh', ['-ec', cmd]); // and again: idempotent
    assert.equal(execFileSync(join(dir, 'usr/bin/zk-supervisor'), { encoding: 'utf8' }), 'ok\n', prefix);
  }
});
