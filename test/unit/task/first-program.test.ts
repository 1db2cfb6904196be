// A string command's first program, as validate looks for it (#26.7): a missing one would exit 127 at every start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { commandPresent } from '../../../src/supervisor/checks.js';
import { firstProgram } from '../../../src/task/check.js';

test('first program: plain words, past exec and assignments; none for shell words and expansions', () => {
  assert.equal(firstProgram('backup --all'), 'backup');
  assert.equal(firstProgram('  exec /usr/bin/worker -v'), '/usr/bin/worker');
  assert.equal(firstProgram('LANG=C TZ=UTC exec report.sh'), 'report.sh');
  for (const none of ['echo hi; exec sleep 1', 'cd /tmp && make', '$HOME/bin/x', '"quoted" x', 'if true; then x; fi']) {
    assert.equal(firstProgram(none), undefined, none);
  }
});

test('first program: validate warns about a missing one, not about a shell word', () => {
  const check = (command: string) =>
    commandPresent(
      parseConfig(`zookeeper:\n  connect: "h:1"\nelection:\n  path: /e\ntask:\n  command: "${command}"\n`, 'c.yaml', {})
        .config
    );
  const missing = check('nosuchprog --x');
  assert.equal(missing?.warning, true);
  assert.match(missing!.message, /nosuchprog: not found/);
  assert.equal(check('echo hi; exec sleep 1'), undefined);
  assert.equal(check('sh -c true'), undefined);
});
