import { OPEN_ACL, toNativeAcl, type Acl } from './acl.js';
import { ZkConnectError, ZkError } from './errors.js';
import { nativeBinding, type NativeStat } from './native.js';
import { ZkSession } from './session.js';
import { createNarrowed, narrow } from './narrow.js';
import { establishing } from './establish.js';
import type { TlsBridge } from './tls-bridge.js';
import { FLAGS, toStat, type CreateMode, type Stat, type WatchEvent, type ZkOptions } from './types.js';

export type { ZkState, Stat, CreateMode, WatchEvent, ZkOptions } from './types.js';

/**
 * A typed promise client over one ZooKeeper session.
 *
 * Emits `state` (ZkState, previous) on every change. After `expired` or `closed` the instance is dead
 * (every call rejects with code CLOSED or SESSIONEXPIRED): create a new one with {@link Zk.connect}.
 * A stalled reconnect is re-dialled with a fresh native handle ({@link ZkSession}).
 * Processes spawned while a client is open must not inherit its socket (see `util/clean-exec`).
 */
export class Zk extends ZkSession {
  #bridge: TlsBridge | undefined;
  #onTampered: ((path: string) => void) | undefined;

  /** Throws ZkConnectError CLIENT_UNAVAILABLE when the native client library cannot be loaded. */
  static checkClientLibrary(): void {
    try {
      nativeBinding();
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Closes the session (ephemeral nodes go at once) and the TLS bridge, if any. Idempotent; safe after expiry. */
  override close(): void {
    super.close();
    this.#bridge?.close();
  }

  /**
   * Opens a session and resolves once it is established.
   * Rejects with ZkConnectError CONNECT_TIMEOUT (naming the servers) when no server answers in time,
   * CLIENT_UNAVAILABLE when the native client library cannot be loaded, TLS_FAILED when `opts.tls` is set and
   * the handshake with every server failed (the reason of the last), or with `signal.reason` when aborted; the
   * half-open handle (and the TLS bridge) is closed either way.
   */
  static async connect(opts: ZkOptions): Promise<Zk> {
    opts.signal?.throwIfAborted();
    const zk = new Zk(opts);
    zk.#onTampered = opts.onTampered;
    let onTls = (_server: string, _reason: string) => {};
    if (opts.tls) {
      const { TlsBridge } = await import('./tls-bridge.js'); // node:tls, loaded only for TLS
      const bridge = await TlsBridge.start(opts.connect, opts.tls, (server, reason) => {
        opts.onTlsFailure?.(server, reason);
        onTls(server, reason);
      });
      zk.#bridge = bridge;
      zk.redirect(bridge.connectString);
    }
    const connectTimeoutMs = opts.connectTimeoutMs ?? Math.max(zk.sessionTimeoutMs, 5_000);
    const { ready, fail } = establishing(zk, opts.connect, connectTimeoutMs, opts.signal);
    onTls = (server, reason) => {
      if (zk.#bridge && zk.#bridge.failures.size >= zk.#bridge.servers) {
        fail(new ZkConnectError('TLS_FAILED', `zookeeper ${server}: TLS connection failed: ${reason}`));
      }
    };
    try {
      zk.start();
    } catch (err) {
      fail(unavailable(err)); // the native client could not be loaded or started: no retry will help
    }
    const slowMs = opts.slowMs ?? 2000;
    const slow =
      opts.onSlow && slowMs < connectTimeoutMs
        ? setTimeout(() => opts.onSlow!(slowMs, connectTimeoutMs), slowMs)
        : undefined;
    try {
      await ready;
    } finally {
      clearTimeout(slow);
    }
    if (opts.digestAuth) await zk.addAuth('digest', opts.digestAuth);
    return zk;
  }

  /**
   * Creates a node; resolves with its actual path (sequential nodes get a 10-digit suffix). The node is made with
   * `acl` (the patched binding, scripts/patch-zookeeper.mjs); with an unpatched one an ACL other than open is set
   * right after the create — restrict who may create children on the parent where that window matters — and a
   * lost reply to that `setACL` is retried after the reconnect (see {@link narrow}), so the node is not left open;
   * a node another client changed the ACL of in that window is deleted and made again (`onTampered`), up to
   * `TAMPER_ATTEMPTS` times, then rejects `TamperedError` (`./narrow.ts`).
   */
  async create(
    path: string,
    data: Buffer | string = '',
    opts: { mode?: CreateMode; acl?: readonly Acl[] } = {}
  ): Promise<string> {
    const flags = FLAGS[opts.mode ?? 'persistent'];
    const acl = opts.acl && !isOpenAcl(opts.acl) ? opts.acl : undefined;
    const native = this.native;
    if (acl && native.a_create_acl) {
      const given = toNativeAcl(acl);
      return (await this.call<[string]>('create', path, (cb) => native.a_create_acl!(path, data, flags, given, cb)))[0];
    }
    if (acl) return createNarrowed(this, path, data, opts.mode ?? 'persistent', acl, this.#onTampered);
    return (await this.call<[string]>('create', path, (cb) => native.a_create(path, data, flags, cb)))[0];
  }

  /**
   * Sets `acl` on a node of ours, retrying through a lost connection (the request may or may not have been
   * applied) until it is answered. Rejects NONODE when the node is gone, SESSIONEXPIRED / CLOSED when the
   * session ends first, NOAUTH when we may not.
   */
  async narrow(path: string, acl: readonly Acl[]): Promise<void> {
    await narrow(this, path, acl);
  }

  /** Reads a node's data and stat. Rejects NONODE when missing. */
  async get(path: string): Promise<{ data: Buffer; stat: Stat }> {
    const [stat, data] = await this.call<[NativeStat, Buffer | null]>('get', path, (cb) =>
      this.native.a_get(path, false, cb)
    );
    return { data: data ?? Buffer.alloc(0), stat: toStat(stat) };
  }

  /** Like {@link get}, and watches the node: `event` resolves on its next change or the end of the session. */
  async getW(
    path: string,
    opts: { signal?: AbortSignal } = {}
  ): Promise<{ data: Buffer; stat: Stat; event: Promise<WatchEvent> }> {
    const w = this.watcher(opts.signal);
    try {
      const [stat, data] = await this.call<[NativeStat, Buffer | null]>('get', path, (cb) =>
        this.native.aw_get(path, w.cb, cb)
      );
      return { data: data ?? Buffer.alloc(0), stat: toStat(stat), event: w.event };
    } catch (err) {
      w.drop();
      throw err;
    }
  }

  /** Sets a node's data; `version` -1 matches any. Rejects BADVERSION / NONODE. */
  async set(path: string, data: Buffer | string, version = -1): Promise<Stat> {
    const [stat] = await this.call<[NativeStat]>('set', path, (cb) => this.native.a_set(path, data, version, cb));
    return toStat(stat);
  }

  /** Resolves the node's stat, or null when it does not exist. */
  async exists(path: string): Promise<Stat | null> {
    try {
      const [stat] = await this.call<[NativeStat]>('exists', path, (cb) => this.native.a_exists(path, false, cb));
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
    const w = this.watcher(opts.signal);
    try {
      const [stat] = await this.call<[NativeStat]>('exists', path, (cb) => this.native.aw_exists(path, w.cb, cb));
      return { stat: toStat(stat), event: w.event };
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NONODE') return { stat: null, event: w.event }; // watch is set
      w.drop();
      throw err;
    }
  }

  /** Lists child names (unsorted, as the server returns them) with the parent's stat. */
  async children(path: string): Promise<{ children: string[]; stat: Stat }> {
    const [children, stat] = await this.call<[string[], NativeStat]>('children', path, (cb) =>
      this.native.a_get_children2(path, false, cb)
    );
    return { children, stat: toStat(stat) };
  }

  /** Like {@link children}, and watches the child list. */
  async childrenW(
    path: string,
    opts: { signal?: AbortSignal } = {}
  ): Promise<{ children: string[]; stat: Stat; event: Promise<WatchEvent> }> {
    const w = this.watcher(opts.signal);
    try {
      const [children, stat] = await this.call<[string[], NativeStat]>('children', path, (cb) =>
        this.native.aw_get_children2(path, w.cb, cb)
      );
      return { children, stat: toStat(stat), event: w.event };
    } catch (err) {
      w.drop();
      throw err;
    }
  }

  /** Deletes a node; `version` -1 matches any. Rejects NONODE / NOTEMPTY / BADVERSION. */
  async delete(path: string, version = -1): Promise<void> {
    await this.call<[]>('delete', path, (cb) => this.native.a_delete_(path, version, cb));
  }

  /** Reads a node's ACL. */
  async getACL(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    const [acl, stat] = await this.call<[{ perms: number; scheme: string; auth: string }[], NativeStat]>(
      'getACL',
      path,
      (cb) => this.native.a_get_acl(path, cb)
    );
    return { acl: acl.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.auth })), stat: toStat(stat) };
  }

  /** Replaces a node's ACL; `version` is the ACL version (`aversion`), -1 matches any. */
  async setACL(path: string, acl: readonly Acl[], version = -1): Promise<void> {
    const native = toNativeAcl(acl);
    await this.call<[]>('setACL', path, (cb) => this.native.a_set_acl(path, version, native, cb));
  }

  /** Adds credentials to the session (e.g. `digest`, `user:password`). The secret is never logged. */
  async addAuth(scheme: string, auth: string): Promise<void> {
    await this.call<[]>('addAuth', scheme, (cb) => this.native.add_auth(scheme, auth, cb));
    this.rememberAuth(scheme, auth);
  }

  /** Makes the connected server catch up with the leader (for read-after-write across clients). */
  async sync(path: string): Promise<void> {
    await this.call<[string]>('sync', path, (cb) => this.native.a_sync(path, cb));
  }
}

const isOpenAcl = (acl: readonly Acl[]): boolean =>
  acl.length === 1 &&
  acl[0]!.scheme === OPEN_ACL[0]!.scheme &&
  acl[0]!.id === OPEN_ACL[0]!.id &&
  acl[0]!.perms === OPEN_ACL[0]!.perms;

const firstLine = (err: unknown): string => String((err as Error).message).split('\n')[0] ?? '';

const unavailable = (err: unknown) =>
  new ZkConnectError(
    'CLIENT_UNAVAILABLE',
    `the ZooKeeper client library (npm package zookeeper) cannot be used: ${firstLine(err)}`,
    { cause: err }
  );
