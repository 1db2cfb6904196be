import { AppError } from '../errors.js';

export type RecipeErrorCode = 'LOCK_TIMEOUT' | 'NOT_QUEUED' | 'NOT_OWNED' | 'SESSION_ENDED' | 'SLOTS_MISMATCH';

/**
 * A recipe gave up: the lock was not won in time, our candidate node vanished or is not ours, the session is
 * over (SESSION_ENDED: make a new client), or the hosts disagree on a job's slot count (SLOTS_MISMATCH).
 */
export class RecipeError extends AppError<RecipeErrorCode> {
  constructor(
    readonly code: RecipeErrorCode,
    readonly path: string,
    message: string,
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}
