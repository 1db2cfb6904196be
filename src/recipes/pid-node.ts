// The pid node: an ephemeral node advertising this supervisor. Never deletes a node owned by another live
// session (the seed did); re-created when deleted or after a new session.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { createRecursive } from '../zk/helpers.js';
import { pause } from '../util/abort.js';
import { isFinal } from '../zk/types.js';

/** Keeps `path` present as our ephemeral node until `signal` aborts or the session ends. */
export async function maintainPidNode(
  zk: Zk,
  path: string,
  data: string,
  opts: { acl?: readonly Acl[]; signal: AbortSignal; onConflict?: (owner: string) => void; onCreated?: () => void }
): Promise<void> {
  const { signal } = opts;
  while (!signal.aborted && !isFinal(zk.state)) {
    try {
      const { stat, event } = await zk.existsW(path, { signal });
      if (!stat) {
        try {
          await createRecursive(zk, path, data, { mode: 'ephemeral', acl: opts.acl });
          opts.onCreated?.();
        } catch (err) {
          if (!isZkError(err, 'NODEEXISTS')) throw err;
        }
      } else if (stat.ephemeralOwner !== zk.sessionId) {
        opts.onConflict?.(stat.ephemeralOwner); // another live session holds it: wait for it to go
      }
      await event;
    } catch (err) {
      if (signal.aborted || isZkError(err, 'SESSIONEXPIRED', 'CLOSED')) return;
      if (!isZkError(err, 'CONNECTIONLOSS', 'OPERATIONTIMEOUT')) throw err;
      await pause(100, signal);
    }
  }
}

/** Deletes the pid node if, and only if, it is ours. */
export async function removePidNode(zk: Zk, path: string): Promise<void> {
  try {
    const stat = await zk.exists(path);
    if (stat && stat.ephemeralOwner === zk.sessionId) await zk.delete(path, stat.version);
  } catch (err) {
    if (!isZkError(err, 'NONODE', 'BADVERSION', 'SESSIONEXPIRED', 'CLOSED', 'CONNECTIONLOSS')) throw err;
  }
}
