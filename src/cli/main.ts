// The command line: run, once, validate, status, resign, drain. With daemon.ts, the only place that exits the
// process or handles signals.
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { EXIT, fail, loadAll } from './common.js';
import { argsProblem } from './args.js';
import { takeHandoff } from './secret-env.js';
import { onceCommand, run } from './daemon.js';

export { OPEN_WARNING } from './daemon.js';

const LEVELS = ['error', 'warn', 'info', 'debug'];

// `run` and `once` with plain arguments (what units and crontabs call) skip loading yargs: start-up time and
// memory. Anything else, including every malformed line, goes through yargs for its help and messages.
function fastPath(argv: string[]): (() => Promise<void>) | undefined {
  const [cmd, ...rest] = argv;
  if (cmd !== 'run' && cmd !== 'once') return undefined;
  let v: {
    config?: string;
    id?: string;
    priority?: string;
    'log-level'?: string;
    wait?: string;
    'once-per'?: string;
    job?: string;
  };
  try {
    v = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c' },
        id: { type: 'string' },
        'log-level': { type: 'string' },
        ...(cmd === 'once'
          ? { wait: { type: 'string' }, 'once-per': { type: 'string' }, job: { type: 'string' } }
          : { priority: { type: 'string' } }),
      },
    }).values as typeof v;
  } catch {
    return undefined;
  }
  const { config, id, 'log-level': logLevel } = v;
  if (!config || (logLevel !== undefined && !LEVELS.includes(logLevel))) return undefined;
  return cmd === 'run'
    ? () => run(config, { id, logLevel, ...(v.priority === undefined ? {} : { priority: Number(v.priority) }) })
    : () => onceCommand({ config, id, logLevel, wait: v.wait, oncePer: v['once-per'], job: v.job });
}

/** Parses `argv` and runs the command. */
export async function main(argv: string[]): Promise<void> {
  takeHandoff(); // a re-executed `run` or `once` (secret-env.ts)
  const problem = argsProblem(argv);
  if (problem) fail(EXIT.CONFIG, `${problem}\nRun zk-supervisor --help for usage.`);
  const fast = fastPath(argv);
  if (fast) return fast();
  const { default: yargs } = await import('yargs');
  const config = { alias: 'c', type: 'string', demandOption: true, describe: 'YAML config file' } as const;
  const job = { type: 'string', describe: "the job (its name) of a daemon's config with several" } as const;
  await yargs(argv)
    .scriptName('zk-supervisor')
    .usage('$0 <command> --config FILE')
    .command(
      'run',
      'join the election and run the task while leader',
      (y) =>
        y
          .option('config', config)
          .option('id', { type: 'string', describe: 'candidate id (default hostname:pid)' })
          .option('priority', { type: 'number', describe: "this host's election.priority (higher is preferred)" })
          .option('log-level', { type: 'string', choices: LEVELS })
          .example('$0 run -c /etc/zk-supervisor/report.yaml', 'join the election for the job in report.yaml')
          .example('$0 run -c job.yaml --id web-3', 'with an explicit candidate id')
          .example('$0 run -c job.yaml --priority 10', 'the preferred host of the job'),
      (a) => run(a.config, { id: a.id, priority: a.priority, logLevel: a.logLevel })
    )
    .command(
      'once',
      'for cron/timers on every host: run the command only if this host wins the lock; exit with its code ' +
        '(75 when held elsewhere)',
      (y) =>
        y
          .option('config', config)
          .option('job', job)
          .option('wait', { type: 'string', default: '0s', describe: 'queue for the lock this long (0 = try once)' })
          .option('once-per', {
            type: 'string',
            describe:
              "run at most once per period (e.g. 1m): periods by ZooKeeper's clock, so skewed hosts agree; " +
              'exit 75 when it already ran in this one',
          })
          .option('id', { type: 'string', describe: 'candidate id (default hostname:pid)' })
          .option('log-level', { type: 'string', choices: LEVELS })
          .example('$0 once -c /etc/zk-supervisor/report.yaml', 'in a crontab line on every host')
          .example('$0 once -c report.yaml --wait 30s', 'wait up to 30 s for a running report to finish')
          .example(
            '$0 once -c report.yaml --once-per 1m',
            "every host's crontab fires each minute: the job runs once per minute"
          ),
      (a) => onceCommand(a)
    )
    .command(
      'validate',
      'check a config file; print it with defaults filled in and secrets hidden (exit 0), or every problem (exit 2)',
      (y) =>
        y
          .option('config', config)
          .option('quiet', { type: 'boolean', default: false, describe: 'print nothing when valid (exit code only)' })
          .example('$0 validate -c /etc/zk-supervisor/report.yaml', ''),
      async (a) => {
        const loaded = loadAll(a.config);
        if (!a.quiet) for (const w of loaded.warnings) process.stderr.write(`zk-supervisor: warning: ${w}\n`);
        if (!a.quiet) {
          const { redactedConfig } = await import('../config/redact.js');
          const { daemon, jobs } = loaded;
          process.stdout.write(`# ${a.config}: valid${daemon ? ` (${jobs.length} jobs)` : ''}\n`);
          for (const job of jobs) {
            if (daemon) process.stdout.write(`---\n# job ${job.name} (${job.file})\n`);
            process.stdout.write(stringify(redactedConfig(job)));
          }
        }
        process.exit(EXIT.OK);
      }
    )
    .command(
      'status',
      'show the leader and the candidates (exit 3 when there is no leader)',
      (y) =>
        y
          .option('config', config)
          .option('job', job)
          .option('json', { type: 'boolean', default: false })
          .option('watch', { type: 'boolean', default: false, describe: 'print every change of leadership until ^C' })
          .example('$0 status -c job.yaml --json', 'machine-readable')
          .example('$0 status -c job.yaml --watch', 'one line per leadership change'),
      async (a) => {
        const op = await import('./operate.js');
        return a.watch ? op.watch(a.config, a.json, a.job) : op.status(a.config, a.json, a.job);
      }
    )
    .command(
      'resign',
      'ask the current leader to step down: it stops its child, then hands over',
      (y) =>
        y
          .option('config', config)
          .option('job', job)
          .option('wait', { type: 'boolean', default: false, describe: 'return once another term has started' })
          .option('timeout', {
            type: 'string',
            default: '1m',
            describe: 'with --wait: give up after this long (exit 1)',
          })
          .option('slot', { type: 'number', describe: 'with election.slots > 1: the slot whose holder steps down' })
          .example('$0 resign -c job.yaml --wait', 'hand the job to the next candidate and wait for it to take over'),
      async (a) => (await import('./operate.js')).resign(a.config, a.wait, a.timeout, a.job, a.slot)
    )
    .command(
      ['drain', 'undrain'],
      'drain: keep a host from leading (it stays connected; a leader steps down first); undrain: let it lead again',
      (y) =>
        y
          .option('config', config)
          .option('job', job)
          .option('id', { type: 'string', describe: 'the candidate id or host name (default: this host)' })
          .example('$0 drain -c job.yaml --id web-3', 'web-3 stays a standby until undrained, across restarts'),
      async (a) => (await import('./operate.js')).drain(a.config, a.id, a._[0] === 'drain', a.job)
    )
    .command(
      'exec',
      'run a command once if this host wins the lock (once without a config file): exec --connect --path -- CMD',
      (y) =>
        y
          .option('connect', { type: 'string', describe: 'host:port[,host:port…][/chroot]' })
          .option('path', { type: 'string', describe: "the lock's ZooKeeper node" })
          .option('once-per', { type: 'string', describe: 'at most one run per period across hosts (e.g. 5m)' })
          .option('wait', { type: 'string', describe: 'wait this long for the lock (default 0s: try once)' })
          .option('digest-file', { type: 'string', describe: 'file holding user:password (digest auth)' })
          .option('session-timeout', { type: 'string', describe: 'T (default 10s)' })
          .option('acl', { type: 'string', choices: ['open', 'secured'] })
          .option('id', { type: 'string', describe: 'candidate id (default hostname:pid)' })
          .option('log-level', { type: 'string', choices: LEVELS })
          .example('$0 exec --connect zk1:2181/ops --path /locks/report --once-per 5m -- /usr/bin/report --daily', ''),
      async (a) =>
        (await import('./exec.js')).execCommand({
          connect: a.connect,
          path: a.path,
          oncePer: a.oncePer,
          wait: a.wait,
          digestFile: a.digestFile,
          sessionTimeout: a.sessionTimeout,
          acl: a.acl,
          id: a.id,
          logLevel: a.logLevel,
          command: a._.slice(1).map(String),
        })
    )
    .command(
      'trigger',
      'ask the leader of a scheduled job to run it once now (recorded as triggered, by whom)',
      (y) =>
        y
          .option('config', config)
          .option('job', job)
          .option('wait', { type: 'boolean', default: false, describe: 'follow the run; exit 0 only if it succeeded' })
          .option('timeout', { type: 'string', default: '10m', describe: 'with --wait: give up after this long' })
          .example('$0 trigger -c report.yaml --wait', 'run the report now and wait for it'),
      async (a) => (await import('./trigger.js')).triggerCommand(a.config, a.wait, a.timeout, a.job)
    )
    .command(
      ['suspend', 'resume'],
      'suspend: the leader keeps its term and starts nothing (cluster-wide, until resume); resume: run again',
      (y) =>
        y
          .option('config', config)
          .option('job', job)
          .example('$0 suspend -c job.yaml', 'stop the job everywhere (ticks due meanwhile: suspended)'),
      async (a) => (await import('./suspend.js')).suspendCommand(a.config, a._[0] === 'suspend', a.job)
    )
    .command(
      'fence-check',
      'exit 0 only while TOKEN is the fencing token of the current term (check before a critical write)',
      (y) =>
        y
          .option('config', config)
          .option('job', job)
          .option('token', { type: 'string', demandOption: true, describe: 'the token ($ZK_SUPERVISOR_TOKEN)' })
          .example('$0 fence-check -c job.yaml --token "$ZK_SUPERVISOR_TOKEN" && write-it', 'only while we lead'),
      async (a) => (await import('./operate.js')).fenceCheck(a.config, a.token, a.job)
    )
    .completion('completion', 'print a bash/zsh completion script (the Debian package installs it)')
    .demandCommand(1, 'a command is required')
    .strict()
    .epilog(
      'Exit codes: 0 ok, 1 failure (e.g. ZooKeeper unreachable), 2 invalid config or arguments, 3 no leader; ' +
        "fence-check: 4 the token is not the current term's; " +
        "once: the command's own code, 75 held elsewhere or already ran in this period (--once-per), " +
        '76 leadership lost while running.'
    )
    .fail((msg, err) => {
      if (err) fail(EXIT.FAILURE, err.message);
      fail(EXIT.CONFIG, `${msg}\nRun zk-supervisor --help for usage.`);
    })
    .help()
    .parseAsync();
}
