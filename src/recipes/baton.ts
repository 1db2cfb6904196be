// The baton (DESIGN §3.2): the right to *run*, apart from winning the lock. The leader holds an ephemeral node
// `<path>/batons/<its session>` while a child of its term may be alive and drops it only once that child is
// confirmed gone; a new leader waits until every baton made before its own is gone — dropped by its holder, or
// gone with the holder's session, whose lease ended (and so whose child stopped) before ZooKeeper expired it.
// Named after the session, a baton is only ever deleted by its holder: an operator who deleted ours by hand cannot
// make us delete the next leader's.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { createRecursive } from '../zk/helpers.js';
import { join } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import type { Stat } from '../zk/types.js';

/** Who holds the baton, as a waiter sees it. */
export interface BatonHolder {
  data: string;
  session: string;
  heldSinceMs: number;
}

/** What taking the baton found: the token, and whether an earlier holder had to be waited for. */
export interface Taken {
  token: number;
  waited: boolean;
}

export class Baton {
  #mine = false;

  /**
   * The baton under `dir` (e.g. `<election>/batons`) on our session. `opts.legacy` names a single baton node of
   * an older release (`<election>/active`): while it exists, we wait for it too (a rolling upgrade).
   */
  constructor(
    readonly zk: Zk,
    readonly dir: string,
    readonly opts: { acl?: readonly Acl[]; legacy?: string } = {}
  ) {}

  /** Our baton node's path. */
  get path(): string {
    return join(this.dir, this.zk.sessionId);
  }

  /** True while we hold it. */
  get held(): boolean {
    return this.#mine;
  }

  /**
   * Makes our baton node with `data` and waits until every baton made before it is gone; resolves with the creation
   * zxid of our node (a fencing token: it was made after every earlier holder's) and whether we waited. `onWait` is
   * called each time we find an earlier holder. Rejects with the signal's reason when it aborts first, or a
   * ZkError; our node is deleted again then.
   */
  async take(
    data: string,
    opts: { signal?: AbortSignal; onWait?: (holder: BatonHolder) => void } = {}
  ): Promise<Taken> {
    let waited = false;
    try {
      const made = this.#create(data, opts.signal);
      let listing: Listing | undefined = this.#list(); // sent behind the create: the same round trip
      listing.children.catch(() => {});
      const { stat: own, first } = await made;
      if (!first) listing = undefined; // sent before the node we made: look again
      for (;;) {
        opts.signal?.throwIfAborted();
        const earlier = await this.#earliest(own, listing);
        listing = undefined;
        if (!earlier) {
          this.#mine = true;
          return { token: own.czxid, waited };
        }
        waited = true;
        const { stat, event } = await this.zk.existsW(earlier.path, { signal: opts.signal });
        if (!stat) continue;
        const holder = await this.zk.get(earlier.path).then(
          (r) => r.data.toString(),
          () => ''
        );
        opts.onWait?.({ data: holder, session: stat.ephemeralOwner, heldSinceMs: Date.now() - stat.ctime.getTime() });
        await event;
      }
    } catch (err) {
      if (!this.#mine) await this.zk.delete(this.path).catch(() => {});
      throw err;
    }
  }

  // Creates our node anew (a token is used once: a node of ours left by a lost reply is made again).
  async #create(data: string, signal: AbortSignal | undefined): Promise<{ stat: Stat; first: boolean }> {
    for (let first = true; ; first = false) {
      signal?.throwIfAborted();
      const created = createRecursive(this.zk, this.path, data, { mode: 'ephemeral', acl: this.opts.acl });
      const after = this.zk.exists(this.path); // answered right after the create: its stat, in the same round trip
      after.catch(() => {});
      try {
        await created;
        const stat = (await after.catch(() => null)) ?? (await this.zk.exists(this.path));
        if (stat?.ephemeralOwner === this.zk.sessionId) return { stat, first };
        // deleted at once (by hand): made again
      } catch (err) {
        if (!isZkError(err, 'NODEEXISTS', 'CONNECTIONLOSS', 'OPERATIONTIMEOUT')) throw err;
        if (!isZkError(err, 'NODEEXISTS')) await this.zk.sync('/').catch(() => {}); // lost reply: look again
        await this.zk.delete(this.path).catch(() => {}); // ours, named after our session
      }
    }
  }

  // The batons in `dir` and the legacy node, asked for together.
  #list(): Listing {
    const legacy = this.opts.legacy ? this.zk.exists(this.opts.legacy) : Promise.resolve(null);
    legacy.catch(() => {});
    return { children: this.zk.children(this.dir), legacy };
  }

  // The latest baton made before ours (the one to wait for), if any: other sessions' nodes in `dir` with a lower
  // creation zxid, and the legacy node. No extra round trip when nobody else holds one.
  async #earliest(own: Stat, listing = this.#list()): Promise<{ path: string; czxid: number } | undefined> {
    const names = (await listing.children.catch(() => this.#list().children)).children.filter(
      (n) => n !== this.zk.sessionId
    );
    const found: { path: string; czxid: number }[] = [];
    const old = await listing.legacy.catch(() => this.#list().legacy);
    if (old && this.opts.legacy) found.push({ path: this.opts.legacy, czxid: old.czxid });
    const stats = await Promise.all(names.map((n) => this.zk.exists(join(this.dir, n))));
    names.forEach((n, i) => {
      const s = stats[i];
      if (s && s.czxid < own.czxid) found.push({ path: join(this.dir, n), czxid: s.czxid });
    });
    return found.sort((a, b) => b.czxid - a.czxid)[0];
  }

  /**
   * Drops our baton — call it only once the child is confirmed gone. The delete is sent before this returns, so
   * a request the caller sends next is answered after it. Retries through a disconnect until the session is over
   * (which removes the node) or `signal` aborts (then the session's end removes it: close the session). Never
   * rejects; never deletes another session's baton.
   */
  async drop(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#mine) return;
    const path = this.path;
    await retry(this.zk, () => this.zk.delete(path).catch(gone), { signal: opts.signal }).catch(() => {});
    this.#mine = false;
  }
}

interface Listing {
  children: Promise<{ children: string[] }>;
  legacy: Promise<Stat | null>;
}

const gone = (err: unknown) => (isZkError(err, 'NONODE') ? undefined : Promise.reject(err));
