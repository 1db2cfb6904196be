// One retry policy for ZooKeeper operations (in the spirit of kazoo's KazooRetry): which errors are worth another
// try, how long to wait between tries (backoff, cut short by the session's next state change), and when to give up
// (on a signal, at a deadline, after a number of tries, or when the session is over).
import { AppError } from '../errors.js';
import { backoffDelay } from '../util/backoff.js';
import { isZkError } from './errors.js';
import { isFinal, type ZkState } from './types.js';

/** What a retry needs of a session: its state, and its state changes. */
export interface RetrySession {
  readonly state: ZkState;
  on(event: 'state', fn: (s: ZkState) => void): unknown;
  off(event: 'state', fn: (s: ZkState) => void): unknown;
}

export interface RetryOptions {
  /** Worth another try? Default: CONNECTIONLOSS and OPERATIONTIMEOUT (a request whose fate is unknown). */
  retryable?: (err: unknown) => boolean;
  /** Once it aborts no new try starts and the wait between tries ends: rejects ABORTED. */
  signal?: AbortSignal;
  /** Give up (DEADLINE) when a try fails this many ms after the first one started. */
  deadlineMs?: number;
  /** Give up (TOO_MANY_TRIES) after this many failed tries. Default: no limit. */
  maxTries?: number;
  /** Backoff between tries: from `baseMs` (default 50) doubling up to `maxMs` (default 1000), jittered. */
  baseMs?: number;
  maxMs?: number;
  /** Called with each retryable failure before the wait (`tries`: how many tries failed so far). */
  onRetry?: (err: unknown, tries: number) => void;
}

export type RetryErrorCode = 'ABORTED' | 'DEADLINE' | 'TOO_MANY_TRIES' | 'SESSION_ENDED';

/** A retry gave up; `cause` is the last try's error. */
export class RetryError extends AppError<RetryErrorCode> {
  constructor(
    readonly code: RetryErrorCode,
    readonly tries: number,
    cause: unknown
  ) {
    super(`gave up after ${tries} ${tries === 1 ? 'try' : 'tries'} (${code}): ${String(cause)}`, { cause });
  }
}

const UNKNOWN_FATE = (err: unknown) => isZkError(err, 'CONNECTIONLOSS', 'OPERATIONTIMEOUT');

/**
 * Runs `op` (given the number of failed tries so far: 0 first; a later try may first look whether an earlier one
 * was applied) until it resolves. A non-retryable error rejects as it is; giving up rejects a {@link RetryError}.
 * A try under way is never abandoned: the client ends it (answered, or CONNECTIONLOSS once it sees the link down).
 */
export async function retry<T>(
  zk: RetrySession,
  op: (tries: number) => Promise<T>,
  opts: RetryOptions = {}
): Promise<T> {
  const retryable = opts.retryable ?? UNKNOWN_FATE;
  const started = performance.now();
  for (let tries = 0; ; ) {
    if (opts.signal?.aborted) throw new RetryError('ABORTED', tries, opts.signal.reason);
    try {
      return await op(tries);
    } catch (err) {
      if (!retryable(err)) throw err;
      tries++;
      const code = giveUp(zk, opts, tries, started);
      if (code) throw new RetryError(code, tries, err);
      opts.onRetry?.(err, tries);
      const ms = backoffDelay(tries - 1, { baseMs: opts.baseMs ?? 50, maxMs: opts.maxMs ?? 1000 });
      const left = opts.deadlineMs === undefined ? ms : opts.deadlineMs - (performance.now() - started);
      await nextChance(zk, Math.max(0, Math.min(ms, left)), opts.signal);
    }
  }
}

function giveUp(zk: RetrySession, opts: RetryOptions, tries: number, started: number): RetryErrorCode | undefined {
  if (opts.signal?.aborted) return 'ABORTED';
  if (isFinal(zk.state)) return 'SESSION_ENDED';
  if (opts.maxTries !== undefined && tries >= opts.maxTries) return 'TOO_MANY_TRIES';
  if (opts.deadlineMs !== undefined && performance.now() - started >= opts.deadlineMs) return 'DEADLINE';
  return undefined;
}

// Resolves after `ms`, on the session's next state change (a reconnect: try again at once), or on abort.
function nextChance(zk: RetrySession, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      zk.off('state', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    zk.on('state', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A signal for cleanup after `signal` aborts (e.g. shutdown): it aborts once `signal` has aborted while the session
 * is not connected — then the session's end (close or expiry) does the cleanup, nothing else can. `dispose()`
 * drops its listeners.
 */
export function offlineAfter(zk: RetrySession, signal: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const out = new AbortController();
  const check = () => {
    if (signal.aborted && zk.state !== 'connected' && !out.signal.aborted) {
      out.abort(signal.reason);
      dispose();
    }
  };
  const dispose = () => {
    zk.off('state', check);
    signal.removeEventListener('abort', check);
  };
  zk.on('state', check);
  signal.addEventListener('abort', check, { once: true });
  check();
  return { signal: out.signal, dispose };
}
