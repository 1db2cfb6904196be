// One supervised job: its election, state machine, child, hooks and pid node, campaigning on a session and lease
// that the daemon (supervisor.ts) shares among its jobs. One job's failure never ends another's.
import { EventEmitter } from 'node:events';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Election, LeaderInfo } from '../recipes/election.js';
import { RecipeError } from '../recipes/errors.js';
import type { Lease } from '../recipes/lease.js';
import { removePidNode } from '../recipes/pid-node.js';
import { compileSchedule, type Schedule } from '../schedule/cron.js';
import { taskSpec } from '../task/spec.js';
import { spawnTask, type LeashedTask, type TaskSpec } from '../task/task.js';
import { FOREVER_MS, pause } from '../util/abort.js';
import { backoffDelay } from '../util/backoff.js';
import { memberAcl, type Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { campaign, type CampaignHost } from './campaigns.js';
import { Hooks } from './hooks.js';
import { candidateOf, type ModeContext, type RunOutcome } from './mode.js';
import { keepPidNode, pidNodePathOf } from './pid.js';
import { planReload, type ReloadPlan } from './reload.js';
import { AccessError, accessError } from './secure.js';
import { checkTransition, HOLDING_TERM, type State } from './states.js';
import { historyFor } from './term.js';
import { fieldsOf, step, type SupervisorEvent } from './transitions.js';
type Events = { state: [State, string, SupervisorEvent]; run: [RunOutcome]; suspension: [boolean] };

/** What a job needs of the daemon that runs it. */
export interface JobHost {
  readonly digest: string | undefined;
  /** Ends the shared session instead of resuming it (every job's term goes with it). */
  abandonSession(why: string): void;
  /** With `spread`: true when `job` should pass the term it just won on `election` to the next candidate. */
  passOn?(job: Job, election: Election): Promise<boolean>;
}

/** One job (a full config: the daemon's `zookeeper` section with the job's own sections). */
export class Job extends EventEmitter<Events> {
  #state: State = 'idle';
  #term = 0;
  #task: LeashedTask | undefined;
  #force = false;
  #sessionId = '';
  #schedule: Schedule | undefined;
  #spec!: TaskSpec;
  #acl: readonly Acl[] = [];
  #info!: LeaderInfo;
  #histories = new Map<string, ReturnType<typeof historyFor>>(); // per election path (each slot's)
  #hooks!: Hooks;
  /** A reloaded config waiting for the next campaign (`session`: for the next session). */
  #pending: { config: Config; session: boolean } | undefined;
  #campaign: AbortController | undefined;
  readonly #removal = new AbortController();
  readonly ctx: ModeContext;
  readonly #campaignHost: CampaignHost;

  constructor(
    /** Undefined for the single job of a plain config. */
    readonly name: string | undefined,
    public config: Config,
    readonly log: Logger,
    readonly host: JobHost
  ) {
    super();
    this.#adopt(config);
    const passOn = host.passOn;
    this.#campaignHost = {
      digest: host.digest,
      pending: () => this.#pending !== undefined,
      passOn: passOn && ((election) => passOn(this, election)),
    };
    const self = this;
    this.ctx = {
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
      historyOf(path) {
        const h = self.#histories.get(path) ?? historyFor(log, path);
        self.#histories.set(path, h);
        return h;
      },
      get hooks() {
        return self.#hooks;
      },
      report: (e) => this.report(e),
      ran: (run) => this.emit('run', run),
      suspension: (on) => this.emit('suspension', on),
      forced: () => this.#force,
      spawn: () => spawnTask(this.#spec), // an idle leash: winning costs no process start
      setTask: (task) => {
        this.#task = task;
      },
      task: () => this.#task,
      schedule: () => this.#schedule,
      abandonSession: (why) => {
        this.log.warn('closing the session instead of resuming it', { sessionId: this.#sessionId, why });
        host.abandonSession(why);
      },
    };
  }

  // Takes `config` as ours: the child's spec, the schedule, our ACL and candidate info follow it.
  #adopt(config: Config): void {
    if (this.config && this.config.election.path !== config.election.path) this.#histories.clear();
    this.config = config;
    this.#acl = memberAcl(config.zookeeper.acl, this.host.digest);
    this.#info = candidateOf(config);
    this.#spec = {
      ...taskSpec(config, (stream, line) => this.log.info('child output', { stream, line })),
      onLeashLost: (e) =>
        this.log.error('the leash died without its report: its job was killed before anything else starts', e),
    };
    this.#hooks = new Hooks(config, this.log);
    this.#schedule = config.task.schedule ? compileSchedule(config.task.schedule, config.task.timezone) : undefined;
  }

  /**
   * A re-read config: the log level applies at once; the rest when the job next joins — at once unless it holds
   * a term (then when the term ends: a running child keeps the command it started with); `zookeeper.*` with the
   * next session. Returns the plan, which it also logs; `onSession` is called when the session must be replaced
   * now (a change of `zookeeper.*` while no term is held).
   */
  reload(next: Config, onSession: () => void): ReloadPlan {
    const plan = planReload(this.#pending?.config ?? this.config, next);
    this.log.level = next.logging.level;
    const session = plan.nextSession.some((k) => k.startsWith('zookeeper.')) || this.#pending?.session === true;
    const later = plan.nextTerm.length + plan.nextSession.length > 0;
    const holding = this.holdsTerm;
    const now = session ? 'now (new session)' : 'now (rejoining)';
    this.log.info('config reloaded', { ...plan, appliesWhen: !later ? 'now' : holding ? 'when the term ends' : now });
    if (!later) return plan;
    this.#pending = { config: next, session };
    if (holding) return plan;
    if (session) onSession();
    else this.#campaign?.abort(new Error('config reloaded'));
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
  /** True while a term is held (leading, or stopping the child of the term that ended). */
  get holdsTerm(): boolean {
    return HOLDING_TERM.includes(this.#state);
  }

  /** The one place a state changes: the table (transitions.ts) decides what `e` leads to from the current state. */
  report(e: SupervisorEvent): void {
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

  /** Aborts when the job was removed from the config: it stops its child, releases and goes. */
  get removal(): AbortSignal {
    return this.#removal.signal;
  }
  /** Removes the job (see {@link removal}). */
  remove(): void {
    this.#removal.abort(new Error('job removed from the config'));
  }

  /** Second shutdown request: SIGKILL the child's group now instead of waiting for its grace period. */
  forceStop(): void {
    this.#force = true;
    void this.#task?.stop(0);
  }

  /** Takes a config that waited for a new session (call before the session's first campaign). */
  adoptPending(): void {
    if (this.#pending) this.#adopt(this.#pending.config);
    this.#pending = undefined;
  }

  /**
   * Campaigns on `zk` (without a lease: only keeps the pid node) until `session` aborts, or until a reload that
   * needs a new session is pending and no term is held; a reload of the job's own sections rejoins on the same
   * session. Removes the pid node when `shutdown` aborted. Rejects AccessError when ZooKeeper refuses our writes
   * (retrying cannot help): the job stops, the others go on.
   */
  async runSession(zk: Zk, lease: Lease | undefined, session: AbortSignal, shutdown: AbortSignal): Promise<void> {
    for (let failures = 0; !session.aborted && !this.#pending?.session; ) {
      this.adoptPending();
      const ac = new AbortController();
      this.#campaign = ac;
      const signal = AbortSignal.any([session, ac.signal]);
      const path = this.pidNodePath;
      const pidNode = keepPidNode(zk, this.config, JSON.stringify(this.#info), this.#acl, this.log, signal);
      let fatal: Error | undefined;
      try {
        if (lease) await campaign(this.ctx, this.#campaignHost, zk, lease, signal);
        else await pause(FOREVER_MS, signal); // keep the pid node; retry on a new session
        failures = 0;
      } catch (err) {
        if (isZkError(err, 'NOAUTH')) fatal = accessError(err, this.host.digest);
        else if (err instanceof AccessError || (err instanceof RecipeError && err.code === 'SLOTS_MISMATCH'))
          fatal = err;
        else if (!signal.aborted) {
          this.log.error('campaign failed', { error: String(err) });
          this.report({ type: 'campaign-failed' });
          failures++;
        }
      } finally {
        ac.abort();
        await pidNode;
        const moved = this.#pending && pidNodePathOf(this.#pending.config) !== path;
        const gone = shutdown.aborted || fatal || moved;
        if (gone && zk.state === 'connected') await removePidNode(zk, path).catch(() => {});
      }
      if (fatal) throw fatal;
      if (failures) await pause(backoffDelay(failures, { baseMs: 200, maxMs: 5000 }), session);
    }
  }

  /** Reports the end of the job once its hooks have run (`fatal`: ZooKeeper refused it). */
  async stopped(fatal: boolean): Promise<void> {
    await this.#hooks.idle(); // onStepDown and postStop of the last term run before we exit
    this.report({ type: 'shutdown', fatal });
    this.report({ type: 'stopped' });
  }
}
