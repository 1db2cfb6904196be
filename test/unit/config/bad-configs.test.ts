// Every bad config gets its exact one-line message (file:line:col: key.path: problem).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/yaml.js';
import { CONFIG_CHECKS } from '../../../src/supervisor/checks.js';

const ZK = 'zookeeper:\n  connect: "127.0.0.1:2181"\n';
const EL = 'election:\n  path: /e\n';
const TASK = 'task:\n  command: [sleep, "1"]\n';

const CASES: [string, string, RegExp][] = [
  ['empty file', '', /^c\.yaml: zookeeper: is required \(object\)$/],
  ['unknown top-level key', `${ZK}${EL}${TASK}extra: 1\n`, /^c\.yaml:1:1: \(top level\): unknown key "extra"$/],
  ['missing connect', `zookeeper: {}\n${EL}${TASK}`, /^c\.yaml:1:12: zookeeper\.connect: is required \(string\)$/],
  [
    'connect with spaces',
    `zookeeper:\n  connect: "a b:2181"\n${EL}${TASK}`,
    /^c\.yaml:2:12: zookeeper\.connect: must be host:port\[,host:port…\]\[\/chroot\] \(got "a b:2181"\)$/,
  ],
  [
    'bad session timeout',
    `${ZK}  sessionTimeout: fast\n${EL}${TASK}`,
    /^c\.yaml:3:19: zookeeper\.sessionTimeout: must be a duration like "500ms", "10s" or "2m" \(got "fast"\)$/,
  ],
  [
    'a duration no timer can hold',
    `${ZK}  connectTimeout: 1000h\n${EL}${TASK}`,
    /^c\.yaml:3:19: zookeeper\.connectTimeout: must be at most 24 days \(2147483647 ms\), got 3600000000 ms/,
  ],
  [
    'negative duration',
    `${ZK}  connectTimeout: "-5s"\n${EL}${TASK}`,
    /^c\.yaml:3:19: zookeeper\.connectTimeout: must be a duration .*got "-5s"/,
  ],
  [
    'a port out of range',
    `zookeeper:\n  connect: "zk1:2181,zk2:70000"\n${EL}${TASK}`,
    /^c\.yaml:2:\d+: zookeeper\.connect: port 70000 is outside 1–65535/,
  ],
  [
    'a host that is not a host name',
    `zookeeper:\n  connect: "zk_1!:2181"\n${EL}${TASK}`,
    /zookeeper\.connect: "zk_1!:2181" is not host:port/,
  ],
  [
    'a chroot ZooKeeper would refuse',
    `zookeeper:\n  connect: "zk1:2181/ops//jobs"\n${EL}${TASK}`,
    /zookeeper\.connect: the chroot: invalid zookeeper path "\/ops\/\/jobs": empty segment/,
  ],
  [
    "an election under ZooKeeper's reserved /zookeeper",
    `${ZK}election:\n  path: /zookeeper/job\n${TASK}`,
    /election\.path: the path \/zookeeper\/job: \/zookeeper is ZooKeeper's own \(reserved\)/,
  ],
  [
    'a mistyped key (did you mean)',
    `${ZK}${EL}${TASK}  stopTimout: 1s\n`,
    /task: unknown key "stopTimout" \(did you mean "stopTimeout"\?\)$/,
  ],
  [
    'a bare number (no unit)',
    `${ZK}  sessionTimeout: 10\n${EL}${TASK}`,
    /^c\.yaml:3:19: zookeeper\.sessionTimeout: a bare number has no unit: write "10s" or "10ms" \(got 10\)$/,
  ],
  [
    'unknown acl mode',
    `${ZK}  acl: closed\n${EL}${TASK}`,
    /^c\.yaml:3:8: zookeeper\.acl: Invalid option: expected one of "open"\|"secured" \(got "closed"\)$/,
  ],
  [
    'unknown auth key',
    `${ZK}  auth:\n    password: x\n${EL}${TASK}`,
    /^c\.yaml:4:5: zookeeper\.auth: unknown key "password"$/,
  ],
  [
    'relative election path',
    `${ZK}election:\n  path: e\n${TASK}`,
    /^c\.yaml:4:9: election\.path: must be an absolute ZooKeeper path without a trailing slash \(got "e"\)$/,
  ],
  [
    'trailing slash',
    `${ZK}election:\n  path: /e/\n${TASK}`,
    /^c\.yaml:4:9: election\.path: must be an absolute ZooKeeper path.*"\/e\/"/,
  ],
  [
    'empty id',
    `${ZK}election:\n  path: /e\n  id: ""\n${TASK}`,
    /^c\.yaml:5:7: election\.id: Too small: expected string to have >=1 characters \(got ""\)$/,
  ],
  ['missing command', `${ZK}${EL}task: {}\n`, /^c\.yaml:5:7: task\.command: is required/],
  ['empty argv', `${ZK}${EL}task:\n  command: []\n`, /^c\.yaml:6:12: task\.command: .* \(got \[\]\)$/],
  ['numeric command', `${ZK}${EL}task:\n  command: 42\n`, /^c\.yaml:6:12: task\.command: Invalid input.* \(got 42\)$/],
  [
    'unknown stop signal',
    `${ZK}${EL}${TASK}  stopSignal: SIGFOO\n`,
    /^c\.yaml:7:15: task\.stopSignal: Invalid option: expected one of .* \(got "SIGFOO"\)$/,
  ],
  [
    'unknown onExit',
    `${ZK}${EL}${TASK}  onExit: retry\n`,
    /^c\.yaml:7:11: task\.onExit: Invalid option: expected one of "release"\|"restart" \(got "retry"\)$/,
  ],
  [
    'env value not a string',
    `${ZK}${EL}${TASK}  env:\n    N: 5\n`,
    /^c\.yaml:8:8: task\.env\.N: Invalid input: expected string, received number \(got 5\)$/,
  ],
  [
    'bad crash loop count',
    `${ZK}${EL}${TASK}  restart:\n    crashLoopFailures: 0\n`,
    /^c\.yaml:8:24: task\.restart\.crashLoopFailures: Too small: expected number to be >0 \(got 0\)$/,
  ],
  [
    'unknown output mode',
    `${ZK}${EL}${TASK}  output: syslog\n`,
    /^c\.yaml:7:11: task\.output: Invalid option: expected one of "inherit"\|"log" \(got "syslog"\)$/,
  ],
  [
    'relative pid node path',
    `${ZK}${EL}${TASK}pidNode:\n  path: pids/x\n`,
    /^c\.yaml:8:9: pidNode\.path: must be an absolute ZooKeeper path.*"pids\/x"/,
  ],
  [
    'bad log level',
    `${ZK}${EL}${TASK}logging:\n  level: verbose\n`,
    /^c\.yaml:8:10: logging\.level: Invalid option: expected one of .* \(got "verbose"\)$/,
  ],
  ['duplicate key', `${ZK}${EL}${TASK}${TASK}`, /^c\.yaml:7:1: Map keys must be unique$/],
  ['tab indentation', `${ZK}election:\n\tpath: /e\n${TASK}`, /^c\.yaml:4:1: /],
  [
    'stop timeout too long for T',
    `${ZK}  sessionTimeout: 10s\n${EL}${TASK}  stopTimeout: 7s\n`,
    /^c\.yaml:8:16: task\.stopTimeout: 7000 ms does not fit the lease of zookeeper\.sessionTimeout 10000 ms \(must be below 6850 ms = sessionTimeout − margin 1000 ms − serverTickTime 2000 ms − 150 ms of heartbeats\): a partitioned leader could still be stopping its child when another host starts one\. Raise zookeeper\.sessionTimeout to at least 10200 ms, lower task\.stopTimeout, or set zookeeper\.serverTickTime to the servers' tickTime if it is smaller\.$/,
  ],
  [
    'session timeout shorter than a server tick allows',
    `${ZK}  sessionTimeout: 2s\n${EL}${TASK}  stopTimeout: 500ms\n`,
    /^c\.yaml:3:19: zookeeper\.sessionTimeout: 2000 ms leaves no lease at all with zookeeper\.serverTickTime 2000 ms .*raise it to at least \d+ ms for task\.stopTimeout 500 ms/,
  ],
  [
    'bad cron field',
    `${ZK}${EL}${TASK}  schedule: "61 * * * *"\n`,
    /^c\.yaml:7:13: task\.schedule: Invalid value for minute: 61 \(got "61 \* \* \* \*"\)$/,
  ],
  [
    'cron with 3 fields',
    `${ZK}${EL}${TASK}  schedule: "* * *"\n`,
    /^c\.yaml:7:13: task\.schedule: invalid configuration format .*exactly five or six .*\(got "\* \* \*"\)$/,
  ],
  [
    'unknown time zone',
    `${ZK}${EL}${TASK}  schedule: "@hourly"\n  timezone: Mars/Base\n`,
    /^c\.yaml:8:13: task\.timezone: unknown time zone "Mars\/Base" \(want an IANA name like "Europe\/Berlin"\) \(got "Mars\/Base"\)$/,
  ],
  [
    'time zone without schedule',
    `${ZK}${EL}${TASK}  timezone: UTC\n`,
    /^c\.yaml:7:13: task\.timezone: only applies with task\.schedule \(got "UTC"\)$/,
  ],
  [
    'starting deadline without schedule',
    `${ZK}${EL}${TASK}  startingDeadline: 1h\n`,
    /^c\.yaml:7:21: task\.startingDeadline: only applies with task\.schedule \(got "1h"\)$/,
  ],
  [
    'bad starting deadline',
    `${ZK}${EL}${TASK}  schedule: "@daily"\n  startingDeadline: soon\n`,
    /^c\.yaml:8:21: task\.startingDeadline: must be a duration like "500ms", "10s" or "2m" \(got "soon"\)$/,
  ],
  [
    'restart with schedule',
    `${ZK}${EL}${TASK}  schedule: "@daily"\n  onExit: restart\n`,
    /^c\.yaml:8:11: task\.onExit: restart does not apply with task\.schedule/,
  ],
  [
    'slots with schedule',
    `${ZK}election:\n  path: /e\n  slots: 2\n${TASK}  schedule: "@daily"\n`,
    /^c\.yaml:5:10: election\.slots: more than 1 does not apply with task\.schedule \(a tick runs once\)$/,
  ],
  [
    'zero slots',
    `${ZK}election:\n  path: /e\n  slots: 0\n${TASK}`,
    /^c\.yaml:5:10: election\.slots: Too small: expected number to be >=1 \(got 0\)$/,
  ],
  [
    'a fractional priority',
    `${ZK}election:\n  path: /e\n  priority: 1.5\n${TASK}`,
    /^c\.yaml:5:13: election\.priority: Invalid input: expected int, received number \(got 1\.5\)$/,
  ],
  [
    'unknown concurrency',
    `${ZK}${EL}${TASK}  schedule: "@daily"\n  concurrency: allow\n`,
    /^c\.yaml:8:16: task\.concurrency: Invalid option: expected one of "forbid"\|"replace" \(got "allow"\)$/,
  ],
  [
    'unset env var',
    `zookeeper:\n  connect: "\${NOPE}:2181"\n${EL}${TASK}`,
    /^c\.yaml:2:12: zookeeper\.connect: environment variable NOPE is not set$/,
  ],
];

test('bad config: a bad time zone does not hide a bad schedule: both are reported (#26.7)', () => {
  const text = `${ZK}${EL}${TASK}  schedule: "61 * * * *"\n  timezone: Mars/Base\n`;
  assert.throws(
    () => parseConfig(text, 'c.yaml', {}, CONFIG_CHECKS),
    (err) =>
      err instanceof ConfigError &&
      err.problems.some((p) => /task\.schedule: Invalid value for minute: 61/.test(p)) &&
      err.problems.some((p) => /task\.timezone: unknown time zone "Mars\/Base"/.test(p))
  );
});

for (const [name, text, expected] of CASES) {
  test(`bad config: ${name}`, () => {
    let problems: string[] | undefined;
    try {
      parseConfig(text, 'c.yaml', {}, CONFIG_CHECKS);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      problems = err.problems;
    }
    assert.ok(problems, 'the config was accepted');
    assert.match(problems[0]!, expected);
    for (const p of problems) assert.ok(!p.includes('\n'), 'one line per problem');
  });
}
