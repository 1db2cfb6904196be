import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const UNIT = join(import.meta.dirname, '../../../systemd/zk-supervisor@.service');
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

test('systemd unit: cgroup kill, stop timeout above the default task stopTimeout, no restart on config errors', () => {
  const unit = readFileSync(UNIT, 'utf8');
  assert.match(unit, /^KillMode=control-group$/m);
  assert.match(unit, /^TimeoutStopSec=30s$/m);
  assert.match(unit, /^RestartPreventExitStatus=2$/m);
  assert.match(unit, /^ExecStart=\/usr\/bin\/zk-supervisor run --config \/etc\/zk-supervisor\/%i\.yaml$/m);
});

test('systemd unit: systemd-analyze verify accepts it', { skip: hasAnalyze ? false : 'systemd-analyze is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-unit-'));
  try {
    const file = join(dir, 'zk-supervisor@job.service');
    writeFileSync(file, readFileSync(UNIT, 'utf8').replaceAll('/usr/bin/zk-supervisor', '/bin/true'));
    const out = execFileSync('systemd-analyze', ['verify', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(out.trim(), '');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
