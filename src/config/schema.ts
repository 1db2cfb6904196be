// The configuration: one zod schema holds every default; durations accept "500ms", "10s", "2m", "1h". zod/mini:
// the same checks and messages as classic zod, which took 443 KB of the bundle on every start (#28).
import { hostname } from 'node:os';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { duration, optionalDuration, stringOrNumber, toMs } from './duration.js';

z.config(en()); // mini ships without messages; classic zod's English ones are what load.ts and users see

export { parseDuration } from './duration.js';

const nonEmpty = () => z.string().check(z.minLength(1));
const httpUrl = () => z.string().check(z.regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL'));
/** The tick events `notify.on` can name. */
export const NOTIFY_EVENTS = ['failure', 'recovery', 'missed', 'timed-out', 'success'] as const;
const optionalString = () => z.optional(nonEmpty());
const zkPath = z
  .string()
  .check(z.regex(/^\/[^\0]*[^/]$|^\/$/, 'must be an absolute ZooKeeper path without a trailing slash'));
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGKILL'] as const;
const command = () => z.union([z.array(nonEmpty()).check(z.minLength(1)), nonEmpty()]);

const zookeeper = z.strictObject({
  /** `host:port[,host:port…][/chroot]` */
  connect: nonEmpty().check(z.regex(/^[^\s/]+(\/.*)?$/, 'must be host:port[,host:port…][/chroot]')),
  sessionTimeout: duration('10s'),
  connectTimeout: duration('15s'),
  /** The servers' tickTime: the lease waits one tick for proof that a heartbeat reached the ZooKeeper leader. */
  serverTickTime: duration('2s'),
  auth: z.optional(
    z.strictObject({
      /** File holding `user:password` for digest auth. */
      digestFile: z.optional(z.string()),
      /** Environment variable holding `user:password`. */
      digestEnv: z.optional(z.string()),
    })
  ),
  /**
   * TLS to the servers' secure client ports (list those in `connect`): `true` trusts the system's CAs; or
   * PEM files: `ca`, `cert` + `key` (mutual TLS), `passphraseFile`, `servername`, `rejectUnauthorized`.
   */
  tls: z._default(
    z.union([
      z.boolean(),
      z.strictObject({
        ca: optionalString(),
        cert: optionalString(),
        key: optionalString(),
        passphraseFile: optionalString(),
        servername: optionalString(),
        rejectUnauthorized: z._default(z.boolean(), true),
      }),
    ]),
    false
  ),
  /** `open`: world-writable nodes; `secured`: everyone reads, only authenticated members write. */
  acl: z._default(z.enum(['open', 'secured']), 'open'),
});

/** What one job is: its election, command, hooks and pid node (a job file of a daemon holds these only). */
const JOB = {
  election: z.strictObject({
    /** Not `/`: the tool owns this node and everything under it. */
    path: zkPath.check(
      z.refine((p) => p !== '/', 'must not be / (the election owns its node and everything under it)')
    ),
    id: z._default(nonEmpty(), () => `${hostname()}:${process.pid}`),
    description: z._default(z.string(), ''),
    priority: z._default(z.int().check(z.gte(-1_000_000), z.lte(1_000_000)), 0),
    slots: z._default(z.int().check(z.gte(1), z.lte(1000)), 1),
    preempt: z.optional(
      z.strictObject({
        after: z.pipe(stringOrNumber(), toMs),
        minTenure: duration('0s'),
      })
    ),
  }),
  task: z
    .strictObject({
      /** argv list, or a string run by `/bin/sh -c`. */
      command: command(),
      cwd: z.optional(z.string()),
      /** Set in the child's environment (after the inherited variables). */
      env: z._default(z.record(z.string(), z.string()), {}),
      /**
       * Which of the supervisor's environment variables the child gets: `true` all (but the ZooKeeper
       * credential), `false` none (PATH defaults to the system's), or a list of names.
       */
      inheritEnv: z._default(
        z.union([
          z.boolean(),
          z.array(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'))),
        ]),
        true
      ),
      /** Run the job as this user (name or uid; the supervisor must run as root to switch). */
      user: optionalString(),
      /** Run the job with this group (name or gid; default: the user's primary group). */
      group: optionalString(),
      stopSignal: z._default(z.enum(SIGNALS), 'SIGTERM'),
      stopTimeout: duration('5s'),
      /** `release`: step down when the child exits; `restart`: run it again here. */
      onExit: z._default(z.enum(['release', 'restart']), 'release'),
      restart: z.prefault(
        z.strictObject({
          initialDelay: duration('1s'),
          maxDelay: duration('30s'),
          /** After this many exits within `crashLoopWindow`, step down instead. */
          crashLoopFailures: z._default(z.int().check(z.positive()), 5),
          crashLoopWindow: duration('60s'),
        }),
        {}
      ),
      output: z._default(z.enum(['inherit', 'log']), 'inherit'),
      /**
       * Scheduled mode: the leader runs the command at each tick of this cron expression (5 fields, or 6 with
       * seconds first).
       */
      schedule: optionalString(),
      timezone: optionalString(),
      /** A tick that came due while nobody led: `last` runs the latest such tick late, `none` records it as missed. */
      catchUp: z._default(z.enum(['none', 'last']), 'last'),
      /** catchUp last: a missed tick older than this is recorded as missed instead of run late (default: no limit). */
      startingDeadline: optionalDuration(),
      /** A tick that comes due while the previous run still runs: `forbid` skips it, `replace` stops the old run. */
      concurrency: z._default(z.enum(['forbid', 'replace']), 'forbid'),
      /** Scheduled mode: a run longer than this is stopped (`timed-out`); each tick starts up to `jitter` late. */
      timeout: optionalDuration(),
      jitter: optionalDuration(),
      /** A failed tick is run again `count` times at most, `backoff` after the first failure, doubling. */
      retries: z.optional(z.strictObject({ count: z.int().check(z.gte(1), z.lte(100)), backoff: duration('10s') })),
      history: z._default(z.int().check(z.gte(1), z.lte(10_000)), 50),
    })
    .check(
      z.superRefine((task, ctx) => {
        if (task.schedule === undefined) {
          for (const key of ['timezone', 'startingDeadline', 'timeout', 'jitter', 'retries'] as const) {
            if (task[key] !== undefined)
              ctx.addIssue({ code: 'custom', path: [key], message: 'only applies with task.schedule' });
          }
          return;
        }
        if (task.onExit === 'restart')
          ctx.addIssue({
            code: 'custom',
            path: ['onExit'],
            message: 'restart does not apply with task.schedule (each tick runs the command once)',
          });
      })
    ),
  /** Commands run on leadership changes, in order, one at a time (argv list, or a string for /bin/sh -c). */
  hooks: z.optional(
    z.strictObject({
      onLeader: z.optional(command()),
      onStepDown: z.optional(command()),
      onLeaseLost: z.optional(command()),
      /** Run before each start of the child; if it fails, the child does not start and the host steps down. */
      preStart: z.optional(command()),
      postStop: z.optional(command()),
      onSuccess: z.optional(command()),
      onFailure: z.optional(command()),
      onMissed: z.optional(command()),
      /** Each hook is killed after this long (and counts as failed). */
      timeout: duration('10s'),
    })
  ),
  /** POSTs a JSON document per tick event, or Healthchecks-style pings (notify.ts). */
  notify: z.optional(
    z
      .strictObject({
        url: z.optional(httpUrl()),
        healthchecks: z.optional(httpUrl()),
        on: z._default(z.array(z.enum(NOTIFY_EVENTS)), ['failure', 'recovery', 'missed', 'timed-out']),
        timeout: duration('5s'),
        retries: z._default(z.int().check(z.gte(0), z.lte(10)), 2),
      })
      .check(z.refine((n) => n.url || n.healthchecks, 'needs url or healthchecks'))
  ),
  pidNode: z.prefault(
    z.strictObject({
      /** Default `<election.path>/pids/<id>`. */
      path: z.optional(zkPath),
      data: z.optional(z.string()),
    }),
    {}
  ),
};

/** Shared by every job of a process: the session, the metrics endpoint, the log. */
const SHARED = {
  zookeeper,
  /** Prometheus metrics and health endpoints (/metrics, /healthz, /readyz, /status), e.g. "127.0.0.1:9464". */
  metrics: z.optional(
    z.strictObject({
      listen: z
        .string()
        .check(z.regex(/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port, e.g. "127.0.0.1:9464"')),
    })
  ),
  logging: z.prefault(
    z.strictObject({
      level: z._default(z.enum(['error', 'warn', 'info', 'debug']), 'info'),
      /** `auto`: JSON lines when stdout is not a terminal (journald, files), readable text on a terminal. */
      format: z._default(z.enum(['auto', 'text', 'json']), 'auto'),
    }),
    {}
  ),
};

/** A single-job config file (and the full config of each job of a daemon). */
export const ConfigSchema = z.strictObject({
  zookeeper,
  election: JOB.election,
  task: JOB.task,
  hooks: JOB.hooks,
  notify: JOB.notify,
  metrics: SHARED.metrics,
  pidNode: JOB.pidNode,
  logging: SHARED.logging,
});

export type Config = z.output<typeof ConfigSchema>;

/** A job's name: its file's name in a jobs directory, in the log, the metrics and `--job`. */
export const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** One job of a daemon: a job file (its name is the file's), or an inline entry of `jobs:` with a name. */
export const JobSchema = z.strictObject(JOB);
export const InlineJobSchema = z.strictObject({
  name: z.string().check(z.regex(JOB_NAME, 'must be letters, digits, "_", "." or "-" (at most 64)')),
  ...JOB,
});

/**
 * A daemon's file: what its jobs share, and `jobs` — a directory whose every `*.yaml` is one job, or a list of
 * inline jobs (each checked with {@link InlineJobSchema}, so that its problems name it).
 */
export const DaemonSchema = z.strictObject({
  ...SHARED,
  /** A host leading more than its share of the jobs (⌈jobs / hosts⌉) passes the terms it wins on to others. */
  spread: z._default(z.boolean(), false),
  jobs: z.union([nonEmpty(), z.array(z.unknown()).check(z.minLength(1))], {
    error: 'must be a directory of job files or a list of jobs',
  }),
});
