// What every config key means, one line each: the JSON Schema (editors) and the config reference
// (docs/config.md, zk-supervisor.yaml(5)) are generated with these. A test fails when a key has none.

/** Key path (dots) → description. */
export const DESCRIPTIONS: Readonly<Record<string, string>> = {
  zookeeper: 'The ZooKeeper ensemble and the session to it.',
  'zookeeper.connect': 'host:port[,host:port…][/chroot] of the servers (the secure ports with tls).',
  'zookeeper.sessionTimeout':
    'T, the session timeout asked for (servers clamp it to their min/maxSessionTimeout): a dead host is replaced ' +
    'about T after it stopped answering.',
  'zookeeper.connectTimeout': 'How long to wait for a session before retrying (run) or failing (the other commands).',
  'zookeeper.serverTickTime':
    "The servers' tickTime: the lease waits one tick for proof that a heartbeat reached the ZooKeeper leader.",
  'zookeeper.auth': 'The digest credential of the members (needed with acl: secured).',
  'zookeeper.auth.digestFile': 'File holding user:password; it must not be readable by group or others.',
  'zookeeper.auth.digestEnv':
    'Environment variable holding user:password; it is kept out of every environment the job can read.',
  'zookeeper.tls': "TLS to the servers' secure client ports: true trusts the system's CAs, or give PEM files below.",
  'zookeeper.tls.ca': 'PEM file of the CAs to trust instead of the system ones.',
  'zookeeper.tls.cert': 'PEM client certificate (mutual TLS), with key.',
  'zookeeper.tls.key': 'PEM private key of cert.',
  'zookeeper.tls.passphraseFile': 'File holding the passphrase of key.',
  'zookeeper.tls.servername': "Name to check the servers' certificates against (default: the host in connect).",
  'zookeeper.tls.rejectUnauthorized': 'Refuse servers whose certificate does not verify.',
  'zookeeper.acl':
    'open: the nodes are world-writable; secured: everyone reads, only clients with the members\u2019 ' +
    'credential write.',
  election: 'Which election this job is, and who this host is in it.',
  'election.path': 'ZooKeeper node of the election; every host of the job uses the same. Not /.',
  'election.id': 'This candidate\u2019s id, unique per host (default hostname:pid).',
  'election.description': 'Free text shown by status.',
  'election.priority':
    'How much this host is preferred as the leader (higher first): when a term ends, the next goes to ' +
    'the most preferred waiting candidate (ties: queue order).',
  'election.slots':
    'How many hosts run the job at once, each in a slot 0\u2026slots\u22121 of its own (ZK_SUPERVISOR_SLOT); ' +
    'every host must say the same.',
  'election.preempt':
    'Take the term back from a less preferred leader through a resign request (absent: never, as keepalived\u2019s ' +
    'nopreempt).',
  'election.preempt.after': 'Ask after this long queued and connected without a break (each break starts it again).',
  'election.preempt.minTenure': 'Ask only once the leader\u2019s term is this old (by its hosts\u2019 clocks).',
  task: 'The job the leader runs.',
  'task.command': 'argv list, or a string run by /bin/sh -c.',
  'task.cwd': 'Working directory of the job (default: the supervisor\u2019s).',
  'task.env': 'Variables set in the job\u2019s environment (after the inherited ones).',
  'task.inheritEnv':
    'Which of the supervisor\u2019s variables the job gets: true all (never the credential), false none, or a list.',
  'task.user': 'Run the job as this user (name or uid; the supervisor must run as root).',
  'task.group': 'Run the job with this group (name or gid; default: the user\u2019s primary group).',
  'task.stopSignal': 'Signal that asks the job to stop; SIGKILL follows after stopTimeout.',
  'task.stopTimeout':
    'How long the job may take to stop; it must fit the lease (validate says by how much, if it does not).',
  'task.onExit': 'When the job exits by itself: release steps down; restart runs it again here.',
  'task.restart': 'The restart policy (onExit: restart, and the backoff after a failed start).',
  'task.restart.initialDelay': 'First delay before a restart; doubled each time, up to maxDelay.',
  'task.restart.maxDelay': 'Longest delay between restarts.',
  'task.restart.crashLoopFailures': 'After this many failures within crashLoopWindow, step down instead.',
  'task.restart.crashLoopWindow': 'The window crashLoopFailures counts in.',
  'task.output': 'inherit: the job writes where the supervisor does; log: each line becomes a child output log line.',
  'task.schedule': 'Scheduled mode: run the command at each tick of this cron expression (5 fields, or 6).',
  'task.timezone': 'IANA time zone of schedule (default: the host\u2019s).',
  'task.catchUp': 'A tick due while nobody led: last runs the latest one late, none records it as missed.',
  'task.startingDeadline': 'With catchUp last: a missed tick older than this is recorded, not run (default: none).',
  'task.concurrency': 'A tick due while the previous run still runs: forbid skips it, replace stops the old run.',
  'task.timeout':
    'Scheduled mode: a run still going after this long is stopped (stopSignal, then SIGKILL after stopTimeout) ' +
    'and recorded timed-out (default: no limit).',
  'task.jitter':
    'Scheduled mode: each tick starts 0\u2026jitter later than its time (the same delay on every host, drawn from ' +
    'the tick and the election path), so that many jobs of one schedule do not all start at once (default: none).',
  'task.retries':
    'Scheduled mode: run a failed tick (non-zero exit, a signal, timed-out) again, each attempt once the one before ' +
    'is confirmed gone, all under the tick\u2019s record; never when the next tick would be due first.',
  'task.retries.count': 'How many times at most (1\u2026100).',
  'task.retries.backoff': 'The wait before the first retry; each next one waits twice as long.',
  'task.history': 'How many ticks\u2019 records to keep under <election.path>/runs/.',
  hooks: 'Commands run on leadership changes, one at a time (argv list, or a string for /bin/sh -c).',
  'hooks.onLeader': 'When this host wins a term.',
  'hooks.onStepDown': 'When the term ends, the child confirmed gone.',
  'hooks.onLeaseLost': 'When the lease runs out while leading (ZooKeeper unreachable): at once, not once it is back.',
  'hooks.preStart': 'Before each start of the child; if it fails, the child does not start and the host steps down.',
  'hooks.postStop': 'After each stop or exit of the child.',
  'hooks.onSuccess':
    'Scheduled mode: after a tick\u2019s run succeeded (ZK_SUPERVISOR_TICK, _OUTCOME, _EXIT_CODE, _SIGNAL, ' +
    '_DURATION_MS, _HOST), once per tick.',
  'hooks.onFailure':
    'Scheduled mode: after a tick failed \u2014 its last attempt exited non-zero or by a signal, timed out, was ' +
    'replaced or cut short by the end of leadership (_OUTCOME says which) \u2014 once per tick.',
  'hooks.onMissed': 'Scheduled mode: a tick that did not run (nobody led at the time, or the previous run still ran).',
  'hooks.timeout': 'Each hook is killed after this long (and counts as failed).',
  metrics: 'Prometheus metrics and health endpoints (/metrics, /healthz, /readyz, /status).',
  'metrics.listen': 'host:port to serve them on, e.g. 127.0.0.1:9464.',
  notify:
    'Scheduled mode: tell an HTTP endpoint how ticks end \u2014 a JSON document POSTed per event, and/or ' +
    'Healthchecks-style pings. Sent in the background: never a run or a stop waits for it.',
  'notify.url': 'POST one JSON document per event in `on` (tick, outcome, event, exit code, signal, duration, host).',
  'notify.healthchecks':
    'A Healthchecks-style check URL: <url>/start at each run\u2019s start, <url> on success, <url>/fail on failure.',
  'notify.on':
    'Which events url gets: failure, recovery (the first success after a failure), missed, timed-out, success.',
  'notify.timeout': 'Each request is given up after this long.',
  'notify.retries': 'A request that failed is tried this many more times, a second apart; then one log line.',
  pidNode: 'The ephemeral node that says which process this candidate is.',
  'pidNode.path': 'Its path (default <election.path>/pids/<id>).',
  'pidNode.data': 'Its data (default JSON of the candidate: id, host, pid).',
  logging: 'The supervisor\u2019s own log.',
  'logging.level': 'error, warn, info or debug; warn keeps a cron job quiet.',
  'logging.format': 'auto: JSON lines when stdout is not a terminal (journald, files), text on a terminal.',
};
