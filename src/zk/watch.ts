// One-shot watches as promises over the native client's watcher callbacks.
import { AUTH_FAILED_STATE, EVENT_TYPES, EXPIRED_STATE, type WatchEvent } from './types.js';

/** A registered watch: the native callback, the promise of its event, and `drop` for a call that failed. */
export interface Watcher {
  cb: (type: number, state: number, path: string) => void;
  event: Promise<WatchEvent>;
  drop: () => void;
}

/**
 * Registers a one-shot watch in `pending` (the client fires `lost`/`session` on all of them when it re-dials or
 * ends). Callbacks from a native handle older than `generation()` at registration are ignored. The event rejects
 * with `signal.reason` when the signal aborts first.
 */
export function oneShotWatch(
  pending: Set<(e: WatchEvent) => void>,
  generation: () => number,
  signal?: AbortSignal
): Watcher {
  let resolveEvent!: (e: WatchEvent) => void;
  let rejectEvent!: (err: unknown) => void;
  const event = new Promise<WatchEvent>((resolve, reject) => {
    resolveEvent = resolve;
    rejectEvent = reject;
  });
  event.catch(() => {}); // an unobserved cancelled watch must not crash the process
  const done = (): boolean => {
    signal?.removeEventListener('abort', onAbort);
    return pending.delete(fire);
  };
  const fire = (e: WatchEvent) => {
    if (done()) resolveEvent(e);
  };
  const onAbort = () => {
    if (done()) rejectEvent(signal?.reason);
  };
  pending.add(fire);
  if (signal?.aborted) queueMicrotask(onAbort);
  else signal?.addEventListener('abort', onAbort, { once: true });
  const gen = generation();
  const cb = (type: number, state: number, path: string) => {
    if (gen !== generation()) return;
    const t = EVENT_TYPES[type];
    if (t) fire({ type: t, path });
    // The C client tells every watcher about connection changes; the watch itself survives a reconnect.
    else if (state === EXPIRED_STATE || state === AUTH_FAILED_STATE) fire({ type: 'session', path, state: 'expired' });
  };
  return {
    cb,
    event,
    drop: () => {
      done();
    },
  };
}
