// The child process, on a leash (see leash.ts): its own process group, no inherited descriptor but stdio;
// stopped with every descendant, wherever it went.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { type ChildProcess, spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors.js';
import { deadlineIn, leashArgv, parseStatus, type LeashStatus } from './leash.js';

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
}

/** How a child ended. `killed` = we had to SIGKILL it after the grace period. */
export interface TaskExit {
  reason: 'exited' | 'stopped' | 'killed';
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
}

export type TaskSpawnCode = 'NOT_FOUND' | 'NOT_EXECUTABLE' | 'BAD_CWD' | 'SPAWN_FAILED';

/** The command cannot be started (not found, not executable, bad cwd) or the system refused a process. */
export class TaskSpawnError extends AppError<TaskSpawnCode> {
  constructor(
    readonly code: TaskSpawnCode,
    message: string
  ) {
    super(message);
  }
}

/** Checks, before spawning, that the command and cwd are usable; throws TaskSpawnError naming them. */
export function checkCommand(argv: readonly string[], cwd?: string, env: NodeJS.ProcessEnv = process.env): void {
  if (cwd) {
    try {
      if (!statSync(cwd).isDirectory()) throw new Error();
    } catch {
      throw new TaskSpawnError('BAD_CWD', `task.cwd ${cwd}: not a directory`);
    }
  }
  const file = argv[0];
  if (!file) throw new TaskSpawnError('NOT_FOUND', 'task.command is empty');
  const candidates = file.includes('/')
    ? [isAbsolute(file) ? file : join(cwd ?? process.cwd(), file)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, file));
  let exists = false;
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      exists = true;
      accessSync(c, constants.X_OK);
      return;
    } catch {
      /* next */
    }
  }
  throw exists
    ? new TaskSpawnError('NOT_EXECUTABLE', `task.command ${file}: permission denied (not executable)`)
    : new TaskSpawnError('NOT_FOUND', `task.command ${file}: not found${file.includes('/') ? '' : ' in PATH'}`);
}

/**
 * A child on a leash. Spawned idle (cheap to keep while a candidate); {@link run} starts the command.
 * Until then, or after {@link dispose}, the leash exits 0 without running anything.
 */
export interface LeashedTask {
  /** Pid of the leash (it leads its own process group; the job runs in another). */
  readonly pid: number;
  /** Resolves when the leash has exited, which it does only once no descendant of the job is left. Never rejects. */
  readonly exited: Promise<TaskExit>;
  /**
   * Starts the command, with the lease valid for `leaseMs` more ms and the term/token (and, in scheduled
   * mode, the tick) in its environment.
   */
  run(leaseMs: number, term: number, token: number, tick?: string): void;
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
  createInterface({ input: control, crlfDelay: Infinity })
    .on('line', (line) => {
      status = parseStatus(line) ?? status;
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
  const controlClosed = new Promise<void>((r) => control.once('close', () => r()));
  // The leash exits once no descendant of the job is left; its status line comes before its socket closes.
  const exited = new Promise<TaskExit>((resolve) => {
    child.once(
      'exit',
      (code, signal) =>
        void controlClosed.then(() => {
          const durationMs = Math.round(performance.now() - started);
          if (!status)
            resolve({ reason: 'exited', exitCode: code, signal, durationMs }); // the leash itself failed
          else if (!status.ran)
            resolve({ reason: stopRequested ? 'stopped' : 'exited', exitCode: null, signal: null, durationMs });
          else {
            const reason = status.survivors ? 'killed' : stopRequested ? 'stopped' : 'exited';
            resolve({ reason, exitCode: status.exitCode, signal: status.signal, durationMs });
          }
        })
    );
  });
  const send = (line: string) => {
    if (control.writable) control.write(`${line}\n`);
  };
  return {
    pid,
    exited,
    run(leaseMs, term, token, tick = '') {
      ran = true;
      started = performance.now();
      send(`R ${deadlineIn(leaseMs)} ${term} ${token} ${tick}`.trimEnd());
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

/** Sends `signal` to process group `pgid`; a group that is already gone is not an error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
