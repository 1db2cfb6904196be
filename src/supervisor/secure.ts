// Secured mode (DESIGN §6): the ACLs of the election's directories, and what a refused write means.
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { directoryAcl, PERM_READ, type Acl } from '../zk/acl.js';
import { childrenOrEmpty } from '../zk/helpers.js';
import type { Zk } from '../zk/client.js';
import { isZkError, type ZkError } from '../zk/errors.js';
import { join } from '../zk/paths.js';
import { layoutOf } from '../recipes/layout.js';

/**
 * Narrows every node the tool owns that was created earlier with an open ACL (anyone could delete or add nodes,
 * rewrite `leader` or the run records) to read-only for everyone but the members: the election node, its
 * directories (`candidates`, `batons`, `runs`, `drained`, and `pids` when the pid node lives there), `leader`,
 * `active`, `resign`, `last-run`, each run record and each drain marker. A pid-node parent outside the election
 * path is shared, not ours: it is left alone (with a warning when it is open). A missing node is skipped; another
 * failure is logged and the rest are still done; NOAUTH is thrown (our credentials are not the members').
 */
export async function secureDirectories(
  zk: Zk,
  electionPath: string,
  pidParent: string,
  acl: readonly Acl[],
  log: Logger
): Promise<void> {
  const dirAcl = directoryAcl(acl);
  const owned = pidParent === electionPath || pidParent.startsWith(`${electionPath}/`);
  const at = layoutOf(electionPath);
  const inside = async (dir: string) => (await childrenOrEmpty(zk, dir)).map((r) => join(dir, r));
  const records = [...(await inside(at.runs)), ...(await inside(at.drained))];
  const dirs = [at.root, at.candidates, at.batons, at.runs, at.drained, ...(owned ? [pidParent] : [])];
  const files = [at.leader, at.active, at.resign, at.lastRun];
  for (const [path, want] of [
    ...dirs.map((d) => [d, dirAcl] as const),
    ...[...files, ...records].map((f) => [f, acl] as const),
  ]) {
    try {
      await zk.setACL(path, want);
    } catch (err) {
      if (isZkError(err, 'NOAUTH')) throw err;
      if (!isZkError(err, 'NONODE')) log.warn('cannot secure election node', { path, error: String(err) });
    }
  }
  if (!owned) {
    const parentAcl = await zk.getACL(pidParent).catch(() => undefined);
    if (parentAcl?.acl.some((a) => a.scheme === 'world' && a.perms & ~PERM_READ)) {
      log.warn('the pid node parent is writable by any client; it is shared, so it is left as it is', {
        path: pidParent,
      });
    }
  }
}

/** ZooKeeper refused one of our writes (NOAUTH): retrying cannot help, the supervisor exits 1. */
export class AccessError extends AppError<'NOT_ALLOWED'> {
  readonly code = 'NOT_ALLOWED';
}

/** The one line for a NOAUTH on `err.path`: who we are (the digest user, never the password) and the fixes. */
export function accessError(err: ZkError, digest: string | undefined): AccessError {
  const who = digest
    ? `the digest user "${digest.split(':')[0]}" of zookeeper.auth is not allowed to write there (a wrong password, ` +
      'or the nodes were secured with other credentials)'
    : 'no zookeeper.auth is configured, and the nodes are secured (set zookeeper.auth to a member credential)';
  return new AccessError(`zookeeper refused to let us write ${err.path} (NOAUTH): ${who}`, { cause: err });
}
