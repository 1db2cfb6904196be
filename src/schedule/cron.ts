// Cron expressions: standard 5 fields (minute hour day-of-month month day-of-week), an optional leading
// seconds field, nicknames (@hourly, @daily, …) and an IANA time zone. Day-of-month and day-of-week are
// OR-ed as in Vixie cron.
import { Cron } from 'croner';

/** A compiled schedule. Ticks are wall-clock instants (Date), computed in the schedule's time zone. */
export interface Schedule {
  readonly expression: string;
  readonly timezone?: string;
  /** The first tick strictly after `after`, or undefined when the expression never fires again. */
  next(after: Date): Date | undefined;
  /** Ticks in (`after`, `upTo`], oldest first, at most `limit` of them (the oldest ones). */
  between(after: Date, upTo: Date, limit: number): Date[];
  /** The `n` latest ticks strictly before `before`, newest first. */
  previous(before: Date, n: number): Date[];
}

/** Compiles `expression`; throws an Error with a one-line message when it or `timezone` is invalid. */
export function compileSchedule(expression: string, timezone?: string): Schedule {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      throw new Error(`unknown time zone ${JSON.stringify(timezone)} (want an IANA name like "Europe/Berlin")`);
    }
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true, timezone, mode: '5-or-6-parts' });
    cron.nextRun(new Date(0)); // evaluates the time zone too
  } catch (err) {
    throw new Error(
      String((err as Error).message)
        .replace(/^Cron(Pattern|Date): /, '')
        .replace(/\. Original error:.*$/s, '')
        .replace('five, six, or seven', 'five or six')
    );
  }
  const next = (after: Date) => cron.nextRun(after) ?? undefined;
  return {
    expression,
    timezone,
    next,
    between(after, upTo, limit) {
      const out: Date[] = [];
      for (let t = next(after); t && t <= upTo && out.length < limit; t = next(t)) out.push(t);
      return out;
    },
    previous: (before, n) => cron.previousRuns(n, before),
  };
}
