// The configuration: one zod schema holds every default; durations accept "500ms", "10s", "2m", "1h".
import { hostname } from 'node:os';
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "500ms" / "10s" / "2m" / "1h" (or a number of ms); undefined when malformed. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = DURATION.exec(v.trim());
  return m ? Math.round(Number(m[1]) * UNIT[m[2]!]!) : undefined;
}

const toMs = (v: string | number, ctx: z.RefinementCtx) => {
  if (typeof v === 'number') {
    // `sessionTimeout: 10` read as 10 ms led to baffling errors further on: a unit is required.
    ctx.addIssue({ code: 'custom', message: `a bare number has no unit: write "${v}s" or "${v}ms"` });
    return z.NEVER;
  }
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration like "500ms", "10s" or "2m"' });
    return z.NEVER;
  }
  if (ms > MAX_TIMER_MS) {
    // Node's timers take at most 2³¹ − 1 ms: a longer one fires at once (a connect timing out in a loop).
    ctx.addIssue({ code: 'custom', message: `must be at most 24 days (${MAX_TIMER_MS} ms), got ${ms} ms` });
    return z.NEVER;
  }
  return ms;
};
const MAX_TIMER_MS = 2 ** 31 - 1;
const duration = (def: string) => z.union([z.string(), z.number()]).default(def).transform(toMs);
const optionalDuration = () => z.union([z.string(), z.number()]).transform(toMs).optional();

const zkPath = z.string().regex(/^\/[^\0]*[^/]$|^\/$/, 'must be an absolute ZooKeeper path without a trailing slash');
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGKILL'] as const;

const command = z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]);

export const ConfigSchema = z.strictObject({
  zookeeper: z.strictObject({
    /** `host:port[,host:port…][/chroot]` */
    connect: z
      .string()
      .min(1)
      .regex(/^[^\s/]+(\/.*)?$/, 'must be host:port[,host:port…][/chroot]'),
    sessionTimeout: duration('10s'),
    connectTimeout: duration('15s'),
    /** The servers' tickTime: the lease waits one tick for proof that a heartbeat reached the ZooKeeper leader. */
    serverTickTime: duration('2s'),
    auth: z
      .strictObject({
        /** File holding `user:password` for digest auth. */
        digestFile: z.string().optional(),
        /** Environment variable holding `user:password`. */
        digestEnv: z.string().optional(),
      })
      .optional(),
    /**
     * TLS to the servers' secure client ports (list those in `connect`): `true` trusts the system's CAs; or
     * PEM files: `ca`, `cert` + `key` (mutual TLS), `passphraseFile`, `servername`, `rejectUnauthorized`.
     */
    tls: z
      .union([
        z.boolean(),
        z.strictObject({
          ca: z.string().min(1).optional(),
          cert: z.string().min(1).optional(),
          key: z.string().min(1).optional(),
          passphraseFile: z.string().min(1).optional(),
          servername: z.string().min(1).optional(),
          rejectUnauthorized: z.boolean().default(true),
        }),
      ])
      .default(false),
    /** `open`: world-writable nodes; `secured`: everyone reads, only authenticated members write. */
    acl: z.enum(['open', 'secured']).default('open'),
  }),
  election: z.strictObject({
    /** Not `/`: the tool owns this node and everything under it. */
    path: zkPath.refine((p) => p !== '/', 'must not be / (the election owns its node and everything under it)'),
    /** Default `hostname:pid`. */
    id: z
      .string()
      .min(1)
      .default(() => `${hostname()}:${process.pid}`),
    description: z.string().default(''),
  }),
  task: z
    .strictObject({
      /** argv list, or a string run by `/bin/sh -c`. */
      command: z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]),
      cwd: z.string().optional(),
      /** Set in the child's environment (after the inherited variables). */
      env: z.record(z.string(), z.string()).default({}),
      /**
       * Which of the supervisor's environment variables the child gets: `true` all (but the ZooKeeper
       * credential), `false` none (PATH defaults to the system's), or a list of names.
       */
      inheritEnv: z
        .union([z.boolean(), z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'))])
        .default(true),
      /** Run the job as this user (name or uid; the supervisor must run as root to switch). */
      user: z.string().min(1).optional(),
      /** Run the job with this group (name or gid; default: the user's primary group). */
      group: z.string().min(1).optional(),
      stopSignal: z.enum(SIGNALS).default('SIGTERM'),
      stopTimeout: duration('5s'),
      /** `release`: step down when the child exits; `restart`: run it again here. */
      onExit: z.enum(['release', 'restart']).default('release'),
      restart: z
        .strictObject({
          initialDelay: duration('1s'),
          maxDelay: duration('30s'),
          /** After this many exits within `crashLoopWindow`, step down instead. */
          crashLoopFailures: z.number().int().positive().default(5),
          crashLoopWindow: duration('60s'),
        })
        .prefault({}),
      output: z.enum(['inherit', 'log']).default('inherit'),
      /**
       * Scheduled mode: the leader runs the command at each tick of this cron expression (5 fields, or 6 with
       * seconds first).
       */
      schedule: z.string().min(1).optional(),
      /** IANA time zone of `schedule` (default: the host's). */
      timezone: z.string().min(1).optional(),
      /** A tick that came due while nobody led: `last` runs the latest such tick late, `none` records it as missed. */
      catchUp: z.enum(['none', 'last']).default('last'),
      /** catchUp last: a missed tick older than this is recorded as missed instead of run late (default: no limit). */
      startingDeadline: optionalDuration(),
      /** A tick that comes due while the previous run still runs: `forbid` skips it, `replace` stops the old run. */
      concurrency: z.enum(['forbid', 'replace']).default('forbid'),
      /** How many ticks' records to keep under `<election.path>/runs/`. */
      history: z.number().int().min(1).max(10_000).default(50),
    })
    .superRefine((task, ctx) => {
      if (task.schedule === undefined) {
        for (const key of ['timezone', 'startingDeadline'] as const) {
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
    }),
  /** Commands run on leadership changes, in order, one at a time (argv list, or a string for /bin/sh -c). */
  hooks: z
    .strictObject({
      onLeader: command.optional(),
      onStepDown: command.optional(),
      onLeaseLost: command.optional(),
      /** Run before each start of the child; if it fails, the child does not start and the host steps down. */
      preStart: command.optional(),
      postStop: command.optional(),
      /** Each hook is killed after this long (and counts as failed). */
      timeout: duration('10s'),
    })
    .optional(),
  /** Prometheus metrics and health endpoints (/metrics, /healthz, /readyz, /status), e.g. "127.0.0.1:9464". */
  metrics: z
    .strictObject({
      listen: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port, e.g. "127.0.0.1:9464"'),
    })
    .optional(),
  pidNode: z
    .strictObject({
      /** Default `<election.path>/pids/<id>`. */
      path: zkPath.optional(),
      data: z.string().optional(),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
      /** `auto`: JSON lines when stdout is not a terminal (journald, files), readable text on a terminal. */
      format: z.enum(['auto', 'text', 'json']).default('auto'),
    })
    .prefault({}),
});

export type Config = z.output<typeof ConfigSchema>;
