// The supervisor's named states and which may follow which (DESIGN §4); transitions.ts says which event leads where.
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
  // waiting: leader in scheduled mode, between ticks, or suspended (no child)
  waiting: ['running', 'starting', 'stopping', 'shutting-down'],
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
