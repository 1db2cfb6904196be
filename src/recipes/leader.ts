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
  /** How much this candidate is preferred (default 0; higher first: see priority.ts). */
  priority?: number;
  /** A candidate node's only: the term it stepped down from before queueing (the next term goes elsewhere). */
  steppedDown?: number;
}

/** A queued candidate, lowest first. */
export interface Contender {
  node: string;
  id?: string;
  host?: string;
  priority?: number;
  steppedDown?: number;
  /** When its node was created (the server's clock, ms since the epoch). */
  createdMs?: number;
}

/** The queue under `candidates`, lowest first; nodes whose name is not a contender's are left out. */
export async function contendersAt(zk: Zk, candidates: string): Promise<Contender[]> {
  const names = (await childrenOrEmpty(zk, candidates)).filter((n) => CONTENDER_NAME.test(n));
  return readContenders(zk, candidates, names.sort(bySequence));
}

/** The contenders `names` (in that order) under `candidates`, their data read at once; those gone are left out. */
export async function readContenders(zk: Zk, candidates: string, names: readonly string[]): Promise<Contender[]> {
  const read = (node: string) =>
    zk.get(node).then(
      (r): Contender => ({ node, createdMs: r.stat.ctime.getTime(), ...whoOf(r.data) }),
      (err: unknown) => (isZkError(err, 'NONODE') ? undefined : Promise.reject(err)) // gone meanwhile: skipped
    );
  const all = await Promise.all(names.map((n) => read(join(candidates, n))));
  return all.filter((c) => c !== undefined);
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

// What a candidate node's data says of it (nothing: not one of ours).
function whoOf(data: Buffer): Omit<Contender, 'node'> {
  try {
    const { id, host, priority, steppedDown } = JSON.parse(data.toString()) as Partial<LeaderInfo>;
    const number = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    return {
      ...(id === undefined ? {} : { id }),
      ...(host === undefined ? {} : { host }),
      ...(number(priority) ? { priority } : {}),
      ...(number(steppedDown) ? { steppedDown } : {}),
    };
  } catch {
    return {};
  }
}
