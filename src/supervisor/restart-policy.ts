// What to do when the child exits by itself while we lead (pure): release leadership, restart after a backoff,
// or step down because it crash-loops.
import { backoffDelay } from '../util/backoff.js';

export interface RestartPolicy {
  /** `release`: step down after every exit; `restart`: run it again here. */
  onExit: 'release' | 'restart';
  /** Backoff of the restarts (ms). */
  initialDelay: number;
  maxDelay: number;
  /** This many exits within `crashLoopWindow` ms are a crash loop: step down instead. */
  crashLoopFailures: number;
  crashLoopWindow: number;
}

export type AfterExit =
  | { action: 'release' }
  | { action: 'crash-loop'; exits: number }
  | { action: 'restart'; delayMs: number };

/** Counts the exits of one term and decides after each. */
export class RestartTracker {
  readonly #exits: number[] = [];

  constructor(
    readonly policy: RestartPolicy,
    readonly random: () => number = Math.random
  ) {}

  /** Records an exit at `now` (ms, monotonic) and says what to do next. */
  afterExit(now: number): AfterExit {
    const p = this.policy;
    if (p.onExit === 'release') return { action: 'release' };
    this.#exits.push(now);
    while (this.#exits.length && this.#exits[0]! < now - p.crashLoopWindow) this.#exits.shift();
    if (this.#exits.length >= p.crashLoopFailures) return { action: 'crash-loop', exits: this.#exits.length };
    const delayMs = backoffDelay(this.#exits.length - 1, { baseMs: p.initialDelay, maxMs: p.maxDelay }, this.random);
    return { action: 'restart', delayMs };
  }
}
