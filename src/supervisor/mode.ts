// What a mode (continuous, scheduled, once) gets from the supervisor while it leads, and how a term ends.
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { endOf, TermEnd } from '../recipes/end.js';
import type { LeaderInfo } from '../recipes/election.js';
import type { TermHistory } from '../recipes/history.js';
import type { Term } from '../recipes/term.js';
import type { LeashedTask, TaskExit, TaskSpawnError } from '../task/task.js';
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import type { Schedule } from '../schedule/cron.js';
import type { RunOutcome } from '../schedule/runs.js';
import type { Hooks } from './hooks.js';
import type { Suspension } from './suspend.js';
import { pidNodePathOf } from './pid.js';
import type { StartRefusal, SupervisorEvent } from './transitions.js';

/** How a term of leadership ended. */
export type LeadEnd =
  | { kind: 'exited'; exit: TaskExit }
  | { kind: 'lost'; end: TermEnd }
  | { kind: 'spawn-failed'; error: TaskSpawnError };

export type { RunOutcome } from '../schedule/runs.js';

/** The supervisor, as a mode sees it: what it is told, and the one way to tell it what happened. */
export interface ModeContext {
  readonly config: Config;
  readonly log: Logger;
  readonly acl: readonly Acl[];
  readonly info: LeaderInfo;
  /** The terms this process has seen of the election at `path` (a slot's), across its sessions (they only grow). */
  historyOf(path: string): TermHistory;
  /** The configured hooks (a no-op for those not set). */
  readonly hooks: Hooks;
  /** Reports what happened; the supervisor's table decides the state it leads to. */
  report(e: SupervisorEvent): void;
  /** Reports how a tick ended (scheduled mode). */
  ran(run: RunOutcome): void;
  /** Reports whether the job is suspended (its marker, watched for the session). */
  suspension(on: boolean): void;
  /** True after a second shutdown signal: stops skip the grace period. */
  forced(): boolean;
  /** Spawns an idle leash for the command. Throws TaskSpawnError. */
  spawn(): LeashedTask;
  /** The running task (a second shutdown signal SIGKILLs it); undefined between runs. */
  setTask(task: LeashedTask | undefined): void;
  task(): LeashedTask | undefined;
  /** The compiled `task.schedule` (scheduled mode), or undefined. */
  schedule(): Schedule | undefined;
  /**
   * Ends the current session instead of resuming it: its nodes go when the servers expire it (T after its last
   * touch). For a lease that lapsed while holding a term and is still cut off (DESIGN §3.1).
   */
  abandonSession(why: string): void;
}

/** What this host says of itself as a candidate of `config`'s election (its candidate and leader nodes' data). */
export function candidateOf(config: Config): LeaderInfo {
  const { id, description, priority } = config.election;
  const pidNode = pidNodePathOf(config);
  return { id, host: hostname(), pid: process.pid, description, pidNode, ...(priority === 0 ? {} : { priority }) };
}

/** One term, as the mode runs it. */
export interface Leadership {
  zk: Zk;
  term: Term;
  /** Aborts when we shut down. */
  outer: AbortSignal;
  /** Aborts when leadership ends (`term.lost`) or we shut down. */
  signal: AbortSignal;
  /** The job's suspension marker, watched for the session (none: never suspended, e.g. `once`). */
  suspension?: Suspension;
}

/**
 * True when the child must not start now: only with its whole stop time left on the lease (a supervisor frozen
 * in a backoff must not run the command on resume; DESIGN §3.1).
 */
export const thinLease = (l: Leadership): boolean => l.term.msUntilStop() <= 0;

/** The stop grace: stopTimeout, cut to what is left of the lease (a SIGKILL at once once it is over). */
export const graceMs = (ctx: ModeContext, l: Leadership): number =>
  ctx.forced()
    ? 0
    : Math.max(0, Math.min(ctx.config.task.stopTimeout, l.term.msUntilStop() + ctx.config.task.stopTimeout));

/** Reports that the child may not start now (`why`) and returns the term's end, for the mode to return. */
export function refused(ctx: ModeContext, why: StartRefusal): { kind: 'lost'; end: TermEnd } {
  ctx.report({ type: 'start-refused', why });
  return { kind: 'lost', end: new TermEnd(why === 'thin lease' ? 'lease-expired' : 'done', why) };
}

/** True when `l` ends because we shut down, not because leadership was lost. */
export const shuttingDown = (l: Leadership): boolean => l.outer.aborted && !l.term.lost.aborted;

/** Why `l` ended (its signal has aborted): the term's end, or our shutdown's. */
export const endOfTerm = (l: Leadership): TermEnd => endOf(l.term.lost.aborted ? l.term.lost : l.signal);

/** Reports that the term ended (`childPgid`: the child it stopped) and returns how, for the mode to return. */
export function ended(ctx: ModeContext, l: Leadership, childPgid?: number): { kind: 'lost'; end: TermEnd } {
  const end = endOfTerm(l);
  ctx.report({ type: 'term-ended', end, shutdown: shuttingDown(l), childPgid });
  return { kind: 'lost', end };
}
