import { AppError } from '../errors.js';

export type RecipeErrorCode = 'LOCK_TIMEOUT' | 'NOT_QUEUED' | 'NOT_OWNED' | 'CANCELLED';

/** A recipe gave up: the lock was not won in time, or our candidate node vanished or is not ours. */
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
