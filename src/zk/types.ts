// The types of the typed client, and the native client's numbers it translates.
import type { ZkTlsOptions } from './tls.js';
import type { NativeStat } from './native.js';

/** Session state as seen by this client. `expired` and `closed` are final: make a new client. */
export type ZkState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

/** True for the states a session never leaves (`expired`, `closed`). */
export const isFinal = (s: ZkState): s is 'expired' | 'closed' => s === 'expired' || s === 'closed';

/** Node metadata. Zxids are numbers (exact up to 2^53). `ephemeralOwner` is a hex session id, "0" if persistent. */
export interface Stat {
  czxid: number;
  mzxid: number;
  pzxid: number;
  version: number;
  cversion: number;
  aversion: number;
  dataLength: number;
  numChildren: number;
  ctime: Date;
  mtime: Date;
  ephemeralOwner: string;
}

/** How a node is created. */
export type CreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

/**
 * A one-shot watch notification. `session` means the session ended before the node changed; `lost` means
 * the watch was dropped while the client re-dialled (the session lives on): re-read and watch again.
 */
export interface WatchEvent {
  type: 'created' | 'deleted' | 'changed' | 'child' | 'session' | 'lost';
  path: string;
  /** For `session` events: the final state. */
  state?: 'expired' | 'closed';
}

/** Options of `Zk.connect`. */
export interface ZkOptions {
  /** `host:port[,host:port…][/chroot]` */
  connect: string;
  /** Requested session timeout; the server may negotiate another (see `Zk.sessionTimeoutMs`). */
  sessionTimeoutMs?: number;
  /** How long to wait for the first session; default max(sessionTimeoutMs, 5 s). */
  connectTimeoutMs?: number;
  /** Verbosity of the C client's own stderr lines: 0 none (default), 1 error, 2 warn, 3 info, 4 debug. */
  nativeLogLevel?: 0 | 1 | 2 | 3 | 4;
  /** Digest credentials (`user:password`) added before the first request. Never logged. */
  digestAuth?: string;
  /**
   * While disconnected, re-dial with a fresh native handle (same session) after this long without progress;
   * default clamp(sessionTimeout / 8, 250 ms, 1 s). See `Zk` on why.
   */
  reconnectStallMs?: number;
  /** Talk TLS to the servers (their secure client ports), through an in-process bridge (see `TlsBridge`). */
  tls?: ZkTlsOptions;
  /** A TLS connection to `server` failed (once per server until one succeeds): certificate, hostname, … */
  onTlsFailure?: (server: string, reason: string) => void;
  /** Called once when no server has answered after `slowMs` (default 2 s) of the connect timeout: say so. */
  onSlow?: (waitedMs: number, timeoutMs: number) => void;
  slowMs?: number;
  /** An unpatched binding's open create was narrowed too late: another client had set its ACL (see `narrow.ts`). */
  onTampered?: (path: string) => void;
  signal?: AbortSignal;
}

export const EVENT_TYPES: Record<number, WatchEvent['type']> = { 1: 'created', 2: 'deleted', 3: 'changed', 4: 'child' };
export const EXPIRED_STATE = -112;
/** ZNONODE: the node does not exist. */
export const NO_NODE = -101;
/** ZBADVERSION: the version did not match. */
export const BAD_VERSION = -103;
/** ZCLOSING: the handle is closing (the request never reached a server). */
export const CLOSING = -116;
export const CONNECTION_LOSS = -4;
export const AUTH_FAILED_STATE = -113;
// The binding closes the session itself, reporting it as expired, after this many empty polls (default 10),
// which happens within milliseconds while the ensemble elects a leader: raise it out of the way.
export const RESPONSE_COUNTER_LIMIT = 2_000_000_000;

export const toStat = (s: NativeStat): Stat => ({
  czxid: s.czxid,
  mzxid: s.mzxid,
  pzxid: s.pzxid,
  version: s.version,
  cversion: s.cversion,
  aversion: s.aversion,
  dataLength: s.dataLength,
  numChildren: s.numChildren,
  ctime: s.ctime,
  mtime: s.mtime,
  ephemeralOwner: s.ephemeralOwner,
});

export const FLAGS: Record<CreateMode, number> = {
  persistent: 0,
  ephemeral: 1,
  persistent_sequential: 2,
  ephemeral_sequential: 3,
};
