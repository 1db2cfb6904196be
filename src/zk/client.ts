import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { CLOSED_RC, ZkConnectError, ZkError } from './errors.js';
import { nativeBinding, type NativeHandle, type NativeStat } from './native.js';
import { OPEN_ACL, type Acl } from './acl.js';
import {
  CONNECTION_LOSS,
  EXPIRED_STATE,
  FLAGS,
  RESPONSE_COUNTER_LIMIT,
  toStat,
  type CreateMode,
  type Stat,
  type WatchEvent,
  type ZkOptions,
  type ZkState,
} from './types.js';
import { oneShotWatch, type Watcher } from './watch.js';

export type { ZkState, Stat, CreateMode, WatchEvent, ZkOptions } from './types.js';

/**
 * A typed promise client over one ZooKeeper session.
 *
 * Emits `state` (ZkState, previous) on every change. After `expired` or `closed` the instance is dead
 * (every call rejects with code CLOSED or SESSIONEXPIRED): create a new one with {@link Zk.connect}.
 * Every answered request moves {@link Zk.lastAckedAt}, the basis of the leadership lease.
 *
 * Re-dialling: while disconnected, the C client paces its own retries (it waits out a member that took
 * the TCP connection but is not serving yet, and pauses after trying every member), which after the
 * ensemble leader's death delays the reconnect by seconds (measured 2.4 s vs 1.2 s). So while
 * disconnected we replace the native handle every `reconnectStallMs`, resuming the same session
 * (id + password) with the same credentials. Requests in flight fail with CONNECTIONLOSS (as on any
 * disconnect), pending watches fire `lost`, and `connected` is reported only after a `sync`, so reads
 * never go back in time across the switch.
 *
 * Processes spawned while a client is open must not inherit its socket (see `util/clean-exec`).
 */
export class Zk extends EventEmitter<{ state: [ZkState, ZkState] }> {
  #native!: NativeHandle;
  #generation = 0; // bumped on every re-dial; callbacks of older handles are ignored
  #state: ZkState = 'connecting';
  #sessionId = '0';
  #sessionTimeoutMs: number;
  #lastAckedAt = -Infinity;
  #requestedAt = -Infinity;
  #pendingWatches = new Set<(e: WatchEvent) => void>();
  #pendingOps = new Set<(rc: number) => void>();
  #auth: [string, string][] = [];
  #stallTimer: NodeJS.Timeout | undefined;
  #redials = 0;
  readonly #opts: ZkOptions & { sessionTimeoutMs: number; reconnectStallMs: number };
  readonly connectString: string;

  private constructor(opts: ZkOptions) {
    super();
    const sessionTimeoutMs = opts.sessionTimeoutMs ?? 10_000;
    this.#opts = {
      ...opts,
      sessionTimeoutMs,
      reconnectStallMs: opts.reconnectStallMs ?? Math.min(1000, Math.max(250, sessionTimeoutMs / 8)),
    };
    this.#sessionTimeoutMs = sessionTimeoutMs;
    this.connectString = opts.connect;
  }

  // Creates and starts a native handle, resuming `resume` when given.
  #dial(resume?: { id: string; password: string }): void {
    const Native = nativeBinding();
    const native = new Native();
    const gen = ++this.#generation;
    native.emit = (ev, _self, data) => {
      if (gen === this.#generation) this.#onNative(ev, data);
    }; // (event, handle, data)
    this.#native = native;
    native.init({
      connect: this.#opts.connect,
      timeout: this.#opts.sessionTimeoutMs,
      debug_level: this.#opts.nativeLogLevel ?? 0,
      host_order_deterministic: false,
      data_as_buffer: true,
      response_counter_limit: RESPONSE_COUNTER_LIMIT,
      ...(resume ? { client_id: resume.id, client_password: resume.password } : {}),
    });
    for (const [scheme, auth] of this.#auth) native.add_auth(scheme, auth, () => {});
    this.#armStallTimer();
  }

  #armStallTimer(): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = setTimeout(() => this.#redial(), this.#opts.reconnectStallMs);
    this.#stallTimer.unref();
  }

  // Replaces a native handle that has not connected in time; the session (if any) is resumed.
  #redial(): void {
    if (this.#state === 'connected' || this.#state === 'expired' || this.#state === 'closed') return;
    const old = this.#native;
    const resume = this.#sessionId !== '0' ? { id: this.#sessionId, password: old.client_password } : undefined;
    this.#redials++;
    for (const op of this.#pendingOps) op(CONNECTION_LOSS);
    this.#pendingOps.clear();
    for (const w of this.#pendingWatches) w({ type: 'lost', path: '' });
    this.#pendingWatches.clear();
    this.#generation++;
    old.emit = () => {};
    try {
      old.close();
    } catch {
      /* already gone */
    } // not connected: the session is not closed
    this.#dial(resume);
  }

  /**
   * Opens a session and resolves once it is established.
   * Rejects with ZkConnectError CONNECT_TIMEOUT (naming the servers) when no server answers in time,
   * CLIENT_UNAVAILABLE when the native client library cannot be loaded, or with `signal.reason` when
   * aborted; the half-open handle is closed either way.
   */
  static async connect(opts: ZkOptions): Promise<Zk> {
    opts.signal?.throwIfAborted();
    const zk = new Zk(opts);
    const connectTimeoutMs = opts.connectTimeoutMs ?? Math.max(zk.#opts.sessionTimeoutMs, 5_000);
    let fail!: (err: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        zk.off('state', onState);
      };
      fail = (err: unknown) => {
        cleanup();
        zk.close();
        reject(err);
      };
      const onState = (s: ZkState) => {
        if (s === 'connected') {
          cleanup();
          resolve();
        } else if (s === 'expired' || s === 'closed') {
          fail(
            new ZkConnectError('CONNECT_FAILED', `zookeeper ${opts.connect}: session could not be established (${s})`)
          );
        }
      };
      const onAbort = () => fail(opts.signal?.reason);
      const timer = setTimeout(
        () =>
          fail(
            new ZkConnectError(
              'CONNECT_TIMEOUT',
              `zookeeper ${opts.connect}: no server answered within ${connectTimeoutMs} ms`
            )
          ),
        connectTimeoutMs
      );
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      zk.on('state', onState);
    });
    zk.#requestedAt = performance.now();
    try {
      zk.#dial();
    } catch (err) {
      // the native client could not be loaded or started: no retry will help
      fail(
        new ZkConnectError(
          'CLIENT_UNAVAILABLE',
          `the ZooKeeper client library (npm package zookeeper) cannot be used: ${(err as Error).message.split('\n')[0]}`,
          { cause: err }
        )
      );
    }
    await ready;
    if (opts.digestAuth) await zk.addAuth('digest', opts.digestAuth);
    return zk;
  }

  /** Current session state. */
  get state(): ZkState {
    return this.#state;
  }
  /**
   * When this session was asked for (ms, performance.now). Creating a session is a quorum write: the ZooKeeper
   * leader started its timeout no earlier than this.
   */
  get requestedAt(): number {
    return this.#requestedAt;
  }
  /** Session id as hex (same format as `Stat.ephemeralOwner`); "0" before the first connect. */
  get sessionId(): string {
    return this.#sessionId;
  }
  /** Session timeout negotiated with the server (ms). */
  get sessionTimeoutMs(): number {
    return this.#sessionTimeoutMs;
  }
  /** How many times a stalled reconnect was re-dialled with a fresh native handle. */
  get redials(): number {
    return this.#redials;
  }
  /** `performance.now()` at which the most recently answered request was sent (the server heard us then). */
  get lastAckedAt(): number {
    return this.#lastAckedAt;
  }

  #setState(next: ZkState): void {
    const prev = this.#state;
    if (prev === next || prev === 'expired' || prev === 'closed') return;
    this.#state = next;
    if (next === 'expired' || next === 'closed') {
      clearTimeout(this.#stallTimer);
      for (const w of this.#pendingWatches) w({ type: 'session', path: '', state: next });
      this.#pendingWatches.clear();
      for (const op of this.#pendingOps) op(next === 'expired' ? EXPIRED_STATE : CLOSED_RC);
      this.#pendingOps.clear();
    }
    this.emit('state', next, prev);
  }

  #onNative(ev: string, a1: unknown): void {
    switch (ev) {
      case 'connect': {
        clearTimeout(this.#stallTimer);
        this.#sessionId = this.#native.client_id;
        this.#sessionTimeoutMs = this.#native.timeout;
        if (this.#redials === 0 || this.#state === 'connecting') {
          this.#setState('connected');
          break;
        }
        // A fresh handle starts with no zxid seen: catch the server up before anyone reads.
        const gen = this.#generation;
        this.#native.a_sync('/', () => {
          if (gen === this.#generation) this.#setState('connected');
        });
        break;
      }
      case 'connecting':
        this.#armStallTimer();
        this.#setState('disconnected');
        break;
      case 'close':
        this.#setState(a1 === EXPIRED_STATE ? 'expired' : 'closed');
        break;
      default: // node events are delivered to the per-call watchers
    }
  }

  /** Closes the session (ephemeral nodes go at once). Idempotent; safe after expiry. */
  close(): void {
    clearTimeout(this.#stallTimer);
    if (this.#state === 'closed' || this.#state === 'expired') return;
    const native = this.#native as NativeHandle | undefined; // unset when the client library failed to load
    try {
      if (native) {
        native.emit = () => {};
        native.close();
      }
    } finally {
      this.#setState('closed');
    }
  }

  // Sends one request; resolves with the callback's extra arguments, rejects with ZkError.
  #call<T extends unknown[]>(
    op: string,
    path: string,
    send: (cb: (rc: number, err: string, ...rest: T) => void) => number
  ): Promise<T> {
    if (this.#state === 'closed' || this.#state === 'expired') {
      return Promise.reject(new ZkError(this.#state === 'expired' ? EXPIRED_STATE : CLOSED_RC, op, path));
    }
    return new Promise<T>((resolve, reject) => {
      const sentAt = performance.now();
      const settle = (rc: number, rest?: T) => {
        if (!this.#pendingOps.delete(settle)) return;
        if (rc === 0) {
          this.#ack(sentAt);
          resolve((rest ?? []) as T);
          return;
        }
        if (rc <= -100 && rc > CLOSED_RC && rc !== EXPIRED_STATE && rc !== -116) this.#ack(sentAt); // answered: NONODE, …
        reject(new ZkError(rc, op, path));
      };
      this.#pendingOps.add(settle);
      let rc: number;
      try {
        rc = send((r, _e, ...rest) => settle(r, rest));
      } catch (err) {
        this.#pendingOps.delete(settle);
        reject(new ZkError(-8, op, path, { cause: err }));
        return;
      }
      if (rc !== 0) settle(rc);
    });
  }

  #ack(sentAt: number): void {
    if (sentAt > this.#lastAckedAt) this.#lastAckedAt = sentAt;
  }

  // Registers a one-shot watcher: the native callback, the promise of its event, and `drop` for a failed call.
  #watcher(signal?: AbortSignal): Watcher {
    return oneShotWatch(this.#pendingWatches, () => this.#generation, signal);
  }

  /**
   * Creates a node; resolves with its actual path (sequential nodes get a 10-digit suffix).
   * An ACL other than open is applied right after the create (the binding cannot create with an ACL),
   * so restrict who may create children on the parent where that window matters.
   */
  async create(
    path: string,
    data: Buffer | string = '',
    opts: { mode?: CreateMode; acl?: readonly Acl[] } = {}
  ): Promise<string> {
    const [created] = await this.#call<[string]>('create', path, (cb) =>
      this.#native.a_create(path, data, FLAGS[opts.mode ?? 'persistent'], cb)
    );
    if (opts.acl && !isOpenAcl(opts.acl)) await this.setACL(created, opts.acl, 0);
    return created;
  }

  /** Reads a node's data and stat. Rejects NONODE when missing. */
  async get(path: string): Promise<{ data: Buffer; stat: Stat }> {
    const [stat, data] = await this.#call<[NativeStat, Buffer | null]>('get', path, (cb) =>
      this.#native.a_get(path, false, cb)
    );
    return { data: data ?? Buffer.alloc(0), stat: toStat(stat) };
  }

  /** Like {@link get}, and watches the node: `event` resolves on its next change or the end of the session. */
  async getW(
    path: string,
    opts: { signal?: AbortSignal } = {}
  ): Promise<{ data: Buffer; stat: Stat; event: Promise<WatchEvent> }> {
    const w = this.#watcher(opts.signal);
    try {
      const [stat, data] = await this.#call<[NativeStat, Buffer | null]>('get', path, (cb) =>
        this.#native.aw_get(path, w.cb, cb)
      );
      return { data: data ?? Buffer.alloc(0), stat: toStat(stat), event: w.event };
    } catch (err) {
      w.drop();
      throw err;
    }
  }

  /** Sets a node's data; `version` -1 matches any. Rejects BADVERSION / NONODE. */
  async set(path: string, data: Buffer | string, version = -1): Promise<Stat> {
    const [stat] = await this.#call<[NativeStat]>('set', path, (cb) => this.#native.a_set(path, data, version, cb));
    return toStat(stat);
  }

  /** Resolves the node's stat, or null when it does not exist. */
  async exists(path: string): Promise<Stat | null> {
    try {
      const [stat] = await this.#call<[NativeStat]>('exists', path, (cb) => this.#native.a_exists(path, false, cb));
      return toStat(stat);
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NONODE') return null;
      throw err;
    }
  }

  /** Like {@link exists}, and watches for the node's creation, change or deletion. */
  async existsW(
    path: string,
    opts: { signal?: AbortSignal } = {}
  ): Promise<{ stat: Stat | null; event: Promise<WatchEvent> }> {
    const w = this.#watcher(opts.signal);
    try {
      const [stat] = await this.#call<[NativeStat]>('exists', path, (cb) => this.#native.aw_exists(path, w.cb, cb));
      return { stat: toStat(stat), event: w.event };
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NONODE') return { stat: null, event: w.event }; // watch is set
      w.drop();
      throw err;
    }
  }

  /** Lists child names (unsorted, as the server returns them) with the parent's stat. */
  async children(path: string): Promise<{ children: string[]; stat: Stat }> {
    const [children, stat] = await this.#call<[string[], NativeStat]>('children', path, (cb) =>
      this.#native.a_get_children2(path, false, cb)
    );
    return { children, stat: toStat(stat) };
  }

  /** Like {@link children}, and watches the child list. */
  async childrenW(
    path: string,
    opts: { signal?: AbortSignal } = {}
  ): Promise<{ children: string[]; stat: Stat; event: Promise<WatchEvent> }> {
    const w = this.#watcher(opts.signal);
    try {
      const [children, stat] = await this.#call<[string[], NativeStat]>('children', path, (cb) =>
        this.#native.aw_get_children2(path, w.cb, cb)
      );
      return { children, stat: toStat(stat), event: w.event };
    } catch (err) {
      w.drop();
      throw err;
    }
  }

  /** Deletes a node; `version` -1 matches any. Rejects NONODE / NOTEMPTY / BADVERSION. */
  async delete(path: string, version = -1): Promise<void> {
    await this.#call<[]>('delete', path, (cb) => this.#native.a_delete_(path, version, cb));
  }

  /** Reads a node's ACL. */
  async getACL(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    const [acl, stat] = await this.#call<[{ perms: number; scheme: string; auth: string }[], NativeStat]>(
      'getACL',
      path,
      (cb) => this.#native.a_get_acl(path, cb)
    );
    return { acl: acl.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.auth })), stat: toStat(stat) };
  }

  /** Replaces a node's ACL; `version` is the ACL version (`aversion`), -1 matches any. */
  async setACL(path: string, acl: readonly Acl[], version = -1): Promise<void> {
    const native = acl.map((a) => ({ perm: a.perms, scheme: a.scheme, auth: a.id }));
    await this.#call<[]>('setACL', path, (cb) => this.#native.a_set_acl(path, version, native, cb));
  }

  /** Adds credentials to the session (e.g. `digest`, `user:password`). The secret is never logged. */
  async addAuth(scheme: string, auth: string): Promise<void> {
    await this.#call<[]>('addAuth', scheme, (cb) => this.#native.add_auth(scheme, auth, cb));
    this.#auth.push([scheme, auth]);
  }

  /** Makes the connected server catch up with the leader (for read-after-write across clients). */
  async sync(path: string): Promise<void> {
    await this.#call<[string]>('sync', path, (cb) => this.#native.a_sync(path, cb));
  }
}

const isOpenAcl = (acl: readonly Acl[]): boolean =>
  acl.length === 1 &&
  acl[0]!.scheme === OPEN_ACL[0]!.scheme &&
  acl[0]!.id === OPEN_ACL[0]!.id &&
  acl[0]!.perms === OPEN_ACL[0]!.perms;
