// What a mode (continuous, scheduled, once) gets from the supervisor while it leads, and how a term ends.
import type { Config } from '../config/schema.js';
import { reasonOf as messageOf } from '../util/abort.js';
import type { Logger } from '../log.js';
import type { LeaderInfo, Term } from '../recipes/election.js';
import type { Lease } from '../recipes/lease.js';
import type { LeashedTask, TaskExit, TaskSpawnError } from '../task/task.js';
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import type { EndReason, Reason, State } from './states.js';
import type { Schedule } from '../schedule/cron.js';
import type { Hooks } from './hooks.js';

/** How a term of leadership ended. */
export type LeadEnd =
  | { kind: 'exited'; exit: TaskExit }
  | { kind: 'lost'; reason: string }
  | { kind: 'spawn-failed'; error: TaskSpawnError };

/** The supervisor, as a mode sees it. */
export interface ModeHost {
  readonly config: Config;
  readonly log: Logger;
  readonly acl: readonly Acl[];
  readonly info: LeaderInfo;
  /** True after a second shutdown signal: stops skip the grace period. */
  forced(): boolean;
  transition(to: State, reason: Reason, fields?: Record<string, unknown>): void;
  /** Spawns an idle leash for the command. Throws TaskSpawnError. */
  spawn(): LeashedTask;
  /** The running task (a second shutdown signal SIGKILLs it); undefined between runs. */
  setTask(task: LeashedTask | undefined): void;
  task(): LeashedTask | undefined;
  state(): State;
  /** A term begins: its number goes into every state-change line. */
  beginTerm(term: number): void;
  /** A session begins: its id goes into every state-change line. */
  beginSession(id: string): void;
  /** The compiled `task.schedule` (scheduled mode), or undefined. */
  schedule(): Schedule | undefined;
  /** The configured hooks (a no-op for those not set). */
  readonly hooks: Hooks;
}

/** One term, as the mode runs it. */
export interface Leadership {
  zk: Zk;
  term: Term;
  lease: Lease;
  /** Aborts when leadership ends (term lost or lease over). */
  ended: AbortSignal;
  /** Aborts when we shut down. */
  outer: AbortSignal;
  /** Either of the two. */
  signal: AbortSignal;
}

/**
 * Why the child must not start now, or undefined: a child starts only with its whole stop time left on the
 * lease (a supervisor frozen in a backoff must not run the command on resume; DESIGN §3.1).
 */
export const thinLease = (l: Leadership): Reason | undefined =>
  l.lease.remainingMs() > 0
    ? undefined
    : 'lease too short to start the child (no recent answer from the zookeeper leader)';

/** The stop grace: stopTimeout, cut to what is left of the lease (a SIGKILL at once once it is over). */
export const graceMs = (host: ModeHost, l: Leadership): number =>
  host.forced()
    ? 0
    : Math.max(0, Math.min(host.config.task.stopTimeout, l.lease.remainingMs() + host.config.task.stopTimeout));

/** True when `l` ends because we shut down, not because leadership was lost. */
export const shuttingDown = (l: Leadership): boolean => l.outer.aborted && !l.ended.aborted;

/** The message of an aborted signal's reason. */
export const reasonOf = (signal: AbortSignal): EndReason => messageOf(signal) as EndReason;
