// A daemon's file: shared sections plus a jobs directory or an inline list, each job a full config; every problem
// names the file it is in, and two jobs on one election are refused (#29).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadJobs } from '../../../src/config/jobs.js';
import { ConfigError } from '../../../src/config/yaml.js';
import { CONFIG_CHECKS } from '../../../src/supervisor/checks.js';

const root = mkdtempSync(join(tmpdir(), 'zks-jobs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const ZK = 'zookeeper:\n  connect: "127.0.0.1:2181/ops"\n  sessionTimeout: 10s\n';
const job = (path: string, extra = '') => `election:\n  path: ${path}\ntask:\n  command: [sleep, "1"]\n${extra}`;

/** A daemon file `main` and job files `files` (name → text) in a directory of their own; returns the file. */
function daemon(main: string, files: Record<string, string> = {}): string {
  const dir = join(root, `d${n++}`);
  mkdirSync(join(dir, 'jobs.d'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'jobs.d', name), text);
  writeFileSync(join(dir, 'main.yaml'), main);
  return join(dir, 'main.yaml');
}
const problemsOf = (file: string): string[] => {
  try {
    loadJobs(file, {}, CONFIG_CHECKS);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
};

test('jobs: every *.yaml of the directory is a job named after its file, sharing the session', () => {
  const file = daemon(`${ZK}logging:\n  level: debug\njobs: jobs.d\n`, {
    'report.yaml': job('/jobs/report'),
    'worker.yaml': job('/jobs/worker'),
    'notes.txt': 'not a job',
    '.hidden.yaml': 'not a job either',
  });
  const loaded = loadJobs(file, {}, CONFIG_CHECKS);
  assert.equal(loaded.daemon, true);
  assert.deepEqual(
    loaded.jobs.map((j) => [j.name, j.config.election.path]),
    [
      ['report', '/jobs/report'],
      ['worker', '/jobs/worker'],
    ]
  );
  for (const j of loaded.jobs) {
    assert.equal(j.config.zookeeper.connect, '127.0.0.1:2181/ops');
    assert.equal(j.config.logging.level, 'debug');
    assert.ok(j.file.endsWith(`${j.name}.yaml`));
    assert.equal(j.defaultId, true);
  }
});

test('jobs: an inline list, each with a name and its own stopTimeout', () => {
  const file = daemon(
    `${ZK}jobs:\n  - name: a\n    election: { path: /a }\n    task: { command: "true", stopTimeout: 1s }\n` +
      '  - name: b\n    election: { path: /b, id: me }\n    task: { command: "true" }\n'
  );
  const { jobs } = loadJobs(file, {}, CONFIG_CHECKS);
  assert.deepEqual(
    jobs.map((j) => [j.name, j.config.task.stopTimeout, j.defaultId]),
    [
      ['a', 1000, true],
      ['b', 5000, false],
    ]
  );
});

test('jobs: a file without jobs: is the single job it always was', () => {
  const file = daemon(`${ZK}${job('/single')}`);
  const loaded = loadJobs(file, {}, CONFIG_CHECKS);
  assert.equal(loaded.daemon, false);
  assert.equal(loaded.jobs.length, 1);
  assert.equal(loaded.jobs[0]!.name, undefined);
});

test('jobs: each problem names its file — all files at once', () => {
  const file = daemon(`${ZK}jobs: jobs.d\n`, {
    'a.yaml': job('/same'),
    'b.yaml': job('/same'),
    'c.yaml': 'election:\n  path: /c\ntask: {}\n',
    'd.yaml': `${ZK}${job('/d')}`,
    'e.yaml': 'election:\n  path: /e\ntask:\n  command: [sleep, "1"]\n  stopTimeout: 9s\n',
    'bad name!.yaml': job('/f'),
  });
  const p = problemsOf(file);
  const dir = join(file, '..', 'jobs.d');
  assert.ok(
    p.some((l) => l.startsWith(`${join(dir, 'b.yaml')}: election.path: /same is also that of job a`)),
    p.join('\n')
  );
  assert.ok(
    p.some((l) => l.startsWith(`${join(dir, 'c.yaml')}:3:7: task.command: is required`)),
    p.join('\n')
  );
  assert.ok(
    p.some((l) => l.startsWith(`${join(dir, 'd.yaml')}:2:3: zookeeper: set once in ${file}`)),
    p.join('\n')
  );
  assert.ok(
    p.some((l) => l.startsWith(`${join(dir, 'e.yaml')}:`) && l.includes('task.stopTimeout')),
    p.join('\n')
  );
  assert.ok(
    p.some((l) => l.startsWith(`${join(dir, 'bad name!.yaml')}: the job's name`)),
    p.join('\n')
  );
});

test('jobs: a daemon file with a job of its own, an empty or missing directory, an unnamed inline job', () => {
  const own = problemsOf(daemon(`${ZK}${job('/x')}jobs: jobs.d\n`, { 'a.yaml': job('/a') }));
  assert.match(own.join('\n'), /main\.yaml:5:3: election: a daemon file has no job of its own/);
  assert.match(problemsOf(daemon(`${ZK}jobs: jobs.d\n`)).join('\n'), /jobs: no job in .*jobs\.d/);
  assert.match(problemsOf(daemon(`${ZK}jobs: nowhere\n`)).join('\n'), /jobs: cannot read .*nowhere \(ENOENT\)/);
  const unnamed = problemsOf(daemon(`${ZK}jobs:\n  - election: { path: /a }\n    task: { command: "true" }\n`));
  assert.match(unnamed.join('\n'), /jobs\.0\.name: is required/);
});
