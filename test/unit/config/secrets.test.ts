// DESIGN §6: what the config lets out — redacted `validate` output, no shell injection, a private digest file.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { problems } from '../../helpers/config-problems.js';
import { parseConfig } from '../../../src/config/load.js';
import { redactedConfig } from '../../../src/config/redact.js';
import { CONFIG_CHECKS } from '../../../src/supervisor/checks.js';

const yaml = (task: string, zk = '') =>
  `zookeeper:\n  connect: "\${ZK:-127.0.0.1:2181}"\n${zk}election:\n  path: /e\ntask:\n${task}`;

test('secrets: validate output shows where a value came from, never the value; secret-looking env keys hidden', () => {
  const text = yaml(
    '  command: ["/usr/bin/report", "--db-password=${DB_PW}"]\n  env:\n    API_TOKEN: "${TOKEN}"\n' +
      '    DB_PASSWORD: hunter2\n    REGION: eu-1\n'
  );
  const loaded = parseConfig(text, 'c.yaml', { DB_PW: 'hunter2', TOKEN: 'tok-123' });
  assert.deepEqual(loaded.config.task.command, ['/usr/bin/report', '--db-password=hunter2']);
  const shown = JSON.stringify(redactedConfig(loaded));
  assert.ok(!shown.includes('hunter2') && !shown.includes('tok-123'), shown);
  assert.match(shown, /"«from \$DB_PW»"/);
  assert.match(shown, /"API_TOKEN":"«from \$TOKEN»"/);
  assert.match(shown, /"DB_PASSWORD":"«secret»"/);
  assert.match(shown, /"REGION":"eu-1"/);
  assert.match(shown, /"id":"«default: [^"]+:<pid of the running supervisor>»"/, "not validate's own pid");
  assert.match(shown, /"connect":"127\.0\.0\.1:2181"/, 'a default, not the environment, is shown');
});

test('secrets: a string command is not pasted into: the shell expands ${VAR} from the environment', () => {
  const env = { NAME: '"; rm -rf / #' };
  const loaded = parseConfig(yaml('  command: echo "hello ${NAME}" ${OTHER:-x}\n'), 'c.yaml', env);
  assert.equal(loaded.config.task.command, 'echo "hello ${NAME}" ${OTHER:-x}');
  const own = parseConfig(yaml('  command: for f in a b; do echo ${f}; done\n'), 'c.yaml', {});
  assert.equal(own.config.task.command, 'for f in a b; do echo ${f}; done', "the shell's own variables");
});

test('secrets: $${ writes a literal ${ in every other field', () => {
  const loaded = parseConfig(yaml('  command: [printf, "$${HOME}"]\n  env:\n    T: "a$${b}"\n'), 'c.yaml', {});
  assert.deepEqual(loaded.config.task.command, ['printf', '${HOME}']);
  assert.equal(loaded.config.task.env.T, 'a${b}');
  assert.deepEqual(loaded.interpolated, []);
});

test('secrets: a digest file readable by group or others is refused, with the fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zks-digest-'));
  try {
    const file = join(dir, 'digest');
    writeFileSync(file, 'ops:s3cr3t\n');
    chmodSync(file, 0o640);
    const text = yaml('  command: [sleep, "1"]\n', `  auth:\n    digestFile: ${file}\n`);
    const [p] = problems(text);
    assert.match(p!, /zookeeper\.auth\.digestFile: .* is accessible by group or others \(mode 0640\): run chmod 600/);
    assert.ok(!p!.includes('s3cr3t'));
    chmodSync(file, 0o600);
    assert.equal(parseConfig(text, 'c.yaml', {}, CONFIG_CHECKS).digest, 'ops:s3cr3t');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secrets: task.user must exist; election.path / is refused', () => {
  assert.match(problems(yaml('  command: [sleep, "1"]\n  user: no-such-user-zks\n'))[0]!, /task\.user: no such user/);
  assert.match(
    problems(yaml('  command: [sleep, "1"]\n').replace('path: /e', 'path: /'))[0]!,
    /election\.path: .*must not be \//
  );
});
