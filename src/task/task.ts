// The child process, on a leash (see leash.ts): its own process group, no inherited descriptor but stdio;
// stopped with every descendant, wherever it went.
import { createInterface } from 'node:readline';
import { type ChildProcess, spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { checkCommand, TaskSpawnError } from './check.js';
import { deadlineIn, leashArgv, parseStatus, type LeashStatus } from './leash.js';
import { isStopped, killRunUntilEmpty } from './group.js';

export { checkCommand, firstProgram, TaskSpawnError, type TaskSpawnCode } from './check.js';

/** Longest line of child output passed to `onLine` (longer lines are cut). */
const MAX_LINE = 16_384;

/** What to run. */
export interface TaskSpec {
  /** argv; `[file, ...args]`. A shell command is `['/bin/sh', '-c', cmd]`. */
  argv: readonly string[];
  cwd?: string;
  /** The leash's and the child's whole environment (default: the supervisor's own). See spec.ts. */
  env?: Record<string, string>;
  /** Run the job as this user / group (the leash switches it; the supervisor must be root). */
  uid?: number;
  gid?: number;
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs: number;
  /** `inherit`: the child writes to our stdout/stderr; `log`: each line goes to `onLine`. */
  output?: 'inherit' | 'log';
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** The leash vanished without its report: the job's processes were killed (`empty`: and seen gone). */
  onLeashLost?: (e: { leashPid: number; jobPgid: number; signal: string | null; empty: boolean }) => void;
}

/** How a child ended. `killed` = we had to SIGKILL it after the grace period, or its leash was lost. */
export interface TaskExit {
  reason: 'exited' | 'stopped' | 'killed';
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The leash itself died (killed) before it reported: the job's processes were killed by the supervisor. */
  leashLost?: boolean;
}

/**
 * A child on a leash. Spawned idle (cheap to keep while a candidate); {@link run} starts the command.
 * Until then, or after {@link dispose}, the leash exits 0 without running anything.
 */
export interface LeashedTask {
  /** Pid of the leash (it leads its own process group; the job runs in another). */
  readonly pid: number;
  /** The job's pid and process group, once it started (undefined before, and when it never ran). */
  readonly jobPgid: number | undefined;
  /** Resolves with the job's pid once it started, or undefined once the leash exited without starting it. */
  readonly started: Promise<number | undefined>;
  /** Resolves when the leash has exited, which it does only once no descendant of the job is left. Never rejects. */
  readonly exited: Promise<TaskExit>;
  /**
   * Starts the command, with the lease valid for `leaseMs` more ms and the term/token (and, in scheduled
   * mode, the tick; on slots, the slot) in its environment.
   */
  run(leaseMs: number, term: number, token: number, tick?: string, slot?: number): void;
  /** Renews the lease: valid for `leaseMs` more ms from now. The leash stops the child when it lapses. */
  renew(leaseMs: number): void;
  /**
   * Stops the job: stop signal to every descendant, then SIGKILL after `graceMs` (default the spec's
   * stopTimeout). Resolves with the exit once no descendant is left. Calling it again with 0 SIGKILLs at once.
   */
  stop(graceMs?: number): Promise<TaskExit>;
  /** Lets an idle leash exit (closes its command pipe). */
  dispose(): void;
}

/** Spawns the leash for `spec` in its own process group. Throws TaskSpawnError when the command cannot start. */
export function spawnTask(spec: TaskSpec): LeashedTask {
  const env = spec.env ?? process.env;
  checkCommand(spec.argv, spec.cwd, env);
  let leash: { file: string; args: string[] };
  try {
    leash = leashArgv(spec.argv, spec.stopTimeoutMs, spec.stopSignal ?? 'SIGTERM');
  } catch (err) {
    throw new TaskSpawnError('SPAWN_FAILED', (err as Error).message);
  }
  const log = spec.output === 'log';
  const out = log ? 'pipe' : 'inherit';
  let child: ChildProcess;
  try {
    child = spawn(leash.file, leash.args, {
      cwd: spec.cwd,
      // The leash keeps our identity (it must be able to stop everything the job starts); it switches the job.
      env:
        spec.uid === undefined && spec.gid === undefined
          ? env
          : { ...env, ZKS_LEASH_UIDGID: `${spec.uid ?? -1}:${spec.gid ?? -1}` },
      detached: true,
      stdio: ['ignore', out, out, 'pipe'],
    });
  } catch (err) {
    throw spawnFailed(spec, (err as NodeJS.ErrnoException).code);
  }
  child.on('error', () => {}); // a refused spawn is reported below; later errors (a failed kill) end in `exit`
  if (child.pid === undefined) {
    // EAGAIN, EMFILE, ENFILE or a cwd removed since the check: Node reports it as an 'error' event later
    for (const s of child.stdio ?? []) s?.destroy();
    checkCommand(spec.argv, spec.cwd, env); // names a vanished cwd or command
    throw spawnFailed(spec);
  }
  const pid = child.pid;
  const control = child.stdio[3] as Duplex;
  control.on('error', () => {}); // EPIPE once the leash is gone: its exit is reported through `exited`
  let status: LeashStatus | undefined;
  let jobPgid: number | undefined;
  let onStarted!: (pid: number | undefined) => void;
  const jobStarted = new Promise<number | undefined>((r) => {
    onStarted = r;
  });
  createInterface({ input: control, crlfDelay: Infinity })
    .on('line', (line) => {
      const job = /^P (\d+)$/.exec(line);
      if (!job) {
        status = parseStatus(line) ?? status;
        if (status) onStatus(status); // its last words: no descendant is left
      } else {
        jobPgid = Number(job[1]);
        onStarted(jobPgid);
      }
    })
    .on('error', () => {}); // readline re-emits the socket's EPIPE: handled above
  if (log) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const s = child[stream];
      if (s)
        createInterface({ input: s, crlfDelay: Infinity }).on('line', (line) =>
          spec.onLine?.(stream, line.slice(0, MAX_LINE))
        );
    }
  }
  let started = performance.now();
  let stopRequested = false;
  let ran = false;
  let runToken: number | undefined;
  let settle!: (exit: TaskExit) => void;
  const exited = new Promise<TaskExit>((resolve) => {
    settle = resolve; // the first settle counts
  });
  const durationMs = () => Math.round(performance.now() - started);
  // The leash's status line says no descendant of the job is left: the exit, without waiting for the leash's own.
  function onStatus(st: LeashStatus) {
    onStarted(undefined);
    if (!st.ran)
      settle({ reason: stopRequested ? 'stopped' : 'exited', exitCode: null, signal: null, durationMs: durationMs() });
    else {
      const reason = st.survivors ? 'killed' : stopRequested ? 'stopped' : 'exited';
      settle({ reason, exitCode: st.exitCode, signal: st.signal, durationMs: durationMs() });
    }
  }
  const controlClosed = new Promise<void>((r) => control.once('close', () => r()));
  // A leash that exits without its status line: it failed, or was killed and the job may be alive.
  child.once(
    'exit',
    (code, signal) =>
      void controlClosed.then(async () => {
        onStarted(undefined);
        if (status) return;
        if (jobPgid !== undefined) {
          // The leash vanished without its report (killed): the job may be alive; gone only once every process of
          // it is — its group, and any that left it (found by the term's token in their environment).
          const ms = durationMs();
          const empty = await killRunUntilEmpty({ pgid: jobPgid, token: runToken }, LOST_LEASH_KILL_MS);
          spec.onLeashLost?.({ leashPid: pid, jobPgid, signal, empty });
          settle({ reason: 'killed', exitCode: null, signal: 'SIGKILL', durationMs: ms, leashLost: true });
        } else settle({ reason: 'exited', exitCode: code, signal, durationMs: durationMs() }); // the leash failed
      })
  );
  const send = (line: string) => {
    if (control.writable) control.write(`${line}\n`);
  };
  return {
    pid,
    get jobPgid() {
      return jobPgid;
    },
    started: jobStarted,
    exited,
    run(leaseMs, term, token, tick, slot) {
      ran = true;
      runToken = token;
      started = performance.now();
      send(`R ${deadlineIn(leaseMs)} ${term} ${token} ${tick || '-'} ${slot ?? '-'}`);
    },
    renew(leaseMs) {
      if (ran) send(`L ${deadlineIn(leaseMs)}`);
    },
    dispose() {
      if (!ran) control.end();
    },
    stop(graceMs = spec.stopTimeoutMs) {
      stopRequested = true;
      send(`S ${Math.max(0, Math.round(graceMs))}`); // again with 0: cuts a running grace short
      // A leash that does not answer (frozen) is killed, and its job's processes with it (see `exited`).
      const watch = watchLeash(pid, graceMs);
      void exited.then(() => clearInterval(watch));
      return exited;
    },
  };
}

const spawnFailed = (spec: TaskSpec, code?: string) =>
  new TaskSpawnError(
    'SPAWN_FAILED',
    `task.command ${spec.argv[0]}: the system refused to start a process${code ? ` (${code})` : ''}: ` +
      'out of processes or file descriptors? (ulimit -u / -n, LimitNPROC= / LimitNOFILE= in the unit)'
  );

/** How long a job's group may take to die once its leash is gone (SIGKILL every 10 ms meanwhile). */
const LOST_LEASH_KILL_MS = 10_000;
/** How long past a stop's grace a leash may take to finish (a slow job to reap) before it is killed anyway. */
const LEASH_ANSWER_MS = 1000;

// From a stop's grace on, every 50 ms: a leash that is stopped (SIGSTOP, a tracer) — or still there a second
// after the grace — is SIGKILLed, so that its job's group is killed by us (see `exited`) before the lease ends.
function watchLeash(pid: number, graceMs: number): NodeJS.Timeout {
  const from = performance.now() + graceMs;
  return setInterval(() => {
    const late = performance.now() - from;
    if (late < 0 || (late < LEASH_ANSWER_MS && !isStopped(pid))) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }, 50).unref();
}

/** Sends `signal` to process group `pgid`; a group that is already gone is not an error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
