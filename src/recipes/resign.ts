// Resign requests (`<path>/resign`): an operator asks the leader of a term to step down; the leader deletes the
// request once it has. A request for an older term is stale: the next leader ignores it.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { createOrUpdate } from '../zk/helpers.js';

/** A request to the leader of `term` to step down: it stops its child, hands the baton on and releases. */
export interface ResignRequest {
  term: number;
  id?: string;
  by: string;
  at: string;
}

/** Writes a request to the leader of `term` (id `id`) at `path`; resolves with it. */
export async function writeResign(
  zk: Zk,
  path: string,
  leader: { term: number; id?: string },
  by: string,
  acl?: readonly Acl[]
): Promise<ResignRequest> {
  const req: ResignRequest = { term: leader.term, id: leader.id, by, at: new Date().toISOString() };
  await createOrUpdate(zk, path, JSON.stringify(req), { acl });
  return req;
}

/** The request at `path`, or undefined (none, unreadable, not JSON). */
export async function readResign(zk: Zk, path: string): Promise<ResignRequest | undefined> {
  try {
    return JSON.parse((await zk.get(path)).data.toString()) as ResignRequest;
  } catch {
    return undefined;
  }
}

/** Deletes the request at `path` if it is for `term` or older (stale); a newer one is left alone. Never rejects. */
export async function clearResign(zk: Zk, path: string, term: number): Promise<void> {
  try {
    const { data, stat } = await zk.get(path);
    const req = JSON.parse(data.toString()) as Partial<ResignRequest>;
    if (typeof req.term !== 'number' || req.term <= term) await zk.delete(path, stat.version);
  } catch {
    /* none, changed meanwhile (a newer request), or unreachable: the next leader ignores stale ones */
  }
}
