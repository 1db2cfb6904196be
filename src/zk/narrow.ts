// A restricted ACL set right after a create: the way an unpatched binding (one that cannot pass the ACL with the
// create, scripts/patch-zookeeper.mjs) makes a secured node. For one round trip the node is open, and another
// client may set an ACL of its own on it; our setACL then gets NOAUTH. That is tampering, not wrong credentials
// (we just created the node, so we were allowed to): the node is deleted and made again, and the caller told.
import { AppError } from '../errors.js';
import type { Acl } from './acl.js';
import { isZkError } from './errors.js';
import { retry, RetryError, type RetrySession } from './retry.js';
import type { CreateMode } from './types.js';

/** What narrowing needs of a client (the Zk class, which delegates to these functions). */
export interface NarrowClient extends RetrySession {
  create(path: string, data: Buffer | string, opts: { mode: CreateMode }): Promise<string>;
  setACL(path: string, acl: readonly Acl[]): Promise<void>;
  getACL(path: string): Promise<{ acl: Acl[] }>;
  delete(path: string): Promise<void>;
}

/** Attempts at create + setACL before {@link TamperedError}. */
export const TAMPER_ATTEMPTS = 5;

/** Another client set the ACL of a node we had just created, on every attempt. */
export class TamperedError extends AppError<'TAMPERED'> {
  readonly code = 'TAMPERED' as const;
  constructor(
    readonly path: string,
    readonly attempts: number
  ) {
    super(
      `zookeeper create ${path}: another client changed the ACL of the node we had just created, before ours was ` +
        `set (${attempts} attempts; tampering, not our credentials): rebuild the zookeeper binding with ` +
        'scripts/patch-zookeeper.mjs, which creates the node with its ACL, and find that client'
    );
  }
}

/**
 * Sets `acl` on a node of ours, retrying through a lost connection (the request may or may not have been
 * applied) until it is answered. Rejects NONODE when the node is gone, SESSIONEXPIRED / CLOSED when the
 * session ends first, NOAUTH when we may not.
 */
export async function narrow(zk: NarrowClient, path: string, acl: readonly Acl[]): Promise<void> {
  try {
    await retry(zk, () => zk.setACL(path, acl));
  } catch (err) {
    if (!(err instanceof RetryError)) throw err;
    await zk.setACL(path, acl); // the session ended: this one rejects SESSIONEXPIRED / CLOSED
  }
}

/**
 * Creates `path` open, then narrows it to `acl`; resolves with the created path. On a NOAUTH from the narrowing
 * whose cause is not our own earlier setACL (a lost reply to one that excluded us), calls `onTampered` with the
 * node, deletes it and tries again. Rejects {@link TamperedError} after {@link TAMPER_ATTEMPTS} tampered
 * attempts, and as `create`, `setACL` and `delete` do otherwise.
 */
export async function createNarrowed(
  zk: NarrowClient,
  path: string,
  data: Buffer | string,
  mode: CreateMode,
  acl: readonly Acl[],
  onTampered?: (path: string) => void
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const created = await zk.create(path, data, { mode });
    try {
      await narrow(zk, created, acl);
      return created;
    } catch (err) {
      if (!isZkError(err, 'NOAUTH')) throw err;
      if (await hasAcl(zk, created, acl)) return created; // ours was applied (its reply lost) and excludes us
    }
    onTampered?.(created);
    await zk.delete(created).catch((err: unknown) => {
      if (!isZkError(err, 'NONODE')) throw err;
    });
    if (attempt >= TAMPER_ATTEMPTS) throw new TamperedError(path, attempt);
  }
}

/** True when the node's ACL is `acl` (false when we may not read it, or it is gone). */
async function hasAcl(zk: NarrowClient, path: string, acl: readonly Acl[]): Promise<boolean> {
  const got = await zk.getACL(path).catch(() => undefined);
  const key = (a: Acl) => `${a.scheme}:${a.id}:${a.perms}`;
  return got !== undefined && got.acl.map(key).sort().join() === acl.map(key).sort().join();
}
