/** Base class of every error this package throws on purpose: a stable `code` and the original `cause`. */
export abstract class AppError<C extends string = string> extends Error {
  abstract readonly code: C;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
