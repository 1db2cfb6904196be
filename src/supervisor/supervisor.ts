// The supervisor: connect → campaign → lead (child on a lease) → step down → …, one explicit state machine.
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import { leaseTiming } from '../config/schema.js';
import type { Logger } from '../log.js';
import { backoffDelay, sleep } from '../recipes/backoff.js';
import { Mutex } from '../recipes/mutex.js';
import { maintainPidNode, removePidNode } from '../recipes/pid-node.js';
import { compileSchedule, type Schedule } from '../schedule/cron.js';
import { RunLog, planCatchUp, type RunRecord } from '../schedule/runs.js';
import { spawnTask, TaskSpawnError, type LeashedTask, type TaskExit } from '../task/task.js';
import { OPEN_ACL, directoryAcl, securedAcl, type Acl } from '../zk/acl.js';
import { Zk, type ZkOptions, type ZkState } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { createRecursive } from '../zk/helpers.js';
import { join, parent } from '../zk/paths.js';
import { checkTransition, type State } from './states.js';

/** Contents of `<path>/leader` and of our candidate node. */
export interface LeaderInfo { id: string; host: string; pid: number; description: string; node?: string; term?: number; since?: string }

type LeadEnd = { kind: 'exited'; exit: TaskExit } | { kind: 'lost'; reason: string } | { kind: 'spawn-failed'; error: TaskSpawnError };

/** What a leader's run loop works with. */
interface Leadership {
  zk: Zk;
  lease: { remainingMs: () => number };
  token: number;
  /** Aborts when leadership ends or we shut down. */
  signal: AbortSignal;
  /** Aborts when we shut down. */
  outer: AbortSignal;
  /** Aborts when leadership ends. */
  leadership: AbortSignal;
}

/** Resolves with `p`'s value, or 'aborted' as soon as `signal` aborts (without leaving a listener behind). */
async function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return 'aborted';
  let onAbort!: () => void;
  const aborted = new Promise<'aborted'>((r) => { onAbort = () => r('aborted'); signal.addEventListener('abort', onAbort, { once: true }); });
  try { return await Promise.race([p, aborted]); } finally { signal.removeEventListener('abort', onAbort); }
}

const reasonOf = (signal: AbortSignal) => String((signal.reason as Error)?.message ?? signal.reason);

/** Runs the election and the child per `config` until `run()`'s signal aborts. */
export class Supervisor extends EventEmitter<{ state: [State, string] }> {
  #state: State = 'idle';
  #term = 0;
  #task: LeashedTask | undefined;
  #force = false;
  #sessionId = '';
  #once = false;
  readonly #schedule: Schedule | undefined;
  readonly #acl: readonly Acl[];
  readonly #info: LeaderInfo;

  constructor(readonly config: Config, readonly log: Logger, readonly digest?: string) {
    super();
    this.#acl = config.zookeeper.acl === 'secured' && digest ? securedAcl(digest) : OPEN_ACL;
    this.#info = { id: config.election.id, host: hostname(), pid: process.pid, description: config.election.description };
    this.#schedule = config.task.schedule ? compileSchedule(config.task.schedule, config.task.timezone) : undefined;
  }

  get state(): State { return this.#state; }
  get term(): number { return this.#term; }
  get pidNodePath(): string { return this.config.pidNode.path ?? join(this.config.election.path, 'pids', this.config.election.id.replace(/\//g, '_')); }

  #transition(to: State, reason: string, fields: Record<string, unknown> = {}): void {
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
    for (let attempt = 0; !signal.aborted; attempt++) {
      this.#transition('connecting', attempt === 0 ? 'start' : 'new session');
      const zk = await this.#connect(signal);
      if (!zk) break;
      this.#sessionId = zk.sessionId;
      const session = new AbortController();
      const onState = (s: ZkState, prev: ZkState) => {
        this.log.info('zookeeper state', { state: s, previous: prev, sessionId: zk.sessionId });
        if (s === 'expired' || s === 'closed') session.abort(new Error(`session ${s}`));
      };
      zk.on('state', onState);
      const sessionSignal = AbortSignal.any([signal, session.signal]);
      const pidNode = maintainPidNode(zk, this.pidNodePath, this.config.pidNode.data ?? JSON.stringify(this.#info), {
        acl: this.#acl, signal: sessionSignal,
        onConflict: (owner) => this.log.warn('pid node held by another session', { path: this.pidNodePath, owner }),
      }).catch((err: unknown) => this.log.warn('pid node', { error: String(err) }));
      try {
        await this.#campaigns(zk, sessionSignal);
      } catch (err) {
        if (!sessionSignal.aborted) this.log.error('session failed', { error: String(err) });
      } finally {
        session.abort(new Error('session done'));
        await pidNode;
        if (signal.aborted) await removePidNode(zk, this.pidNodePath).catch(() => {});
        zk.off('state', onState);
        zk.close();
      }
      if (!signal.aborted) {
        this.#transition('backoff', 'session ended');
        await sleep(backoffDelay(0, { baseMs: 200, maxMs: 1000 }), signal).catch(() => {});
      }
    }
    this.#transition('shutting-down', 'signal');
    this.#transition('stopped', 'shutdown complete');
  }

  /**
   * One-shot mode (`zk-supervisor once`): try to win the lock within `waitMs` (0 = try once), run the
   * command once as leader under the same lease and leash, release, and resolve with what happened:
   * `held` when another host holds it, otherwise the child's exit (or `lost` when leadership was lost).
   * With `oncePerMs`, it runs at most once per period: periods are multiples of `oncePerMs` since the epoch
   * by ZooKeeper's clock (our lock node's creation time), so hosts with skewed clocks agree on them; the
   * period of the last start is kept in `<path>/last-run`, and `already-ran` reports a run in this period.
   */
  async runOnce(signal: AbortSignal, waitMs: number, oncePerMs?: number): Promise<{ kind: 'held' } | { kind: 'already-ran'; by: string; at: string } | LeadEnd> {
    this.#transition('connecting', 'once');
    const zk = await Zk.connect(this.#zkOptions(signal));
    this.#sessionId = zk.sessionId;
    const path = this.config.election.path;
    const mutex = new Mutex(zk, join(path, 'candidates'), { data: JSON.stringify(this.#info), acl: this.#acl });
    let task: LeashedTask | undefined;
    try {
      await createRecursive(zk, join(path, 'candidates'), '', { acl: this.#acl }).catch((e: unknown) => { if (!isZkError(e, 'NODEEXISTS')) throw e; });
      this.#transition('candidate', 'once');
      task = this.#spawn();
      try {
        await mutex.lock({ signal, timeoutMs: waitMs });
      } catch (err) {
        if ((err as { code?: string }).code === 'LOCK_TIMEOUT') return { kind: 'held' };
        throw err;
      }
      if (oncePerMs) {
        const previous = await this.#claimPeriod(zk, mutex, oncePerMs);
        if (previous) return { kind: 'already-ran', ...previous };
      }
      this.config.task.onExit = 'release';
      this.#once = true; // one run, even when the config has a schedule
      return await this.#lead(zk, mutex, task, signal);
    } finally {
      task?.dispose();
      await this.#release(zk, mutex, signal);
      zk.close();
      this.#transition('shutting-down', 'once done');
      this.#transition('stopped', 'once done');
    }
  }

  // `once --once-per`: records this period in <path>/last-run unless a run already started in it (then
  // returns who ran it and when). We hold the lock, so nobody writes the node meanwhile.
  async #claimPeriod(zk: Zk, mutex: Mutex, periodMs: number): Promise<{ by: string; at: string } | undefined> {
    const lock = await zk.exists(mutex.node!);
    if (!lock) throw new Error('lock node vanished');
    const now = lock.ctime.getTime();
    const period = Math.floor(now / periodMs);
    const path = join(this.config.election.path, 'last-run');
    let version = -1;
    try {
      const { data, stat } = await zk.get(path);
      const last = JSON.parse(data.toString()) as { period?: number; periodMs?: number; id?: string; startedAt?: string };
      if (last.periodMs === periodMs && last.period === period) return { by: last.id ?? '?', at: last.startedAt ?? '?' };
      version = stat.version;
    } catch (err) { if (!isZkError(err, 'NONODE')) throw err; }
    const record = JSON.stringify({ period, periodMs, id: this.config.election.id, host: this.#info.host, startedAt: new Date(now).toISOString() });
    if (version < 0) await zk.create(path, record, { acl: this.#acl });
    else await zk.set(path, record, version);
    return undefined;
  }

  #zkOptions(signal: AbortSignal): ZkOptions {
    const zkc = this.config.zookeeper;
    return { connect: zkc.connect, sessionTimeoutMs: zkc.sessionTimeout, connectTimeoutMs: zkc.connectTimeout, digestAuth: this.digest, signal };
  }

  async #connect(signal: AbortSignal): Promise<Zk | undefined> {
    const zkc = this.config.zookeeper;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return await Zk.connect(this.#zkOptions(signal));
      } catch (err) {
        if (signal.aborted) return undefined;
        if ((err as { code?: string }).code === 'CLIENT_UNAVAILABLE') throw err; // retrying cannot help
        if (attempt === 0) this.log.warn('zookeeper unreachable, retrying', { connect: zkc.connect, error: (err as Error).message });
        this.#transition('backoff', 'zookeeper unreachable');
        await sleep(backoffDelay(attempt, { baseMs: 500, maxMs: 10_000 }), signal).catch(() => {});
        if (!signal.aborted) this.#transition('connecting', 'retry');
      }
    }
    return undefined;
  }

  // Campaigns repeatedly on one session until it ends or we shut down.
  async #campaigns(zk: Zk, signal: AbortSignal): Promise<void> {
    const path = this.config.election.path;
    await createRecursive(zk, join(path, 'candidates'), '', { acl: this.#acl }).catch((e: unknown) => { if (!isZkError(e, 'NODEEXISTS')) throw e; });
    if (this.config.zookeeper.acl === 'secured') await this.#secureDirectories(zk);
    for (let failures = 0; !signal.aborted;) {
      const mutex = new Mutex(zk, join(path, 'candidates'), { data: JSON.stringify(this.#info), acl: this.#acl });
      this.#transition('candidate', failures ? 'rejoin' : 'joined');
      // The leash is started now, while we wait, so that winning costs no process start.
      let task: LeashedTask | undefined;
      try {
        task = this.#spawn();
        await mutex.lock({
          signal,
          onPosition: (p) => this.log.info('candidate position', { position: p.index + 1, of: p.of, node: p.node }),
        });
        const end = await this.#lead(zk, mutex, task, signal);
        if (end.kind === 'exited' && end.exit.exitCode === 0) failures = 0; else failures++;
      } catch (err) {
        if (err instanceof TaskSpawnError) this.log.error('task cannot start', { error: err.message, code: err.code });
        else if (!signal.aborted) this.log.warn('campaign failed', { error: String(err) });
        if (!signal.aborted) failures++;
      } finally {
        task?.dispose(); // an idle leash exits; a started one is unaffected
      }
      await this.#release(zk, mutex, signal);
      if (signal.aborted) return;
      this.#transition('backoff', 'stepped down');
      await sleep(backoffDelay(failures, { baseMs: 100, maxMs: 5000 }), signal).catch(() => {});
    }
  }

  // Secured mode: directories created earlier with an open ACL would let anyone delete or add nodes
  // (deleting a node needs DELETE on its parent), so narrow them to read-only for everyone else.
  async #secureDirectories(zk: Zk): Promise<void> {
    const path = this.config.election.path;
    const dirAcl = directoryAcl(this.#acl);
    for (const dir of [path, join(path, 'candidates'), parent(this.pidNodePath)]) {
      try { await zk.setACL(dir, dirAcl); } catch (err) {
        if (!isZkError(err, 'NONODE')) this.log.warn('cannot secure election node', { path: dir, error: String(err) });
      }
    }
  }

  // Deletes our candidate node, retrying through a disconnect: while it exists (our session lives on)
  // nobody else can lead, so we must not leave it behind. Gives up only when the session is gone.
  async #release(zk: Zk, mutex: Mutex, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; mutex.node; attempt++) {
      try { await mutex.unlock(); return; } catch (err) {
        if (zk.state === 'expired' || zk.state === 'closed') return;
        if (attempt === 0) this.log.warn('candidate node not yet deleted, retrying', { node: mutex.node, error: String(err) });
        await new Promise<void>((r) => {
          const done = () => { clearTimeout(t); zk.off('state', done); r(); };
          const t = setTimeout(done, Math.min(1000, 50 * 2 ** attempt));
          zk.once('state', done);
        });
        if (signal.aborted && (zk.state as string) !== 'connected') return;
      }
    }
  }

  // Holds leadership: writes the leader node, runs the child on the lease, returns why it ended.
  async #lead(zk: Zk, mutex: Mutex, leash: LeashedTask, outer: AbortSignal): Promise<LeadEnd> {
    if (!(await mutex.owned())) return { kind: 'lost', reason: 'candidate node not owned by this session' };
    const leaderPath = join(this.config.election.path, 'leader');
    await createRecursive(zk, leaderPath, '', { acl: this.#acl }).catch((e: unknown) => { if (!isZkError(e, 'NODEEXISTS')) throw e; });
    // Term = the leader node's version after our write; token = that write's zxid: both grow across hosts.
    const before = await zk.exists(leaderPath);
    const info: LeaderInfo = { ...this.#info, node: mutex.node, term: (before?.version ?? 0) + 1, since: new Date().toISOString() };
    const written = await zk.set(leaderPath, JSON.stringify(info), before?.version ?? -1);
    this.#term = written.version;
    const token = written.mzxid;
    this.#transition('starting', 'won election', { node: mutex.node, token });
    const leadership = new AbortController();
    const signal = AbortSignal.any([outer, leadership.signal]);
    const lost = (reason: string) => { if (!leadership.signal.aborted) leadership.abort(new Error(reason)); };
    const lease = this.#holdLease(zk, mutex, lost, signal);
    void this.#watchNode(zk, mutex.node!, (e) => e === 'deleted' && lost('candidate node deleted'), signal);
    void this.#watchNode(zk, leaderPath, (e) => (e === 'deleted' || e === 'changed') && lost(`leader node ${e}`), signal);
    const restart = this.config.task.restart;
    const exits: number[] = [];
    try {
      if (this.#schedule && !this.#once) {
        return await this.#runSchedule(this.#schedule, leash, { zk, lease, token, signal, outer, leadership: leadership.signal });
      }
      for (let run = 0; ; run++) {
        if (signal.aborted) return { kind: 'lost', reason: reasonOf(signal) };
        try {
          this.#task = run === 0 ? leash : this.#spawn();
        } catch (err) {
          if (!(err instanceof TaskSpawnError)) throw err;
          this.log.error('task cannot start', { error: err.message, code: err.code });
          return { kind: 'spawn-failed', error: err };
        }
        const task = this.#task;
        task.run(lease.remainingMs(), this.#term, token);
        this.#transition('running', run ? 'restarted' : 'child started', { childPgid: task.pid, token });
        const first = await untilAborted(task.exited, signal);
        if (first === 'aborted') {
          const reason = reasonOf(signal);
          this.#transition(outer.aborted && !leadership.signal.aborted ? 'shutting-down' : 'stopping', reason, { childPgid: task.pid });
          const exit = await task.stop(this.#force ? 0 : undefined);
          this.log.info('child stopped', { childPgid: task.pid, ...exit });
          if (outer.aborted && !leadership.signal.aborted) throw outer.reason; // shutting down
          return { kind: 'lost', reason };
        }
        const exit = first;
        this.log.info('child exited', { childPgid: task.pid, ...exit });
        if (lease.remainingMs() <= 0) { // the leash stopped it at the lease end, a hair before our own timer
          this.#transition('stopping', 'lease expired (child stopped by the leash)');
          return { kind: 'lost', reason: 'lease expired' };
        }
        if (this.config.task.onExit === 'release') { this.#transition('stopping', 'child exited'); return { kind: 'exited', exit }; }
        const now = performance.now();
        exits.push(now);
        while (exits.length && exits[0]! < now - restart.crashLoopWindow) exits.shift();
        if (exits.length >= restart.crashLoopFailures) {
          this.log.warn('crash loop, stepping down', { exits: exits.length, windowMs: restart.crashLoopWindow });
          this.#transition('stopping', 'crash loop');
          return { kind: 'exited', exit };
        }
        this.#transition('stopping', 'child exited');
        this.#transition('backoff', 'restart delay');
        await sleep(backoffDelay(exits.length - 1, { baseMs: restart.initialDelay, maxMs: restart.maxDelay }), signal).catch(() => {});
        if (!signal.aborted) this.#transition('starting', 'restart');
      }
    } finally {
      this.#task = undefined;
      lease.stop();
      leadership.abort(new Error('leadership over'));
    }
  }

  // Scheduled mode: while we lead, run the command once per tick and record every tick under <path>/runs/.
  // Ticks before we took over are settled first (interrupted, missed, or one run late per catchUp).
  async #runSchedule(schedule: Schedule, firstLeash: LeashedTask, l: Leadership): Promise<LeadEnd> {
    const t = this.config.task;
    const runs = new RunLog(l.zk, join(this.config.election.path, 'runs'), this.#acl);
    await runs.ensure();
    const who = { id: this.config.election.id, host: this.#info.host, term: this.#term, token: String(l.token) };
    const now = new Date();
    const stored = await runs.list();
    const plan = planCatchUp(stored, schedule, now, t.catchUp, t.history, t.startingDeadline);
    // A future tick another leader was waiting for, that this schedule no longer has (the config changed).
    const upcoming = schedule.next(now)?.toISOString();
    for (const r of stored.filter((x) => x.record.state === 'scheduled' && Date.parse(x.record.tick) > now.getTime() && x.record.tick !== upcoming)) {
      await runs.remove(r.record.tick, r.version);
    }
    for (const r of plan.interrupted) {
      this.log.warn('tick interrupted by a failover: its run was stopped when its leader lost leadership', { tick: r.record.tick, previousLeader: r.record.id, token: r.record.token });
      await runs.write({
        ...r.record, state: 'fenced', finishedAt: new Date().toISOString(),
        reason: `leadership of ${r.record.id ?? '?'} ended while it ran; its child was stopped by fencing (outcome unknown)`,
      }, r.version).catch((e: unknown) => { if (!isZkError(e, 'BADVERSION', 'NONODE')) throw e; });
    }
    if (plan.dueCount) {
      this.log.warn('ticks came due while nobody led', {
        count: plan.dueCount, catchUp: t.catchUp, late: plan.late?.toISOString(), missed: plan.missed.map((d) => d.toISOString()),
      });
    }
    for (const tick of plan.missed) {
      const tooOld = t.catchUp === 'last' && !plan.late && tick === plan.missed.at(-1);
      await runs.put({ tick: tick.toISOString(), state: 'missed', ...who, reason: `nobody led at the tick (catchUp: ${t.catchUp}${tooOld ? `, older than startingDeadline ${t.startingDeadline} ms` : ''})` });
    }
    let leash: LeashedTask | undefined = firstLeash;
    let pending: { tick: Date; late: boolean } | undefined = plan.late ? { tick: plan.late, late: true } : undefined;
    let cursor = new Date();
    const shutdown = () => l.outer.aborted && !l.leadership.aborted;
    const why = () => (shutdown() ? `supervisor shutting down (${reasonOf(l.signal)})` : reasonOf(l.signal));
    const lost = (): LeadEnd => {
      this.#transition(shutdown() ? 'shutting-down' : 'stopping', why());
      return { kind: 'lost', reason: why() };
    };
    try {
      for (;;) {
        if (l.signal.aborted) return lost();
        const tick = pending?.tick ?? schedule.next(cursor);
        const late = pending?.late ?? false;
        pending = undefined;
        if (!tick) {
          this.#transition('waiting', 'the schedule fires no more');
          await sleep(2 ** 31 - 1, l.signal).catch(() => {});
          continue;
        }
        const iso = tick.toISOString();
        cursor = tick;
        // The tick's record: ours as `scheduled`, or adopted from the leader before us.
        let version: number;
        const existing = await runs.read(iso);
        if (existing && existing.record.state !== 'scheduled') { this.log.warn('tick already handled, skipping it', { tick: iso, state: existing.record.state }); continue; }
        try { version = existing?.version ?? await runs.write({ tick: iso, state: 'scheduled', ...who }); } catch (err) {
          if (isZkError(err, 'NODEEXISTS')) continue;
          throw err;
        }
        this.#transition('waiting', late ? 'late tick (catchUp: last)' : 'next tick', { tick: iso });
        while (!late && Date.now() < tick.getTime() && !l.signal.aborted) {
          await sleep(Math.min(tick.getTime() - Date.now(), 3_600_000), l.signal).catch(() => {});
        }
        if (l.signal.aborted) return lost();
        const startedAt = new Date();
        const record: RunRecord = { tick: iso, state: 'started', ...who, startedAt: startedAt.toISOString(), lateMs: startedAt.getTime() - tick.getTime() };
        try { version = await runs.write(record, version); } catch (err) {
          if (!isZkError(err, 'BADVERSION', 'NONODE')) throw err;
          this.log.warn('tick claimed by someone else, skipping it', { tick: iso });
          continue;
        }
        let task: LeashedTask;
        try { task = leash ?? this.#spawn(); } catch (err) {
          if (!(err instanceof TaskSpawnError)) throw err;
          this.log.error('task cannot start', { tick: iso, error: err.message, code: err.code });
          await runs.write({ ...record, state: 'finished', finishedAt: new Date().toISOString(), exitCode: null, reason: err.message }, version);
          continue;
        }
        leash = undefined;
        this.#task = task;
        task.run(l.lease.remainingMs(), this.#term, l.token, iso);
        this.#transition('running', late ? 'late tick started' : 'tick started', { tick: iso, lateMs: record.lateMs, childPgid: task.pid, token: l.token });
        const end = await this.#awaitRun(schedule, task, iso, runs, who, l, why, (next) => { cursor = next; });
        this.#task = undefined;
        if (end.kind === 'lost') {
          const exit = await task.stop(this.#force ? 0 : undefined);
          this.log.info('child stopped', { tick: iso, childPgid: task.pid, ...exit });
          await Promise.race([
            runs.write({ ...record, state: 'fenced', finishedAt: new Date().toISOString(), durationMs: exit.durationMs, exitCode: exit.exitCode, signal: exit.signal, reason: end.reason }, version),
            sleep(1000),
          ]).catch(() => { /* the next leader records it */ });
          return lost();
        }
        const exit = end.kind === 'replaced' ? await task.stop() : end.exit;
        const reason = end.kind === 'replaced' ? `stopped: tick ${end.next.toISOString()} replaced it (concurrency: replace)` : undefined;
        this.log[exit.exitCode === 0 ? 'info' : 'warn']('tick finished', { tick: iso, exitCode: exit.exitCode, signal: exit.signal, durationMs: exit.durationMs, ...(reason ? { reason } : {}) });
        await runs.write({ ...record, state: 'finished', finishedAt: new Date().toISOString(), durationMs: exit.durationMs, exitCode: exit.exitCode, signal: exit.signal, ...(reason ? { reason } : {}) }, version);
        await runs.prune(t.history).catch((err: unknown) => this.log.warn('cannot prune run history', { error: String(err) }));
        if (end.kind === 'replaced') pending = { tick: end.next, late: false };
        if (l.lease.remainingMs() <= 0) return lost();
        try { leash = this.#spawn(); } catch { /* reported and recorded at the next tick */ }
      }
    } finally {
      leash?.dispose();
    }
  }

  // Waits for a scheduled run to end. Ticks that come due meanwhile are skipped (forbid) or end it (replace).
  async #awaitRun(schedule: Schedule, task: LeashedTask, iso: string, runs: RunLog, who: Partial<RunRecord>, l: Leadership, why: () => string, advance: (tick: Date) => void):
    Promise<{ kind: 'exited'; exit: TaskExit } | { kind: 'lost'; reason: string } | { kind: 'replaced'; next: Date }> {
    for (let after = new Date(iso); ;) {
      const next = schedule.next(after);
      let timer: NodeJS.Timeout | undefined;
      const due = new Promise<'due'>((r) => { timer = setTimeout(() => r('due'), next ? Math.max(0, Math.min(next.getTime() - Date.now(), 2 ** 31 - 1)) : 2 ** 31 - 1); });
      const first = await untilAborted(Promise.race([task.exited, due]), l.signal);
      clearTimeout(timer);
      if (first === 'aborted') return { kind: 'lost', reason: why() };
      if (first !== 'due') return { kind: 'exited', exit: first };
      if (!next || Date.now() < next.getTime()) continue; // woke early (clock step): wait again
      after = next;
      advance(next);
      if (this.config.task.concurrency === 'replace') {
        this.log.warn('tick due while the previous run still runs: replacing it', { tick: next.toISOString(), running: iso });
        return { kind: 'replaced', next: next };
      }
      this.log.warn('tick skipped: the previous run still runs (concurrency: forbid)', { tick: next.toISOString(), running: iso });
      await runs.put({ tick: next.toISOString(), state: 'skipped', ...who, reason: `the run of ${iso} was still running (concurrency: forbid)` })
        .catch((err: unknown) => this.log.warn('cannot record a skipped tick', { tick: next.toISOString(), error: String(err) }));
    }
  }

  // The lease (DESIGN §3): heartbeat every T/4; the child must be dead by lastAcked + T − margin.
  #holdLease(zk: Zk, mutex: Mutex, lost: (reason: string) => void, signal: AbortSignal): { stop: () => void; remainingMs: () => number } {
    const T = zk.sessionTimeoutMs;
    const { heartbeatMs, marginMs } = leaseTiming(T);
    const stopTimeout = this.config.task.stopTimeout;
    let deadlineTimer: NodeJS.Timeout | undefined;
    const remainingMs = () => zk.lastAckedAt + T - marginMs - stopTimeout - performance.now();
    const arm = () => {
      clearTimeout(deadlineTimer);
      const stopAt = zk.lastAckedAt + T - marginMs - stopTimeout;
      this.#task?.renew(stopAt - performance.now()); // the leash holds the child on the same lease
      deadlineTimer = setTimeout(() => {
        if (zk.lastAckedAt + T - marginMs - stopTimeout <= performance.now()) lost('lease expired (no answer from zookeeper)');
        else arm();
      }, Math.max(0, stopAt - performance.now()));
    };
    const beat = () => {
      const node = mutex.node;
      if (!node || signal.aborted) return;
      zk.exists(node).then((stat) => {
        if (!stat) lost('candidate node deleted');
        else if (stat.ephemeralOwner !== zk.sessionId) lost('candidate node owned by another session');
        else { arm(); if (this.#state === 'fenced') this.#transition('running', 'lease renewed'); }
      }, () => { /* the lease timer decides */ });
    };
    const onState = (s: ZkState) => {
      if (s === 'connected') beat(); // renew at once (DESIGN §3)
      else if (s === 'disconnected' && this.#state === 'running') {
        this.#transition('fenced', 'zookeeper connection lost', { stopInMs: Math.round(zk.lastAckedAt + T - marginMs - stopTimeout - performance.now()) });
      } else if (s === 'expired' || s === 'closed') lost(`session ${s}`);
    };
    zk.on('state', onState);
    const interval = setInterval(beat, heartbeatMs);
    arm();
    beat();
    return { remainingMs, stop: () => { clearInterval(interval); clearTimeout(deadlineTimer); zk.off('state', onState); } };
  }

  // Watches `path` until `signal` aborts, reporting deletions and changes (re-arming after each event).
  async #watchNode(zk: Zk, path: string, onEvent: (type: 'deleted' | 'changed') => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const { stat, event } = await zk.existsW(path, { signal });
        if (!stat) { onEvent('deleted'); return; }
        const e = await event;
        if (e.type === 'deleted' || e.type === 'changed') { onEvent(e.type); if (e.type === 'deleted') return; }
        if (e.type === 'session') return;
      } catch {
        if (signal.aborted) return;
        await sleep(100, signal).catch(() => {});
      }
    }
  }

  // Spawns an idle leash for the configured command (throws TaskSpawnError when it cannot run).
  #spawn(): LeashedTask {
    const t = this.config.task;
    return spawnTask({
      argv: typeof t.command === 'string' ? ['/bin/sh', '-c', t.command] : t.command,
      cwd: t.cwd, stopSignal: t.stopSignal, stopTimeoutMs: t.stopTimeout, output: t.output,
      env: { ...t.env, ZK_SUPERVISOR_ID: this.config.election.id, ZK_SUPERVISOR_PATH: this.config.election.path },
      onLine: (stream: 'stdout' | 'stderr', line: string) => this.log.info('child output', { stream, line }),
    });
  }
}
