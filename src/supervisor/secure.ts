// Secured mode (DESIGN §6): the ACLs of the election's directories.
import type { Logger } from '../log.js';
import { directoryAcl } from '../zk/acl.js';
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { join } from '../zk/paths.js';

/**
 * Narrows directories created earlier with an open ACL (anyone could delete or add nodes: deleting a node
 * needs DELETE on its parent) to read-only for everyone but the members. A missing directory is skipped;
 * any other failure is logged and the rest are still done.
 */
export async function secureDirectories(
  zk: Zk,
  electionPath: string,
  pidParent: string,
  acl: readonly Acl[],
  log: Logger
): Promise<void> {
  const dirAcl = directoryAcl(acl);
  for (const dir of [electionPath, join(electionPath, 'candidates'), pidParent]) {
    try {
      await zk.setACL(dir, dirAcl);
    } catch (err) {
      if (!isZkError(err, 'NONODE')) log.warn('cannot secure election node', { path: dir, error: String(err) });
    }
  }
}
