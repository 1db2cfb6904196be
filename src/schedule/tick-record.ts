// One tick's record through its life — scheduled, started, then finished or fenced — with the version checks that
// make a tick start at most once (DESIGN §3.5).
import type { RunLog, RunRecord } from './runs.js';

/** Who leads while a tick is recorded. */
export type Leader = Pick<RunRecord, 'id' | 'host' | 'term' | 'token'>;

/** How a run ended, as the leash reports it. */
export interface RunExit {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
}

/** A run's exit as records (and the outcome hooks) keep it. */
export const exitOf = ({ durationMs, exitCode, signal }: RunExit) => ({ durationMs, exitCode, signal });

export class TickRecord {
  private constructor(
    readonly runs: RunLog,
    public record: RunRecord,
    public version: number
  ) {}

  /**
   * The record of `tick`: adopted from the leader before us when it left it `scheduled`, else created so;
   * undefined when the tick was already handled (by then, or by someone else meanwhile).
   */
  static async schedule(
    runs: RunLog,
    tick: string,
    who: Leader,
    more: Pick<RunRecord, 'triggered'> = {}
  ): Promise<TickRecord | undefined> {
    const existing = await runs.read(tick);
    if (existing && existing.record.state !== 'scheduled') return undefined;
    if (existing) return new TickRecord(runs, { ...existing.record, ...who }, existing.version);
    const record: RunRecord = { tick, state: 'scheduled', ...who, ...more };
    try {
      return new TickRecord(runs, record, await runs.write(record));
    } catch (err) {
      if ((err as { code?: string }).code === 'NODEEXISTS') return undefined;
      throw err;
    }
  }

  /**
   * Claims the tick (`started`, confirmed through a lost reply); rejects BADVERSION / NONODE when someone else
   * claimed it, or the signal's reason.
   */
  async start(signal: AbortSignal): Promise<void> {
    const startedAt = new Date();
    const lateMs = startedAt.getTime() - Date.parse(this.record.tick);
    await this.#write({ state: 'started', startedAt: startedAt.toISOString(), lateMs }, signal);
  }

  /**
   * `finished` (or `timed-out`: stopped at task.timeout; `suspended`: not run) with the run's exit (or none: it
   * could not start), and why when it was stopped or skipped.
   */
  finish(exit: RunExit | undefined, reason?: string, state: 'finished' | 'timed-out' | 'suspended' = 'finished') {
    const ran = exit ? exitOf(exit) : { exitCode: null };
    return this.#write({ state, finishedAt: new Date().toISOString(), ...ran, ...(reason && { reason }) });
  }

  /** An attempt failed and the tick is tried again: its exit joins `attempts` (the record stays `started`). */
  attempted(exit: RunExit, startedAt: Date, reason?: string): Promise<void> {
    const attempt = { startedAt: startedAt.toISOString(), ...exitOf(exit), ...(reason && { reason }) };
    return this.#write({ attempts: [...(this.record.attempts ?? []), attempt] });
  }

  /** `fenced`: leadership ended while it ran; its child was stopped (outcome unknown). Not confirmed. */
  fence(exit: RunExit, reason: string): Promise<void> {
    const change = { state: 'fenced' as const, finishedAt: new Date().toISOString(), ...exitOf(exit), reason };
    return this.#write(change, undefined, false);
  }

  async #write(change: Partial<RunRecord>, signal?: AbortSignal, confirmed = true): Promise<void> {
    const next = { ...this.record, ...change };
    this.version = confirmed
      ? await this.runs.writeConfirmed(next, this.version, signal)
      : await this.runs.write(next, this.version);
    this.record = next;
  }
}
