// The daemon: one ZooKeeper session and one lease heartbeat shared by its jobs (job.ts), opened again whenever it
// ends; each job campaigns on it, with its own election, child and state machine (DESIGN §4).
import { EventEmitter } from 'node:events';
import type { Config } from '../config/schema.js';
import { type Logger, withFields } from '../log.js';
import { TermEnd } from '../recipes/end.js';
import type { Lease } from '../recipes/lease.js';
import { pause } from '../util/abort.js';
import { backoffDelay } from '../util/backoff.js';
import type { Zk, ZkState } from '../zk/client.js';
import { isFinal } from '../zk/types.js';
import { connectWithRetry } from './connect.js';
import { Job, type JobHost } from './job.js';
import type { RunOutcome } from './mode.js';
import { Spread } from './spread.js';
import { onceOnNewSession, type OnceResult } from './once.js';
import type { State } from './states.js';
import { AccessError } from './secure.js';
import { openLease } from './term.js';
import type { SupervisorEvent } from './transitions.js';

export type { LeaderInfo } from '../recipes/election.js';

type Events = {
  state: [State, string, SupervisorEvent, Job];
  /** How a job's tick ended (scheduled mode). */
  run: [RunOutcome, Job];
  /** A job's suspension marker appeared (true) or went (false). */
  suspension: [boolean, Job];
  /** A job removed by a reload, once it stopped. */
  removed: [Job];
  zookeeper: [ZkState];
  heartbeat: [rttMs: number];
};

/** A job as the daemon is given it: a name (undefined for the single job of a plain config) and its config. */
export interface JobConfig {
  name?: string;
  config: Config;
}

/** Runs the jobs of `configs` (or the one job of a plain config) until `run()`'s signal aborts. */
export class Supervisor extends EventEmitter<Events> {
  /** The current session and its lease (undefined between sessions): for metrics and `/status`. */
  current: { zk: Zk; lease: Lease | undefined } | undefined;
  #jobs: Job[];
  #session: AbortController | undefined;
  /** Starts a job on the open session (a job added by a reload); undefined between sessions. */
  #start: ((job: Job) => void) | undefined;
  readonly #host: JobHost;
  readonly #spread = new Spread();

  constructor(
    configs: Config | readonly JobConfig[],
    readonly log: Logger,
    readonly digest?: string,
    opts: { spread?: boolean } = {}
  ) {
    super();
    const list = Array.isArray(configs) ? configs : [{ config: configs as Config }];
    this.#host = {
      digest,
      abandonSession: (why: string) => this.#session?.abort(new TermEnd('session-lost', why)),
      passOn: opts.spread ? (job, election) => this.#spread.decide(job, election, this.#jobs.length) : undefined,
    };
    this.#jobs = list.map(({ name, config }) => this.#newJob(name, config));
  }

  #newJob(name: string | undefined, config: Config): Job {
    const job = new Job(name, config, name === undefined ? this.log : withFields(this.log, { job: name }), this.#host);
    job.on('state', (state, reason, e) => this.emit('state', state, reason, e, job));
    job.on('run', (run) => this.emit('run', run, job));
    job.on('suspension', (on) => this.emit('suspension', on, job));
    return job;
  }

  /** The jobs, in their config's order (a reload adds and removes some). */
  get jobs(): readonly Job[] {
    return this.#jobs;
  }

  /** The first job's config (its `zookeeper` section is every job's). */
  get config(): Config {
    return this.jobs[0]!.config;
  }
  /** The first job's state and term (the only job of a plain config). */
  get state(): State {
    return this.jobs[0]!.state;
  }
  get term(): number {
    return this.jobs[0]!.term;
  }
  get pidNodePath(): string {
    return this.jobs[0]!.pidNodePath;
  }

  /**
   * Re-read configs (SIGHUP), by job name: a job that stays takes its own ({@link Job.reload}; a change of
   * `zookeeper.*` opens a new session once no job holds a term); a removed job stops its child, releases and goes;
   * a new one campaigns at once. The other jobs are not disturbed.
   */
  reload(configs: readonly JobConfig[]): void {
    const names = new Set(configs.map((c) => c.name));
    for (const job of this.#jobs) {
      if (names.has(job.name)) continue;
      job.log.info('config reloaded: job removed, stopping it');
      job.remove();
      if (this.#start) continue; // its run on the session stops it
      this.#jobs = this.#jobs.filter((j) => j !== job); // between sessions: nothing runs
      void job.stopped(false).then(() => this.emit('removed', job));
    }
    for (const { name, config } of configs) {
      if (!this.#fits(name, config)) continue;
      const job = this.#jobs.find((j) => j.name === name && !j.removal.aborted);
      if (job) {
        job.reload(config, () => this.#renewSession());
        continue;
      }
      const added = this.#newJob(name, config);
      this.#jobs.push(added);
      added.log.info('config reloaded: job added');
      const zk = this.current?.zk;
      if (!this.#start || !zk) continue; // it starts with the next session
      added.report({ type: 'dial', first: true });
      added.report({ type: 'connected', sessionId: zk.sessionId });
      this.#start(added);
    }
  }

  // A job's stopTimeout must fit the open session's lease: the lease is timed for it, or the job's config refused.
  #fits(name: string | undefined, config: Config): boolean {
    try {
      this.current?.lease?.cover(config.task.stopTimeout);
      return true;
    } catch (err) {
      const log = name === undefined ? this.log : withFields(this.log, { job: name });
      log.error('config reload failed for this job: keeping its running config', { problem: String(err) });
      return false;
    }
  }

  #renewSession(): void {
    if (!this.jobs.some((j) => j.holdsTerm)) this.#session?.abort(new Error('config reloaded'));
  }

  #broadcast(e: SupervisorEvent, jobs: Iterable<Job>): void {
    for (const job of jobs) job.report(e);
  }

  /** Second shutdown request: SIGKILL the children's groups now instead of waiting for their grace periods. */
  forceStop(): void {
    for (const job of this.jobs) job.forceStop();
  }

  /**
   * Runs until `signal` aborts; then stops the children, leaves the elections, closes the session. A job that
   * ZooKeeper refuses (AccessError) stops alone; rejects with the first such error once every job stopped so.
   */
  async run(signal: AbortSignal): Promise<void> {
    let fatal: unknown;
    for (let attempt = 0; !signal.aborted && this.#jobs.length > 0; attempt++) {
      for (const job of this.#jobs) job.adoptPending();
      const report = (e: SupervisorEvent) => this.#broadcast(e, this.#jobs);
      report({ type: 'dial', first: attempt === 0 });
      // A reload while we dial aborts `session` too: then we dial again, with the new config.
      const session = new AbortController();
      this.#session = session;
      const sessionSignal = AbortSignal.any([signal, session.signal]);
      const { config } = this.#jobs[0]!;
      const zk = await connectWithRetry(config, this.digest, this.log, report, sessionSignal);
      if (!zk) {
        if (signal.aborted) break;
        continue;
      }
      report({ type: 'connected', sessionId: zk.sessionId });
      const onState = (s: ZkState, prev: ZkState) => {
        this.log.info('zookeeper state', { state: s, previous: prev, sessionId: zk.sessionId });
        this.emit('zookeeper', s);
        if (isFinal(s)) session.abort(new TermEnd('session-lost', `session ${s}`));
      };
      zk.on('state', onState);
      const stopTimeoutMs = Math.max(...this.#jobs.map((j) => j.config.task.stopTimeout));
      const lease = openLease(zk, config, this.log, stopTimeoutMs, (problem) => {
        // Holding a term, the session is closed once the child is confirmed gone (leadTerm); otherwise now.
        if (this.jobs.some((j) => j.holdsTerm)) return;
        this.log.warn('closing the session instead of resuming it', { why: problem });
        session.abort(new TermEnd('session-lost', problem));
      });
      lease?.on('heartbeat', (ms) => this.emit('heartbeat', ms));
      this.current = { zk, lease };
      this.emit('zookeeper', zk.state);
      const running = new Set<Promise<void>>();
      this.#start = (job) => {
        const run = this.#runJob(job, zk, lease, sessionSignal, signal).then((err) => {
          running.delete(run);
          fatal ??= err;
        });
        running.add(run);
      };
      try {
        for (const job of this.#jobs) this.#start(job);
        while (running.size > 0) await Promise.race(running);
      } finally {
        this.#start = undefined;
        session.abort(new Error('session done'));
        lease?.stop();
        zk.off('state', onState);
        zk.close();
        this.current = undefined;
      }
      if (!signal.aborted && this.#jobs.length > 0) {
        report({ type: 'session-ended' });
        await pause(backoffDelay(0, { baseMs: 200, maxMs: 1000 }), signal);
      }
    }
    await Promise.all(this.#jobs.map((job) => job.stopped(false)));
    if (this.#jobs.length === 0 && fatal) throw fatal; // the session (and every ephemeral node of ours) is closed
  }

  // One job on the open session until it ends, or the job is removed (then it stops) or refused by ZooKeeper
  // (resolves with the error; it stops alone, the others go on).
  async #runJob(job: Job, zk: Zk, lease: Lease | undefined, session: AbortSignal, shutdown: AbortSignal) {
    const gone = AbortSignal.any([shutdown, job.removal]);
    try {
      await job.runSession(zk, lease, AbortSignal.any([session, job.removal]), gone);
    } catch (err) {
      const why = err instanceof AccessError ? 'ZooKeeper refuses it' : 'it failed';
      job.log.error(`job stopped: ${why}`, { error: String(err) });
      await job.stopped(true);
      this.#jobs = this.#jobs.filter((j) => j !== job);
      return err;
    }
    if (job.removal.aborted) {
      await job.stopped(false);
      this.#jobs = this.#jobs.filter((j) => j !== job);
      this.emit('removed', job);
    }
    return undefined;
  }

  /**
   * One-shot mode (`zk-supervisor once`) for the first job: try to win the lock within `waitMs` (0 = try once), run
   * the command once as leader under the same lease and leash, release, and resolve with what happened (runOnce).
   */
  runOnce(signal: AbortSignal, waitMs: number, oncePerMs?: number): Promise<OnceResult> {
    return onceOnNewSession(this.jobs[0]!.ctx, this.digest, { signal, waitMs, oncePerMs });
  }
}
