/** Exponential backoff with full jitter: attempt n waits a random time in [base/2, min(max, base·2ⁿ)]. */
export function backoffDelay(attempt: number, opts: { baseMs: number; maxMs: number }, random = Math.random): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  const floor = Math.min(cap, opts.baseMs / 2);
  return Math.round(floor + random() * (cap - floor));
}
