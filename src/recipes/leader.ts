// Reading an election: its queue of candidates, and who leads (the leader node, if it names the lowest one).
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { childrenOrEmpty } from '../zk/helpers.js';
import { join } from '../zk/paths.js';
import { CONTENDER_NAME } from './mutex.js';
import { bySequence } from './queue-lock.js';

/** What a candidate says about itself (its candidate node's data and, while it leads, the leader node's). */
export interface LeaderInfo {
  id: string;
  host: string;
  pid: number;
  description: string;
  node?: string;
  term?: number;
  /** The term's fencing token (see {@link Term.token}), once announced with one. */
  token?: number;
  since?: string;
  /** The leader's session (hex), written with the term. */
  sessionId?: string;
  /** The candidate's pid node, if it keeps one (a sign its session lives: see {@link TermHistory}). */
  pidNode?: string;
  /** When the leader released the term, its child confirmed gone. */
  ended?: string;
}

/** A queued candidate, lowest first. */
export interface Contender {
  node: string;
  id?: string;
  host?: string;
}

/** The queue under `candidates`, lowest first; nodes whose name is not a contender's are left out. */
export async function contendersAt(zk: Zk, candidates: string): Promise<Contender[]> {
  const out: Contender[] = [];
  const names = (await childrenOrEmpty(zk, candidates)).filter((n) => CONTENDER_NAME.test(n));
  for (const name of names.sort(bySequence)) {
    const node = join(candidates, name);
    const data = await zk.get(node).then(
      (r) => r.data,
      (err: unknown) => (isZkError(err, 'NONODE') ? undefined : Promise.reject(err)) // gone meanwhile: skipped
    );
    if (data) out.push({ node, ...whoOf(data) });
  }
  return out;
}

/** The leader node's term if it names the lowest live candidate under `candidates`; undefined otherwise. */
export async function leaderAt(zk: Zk, candidates: string, leaderPath: string): Promise<LeaderInfo | undefined> {
  const [first] = await contendersAt(zk, candidates);
  if (!first) return undefined;
  try {
    const info = JSON.parse((await zk.get(leaderPath)).data.toString()) as LeaderInfo;
    return info.node === first.node ? info : undefined;
  } catch {
    return undefined;
  }
}

// The candidate id and host in a node's data (none: not one of ours).
function whoOf(data: Buffer): { id?: string; host?: string } {
  try {
    const { id, host } = JSON.parse(data.toString()) as Partial<LeaderInfo>;
    return { ...(id === undefined ? {} : { id }), ...(host === undefined ? {} : { host }) };
  } catch {
    return {};
  }
}
