// A node watched for as long as a signal lets it: every deletion and change reported, the watch re-armed.
import type { Stat, Zk } from '../zk/client.js';

export type NodeEvent = 'created' | 'changed' | 'deleted';

/**
 * Watches `path` until `signal` aborts, reporting its events and re-arming after each. By default the node must
 * exist: its absence or deletion is reported as `deleted` and ends the watch; with `mayBeAbsent` creation and
 * deletion are both watched for. Resolves once the first watch is set (`armed` sees the node's stat then, or
 * null) and keeps watching in the background. Never rejects.
 */
export function watchNode(
  zk: Zk,
  path: string,
  onEvent: (type: NodeEvent) => void,
  signal: AbortSignal,
  opts: { armed?: (stat: Stat | null) => void; mayBeAbsent?: boolean } = {}
): Promise<void> {
  let ready!: () => void;
  const set = new Promise<void>((r) => {
    ready = r;
  });
  let armed = opts.armed;
  void (async () => {
    while (!signal.aborted) {
      try {
        const { stat, event } = await zk.existsW(path, { signal });
        ready();
        armed?.(stat);
        armed = undefined;
        if (!stat && !opts.mayBeAbsent) {
          onEvent('deleted');
          return;
        }
        const e = await event;
        if (e.type === 'deleted' || e.type === 'changed' || e.type === 'created') {
          onEvent(e.type);
          if (e.type === 'deleted' && !opts.mayBeAbsent) return;
        }
        if (e.type === 'session') return;
      } catch {
        if (signal.aborted) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })().finally(ready);
  return set;
}
