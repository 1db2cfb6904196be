/** Exponential backoff with full jitter: attempt n waits a random time in [base/2, min(max, base·2ⁿ)]. */
export function backoffDelay(attempt: number, opts: { baseMs: number; maxMs: number }, random = Math.random): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  const floor = Math.min(cap, opts.baseMs / 2);
  return Math.round(floor + random() * (cap - floor));
}

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
