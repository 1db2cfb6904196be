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
import { Job } from './job.js';
import type { OnceResult } from './once.js';
import type { State } from './states.js';
import { openLease } from './term.js';
import type { SupervisorEvent } from './transitions.js';

export type { LeaderInfo } from '../recipes/election.js';

type Events = {
  state: [State, string, SupervisorEvent, Job];
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
  readonly jobs: readonly Job[];
  #session: AbortController | undefined;

  constructor(
    configs: Config | readonly JobConfig[],
    readonly log: Logger,
    readonly digest?: string
  ) {
    super();
    const list = Array.isArray(configs) ? configs : [{ config: configs as Config }];
    const host = { digest, abandonSession: (why: string) => this.#session?.abort(new TermEnd('session-lost', why)) };
    this.jobs = list.map(({ name, config }) => {
      const job = new Job(name, config, name === undefined ? log : withFields(log, { job: name }), host);
      job.on('state', (state, reason, e) => this.emit('state', state, reason, e, job));
      return job;
    });
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
   * Re-read configs (SIGHUP), by job name: each job takes its own (see {@link Job.reload}); a change of
   * `zookeeper.*` opens a new session once no job holds a term. Adding and removing jobs needs a restart for now
   * (said in the log; the jobs that stay take their configs).
   */
  reload(configs: readonly JobConfig[]): void {
    const names = new Set(configs.map((c) => c.name));
    for (const { name, config } of configs) {
      const job = this.jobs.find((j) => j.name === name);
      if (job) job.reload(config, () => this.#renewSession());
      else this.log.warn('config reload: a new job is not started until the service restarts', { job: name });
    }
    for (const job of this.jobs) {
      if (!names.has(job.name))
        this.log.warn('config reload: a removed job keeps running until the service restarts', { job: job.name });
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
    const live = new Set(this.jobs);
    let fatal: unknown;
    for (let attempt = 0; !signal.aborted && live.size > 0; attempt++) {
      for (const job of live) job.adoptPending();
      this.#broadcast({ type: 'dial', first: attempt === 0 }, live);
      // A reload while we dial aborts `session` too: then we dial again, with the new config.
      const session = new AbortController();
      this.#session = session;
      const sessionSignal = AbortSignal.any([signal, session.signal]);
      const { config } = [...live][0]!;
      const report = (e: SupervisorEvent) => this.#broadcast(e, live);
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
      const stopTimeoutMs = Math.max(...[...live].map((j) => j.config.task.stopTimeout));
      const lease = openLease(zk, config, this.log, stopTimeoutMs);
      this.#watchLease(lease);
      this.current = { zk, lease };
      this.emit('zookeeper', zk.state);
      try {
        const running = [...live].map(async (job) => {
          try {
            await job.runSession(zk, lease, sessionSignal, signal);
          } catch (err) {
            live.delete(job); // refused by ZooKeeper: this job stops, the others go on
            job.log.error('job stopped: ZooKeeper refuses it', { error: String(err) });
            fatal ??= err;
            await job.stopped(true);
          }
        });
        await Promise.all(running);
      } finally {
        session.abort(new Error('session done'));
        lease?.stop();
        zk.off('state', onState);
        zk.close();
        this.current = undefined;
      }
      if (!signal.aborted && live.size > 0) {
        report({ type: 'session-ended' });
        await pause(backoffDelay(0, { baseMs: 200, maxMs: 1000 }), signal);
      }
    }
    await Promise.all([...live].map((job) => job.stopped(false)));
    if (live.size === 0 && fatal) throw fatal; // the session (and with it every ephemeral node of ours) is closed
  }

  #watchLease(lease: Lease | undefined): void {
    lease?.on('heartbeat', (ms) => this.emit('heartbeat', ms));
    lease?.on('shortened', (granted) =>
      this.log.warn('the session was resumed with a shorter timeout: the lease counts on it now', {
        grantedTimeoutMs: granted,
        fix: 'give every server the same maxSessionTimeout',
      })
    );
    lease?.on('unfit', (granted, problem) => {
      this.log.error('the session timeout shrank below what task.stopTimeout needs: the term is lost', {
        grantedTimeoutMs: granted,
        problem,
        fix: 'give every server the same maxSessionTimeout, or lower task.stopTimeout',
      });
      // Holding a term, the session is closed once the child is confirmed gone (leadTerm); otherwise now.
      if (this.jobs.some((j) => j.holdsTerm)) return;
      this.log.warn('closing the session instead of resuming it', { why: problem });
      this.#session?.abort(new TermEnd('session-lost', problem));
    });
  }

  /** One-shot mode (`zk-supervisor once`) for the single job: see {@link Job.runOnce}. */
  runOnce(signal: AbortSignal, waitMs: number, oncePerMs?: number): Promise<OnceResult> {
    return this.jobs[0]!.runOnce(signal, waitMs, oncePerMs);
  }
}
