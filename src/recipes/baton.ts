// The baton (DESIGN §3.2): the right to *run*, apart from winning the lock. The leader holds the ephemeral node
// `<path>/active` while a child of its term may be alive and drops it only once that child is confirmed gone;
// a new leader waits for it to vanish — dropped by its holder, or gone with the holder's session, whose lease
// ended (and so whose child stopped) before ZooKeeper expired it.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { createRecursive } from '../zk/helpers.js';
import { retry } from '../zk/retry.js';

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
   * Waits until no other session holds the baton, then takes it with `data`; resolves with the creation zxid of
   * our baton node (a fencing token: each holder's node is created after the previous one is gone). `onWait` is
   * called each time we find another session holding it. Rejects with the signal's reason when it aborts first,
   * or a ZkError.
   */
  async take(
    data: string,
    opts: { signal?: AbortSignal; onWait?: (holder: BatonHolder) => void } = {}
  ): Promise<number> {
    for (;;) {
      opts.signal?.throwIfAborted();
      const created = createRecursive(this.zk, this.path, data, { mode: 'ephemeral', acl: this.opts.acl });
      const after = this.zk.exists(this.path); // answered right after the create: its stat, in the same round trip
      after.catch(() => {});
      try {
        await created;
        const stat = (await after.catch(() => null)) ?? (await this.zk.exists(this.path));
        if (stat?.ephemeralOwner === this.zk.sessionId) {
          this.#mine = true;
          return stat.czxid;
        }
        continue; // deleted at once (by hand): take it again
      } catch (err) {
        if (!isZkError(err, 'NODEEXISTS', 'CONNECTIONLOSS', 'OPERATIONTIMEOUT')) throw err;
        if (!isZkError(err, 'NODEEXISTS')) await this.zk.sync('/').catch(() => {}); // lost reply: look again
      }
      const { stat, event } = await this.zk.existsW(this.path, { signal: opts.signal });
      if (!stat) continue;
      if (stat.ephemeralOwner === this.zk.sessionId) {
        // ours: a create whose reply was lost. Made again, so that its zxid is new (a token is used once).
        await this.zk.delete(this.path, stat.version).catch(() => {});
        continue;
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
   * Drops the baton — call it only once the child is confirmed gone. The delete is sent before this returns, so
   * a request the caller sends next is answered after it. Retries through a disconnect until the session is over
   * (which removes the node) or `signal` aborts (then the session's end removes it: close the session). Never
   * rejects.
   */
  async drop(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#mine) return;
    // Version 0: we made the node and never change it. (Another session's node — possible only after someone
    // deleted ours and our candidate node by hand — has version 0 too: the owner cannot be checked in one request.)
    await retry(this.zk, () => this.zk.delete(this.path, 0), { signal: opts.signal }).catch(() => {});
    this.#mine = false;
  }
}
