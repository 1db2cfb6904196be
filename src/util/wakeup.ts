// A wake-up that fires many times: `next()` resolves at the next `fire()`; after `end()` it resolves once more
// (whoever waited is let go) and never again — so a loop over `next()` cannot spin on a settled promise.

export class Wakeup {
  #wake: () => void = () => {};
  #next = this.#arm();
  #ended = false;

  /** True once `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves at the next `fire()` (or `end()`); never once ended. */
  next(): Promise<void> {
    return this.#ended ? new Promise<void>(() => {}) : this.#next;
  }

  /** Lets go of whoever waits; the next `next()` waits for the fire after this one. */
  fire(): void {
    const wake = this.#wake;
    this.#next = this.#arm();
    wake();
  }

  /** Lets go of whoever waits, for the last time. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  #arm(): Promise<void> {
    return new Promise<void>((r) => {
      this.#wake = r;
    });
  }
}
