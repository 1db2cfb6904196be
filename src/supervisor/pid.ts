// The supervisor's pid node: where it lives and keeping it for the length of a session.
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { maintainPidNode } from '../recipes/pid-node.js';
import type { Acl } from '../zk/acl.js';
import { layoutOf } from '../recipes/layout.js';
import type { Zk } from '../zk/client.js';
import { join } from '../zk/paths.js';

/** `pidNode.path`, else `<election.path>/pids/<id>` (slashes in the id become underscores). */
export const pidNodePathOf = (config: Config): string =>
  config.pidNode.path ?? join(layoutOf(config.election.path).pids, config.election.id.replace(/\//g, '_'));

/**
 * With slots: the pid node says which slot this host holds (`slot`; none between terms) — unless `pidNode.data`
 * sets its data. Best effort, off the start path: a pid node re-created later says no slot until the next term.
 */
export async function advertiseSlot(zk: Zk, config: Config, info: object, slot: number | undefined): Promise<void> {
  if (config.pidNode.data !== undefined || config.election.slots === 1) return;
  const path = pidNodePathOf(config);
  const stat = await zk.exists(path).catch(() => null);
  if (stat?.ephemeralOwner !== zk.sessionId) return;
  await zk
    .set(path, JSON.stringify({ ...info, ...(slot === undefined ? {} : { slot }) }), stat.version)
    .catch(() => {});
}

/** Keeps the pid node until `signal` aborts; resolves then. Problems are logged, never thrown. */
export function keepPidNode(
  zk: Zk,
  config: Config,
  data: string,
  acl: readonly Acl[],
  log: Logger,
  signal: AbortSignal
) {
  const path = pidNodePathOf(config);
  return maintainPidNode(zk, path, config.pidNode.data ?? data, {
    acl,
    signal,
    onConflict: (owner) => log.warn('pid node held by another session', { path, owner }),
  }).catch((err: unknown) => log.warn('pid node', { error: String(err) }));
}
