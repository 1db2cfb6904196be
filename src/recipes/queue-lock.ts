import { AppError } from '../errors.js';
import type { Zk } from '../zk/client.js';
import { basename, parent, join } from '../zk/paths.js';

/** Why obtainQueueLock gave up. */
export class QueueLockError extends AppError<'TIMEOUT' | 'NOT_QUEUED' | 'EMPTY_QUEUE'> {
  constructor(
    readonly code: 'TIMEOUT' | 'NOT_QUEUED' | 'EMPTY_QUEUE',
    readonly path: string,
    message: string
  ) {
    super(message);
  }
}

/** The 10-digit sequence suffix of a sequential node name (-1 when it has none). */
export function sequenceOf(name: string): number {
  const m = /(\d{10})$/.exec(name);
  return m ? Number(m[1]) : -1;
}

/** Sorts sequential node names by their sequence suffix (then by name), not by the whole name. */
export const bySequence = (a: string, b: string): number =>
  sequenceOf(a) - sequenceOf(b) || (a < b ? -1 : a > b ? 1 : 0);

/** Options of {@link obtainQueueLock}. */
export interface QueueLockOptions {
  /** Give up after this long; 0 = check once. Default: wait forever. */
  waitMs?: number;
  signal?: AbortSignal;
  /** Only children for which this is true are in the queue (default: all). */
  filter?: (name: string) => boolean;
  /** Called with our place (0 = first) whenever it changes. */
  onPosition?: (index: number, of: number) => void;
  /** Called right after each listing of the queue is asked for: what it sends then is answered with it. */
  onList?: () => void;
  /** Called with each listing's answer: the queue's names (filtered), lowest first. */
  onListed?: (queue: readonly string[]) => void;
  /**
   * Called once per child left out: filtered out, or (with `creationOrder`) claiming an earlier sequence than
   * ours though ZooKeeper created it after ours — a name a client wrote, not a sequence ZooKeeper assigned.
   */
  onIgnored?: (name: string, why: 'name' | 'created-after') => void;
  /** Check the predecessor's creation (czxid) against ours before waiting on it. */
  creationOrder?: boolean;
}

/**
 * Waits until the queue node at `lockPath` (created by the caller, usually sequential) is the lowest
 * child of its parent. Watches only its predecessor. `waitMs` 0 checks once. Rejects QueueLockError
 * TIMEOUT / NOT_QUEUED (our node is gone) / EMPTY_QUEUE, or `signal.reason` when aborted.
 */
export async function obtainQueueLock(zk: Zk, lockPath: string, opts: QueueLockOptions = {}): Promise<void> {
  opts.signal?.throwIfAborted();
  const queue = parent(lockPath);
  const name = basename(lockPath);
  const waitMs = opts.waitMs ?? Infinity;
  const deadline = performance.now() + waitMs;
  const local = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, local.signal]) : local.signal;
  let last = -1;
  const ignored = new Set<string>();
  const ignore = (child: string, why: 'name' | 'created-after') => {
    if (!ignored.has(child)) opts.onIgnored?.(child, why);
    ignored.add(child);
  };
  const keep = (c: string) => {
    if (ignored.has(c)) return false;
    if ((opts.filter ?? (() => true))(c)) return true;
    ignore(c, 'name');
    return false;
  };
  let myCzxid: number | undefined;
  try {
    for (;;) {
      const listed = zk.children(queue);
      opts.onList?.();
      const children = (await listed).children.filter(keep);
      if (children.length === 0) throw new QueueLockError('EMPTY_QUEUE', queue, `queue ${queue} is empty`);
      children.sort(bySequence);
      opts.onListed?.(children);
      const idx = children.indexOf(name);
      if (idx < 0) throw new QueueLockError('NOT_QUEUED', lockPath, `queue node ${lockPath} does not exist`);
      if (idx !== last) {
        last = idx;
        opts.onPosition?.(idx, children.length);
      }
      if (idx === 0) return;
      const remaining = deadline - performance.now();
      if (waitMs <= 0 || remaining <= 0)
        throw new QueueLockError('TIMEOUT', lockPath, `queue lock ${lockPath} not obtained within ${waitMs} ms`);
      if (opts.creationOrder && myCzxid === undefined) {
        const mine = await zk.exists(lockPath);
        if (!mine) throw new QueueLockError('NOT_QUEUED', lockPath, `queue node ${lockPath} does not exist`);
        myCzxid = mine.czxid;
      }
      const { stat, event } = await zk.existsW(join(queue, children[idx - 1]!), { signal });
      if (!stat) continue;
      if (myCzxid !== undefined && stat.czxid > myCzxid) {
        ignore(children[idx - 1]!, 'created-after');
        continue; // its watch stays armed until it fires; nothing waits on it
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = Number.isFinite(remaining)
        ? new Promise<'timeout'>((r) => {
            timer = setTimeout(() => r('timeout'), remaining);
          })
        : new Promise<never>(() => {});
      try {
        const r = await Promise.race([event, timedOut]);
        if (r === 'timeout')
          throw new QueueLockError('TIMEOUT', lockPath, `queue lock ${lockPath} not obtained within ${waitMs} ms`);
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    local.abort(); // drop the predecessor watch's listener
  }
}
