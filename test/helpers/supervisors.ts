// Runs real `zk-supervisor run` processes for integration tests; every one is killed (group) in cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanArgv } from '../../src/util/clean-exec.js';
import { after, afterEach } from 'node:test';
import { useZk, type ZkFixture } from './fixture.js';
import { newTag, sweepTag } from './proc-sampler.js';
import { track, trackDir, untrackDir } from './reaper.js';
import { readRuns } from './overlap.js';
import { nextEvent, waitFor } from './wait.js';

export const BIN = resolve(import.meta.dirname, '../../bin/zk-supervisor.js');
export const CHILD = resolve(import.meta.dirname, '../fixtures/child.mjs');

/** The tag of the supervisors this process starts without one of their own (see proc-sampler.ts). */
export const FILE_TAG = newTag();

/** A temp dir for configs and child logs, removed by `cleanup()` — call it once no process writes there. */
export function workDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-test-'));
  trackDir(dir);
  return {
    dir,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      untrackDir(dir);
    },
  };
}

/** The child log of job `j` of a daemon's config written by {@link writeConfig} with `jobs`. */
export const jobLog = (childLog: string, j: number): string => (j === 0 ? childLog : `${childLog}.job${j}`);

/** Writes a YAML config whose task is the test child (env CHILD_LOG = `childLog`), after `wrap` words if any. */
export function writeConfig(
  dir: string,
  opts: {
    connect: string;
    path: string;
    sessionTimeout?: string;
    stopTimeout?: string;
    childLog: string;
    extraTask?: string;
    /** More lines of the job's `election:` section (indented two spaces). */
    extraElection?: string;
    extra?: string;
    extraZk?: string;
    childEnv?: Record<string, string>;
    wrap?: string[];
    /** Instead of the test child (a string runs under /bin/sh -c). */
    command?: string | string[];
    /**
     * A daemon's file with this many inline jobs `job0…`: job j's election is `<path>j`, its child writes to
     * {@link jobLog}(childLog, j); `extraTask` lines go to every job.
     */
    jobs?: number;
    /** With `jobs`: more child environment for job j. */
    jobEnv?: Record<number, Record<string, string>>;
  }
): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  const job = (indent: string, path: string, childLog: string, more?: Record<string, string>) => {
    const env = { CHILD_LOG: childLog, ...opts.childEnv, ...more };
    return [
      'election:',
      `  path: ${path}`,
      ...(opts.extraElection ? [opts.extraElection] : []),
      'task:',
      `  command: ${JSON.stringify(opts.command ?? [...(opts.wrap ?? []), process.execPath, CHILD])}`,
      `  stopTimeout: ${opts.stopTimeout ?? '500ms'}`,
      '  env:',
      ...Object.entries(env).map(([k, v]) => `    ${k}: "${v}"`),
      ...(opts.extraTask ? [opts.extraTask] : []),
    ].map((l) => indent + l);
  };
  const jobs =
    opts.jobs === undefined
      ? job('', opts.path, opts.childLog)
      : [
          'jobs:',
          ...Array.from({ length: opts.jobs }, (_, j) => [
            `  - name: job${j}`,
            ...job('    ', `${opts.path}${j}`, jobLog(opts.childLog, j), opts.jobEnv?.[j]),
          ]).flat(),
        ];
  writeFileSync(
    file,
    [
      'zookeeper:',
      `  connect: "${opts.connect}"`,
      `  sessionTimeout: ${opts.sessionTimeout ?? '2s'}`,
      '  connectTimeout: 3s',
      '  serverTickTime: 100ms',
      ...(opts.extraZk ? [opts.extraZk] : []),
      ...jobs,
      'logging:',
      '  level: debug',
      '  format: text',
      ...(opts.extra ? [opts.extra] : []),
      '',
    ].join('\n')
  );
  return file;
}

/** One supervisor process; `lines` collects its log. */
export class SupervisorProc {
  readonly lines: string[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  #emitter = new EventEmitter();

  /** `tag` (default {@link FILE_TAG}) marks the supervisor and everything it starts, as host `id`. */
  constructor(
    readonly id: string,
    config: string,
    args: string[] = [],
    opts: { tag?: string } = {}
  ) {
    const { file, args: a, env } = cleanArgv([process.execPath, BIN, 'run', '--config', config, '--id', id, ...args]);
    this.proc = spawn(file, a, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, ZKS_TEST_TAG: opts.tag ?? FILE_TAG, ZKS_TEST_HOST: id },
    });
    track(this.proc);
    this.exited = new Promise((r) => this.proc.once('exit', (code) => r(code)));
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.lines.push(line);
        if (process.env.SUPERVISOR_LOGS) process.stderr.write(`[${this.id}] ${line}\n`);
        this.#emitter.emit('line', line);
      }
    };
    this.proc.stdout!.on('data', onData);
    this.proc.stderr!.on('data', onData);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Resolves with the first log line (already seen or future) matching `re`. */
  async waitLog(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find((l) => re.test(l));
    if (seen) return seen;
    const [line] = await nextEvent<[string]>(this.#emitter, 'line', {
      timeoutMs,
      what: `supervisor ${this.id} logging ${re}`,
      filter: (l) => re.test(l),
    });
    return line;
  }

  /** Current state from the last `state change` line. */
  get state(): string | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const m = / to=([\w-]+)/.exec(this.lines[i]!);
      if (m && this.lines[i]!.includes('state change')) return m[1];
    }
    return undefined;
  }

  signal(sig: NodeJS.Signals): void {
    try {
      this.proc.kill(sig);
    } catch {
      /* gone */
    }
  }

  /** SIGKILLs the supervisor's whole process group (not its child's, which has its own group). */
  killGroup(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Process group of `pid` (undefined once it is gone). */
export function pgidOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
  } catch {
    return undefined;
  }
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Kills every supervisor still running (their groups) and waits for them. */
export async function killAll(procs: SupervisorProc[]): Promise<void> {
  for (const p of procs) p.killGroup();
  await Promise.all(procs.map((p) => p.exited));
}

/**
 * Starts an election of `ids.length` supervisors: the first alone, until it runs its child (it leads), then
 * the rest, until each is a queued candidate. Each process goes into `into` as soon as it is spawned (for
 * cleanup, even when a wait fails). `firstConfig` lets the leader use another config (e.g. via a proxy);
 * `configs` and `args` give each its own config and command-line words.
 */
export async function startElection(
  into: SupervisorProc[],
  opts: {
    ids: string[];
    config: string;
    firstConfig?: string;
    configs?: string[];
    args?: string[][];
    childLog: string;
    timeoutMs?: number;
    tag?: string;
  }
): Promise<SupervisorProc[]> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const configOf = (i: number) => opts.configs?.[i] ?? (i === 0 ? (opts.firstConfig ?? opts.config) : opts.config);
  const start = (i: number) => new SupervisorProc(opts.ids[i]!, configOf(i), opts.args?.[i] ?? [], { tag: opts.tag });
  const leader = start(0);
  into.push(leader);
  await leader.waitLog(/to=running/, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; its last log lines:\n${leader.lines.slice(-8).join('\n')}`);
  });
  const rest = opts.ids.slice(1).map((_, i) => start(i + 1));
  into.push(...rest);
  await Promise.all(rest.map((p) => p.waitLog(/candidate position/, timeoutMs)));
  await waitFor(() => readRuns(opts.childLog).length >= 1, { timeoutMs: 5000, what: 'the first child running' });
  return [leader, ...rest];
}

/**
 * Ends a set of supervisors: SIGCONT (a test may have frozen one), SIGKILL of their groups, then the tag sweep
 * (children, escaped descendants) until no process tagged `tag` is left. Only then may their files go.
 */
export async function endAll(procs: SupervisorProc[], tag = FILE_TAG): Promise<void> {
  for (const p of procs) p.signal('SIGCONT');
  await killAll(procs);
  await sweepTag(tag);
}

/**
 * Per-file set-up of supervisor tests: a ZooKeeper fixture, a temp dir, and a list whose supervisors (and every
 * process they started) are killed when each test ends — a test's processes never outlive it — and the temp dir
 * removed when the file ends, after them.
 */
export function useSupervisors(zk: Parameters<typeof useZk>[0] = {}): {
  fx: ZkFixture;
  work: ReturnType<typeof workDir>;
  procs: SupervisorProc[];
} {
  const fx = useZk(zk);
  const work = workDir();
  const procs: SupervisorProc[] = [];
  afterEach(async () => {
    await endAll(procs);
    procs.length = 0;
  });
  after(async () => {
    await endAll(procs);
    work.cleanup();
  });
  return { fx, work, procs };
}
