// Durations in the config: "500ms", "10s", "2m", "1h" — a unit is required, and no more than a timer can wait.
import * as z from 'zod/mini';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "500ms" / "10s" / "2m" / "1h" (or a number of ms); undefined when malformed. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = DURATION.exec(v.trim());
  return m ? Math.round(Number(m[1]) * UNIT[m[2]!]!) : undefined;
}

/** A duration's text to ms, with one clear problem when it is not one. */
export const toMs = z.transform((v: string | number, ctx): number => {
  const problem = (message: string) => {
    ctx.issues.push({ code: 'custom', message, input: v });
    return z.NEVER;
  };
  // `sessionTimeout: 10` read as 10 ms led to baffling errors further on: a unit is required.
  if (typeof v === 'number') return problem(`a bare number has no unit: write "${v}s" or "${v}ms"`);
  const ms = parseDuration(v);
  if (ms === undefined) return problem('must be a duration like "500ms", "10s" or "2m"');
  // Node's timers take at most 2³¹ − 1 ms: a longer one fires at once (a connect timing out in a loop).
  if (ms > MAX_TIMER_MS) return problem(`must be at most 24 days (${MAX_TIMER_MS} ms), got ${ms} ms`);
  return ms;
});
const MAX_TIMER_MS = 2 ** 31 - 1;
export const stringOrNumber = () => z.union([z.string(), z.number()]);
/** A duration with a default. */
export const duration = (def: string) => z.pipe(z._default(stringOrNumber(), def), toMs);
export const optionalDuration = () => z.optional(z.pipe(stringOrNumber(), toMs));
