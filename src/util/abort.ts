// The abort helpers every layer uses: waits that end on a signal, and the reason an aborted signal carries.

/** Resolves after `ms`, or rejects with `signal.reason` as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Like {@link sleep}, but never rejects: resolves true after `ms`, false as soon as `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return sleep(ms, signal).then(
    () => true,
    () => false
  );
}

/** The longest a timer can wait (about 24.8 days): "until aborted" in a pause. */
export const FOREVER_MS = 2 ** 31 - 1;

/** Resolves with `p`'s value, or 'aborted' as soon as `signal` aborts (without leaving a listener behind). */
export async function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return 'aborted';
  let onAbort!: () => void;
  const aborted = new Promise<'aborted'>((r) => {
    onAbort = () => r('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The message of an aborted signal's reason ('' while it has not aborted). */
export function reasonOf(signal: AbortSignal): string {
  if (!signal.aborted) return '';
  const r = signal.reason as unknown;
  return r instanceof Error ? r.message : String(r);
}
