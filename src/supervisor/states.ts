// The supervisor's named states and the transitions between them (DESIGN §4).
import { AppError } from '../errors.js';

export type State =
  | 'idle'
  | 'connecting'
  | 'drained'
  | 'candidate'
  | 'starting'
  | 'waiting-for-baton'
  | 'waiting'
  | 'running'
  | 'fenced'
  | 'stopping'
  | 'backoff'
  | 'shutting-down'
  | 'stopped';

/** Why the state changed: a fixed reason, or why a term ended ({@link EndReason}). Logged as `reason`. */
export type Reason =
  | 'start'
  | 'new session'
  | 'retry'
  | 'zookeeper unreachable'
  | 'session ended'
  | 'signal'
  | 'not allowed'
  | 'shutdown complete'
  | 'once'
  | 'once done'
  | 'joined'
  | 'rejoin'
  | 'stepped down'
  | 'drained by an operator'
  | 'won election'
  | 'a previous term may still run its child'
  | 'lease renewed'
  | 'zookeeper connection lost'
  | 'lease too short to start the child (no recent answer from the zookeeper leader)'
  | 'child started'
  | 'restarted'
  | 'restart'
  | 'restart delay'
  | 'crash loop'
  | 'preStart hook failed'
  | 'child exited'
  | 'lease expired (child stopped by the leash)'
  | 'next tick'
  | 'late tick (catchUp: last)'
  | 'tick started'
  | 'late tick started'
  | 'the schedule fires no more'
  | EndReason;

/** Why a term ended, as its `lost` or lease signal says (term lost, lease expired, shutting down, …). */
export type EndReason = string & { readonly __endReason: unique symbol };

/** The states in which this host leads: it won a term, and its child may run. */
export const LEADING: readonly State[] = ['starting', 'waiting-for-baton', 'waiting', 'running', 'fenced'];
/** Leading, or still stopping the child of the term that ended: a reload waits until the term is over. */
export const HOLDING_TERM: readonly State[] = [...LEADING, 'stopping'];

export const ALLOWED: Readonly<Record<State, readonly State[]>> = {
  idle: ['connecting', 'shutting-down'],
  connecting: ['candidate', 'drained', 'backoff', 'shutting-down'],
  // an operator keeps this host from leading: connected, visible, not in the queue
  drained: ['candidate', 'backoff', 'connecting', 'shutting-down'],
  candidate: ['starting', 'backoff', 'connecting', 'shutting-down'],
  starting: [
    'waiting-for-baton',
    'running',
    'waiting',
    'stopping',
    'backoff',
    'candidate',
    'connecting',
    'shutting-down',
  ],
  // won, but a previous term's child may still run: wait for its baton (DESIGN §3.2)
  'waiting-for-baton': ['running', 'waiting', 'stopping', 'shutting-down'],
  // waiting: leader in scheduled mode, between ticks (no child)
  waiting: ['running', 'stopping', 'shutting-down'],
  running: ['fenced', 'waiting', 'stopping', 'shutting-down'],
  fenced: ['running', 'waiting', 'stopping', 'shutting-down'],
  stopping: ['candidate', 'backoff', 'connecting', 'starting', 'shutting-down'],
  backoff: ['candidate', 'drained', 'connecting', 'starting', 'shutting-down'],
  'shutting-down': ['stopped'],
  stopped: [],
};

export class SupervisorError extends AppError<'ILLEGAL_TRANSITION'> {
  readonly code = 'ILLEGAL_TRANSITION';
}

/** Throws SupervisorError unless `from → to` is in the table. */
export function checkTransition(from: State, to: State, reason: string): void {
  if (!ALLOWED[from].includes(to)) throw new SupervisorError(`${from} → ${to} (${reason})`);
}
