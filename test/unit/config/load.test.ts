import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { problems } from '../../helpers/config-problems.js';
import { loadJobs } from '../../../src/config/jobs.js';
import { loadConfig, parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/yaml.js';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { parseDuration } from '../../../src/config/schema.js';

const CONFIG_DIR = join(import.meta.dirname, '../../../config');
const base = (extra = '') =>
  `zookeeper:\n  connect: "127.0.0.1:2181"\nelection:\n  path: /e\ntask:\n  command: [sleep, "1"]\n${extra}`;

test('config: the shipped examples validate', () => {
  const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3);
  const env = { ZK_SUPERVISOR_DIGEST: 'ops:secret' } as NodeJS.ProcessEnv;
  for (const f of files) {
    if (f === 'daemon.yaml') assert.equal(loadJobs(join(CONFIG_DIR, f), env, []).jobs.length, 2);
    else loadConfig(join(CONFIG_DIR, f), env);
  }
});

test('config: defaults are filled in one place', () => {
  const { config } = parseConfig(base(), 'c.yaml', {});
  assert.equal(config.zookeeper.sessionTimeout, 10_000);
  assert.equal(config.task.stopTimeout, 5000);
  assert.equal(config.task.onExit, 'release');
  assert.equal(config.task.stopSignal, 'SIGTERM');
  assert.match(config.election.id, /.+:\d+$/);
  assert.equal(config.logging.format, 'auto');
});

test('config: durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration(250), 250);
  assert.equal(parseDuration('10 parsecs'), undefined);
  assert.equal(parseDuration('-1s'), undefined);
});

test('config: unknown keys are rejected with file, key path and line:column', () => {
  const p = problems(base('  stopTimout: 3s\n'));
  assert.equal(p.length, 1);
  assert.match(p[0]!, /^c\.yaml:\d+:\d+: task: unknown key "stopTimout" \(did you mean "stopTimeout"\?\)$/);
});

test('config: a wrong type or value names the key, the value and where it is', () => {
  const p = problems(base('  stopTimeout: soon\n  onExit: retry\n'));
  assert.equal(p.length, 2);
  assert.match(
    p[0]!,
    /^c\.yaml:7:\d+: task\.stopTimeout: must be a duration like "500ms", "10s" or "2m" \(got "soon"\)/
  );
  assert.match(p[1]!, /^c\.yaml:8:\d+: task\.onExit: .*"retry"/);
  assert.match(problems('election:\n  path: e\n')[0]!, /zookeeper/);
});

test('config: ${ENV} interpolation, with defaults; a missing variable is an error', () => {
  const text = base().replace('"127.0.0.1:2181"', '"${ZK_HOST}:${ZK_PORT:-2181}"');
  assert.equal(parseConfig(text, 'c.yaml', { ZK_HOST: 'zk1' }).config.zookeeper.connect, 'zk1:2181');
  assert.match(problems(text)[0]!, /^c\.yaml:2:\d+: zookeeper\.connect: environment variable ZK_HOST is not set$/);
});

test('config: a stopTimeout that cannot fit the fencing window is refused with the fix', () => {
  const p = problems(base('  stopTimeout: 8s\n'));
  assert.match(p[0]!, /task\.stopTimeout: 8000 ms does not fit the lease of zookeeper\.sessionTimeout 10000 ms/);
  assert.match(p[0]!, /Raise zookeeper\.sessionTimeout to at least \d+ ms, lower task\.stopTimeout/);
});

test('config: YAML syntax errors and unreadable files are one line each', () => {
  assert.match(problems('zookeeper: [\n')[0]!, /^c\.yaml:\d+:\d+: /);
  assert.throws(
    () => loadConfig('/nonexistent/zk.yaml'),
    (e: unknown) => e instanceof ConfigError && /\/nonexistent\/zk\.yaml: cannot read \(ENOENT\)/.test(e.message)
  );
});

test('config: secured ACLs need credentials; credentials never appear in messages', () => {
  assert.match(
    problems(base().replace('election:', '  acl: secured\nelection:'))[0]!,
    /zookeeper\.acl: "secured" needs zookeeper\.auth/
  );
  const withEnv = base().replace('election:', '  auth:\n    digestEnv: ZKS_SECRET\nelection:');
  const p = problems(withEnv, { ZKS_SECRET: 'nocolon-s3cr3t' });
  assert.ok(
    p.every((l) => !l.includes('s3cr3t')),
    p.join('\n')
  );
  assert.equal(parseConfig(withEnv, 'c.yaml', { ZKS_SECRET: 'ops:s3cr3t' }).digest, 'ops:s3cr3t');
});

test('config: the committed JSON Schema is generated from the validator', () => {
  const committed = JSON.parse(readFileSync(join(CONFIG_DIR, 'zk-supervisor.schema.json'), 'utf8'));
  assert.deepEqual(
    committed,
    JSON.parse(JSON.stringify(configJsonSchema())),
    'run: node --import tsx scripts/gen-schema.ts'
  );
});
