// `fence-check`'s read: which fencing tokens hold now.
import type { Config } from '../config/schema.js';
import { layoutOf } from '../recipes/layout.js';
import { electionPathsOf } from '../recipes/slots.js';
import { childrenOrEmpty } from '../zk/helpers.js';
import { join } from '../zk/paths.js';
import { withZk } from './status.js';

/**
 * The fencing token of the term that holds now, one per slot: the newest baton's creation zxid (the baton is made
 * once the term is won, before its child starts, and dropped once the child is confirmed gone), after a `sync`.
 */
export async function currentTokens(config: Config, digest: string | undefined): Promise<number[]> {
  return withZk(config, digest, async (zk) => {
    const { path, slots } = config.election;
    const paths = electionPathsOf(path, slots);
    const newest = async (p: string) => {
      const dir = layoutOf(p).batons;
      await zk.sync(dir);
      const stats = await Promise.all((await childrenOrEmpty(zk, dir)).map((n) => zk.exists(join(dir, n))));
      const zxids = stats.flatMap((st) => (st ? [st.czxid] : []));
      return zxids.length ? [Math.max(...zxids)] : [];
    };
    return (await Promise.all(paths.map(newest))).flat();
  });
}
