// The supervisor: connect → campaign → lead (child on a lease) → step down → …, one explicit state machine.
// The election and the lease are recipes; what runs while we lead is a mode (continuous, scheduled, once).
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { LeaderInfo } from '../recipes/election.js';
import { TermEnd } from '../recipes/end.js';
import { TermHistory } from '../recipes/history.js';
import type { Lease } from '../recipes/lease.js';
import { removePidNode } from '../recipes/pid-node.js';
import { compileSchedule, type Schedule } from '../schedule/cron.js';
import { taskSpec } from '../task/spec.js';
import { spawnTask, type LeashedTask, type TaskSpec } from '../task/task.js';
import { FOREVER_MS, pause } from '../util/abort.js';
import { backoffDelay } from '../util/backoff.js';
import { memberAcl, type Acl } from '../zk/acl.js';
import type { Zk, ZkState } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { isFinal } from '../zk/types.js';
import { campaign, type CampaignHost } from './campaigns.js';
import { connectWithRetry } from './connect.js';
import { Hooks } from './hooks.js';
import type { ModeContext } from './mode.js';
import { onceOnNewSession, type OnceResult } from './once.js';
import { keepPidNode, pidNodePathOf } from './pid.js';
import { planReload, type ReloadPlan } from './reload.js';
import { AccessError, accessError } from './secure.js';
import { checkTransition, HOLDING_TERM, type State } from './states.js';
import { openLease } from './term.js';
import { fieldsOf, step, type SupervisorEvent } from './transitions.js';

export type { LeaderInfo } from '../recipes/election.js';

type Events = { state: [State, string, SupervisorEvent]; zookeeper: [ZkState]; heartbeat: [rttMs: number] };

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
  #history = new TermHistory();
  #hooks!: Hooks;
  #pending: Config | undefined; // a reloaded config waiting for the next term or session
  #session: AbortController | undefined;
  readonly #ctx: ModeContext;
  readonly #campaignHost: CampaignHost;

  constructor(
    public config: Config,
    readonly log: Logger,
    readonly digest?: string
  ) {
    super();
    this.#adopt(config);
    this.#campaignHost = { digest, pending: () => this.#pending !== undefined };
    const self = this;
    this.#ctx = {
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
      get history() {
        return self.#history;
      },
      get hooks() {
        return self.#hooks;
      },
      report: (e) => this.#report(e),
      forced: () => this.#force,
      spawn: () => spawnTask(this.#spec), // an idle leash: winning costs no process start
      setTask: (task) => {
        this.#task = task;
      },
      task: () => this.#task,
      schedule: () => this.#schedule,
      abandonSession: (why) => {
        this.log.warn('closing the session instead of resuming it', { sessionId: this.#sessionId, why });
        this.#session?.abort(new TermEnd('session-lost', why));
      },
    };
  }

  // Takes `config` as ours: the child's spec, the schedule, our ACL and candidate info follow it.
  #adopt(config: Config): void {
    if (this.config && this.config.election.path !== config.election.path) this.#history = new TermHistory();
    this.config = config;
    this.#acl = memberAcl(config.zookeeper.acl, this.digest);
    const { id, description } = config.election;
    this.#info = { id, host: hostname(), pid: process.pid, description, pidNode: pidNodePathOf(config) };
    this.#spec = {
      ...taskSpec(config, (stream, line) => this.log.info('child output', { stream, line })),
      onLeashLost: (e) =>
        this.log.error('the leash died without its report: its job was killed before anything else starts', e),
    };
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

  // The one place a state changes: the table (transitions.ts) decides what `e` leads to from the current state.
  #report(e: SupervisorEvent): void {
    if (e.type === 'won') this.#term = e.term;
    if (e.type === 'connected') this.#sessionId = e.sessionId;
    const next = step(this.#state, e);
    if (!next) return;
    const from = this.#state;
    checkTransition(from, next.to, next.reason);
    this.#state = next.to;
    const { term } = this;
    this.log.info('state change', {
      from,
      to: next.to,
      reason: next.reason,
      term,
      sessionId: this.#sessionId,
      ...fieldsOf(e),
    });
    this.emit('state', next.to, next.reason, e);
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
      this.#report({ type: 'dial', first: attempt === 0 });
      // A reload while we dial aborts `session` too: then we dial again, with the new config.
      const session = new AbortController();
      this.#session = session;
      const sessionSignal = AbortSignal.any([signal, session.signal]);
      const zk = await connectWithRetry(this.config, this.digest, this.log, this.#ctx.report, sessionSignal);
      if (!zk) {
        if (signal.aborted) break;
        continue;
      }
      this.#report({ type: 'connected', sessionId: zk.sessionId });
      const onState = (s: ZkState, prev: ZkState) => {
        this.log.info('zookeeper state', { state: s, previous: prev, sessionId: zk.sessionId });
        this.emit('zookeeper', s);
        if (isFinal(s)) session.abort(new TermEnd('session-lost', `session ${s}`));
      };
      zk.on('state', onState);
      const lease = openLease(zk, this.config, this.log);
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
        if (!HOLDING_TERM.includes(this.#state)) this.#ctx.abandonSession(problem);
      });
      this.current = { zk, lease };
      this.emit('zookeeper', zk.state);
      const { acl, info } = this.#ctx;
      const pidNode = keepPidNode(zk, this.config, JSON.stringify(info), acl, this.log, sessionSignal);
      try {
        if (lease) await campaign(this.#ctx, this.#campaignHost, zk, lease, sessionSignal);
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
        this.#report({ type: 'session-ended' });
        await pause(backoffDelay(0, { baseMs: 200, maxMs: 1000 }), signal);
      }
    }
    await this.#hooks.idle(); // onStepDown and postStop of the last term run before we exit
    this.#report({ type: 'shutdown', fatal: fatal !== undefined });
    this.#report({ type: 'stopped' });
    if (fatal) throw fatal; // the session (and with it every ephemeral node of ours) is closed
  }

  /**
   * One-shot mode (`zk-supervisor once`): try to win the lock within `waitMs` (0 = try once), run the command
   * once as leader under the same lease and leash, release, and resolve with what happened (see runOnce).
   */
  runOnce(signal: AbortSignal, waitMs: number, oncePerMs?: number): Promise<OnceResult> {
    return onceOnNewSession(this.#ctx, this.digest, { signal, waitMs, oncePerMs });
  }
}
