// Drain: an operator keeps a host from leading. A persistent marker `<election.path>/drained/<name>` (the
// candidate id, or the host name so that it survives a restart with a new default id) keeps the host connected
// and visible (pid node) but out of the queue; `drain` asks a drained leader to resign first.
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { layoutOf } from '../recipes/layout.js';
import type { Zk } from '../zk/client.js';
import { join } from '../zk/paths.js';
import type { ModeContext } from './mode.js';
import { untilAborted } from '../util/abort.js';

/** Directory of the drain markers. */
export const drainedDir = (config: Config): string => layoutOf(config.election.path).drained;

/** The marker names that drain this process: its candidate id and its host name. */
export const drainNames = (config: Config): string[] => [...new Set([config.election.id, hostname()])];

/**
 * Waits while a marker drains this host (state `drained`, said once each time); then resolves with a signal that
 * aborts when a marker appears (give it to the campaign) and `done()` to drop the watches. Resolves undefined
 * when `signal` aborts first.
 */
export async function untilUndrained(
  zk: Zk,
  config: Config,
  log: Logger,
  report: ModeContext['report'],
  signal: AbortSignal
): Promise<{ signal: AbortSignal; done: () => void } | undefined> {
  while (!signal.aborted) {
    const watches = new AbortController();
    const done = () => watches.abort();
    const found: string[] = [];
    const events: Promise<unknown>[] = [];
    for (const name of drainNames(config)) {
      const { stat, event } = await zk.existsW(join(drainedDir(config), name), { signal: watches.signal });
      if (stat) found.push(name);
      events.push(event);
    }
    const changed = Promise.race(events);
    if (!found.length) {
      const drained = new AbortController();
      changed.then(
        () => drained.abort(new Error('drained by an operator')),
        () => {}
      );
      return { signal: AbortSignal.any([signal, drained.signal]), done };
    }
    report({ type: 'drained' });
    log.warn('drained: not a candidate until undrained', { markers: found.map((n) => join(drainedDir(config), n)) });
    await untilAborted(
      changed.catch(() => {}),
      signal
    );
    done();
  }
  return undefined;
}
