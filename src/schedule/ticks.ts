// Which tick a scheduled leader runs next — pure, the clock is the caller's: a late one first (catchUp: last),
// then the schedule's, from a cursor that moves past every tick handled (run, skipped or replaced).
import type { StoredRun } from './runs.js';
import type { Schedule } from './cron.js';

/** A tick to run, and whether it runs late (caught up after a takeover). */
export interface PlannedTick {
  tick: Date;
  late: boolean;
}

export class TickPlanner {
  #cursor: Date;
  #pending: PlannedTick | undefined;

  /** Ticks after `start`; `late` runs first. */
  constructor(
    readonly schedule: Schedule,
    start: Date,
    late?: Date
  ) {
    this.#cursor = start;
    this.#pending = late ? { tick: late, late: true } : undefined;
  }

  /** The next tick to run (the cursor moves up to it, never back); undefined when the schedule fires no more. */
  next(): PlannedTick | undefined {
    const planned = this.#pending ?? this.#after(this.#cursor);
    this.#pending = undefined;
    if (planned) this.passed(planned.tick);
    return planned;
  }

  /** The tick after `after` (to watch for while a run runs), without moving the cursor. */
  upcoming(after: Date): Date | undefined {
    return this.schedule.next(after);
  }

  /** `tick` came due while a run ran and was skipped: the cursor moves past it. */
  passed(tick: Date): void {
    if (tick > this.#cursor) this.#cursor = tick;
  }

  /** `planned` was handed out but not run (a trigger came first): it is next again. */
  putBack(planned: PlannedTick): void {
    this.#pending = planned;
  }

  /** `tick` came due while a run ran and replaces it (concurrency: replace): it is next. */
  replaceWith(tick: Date): void {
    this.passed(tick);
    this.#pending = { tick, late: false };
  }

  #after(cursor: Date): PlannedTick | undefined {
    const tick = this.schedule.next(cursor);
    return tick && { tick, late: false };
  }
}

/**
 * Future ticks another leader left `scheduled` that this schedule no longer has (the config changed): their
 * records are removed at takeover. `upcoming` is this schedule's next tick after `now`.
 */
export function staleScheduled(stored: readonly StoredRun[], now: Date, upcoming: Date | undefined): StoredRun[] {
  const next = upcoming?.toISOString();
  return stored.filter(
    (x) => x.record.state === 'scheduled' && Date.parse(x.record.tick) > now.getTime() && x.record.tick !== next
  );
}

/**
 * How late (ms, 0 … jitterMs − 1) the tick `tick` of the job at `path` starts with `task.jitter`: drawn from a
 * hash of both, so that every leader (and a test) gets the same delay for a tick, and the jobs of one schedule
 * spread.
 */
export function jitterOf(tick: string, path: string, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  let h = 0x811c9dc5; // FNV-1a, 32 bits
  for (const c of `${path} ${tick}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h % Math.floor(jitterMs);
}
