// Bounded waits that fail with a message naming what did not happen.
import type { EventEmitter } from 'node:events';
import type { Zk, ZkState } from '../../src/zk/client.js';

/** Polls `check` every `intervalMs` until it returns truthy; rejects after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { timeoutMs: number; what: string; intervalMs?: number }
): Promise<NonNullable<T>> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for: ${opts.what}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}

/** Resolves with the arguments of the next `event` that satisfies `filter`; rejects after `timeoutMs`. */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  opts: { timeoutMs: number; what: string; filter?: (...args: A) => boolean }
): Promise<A> {
  return new Promise((resolve, reject) => {
    const onEvent = (...args: unknown[]) => {
      if (opts.filter && !opts.filter(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`timed out after ${opts.timeoutMs} ms waiting for: ${opts.what}`));
    }, opts.timeoutMs);
    emitter.on(event, onEvent);
  });
}

/** Resolves when `zk` enters `state` (at once if it is there already). */
export async function stateReached(zk: Zk, state: ZkState, timeoutMs: number): Promise<void> {
  if (zk.state === state) return;
  await nextEvent<[ZkState]>(zk, 'state', {
    timeoutMs,
    what: `zookeeper client state "${state}" (now "${zk.state}")`,
    filter: (s) => s === state,
  });
}

/** Rejects with a message naming `what` when `p` does not settle in `timeoutMs`. */
export async function within<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
