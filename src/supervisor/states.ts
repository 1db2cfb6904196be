// The supervisor's named states and the transitions between them (DESIGN §4).
import { AppError } from '../errors.js';

export type State =
  | 'idle'
  | 'connecting'
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

export const ALLOWED: Readonly<Record<State, readonly State[]>> = {
  idle: ['connecting', 'shutting-down'],
  connecting: ['candidate', 'backoff', 'shutting-down'],
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
  backoff: ['candidate', 'connecting', 'starting', 'shutting-down'],
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
