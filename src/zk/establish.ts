// Waiting for a new session to be established: connected, or a typed failure (and the half-open handle closed).
import { ZkConnectError } from './errors.js';
import type { ZkState } from './types.js';

interface Dialling {
  on(event: 'state', fn: (s: ZkState) => void): unknown;
  off(event: 'state', fn: (s: ZkState) => void): unknown;
  close(): void;
}

/**
 * `ready` resolves once `zk` is connected; it rejects — closing `zk` — with ZkConnectError CONNECT_TIMEOUT after
 * `timeoutMs`, CONNECT_FAILED when the session ends first, `signal`'s reason on abort, or what `fail` is given.
 */
export function establishing(
  zk: Dialling,
  connect: string,
  timeoutMs: number,
  signal?: AbortSignal
): { ready: Promise<void>; fail: (err: unknown) => void } {
  let fail!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
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
        fail(new ZkConnectError('CONNECT_FAILED', `zookeeper ${connect}: session could not be established (${s})`));
      }
    };
    const onAbort = () => fail(signal?.reason);
    const timer = setTimeout(
      () =>
        fail(new ZkConnectError('CONNECT_TIMEOUT', `zookeeper ${connect}: no server answered within ${timeoutMs} ms`)),
      timeoutMs
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    zk.on('state', onState);
  });
  return { ready, fail };
}
