// Mutex over ephemeral-sequential contender nodes `<path>/<guid>-lock-<seq>`: the lowest sequence holds it,
// each waiter watches only its predecessor (no herd). The per-attempt GUID lets a create whose reply was
// lost be found again instead of being orphaned (Curator's "protected" mode).
import { randomUUID } from 'node:crypto';
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { createRecursive } from '../zk/helpers.js';
import { join } from '../zk/paths.js';
import { offlineAfter, retry, RetryError } from '../zk/retry.js';
import { QueueLockError, obtainQueueLock } from './queue-lock.js';
import { RecipeError } from './errors.js';

/** Where a contender stands: 0 = holds the lock. */
export interface Position {
  index: number;
  of: number;
  node: string;
}

/** A contender node's name: `<uuid>-lock-<10 digits>`. Anything else in the queue is not a contender. */
export const CONTENDER_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-lock-\d{10}$/;

/** Options of {@link Mutex.lock}. */
export interface LockOptions {
  /** Give up after this long; 0 = try once. Default: wait forever. */
  timeoutMs?: number;
  /** Called whenever our place in the queue changes. */
  onPosition?: (p: Position) => void;
  /** Called once per node in the queue that is not a contender (a forged name or creation order); it is skipped. */
  onIgnored?: (node: string, why: 'name' | 'created-after') => void;
  /** Called right after each listing of the queue is asked for (see obtainQueueLock). */
  onList?: () => void;
  /** Called with each listing's contender names (not paths), lowest first. */
  onListed?: (queue: readonly string[]) => void;
  signal?: AbortSignal;
}

/** One contender for the lock at `path`. Create one per attempt; not reusable across sessions. */
export class Mutex {
  readonly guid = randomUUID();
  #node: string | undefined;
  #uncertain = false; // a create whose answer was lost, not found again: the node may exist

  constructor(
    readonly zk: Zk,
    readonly path: string,
    readonly opts: { data?: string | Buffer; acl?: readonly Acl[] } = {}
  ) {}

  /** Full path of our contender node, once created. */
  get node(): string | undefined {
    return this.#node;
  }

  /** True while a contender node of ours may exist ({@link unlock} deletes it). */
  get pending(): boolean {
    return this.#node !== undefined || this.#uncertain;
  }

  /**
   * Queues and waits until we hold the lock. On timeout, abort or error our node is deleted again.
   * Rejects RecipeError LOCK_TIMEOUT / NOT_QUEUED (our node was deleted, e.g. by an operator), or signal.reason.
   */
  async lock(opts: LockOptions = {}): Promise<void> {
    opts.signal?.throwIfAborted();
    let node: string | undefined;
    try {
      this.#node ??= await this.#createNode(opts.signal);
      const mine = this.#node;
      node = mine;
      await obtainQueueLock(this.zk, mine, {
        waitMs: opts.timeoutMs,
        signal: opts.signal,
        filter: (c) => CONTENDER_NAME.test(c),
        creationOrder: true,
        onIgnored: (name, why) => opts.onIgnored?.(join(this.path, name), why),
        onPosition: (index, of) => opts.onPosition?.({ index, of, node: mine }),
        onList: opts.onList,
        onListed: opts.onListed,
      });
    } catch (err) {
      await this.unlock().catch(() => {});
      if (!(err instanceof QueueLockError)) throw err;
      if (err.code === 'TIMEOUT')
        throw new RecipeError('LOCK_TIMEOUT', this.path, `lock ${this.path} not acquired within ${opts.timeoutMs} ms`);
      throw new RecipeError('NOT_QUEUED', node ?? this.path, `contender node ${node} was deleted`);
    }
  }

  /**
   * Deletes our contender node (releases the lock or leaves the queue). Safe to repeat; rejects
   * CONNECTIONLOSS while disconnected, keeping the node name so a later call can finish the job.
   */
  async unlock(): Promise<void> {
    if (!this.#node && this.#uncertain) {
      this.#node = await this.#findOwn(); // rejects CONNECTIONLOSS while disconnected: a later call finishes
      this.#uncertain = false;
    }
    const node = this.#node;
    if (!node) return;
    try {
      await this.zk.delete(node);
    } catch (err) {
      // On a lost connection the node may still be there: keep it so a retry can delete it.
      if (!isZkError(err, 'NONODE', 'SESSIONEXPIRED', 'CLOSED')) throw err;
    }
    this.#node = undefined;
  }

  /**
   * Deletes our contender node, retrying through a disconnect: while it exists (our session lives on) nobody else
   * can get the lock, so it must not be left behind. Gives up only when the session is gone (or, after `signal`
   * aborts, when the connection is down: the session's end removes it then); rejects NOAUTH (retrying cannot help:
   * the caller must end the session). `onRetry` is told at once, then every 30 s while it retries.
   */
  async release(opts: { signal?: AbortSignal; onRetry?: (node: string, err: unknown) => void } = {}): Promise<void> {
    if (!this.pending) return;
    const node = this.#node ?? this.path;
    let saidAt = -Infinity;
    const offline = opts.signal ? offlineAfter(this.zk, opts.signal) : undefined;
    try {
      await retry(this.zk, () => this.unlock(), {
        signal: offline?.signal,
        retryable: (err) => !isZkError(err, 'NOAUTH'),
        onRetry: (err) => {
          if (performance.now() - saidAt < 30_000) return;
          saidAt = performance.now();
          opts.onRetry?.(node, err);
        },
      });
    } catch (err) {
      if (!(err instanceof RetryError)) throw err;
    } finally {
      offline?.dispose();
    }
  }

  /** True when our node exists and belongs to the client's current session (check after every reconnect). */
  async owned(): Promise<boolean> {
    if (!this.#node) return false;
    const stat = await this.zk.exists(this.#node);
    return stat !== null && stat.ephemeralOwner === this.zk.sessionId;
  }

  // Creates our node; after a lost reply, finds it by GUID instead of creating a second one. When `signal` aborts
  // (or the session ends) between tries, the node may exist: unlock() looks for it.
  async #createNode(signal?: AbortSignal): Promise<string> {
    const prefix = join(this.path, `${this.guid}-lock-`);
    const create = async (tries: number): Promise<string> => {
      const found = tries > 0 ? await this.#findOwn() : undefined;
      if (found) {
        // The create was applied but its answer (and our setACL after it) lost: the node is still open.
        if (this.opts.acl) await this.zk.narrow(found, this.opts.acl);
        this.#uncertain = false;
        return found;
      }
      this.#uncertain = true;
      const node = await createRecursive(this.zk, prefix, this.opts.data ?? '', {
        mode: 'ephemeral_sequential',
        acl: this.opts.acl,
      });
      this.#uncertain = false;
      return node;
    };
    return retry(this.zk, create, { signal, maxTries: 20 });
  }

  async #findOwn(): Promise<string | undefined> {
    const { children } = await this.zk.children(this.path);
    const mine = children.find((c) => c.startsWith(`${this.guid}-lock-`));
    return mine ? join(this.path, mine) : undefined;
  }
}
