// The baton (DESIGN §3.2): the right to *run*, apart from winning the lock. The leader holds the ephemeral node
// `<path>/active` while a child of its term may be alive and drops it only once that child is confirmed gone;
// a new leader waits for it to vanish — dropped by its holder, or gone with the holder's session, whose lease
// ended (and so whose child stopped) before ZooKeeper expired it.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { createRecursive } from '../zk/helpers.js';

/** Who holds the baton, as a waiter sees it. */
export interface BatonHolder {
  data: string;
  session: string;
  heldSinceMs: number;
}

export class Baton {
  #mine = false;

  /** The baton at `path` (e.g. `<election>/active`) on our session. */
  constructor(
    readonly zk: Zk,
    readonly path: string,
    readonly opts: { acl?: readonly Acl[] } = {}
  ) {}

  /** True while we hold it. */
  get held(): boolean {
    return this.#mine;
  }

  /**
   * Waits until no other session holds the baton, then takes it with `data`. `onWait` is called each time we
   * find another session holding it. Rejects with the signal's reason when it aborts first, or a ZkError.
   */
  async take(data: string, opts: { signal?: AbortSignal; onWait?: (holder: BatonHolder) => void } = {}): Promise<void> {
    for (;;) {
      opts.signal?.throwIfAborted();
      try {
        await createRecursive(this.zk, this.path, data, { mode: 'ephemeral', acl: this.opts.acl });
        this.#mine = true;
        return;
      } catch (err) {
        if (!isZkError(err, 'NODEEXISTS', 'CONNECTIONLOSS', 'OPERATIONTIMEOUT')) throw err;
        if (!isZkError(err, 'NODEEXISTS')) await this.zk.sync('/').catch(() => {}); // lost reply: look again
      }
      const { stat, event } = await this.zk.existsW(this.path, { signal: opts.signal });
      if (!stat) continue;
      if (stat.ephemeralOwner === this.zk.sessionId) {
        // ours: a create whose reply was lost, or a term before
        await this.zk.set(this.path, data, stat.version);
        this.#mine = true;
        return;
      }
      const holder = await this.zk.get(this.path).then(
        (r) => r.data.toString(),
        () => ''
      );
      opts.onWait?.({ data: holder, session: stat.ephemeralOwner, heldSinceMs: Date.now() - stat.ctime.getTime() });
      await event;
    }
  }

  /**
   * Drops the baton — call it only once the child is confirmed gone. Retries through a disconnect; gives up
   * only when the session is gone (which removes the node). Never rejects.
   */
  async drop(): Promise<void> {
    for (let attempt = 0; this.#mine; attempt++) {
      try {
        const stat = await this.zk.exists(this.path);
        if (stat && stat.ephemeralOwner === this.zk.sessionId) await this.zk.delete(this.path, stat.version);
        this.#mine = false;
      } catch (err) {
        if (this.zk.state === 'expired' || this.zk.state === 'closed' || isZkError(err, 'NONODE')) {
          this.#mine = false;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }
}
