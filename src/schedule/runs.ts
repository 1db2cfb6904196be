// The run history of a scheduled job: one persistent node per tick under `<election.path>/runs/`, named by
// the tick's ISO instant (so names sort by time). Only the leader writes; creation of a tick's node and
// version-checked updates make each tick's claim atomic, so no tick can start twice.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { childrenOrEmpty, ensurePath } from '../zk/helpers.js';
import { join } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import type { Schedule } from './cron.js';

/**
 * `scheduled`: the leader waits for this tick; `started`: its child runs (host, token); `finished`: it exited
 * (exit code, duration); `fenced`: leadership was lost while it ran, the child was stopped (outcome unknown);
 * `skipped`: not run because the previous run was still running (concurrency: forbid); `missed`: nobody led
 * at the tick and it was not caught up.
 */
export type RunState =
  | 'scheduled'
  | 'started'
  | 'finished'
  | 'timed-out'
  | 'fenced'
  | 'skipped'
  | 'missed'
  | 'suspended';

/** How a scheduled run (a tick) ended, for the run metrics: `fenced` when leadership ended under it. */
export interface RunOutcome {
  tick: string;
  outcome: 'success' | 'failure' | 'timed-out' | 'replaced' | 'fenced' | 'skipped' | 'missed' | 'suspended';
  durationMs?: number;
  exitCode?: number | null;
  signal?: string | null;
}

/** One tick's record (the node's JSON data). */
export interface RunRecord {
  tick: string;
  state: RunState;
  id?: string;
  host?: string;
  term?: number;
  token?: string;
  startedAt?: string;
  finishedAt?: string;
  /** How long after the tick the child started (ms). */
  lateMs?: number;
  durationMs?: number;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string;
  /** A run asked for by `trigger`, not by the schedule: who asked, and the request node's name. */
  triggered?: { by?: string; request: string };
  /** With task.retries: the attempts before the last (whose exit is the record's own), oldest first. */
  attempts?: {
    startedAt: string;
    durationMs?: number;
    exitCode?: number | null;
    signal?: string | null;
    reason?: string;
  }[];
}

/** A record with the version of its node, for version-checked updates. */
export interface StoredRun {
  record: RunRecord;
  version: number;
}

/** Reads and writes the run records under `dir`. */
export class RunLog {
  constructor(
    readonly zk: Zk,
    readonly dir: string,
    readonly acl?: readonly Acl[]
  ) {}

  /** Creates the directory if it is missing. */
  async ensure(): Promise<void> {
    await ensurePath(this.zk, this.dir, this.acl);
  }

  /** Every record, oldest tick first (unreadable nodes are skipped). */
  async list(): Promise<StoredRun[]> {
    const out: StoredRun[] = [];
    for (const name of (await childrenOrEmpty(this.zk, this.dir)).sort()) {
      const run = await this.read(name).catch(() => undefined); // unreadable or not JSON: not ours
      if (run && typeof run.record?.tick === 'string' && typeof run.record.state === 'string') out.push(run);
    }
    return out;
  }

  /**
   * Writes `record`: creates its node when `version` is undefined (fails with NODEEXISTS when the tick is
   * already claimed), otherwise updates it if it still has `version` (BADVERSION when someone else did).
   * Resolves with the node's new version.
   */
  async write(record: RunRecord, version?: number): Promise<number> {
    const path = join(this.dir, record.tick);
    if (version === undefined) {
      await this.zk.create(path, JSON.stringify(record), { acl: this.acl });
      return 0;
    }
    return (await this.zk.set(path, JSON.stringify(record), version)).version;
  }

  /**
   * Like {@link write}, but a lost reply (CONNECTIONLOSS, OPERATIONTIMEOUT) is read back instead of failing:
   * resolves with the new version once our record is stored, retrying through a disconnect until `signal`
   * aborts or the session ends (then rejects RetryError); rejects NODEEXISTS / BADVERSION / NONODE when another
   * writer won.
   */
  writeConfirmed(record: RunRecord, version: number | undefined, signal?: AbortSignal): Promise<number> {
    const mine = JSON.stringify(record);
    const write = async (tries: number): Promise<number> => {
      if (tries > 0) {
        // the last write may or may not have landed: look before writing again (a version conflict says who won)
        const stored = await this.read(record.tick);
        if (stored && JSON.stringify(stored.record) === mine) return stored.version;
      }
      return this.write(record, version);
    };
    return retry(this.zk, write, { signal });
  }

  /** Creates or overwrites `record` unconditionally (for ticks nobody else can be handling). */
  async put(record: RunRecord): Promise<void> {
    try {
      await this.write(record);
    } catch (err) {
      if (!isZkError(err, 'NODEEXISTS')) throw err;
      await this.write(record, -1);
    }
  }

  /** Reads one tick's record, or undefined when it has none. */
  async read(tick: string): Promise<StoredRun | undefined> {
    try {
      const { data, stat } = await this.zk.get(join(this.dir, tick));
      return { record: JSON.parse(data.toString()) as RunRecord, version: stat.version };
    } catch (err) {
      if (isZkError(err, 'NONODE')) return undefined;
      throw err;
    }
  }

  /** Deletes one tick's record if it still has `version` (gone or changed meanwhile: left alone). */
  async remove(tick: string, version: number): Promise<void> {
    await this.zk.delete(join(this.dir, tick), version).catch((e: unknown) => {
      if (!isZkError(e, 'NONODE', 'BADVERSION')) throw e;
    });
  }

  /** Deletes the oldest records so that at most `keep` remain. */
  async prune(keep: number): Promise<void> {
    const { children } = await this.zk.children(this.dir);
    for (const name of children.sort().slice(0, Math.max(0, children.length - keep))) {
      await this.zk.delete(join(this.dir, name)).catch((e: unknown) => {
        if (!isZkError(e, 'NONODE')) throw e;
      });
    }
  }
}

/** What a new leader does about the ticks before it took over. */
export interface CatchUpPlan {
  /** Records another leader left in `started`: their child was fenced when that leader went away. */
  interrupted: StoredRun[];
  /** Ticks that came due with nobody leading and will not run (newest `keep` at most). */
  missed: Date[];
  /** How many ticks came due with nobody leading (capped at 10 000). */
  dueCount: number;
  /** The tick to run now, late (catchUp: last). */
  late?: Date;
}

const DUE_CAP = 10_000;

/**
 * Decides, from the records a new leader finds at `now`, which earlier ticks were interrupted, which were
 * missed and which (catchUp: last, and no older than `startingDeadlineMs`) runs late. With no records at all
 * nothing is due: the history starts now.
 */
export function planCatchUp(
  runs: readonly StoredRun[],
  schedule: Schedule,
  now: Date,
  catchUp: 'none' | 'last',
  keep: number,
  startingDeadlineMs = Infinity
): CatchUpPlan {
  const interrupted = runs.filter((r) => r.record.state === 'started');
  const handled = runs.filter((r) => r.record.state !== 'scheduled').map((r) => Date.parse(r.record.tick));
  const waiting = runs.filter((r) => r.record.state === 'scheduled').map((r) => Date.parse(r.record.tick));
  if (!handled.length && !waiting.length) return { interrupted, missed: [], dueCount: 0 };
  const from = new Date(handled.length ? Math.max(...handled) : Math.min(...waiting) - 1);
  const dueCount = schedule.between(from, now, DUE_CAP).length;
  const due = schedule
    .previous(new Date(now.getTime() + 1), Math.min(dueCount, Math.max(1, keep)))
    .filter((t) => t > from)
    .reverse();
  // catchUp last runs the newest due tick late, unless it is older than the starting deadline.
  const newest = due.at(-1);
  const late =
    catchUp === 'last' && newest && now.getTime() - newest.getTime() <= startingDeadlineMs ? due.pop() : undefined;
  return { interrupted, missed: due, dueCount, late };
}
