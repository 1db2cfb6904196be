// `spread: true` (#29): a daemon that leads more than its share of the jobs — ⌈jobs / hosts⌉, the hosts being the
// candidates of the job's election — passes a term it just won to the next candidate before its child starts, so
// that leadership spreads over the hosts instead of piling onto the first one started. Never at the cost of a
// leader: only with another candidate queued, and at most once a minute per job.
import type { Election } from '../recipes/election.js';
import type { Job } from './job.js';

/** At most one pass per job in this long: a next candidate that cannot start gets the term back soon. */
export const PASS_EVERY_MS = 60_000;

/** The decisions of one daemon, one at a time (two terms won at once must not both count the other as kept). */
export class Spread {
  readonly #kept = new Set<Job>();
  readonly #passedAt = new Map<Job, number>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly now: () => number = () => performance.now()) {}

  /** True when `job`, which just won on `election`, should pass the term on (of `jobs` jobs of this daemon). */
  decide(job: Job, election: Election, jobs: number): Promise<boolean> {
    const next = this.#queue.then(() => this.#decide(job, election, jobs));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #decide(job: Job, election: Election, jobs: number): Promise<boolean> {
    for (const j of this.#kept) if (!j.holdsTerm || j === job) this.#kept.delete(j); // terms since ended
    const at = this.now();
    const hosts = (await election.contenders()).length;
    const share = Math.ceil(jobs / Math.max(1, hosts));
    const pass =
      hosts > 1 && this.#kept.size + 1 > share && at - (this.#passedAt.get(job) ?? -Infinity) >= PASS_EVERY_MS;
    if (!pass) {
      this.#kept.add(job);
      return false;
    }
    this.#passedAt.set(job, at);
    job.log.info('passing the term on (spread)', { leading: this.#kept.size, share, hosts });
    return true;
  }
}
