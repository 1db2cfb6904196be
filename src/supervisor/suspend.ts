// Suspension (#31.2): while `<election.path>/suspended` exists, the job's leader keeps its term and starts
// nothing — continuous mode stops its child and starts it again on resume; scheduled mode records the ticks due
// meanwhile as `suspended`. Watched for the whole session, so a new leader knows before its first start.
import type { Zk } from '../zk/client.js';
import { watchNode } from '../recipes/watch-node.js';
import { untilAborted } from '../util/abort.js';
import { Wakeup } from '../util/wakeup.js';

/** The marker's state on one session, as a watch keeps it. */
export interface Suspension {
  /** True while the marker exists (as last seen). */
  readonly on: boolean;
  /** True once the watch ended (its session did): `on` changes no more. */
  readonly ended: boolean;
  /** Resolves at the marker's next creation or deletion, or when the watch ends; never after that. */
  changed(): Promise<void>;
}

/** Watches `marker` until `signal` aborts; resolves once the first watch is set and the state is known. */
export async function watchSuspension(zk: Zk, marker: string, signal: AbortSignal): Promise<Suspension> {
  let on = false;
  const wakeup = new Wakeup();
  const flip = (now: boolean) => {
    if (now === on) return;
    on = now;
    wakeup.fire();
  };
  // `changed()` resolves once more, then never
  if (signal.aborted) wakeup.end();
  else signal.addEventListener('abort', () => wakeup.end(), { once: true });
  await watchNode(zk, marker, (e) => flip(e !== 'deleted'), signal, {
    mayBeAbsent: true,
    armed: (stat) => flip(stat !== null),
  });
  return {
    get on() {
      return on;
    },
    get ended() {
      return wakeup.ended;
    },
    changed: () => wakeup.next(),
  };
}

/** Resolves once `s` is off (true), or `signal` aborts first (false). */
export async function untilResumed(s: Suspension, signal: AbortSignal): Promise<boolean> {
  while (s.on && !signal.aborted) await untilAborted(s.changed(), signal);
  return !signal.aborted;
}

/** Resolves once `s` is on (at once if it is); never when `s` is undefined or its watch ends first. */
export async function untilSuspended(s: Suspension | undefined): Promise<'suspended'> {
  if (!s) return new Promise<never>(() => {});
  while (!s.on) {
    if (s.ended) return new Promise<never>(() => {}); // an ended watch's changed() would resolve at once, forever
    await s.changed();
  }
  return 'suspended';
}
