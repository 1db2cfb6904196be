// The supervisor: connect → campaign → lead (child on a lease) → step down → …, one explicit state machine.
// The election and the lease are recipes; what runs while we lead is a mode (continuous, scheduled, once).
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { backoffDelay } from '../util/backoff.js';
import { FOREVER_MS, pause } from '../util/abort.js';
import { Election, type LeaderInfo } from '../recipes/election.js';
import type { Lease } from '../recipes/lease.js';
import { removePidNode } from '../recipes/pid-node.js';
import { compileSchedule, type Schedule } from '../schedule/cron.js';
import { spawnTask, TaskSpawnError, type LeashedTask, type TaskSpec } from '../task/task.js';
import { memberAcl, type Acl } from '../zk/acl.js';
import type { Zk, ZkState } from '../zk/client.js';
import { isFinal } from '../zk/types.js';
import { isZkError } from '../zk/errors.js';
import { ensurePath } from '../zk/helpers.js';
import { parent } from '../zk/paths.js';
import type { ModeHost } from './mode.js';
import { onceOnNewSession, type OnceResult } from './once.js';
import { campaignLog, leadTerm, openLease } from './term.js';
import { untilUndrained } from './drain.js';
import { AccessError, accessError, secureDirectories } from './secure.js';
import { keepPidNode, pidNodePathOf } from './pid.js';
import { connectWithRetry } from './connect.js';
import { taskSpec } from '../task/spec.js';
import { checkTransition, HOLDING_TERM, type Reason, type State } from './states.js';
import { Hooks } from './hooks.js';
import { planReload, type ReloadPlan } from './reload.js';

export type { LeaderInfo } from '../recipes/election.js';

type Events = { state: [State, string]; zookeeper: [ZkState]; heartbeat: [rttMs: number] };

/** Runs the election and the child per `config` until `run()`'s signal aborts. */
export class Supervisor extends EventEmitter<Events> {
  /** The current session and its lease (undefined between sessions): for metrics and `/status`. */
  current: { zk: Zk; lease: Lease | undefined } | undefined;
  #state: State = 'idle';
  #term = 0;
  #task: LeashedTask | undefined;
  #force = false;
  #sessionId = '';
  #schedule: Schedule | undefined;
  #spec!: TaskSpec;
  #acl: readonly Acl[] = [];
  #info!: LeaderInfo;
  #hooks!: Hooks;
  #pending: Config | undefined; // a reloaded config waiting for the next term or session
  #session: AbortController | undefined;
  readonly #host: ModeHost;

  constructor(
    public config: Config,
    readonly log: Logger,
    readonly digest?: string
  ) {
    super();
    this.#adopt(config);
    const self = this;
    this.#host = {
      // the modes' view of us
      get config() {
        return self.config;
      },
      log,
      get acl() {
        return self.#acl;
      },
      get info() {
        return self.#info;
      },
      get hooks() {
        return self.#hooks;
      },
      forced: () => this.#force,
      transition: (to, reason, fields) => this.#transition(to, reason, fields),
      spawn: () => spawnTask(this.#spec), // an idle leash: winning costs no process start
      setTask: (task) => {
        this.#task = task;
      },
      task: () => this.#task,
      state: () => this.#state,
      beginTerm: (term) => {
        this.#term = term;
      },
      beginSession: (id) => {
        this.#sessionId = id;
      },
      schedule: () => this.#schedule,
    };
  }

  // Takes `config` as ours: the child's spec, the schedule, our ACL and candidate info follow it.
  #adopt(config: Config): void {
    this.config = config;
    this.#acl = memberAcl(config.zookeeper.acl, this.digest);
    const { id, description } = config.election;
    this.#info = { id, host: hostname(), pid: process.pid, description };
    this.#spec = taskSpec(config, (stream, line) => this.log.info('child output', { stream, line }));
    this.#hooks = new Hooks(config, this.log);
    this.#schedule = config.task.schedule ? compileSchedule(config.task.schedule, config.task.timezone) : undefined;
  }

  /**
   * A re-read config (SIGHUP): the log level applies at once; everything else with a new session, which starts
   * at once unless we lead (then when the term ends: a running child keeps the command it started with).
   * Returns the plan, which it also logs.
   */
  reload(next: Config): ReloadPlan {
    const plan = planReload(this.#pending ?? this.config, next);
    this.log.level = next.logging.level;
    const later = plan.nextTerm.length + plan.nextSession.length > 0;
    const leading = HOLDING_TERM.includes(this.#state);
    const appliesWhen = !later ? 'now' : leading ? 'when the term ends' : 'now (new session)';
    this.log.info('config reloaded', { ...plan, appliesWhen });
    if (!later) return plan;
    this.#pending = next;
    if (!leading) this.#session?.abort(new Error('config reloaded'));
    return plan;
  }

  get state(): State {
    return this.#state;
  }
  get term(): number {
    return this.#term;
  }
  get pidNodePath(): string {
    return pidNodePathOf(this.config);
  }

  #transition(to: State, reason: Reason, fields: Record<string, unknown> = {}): void {
    const from = this.#state;
    if (from === to) return;
    checkTransition(from, to, reason);
    this.#state = to;
    this.log.info('state change', { from, to, reason, term: this.#term, sessionId: this.#sessionId, ...fields });
    this.emit('state', to, reason);
  }

  /** Second shutdown request: SIGKILL the child's group now instead of waiting for its grace period. */
  forceStop(): void {
    this.#force = true;
    void this.#task?.stop(0);
  }

  /** Runs until `signal` aborts; then stops the child, leaves the election, closes the session. */
  async run(signal: AbortSignal): Promise<void> {
    let fatal: AccessError | undefined;
    for (let attempt = 0; !signal.aborted && !fatal; attempt++) {
      if (this.#pending) this.#adopt(this.#pending);
      this.#pending = undefined;
      this.#transition('connecting', attempt === 0 ? 'start' : 'new session');
      // A reload while we dial aborts `session` too: then we dial again, with the new config.
      const session = new AbortController();
      this.#session = session;
      const sessionSignal = AbortSignal.any([signal, session.signal]);
      const zk = await connectWithRetry(this.config, this.digest, this.log, this.#host.transition, sessionSignal);
      if (!zk) {
        if (signal.aborted) break;
        continue;
      }
      this.#host.beginSession(zk.sessionId);
      const onState = (s: ZkState, prev: ZkState) => {
        this.log.info('zookeeper state', { state: s, previous: prev, sessionId: zk.sessionId });
        this.emit('zookeeper', s);
        if (isFinal(s)) session.abort(new Error(`session ${s}`));
      };
      zk.on('state', onState);
      const lease = openLease(zk, this.config, this.log);
      lease?.on('heartbeat', (ms) => this.emit('heartbeat', ms));
      this.current = { zk, lease };
      this.emit('zookeeper', zk.state);
      const { acl, info } = this.#host;
      const pidNode = keepPidNode(zk, this.config, JSON.stringify(info), acl, this.log, sessionSignal);
      try {
        if (lease) await this.#campaigns(zk, lease, sessionSignal);
        else await pause(FOREVER_MS, sessionSignal); // keep the pid node; retry on a new session
      } catch (err) {
        if (isZkError(err, 'NOAUTH')) fatal = accessError(err, this.digest);
        else if (err instanceof AccessError) fatal = err;
        else if (!sessionSignal.aborted) this.log.error('session failed', { error: String(err) });
      } finally {
        session.abort(new Error('session done'));
        lease?.stop();
        await pidNode;
        const connected = zk.state === 'connected'; // else closing the session removes the pid node
        if (signal.aborted && connected) await removePidNode(zk, this.pidNodePath).catch(() => {});
        zk.off('state', onState);
        zk.close();
        this.current = undefined;
      }
      if (!signal.aborted && !fatal) {
        this.#transition('backoff', 'session ended');
        await pause(backoffDelay(0, { baseMs: 200, maxMs: 1000 }), signal);
      }
    }
    await this.#hooks.idle(); // onStepDown and postStop of the last term run before we exit
    this.#transition('shutting-down', fatal ? 'not allowed' : 'signal');
    this.#transition('stopped', 'shutdown complete');
    if (fatal) throw fatal; // the session (and with it every ephemeral node of ours) is closed
  }

  /**
   * One-shot mode (`zk-supervisor once`): try to win the lock within `waitMs` (0 = try once), run the command
   * once as leader under the same lease and leash, release, and resolve with what happened (see runOnce).
   */
  runOnce(signal: AbortSignal, waitMs: number, oncePerMs?: number): Promise<OnceResult> {
    return onceOnNewSession(this.#host, this.digest, { signal, waitMs, oncePerMs });
  }

  // Campaigns repeatedly on one session until it ends or we shut down.
  async #campaigns(zk: Zk, lease: Lease, signal: AbortSignal): Promise<void> {
    const { acl, info } = this.#host;
    const election = new Election(zk, this.config.election.path, { info, acl });
    await ensurePath(zk, election.candidates, acl);
    if (this.config.zookeeper.acl === 'secured') {
      await secureDirectories(zk, this.config.election.path, parent(this.pidNodePath), this.#host.acl, this.log);
    }
    for (let failures = 0; !signal.aborted; ) {
      if (this.#pending) return; // a reloaded config: the next session adopts it
      const gate = await untilUndrained(zk, this.config, this.log, this.#host.transition, signal);
      if (!gate) return;
      this.#transition('candidate', failures ? 'rejoin' : 'joined');
      // The leash is started now, while we wait, so that winning costs no process start.
      let task: LeashedTask | undefined;
      try {
        task = this.#host.spawn();
        const campaign = { signal: gate.signal, shutdown: signal, deferAnnounce: true, ...campaignLog(this.log) };
        const term = await election.campaign(campaign);
        const end = await leadTerm(this.#host, zk, lease, term, task, signal, false);
        if (end.kind === 'exited' && end.exit.exitCode === 0) failures = 0;
        else failures++;
      } catch (err) {
        if (isZkError(err, 'NOAUTH')) throw accessError(err, this.digest); // retrying cannot help
        if (err instanceof TaskSpawnError) this.log.error('task cannot start', { error: err.message, code: err.code });
        else if (!gate.signal.aborted) this.log.warn('campaign failed', { error: String(err) });
        if (!signal.aborted) failures++;
      } finally {
        task?.dispose(); // an idle leash exits; a started one is unaffected
        gate.done();
      }
      if (signal.aborted) return;
      this.#transition('backoff', 'stepped down');
      await pause(backoffDelay(failures, { baseMs: 100, maxMs: 5000 }), signal);
    }
  }
}
