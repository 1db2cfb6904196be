import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const UNITS = {
  'zk-supervisor@.service': '%i', // one job per instance
  'zk-supervisor.service': 'zk-supervisor', // the daemon of every job (#29)
};
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

for (const [name, config] of Object.entries(UNITS)) {
  test(`systemd unit ${name}: SIGTERM to the supervisor alone, bounded restarts, none on config errors`, () => {
    const unit = readFileSync(join(import.meta.dirname, '../../../systemd', name), 'utf8');
    // mixed: the supervisor stops the job through the leash (task.stopSignal, its order); the cgroup gets SIGKILL
    // only after TimeoutStopSec. control-group would signal the job directly, bypassing both.
    assert.match(unit, /^KillMode=mixed$/m);
    // A failing ExecStartPre is restarted forever (RestartPreventExitStatus covers the main process only): `run`
    // refuses a bad config itself, with exit 2.
    assert.doesNotMatch(unit, /^ExecStartPre=/m);
    assert.match(unit, /^StartLimitBurst=\d+$/m);
    assert.match(unit, /^StartLimitIntervalSec=\d+$/m);
    assert.doesNotMatch(unit, /^Documentation=https?:/m, 'no link to a page that does not exist');
    assert.match(unit, /^TimeoutStopSec=30s$/m);
    assert.match(unit, /^RestartPreventExitStatus=2$/m);
    assert.match(unit, /^Type=notify$/m);
    assert.match(unit, /^NotifyAccess=main$/m);
    assert.match(unit, /^WatchdogSec=\d+s$/m);
    const file = `/etc/zk-supervisor/${config}.yaml`;
    assert.ok(unit.split('\n').includes(`ExecStart=/usr/bin/zk-supervisor run --config ${file}`));
    assert.ok(unit.split('\n').includes(`ExecReload=/usr/bin/zk-supervisor validate --quiet --config ${file}`));
  });
}

const ONCE = join(import.meta.dirname, '../../../systemd/zk-supervisor-once@.service');
const TIMER = join(import.meta.dirname, '../../../systemd/zk-supervisor-once@.timer');

test('systemd once unit: oneshot, exit 75 is success, --once-per matches the timer period', () => {
  const unit = readFileSync(ONCE, 'utf8');
  assert.match(unit, /^Type=oneshot$/m);
  assert.match(unit, /^TimeoutStartSec=\d+min$/m, 'a stuck run is bounded');
  assert.match(unit, /^KillMode=mixed$/m);
  assert.match(unit, /^SuccessExitStatus=75$/m);
  assert.match(
    unit,
    /^ExecStart=\/usr\/bin\/zk-supervisor once --config \/etc\/zk-supervisor\/%i\.yaml --once-per 5m$/m
  );
  assert.match(readFileSync(TIMER, 'utf8'), /^OnCalendar=\*:0\/5$/m);
});

test('systemd units: systemd-analyze verify accepts them', {
  skip: hasAnalyze ? false : 'systemd-analyze is not installed',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-unit-'));
  try {
    const files = [
      [join(import.meta.dirname, '../../../systemd/zk-supervisor@.service'), 'zk-supervisor@job.service'],
      [join(import.meta.dirname, '../../../systemd/zk-supervisor.service'), 'zk-supervisor.service'],
      [ONCE, 'zk-supervisor-once@job.service'],
      [TIMER, 'zk-supervisor-once@job.timer'],
    ].map(([src, name]) => {
      const file = join(dir, name!);
      writeFileSync(file, readFileSync(src!, 'utf8').replaceAll('/usr/bin/zk-supervisor', '/bin/true'));
      return file;
    });
    const out = execFileSync('systemd-analyze', ['verify', ...files], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(out.trim(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
