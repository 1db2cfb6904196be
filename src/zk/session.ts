import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { CLOSED_RC, ZkError } from './errors.js';
import { nativeBinding, type NativeHandle } from './native.js';
import {
  CONNECTION_LOSS,
  EXPIRED_STATE,
  RESPONSE_COUNTER_LIMIT,
  type WatchEvent,
  type ZkOptions,
  type ZkState,
} from './types.js';
import { oneShotWatch, type Watcher } from './watch.js';

/**
 * One ZooKeeper session over the native client: its handles, state and request plumbing ({@link Zk} adds the
 * typed operations).
 *
 * Re-dialling: while disconnected, the C client paces its own retries (it waits out a member that took
 * the TCP connection but is not serving yet, and pauses after trying every member), which after the
 * ensemble leader's death delays the reconnect by seconds (measured 2.4 s vs 1.2 s). So while
 * disconnected we replace the native handle every `reconnectStallMs`, resuming the same session
 * (id + password) with the same credentials. Requests in flight fail with CONNECTIONLOSS (as on any
 * disconnect), pending watches fire `lost`, and `connected` is reported only after a `sync`, so reads
 * never go back in time across the switch.
 */
export class ZkSession extends EventEmitter<{ state: [ZkState, ZkState] }> {
  #native!: NativeHandle;
  #generation = 0; // bumped on every re-dial; callbacks of older handles are ignored
  #state: ZkState = 'connecting';
  #sessionId = '0';
  #sessionTimeoutMs: number;
  #requestedAt = -Infinity;
  #pendingWatches = new Set<(e: WatchEvent) => void>();
  #pendingOps = new Set<(rc: number) => void>();
  #auth: [string, string][] = [];
  #stallTimer: NodeJS.Timeout | undefined;
  #redials = 0;
  #opts: ZkOptions & { sessionTimeoutMs: number; reconnectStallMs: number };
  readonly connectString: string;

  protected constructor(opts: ZkOptions) {
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

  /** Sends one request; resolves with the callback's extra arguments, rejects with ZkError. */
  protected call<T extends unknown[]>(
    op: string,
    path: string,
    send: (cb: (rc: number, err: string, ...rest: T) => void) => number
  ): Promise<T> {
    if (this.#state === 'closed' || this.#state === 'expired') {
      return Promise.reject(new ZkError(this.#state === 'expired' ? EXPIRED_STATE : CLOSED_RC, op, path));
    }
    return new Promise<T>((resolve, reject) => {
      const settle = (rc: number, rest?: T) => {
        if (!this.#pendingOps.delete(settle)) return;
        if (rc === 0) {
          resolve((rest ?? []) as T);
          return;
        }
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

  /** A one-shot watcher: the native callback, the promise of its event, and `drop` for a failed call. */
  protected watcher(signal?: AbortSignal): Watcher {
    return oneShotWatch(this.#pendingWatches, () => this.#generation, signal);
  }

  /** The current native handle (replaced on every re-dial). */
  protected get native(): NativeHandle {
    return this.#native;
  }

  /** Starts the first native handle; the session's creation is requested now. */
  protected start(): void {
    this.#requestedAt = performance.now();
    this.#dial();
  }

  /** Credentials to present again on every re-dialled handle. */
  protected rememberAuth(scheme: string, auth: string): void {
    this.#auth.push([scheme, auth]);
  }

  /** Dials `connect` instead of the connect string given (the TLS bridge's loopback listeners). */
  protected redirect(connect: string): void {
    this.#opts = { ...this.#opts, connect };
  }
}
