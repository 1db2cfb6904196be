// Several holders (#30): `k` slots, each a whole election of its own at `<path>/slots/<i>` (its queue, leader node,
// batons and resign request: DESIGN §3 per slot), and a candidate that queues in every slot at once and holds at
// most one — once it wins a slot it leaves the other queues. A lost holder's slot goes to the next candidate of
// that slot's queue, with the same index. Every host must agree on `k`: the first writes it at `<path>/slots`.
import type { Acl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { ensurePath } from '../zk/helpers.js';
import { join } from '../zk/paths.js';
import { Election, type CampaignOptions, type PreemptOptions, type Won } from './election.js';
import { RecipeError } from './errors.js';
import type { TermHistory } from './history.js';
import type { LeaderInfo } from './leader.js';

/** The slot count's node and its slots' elections under `path`. */
export const slotsNodeOf = (path: string): string => join(path, 'slots');
export const slotPathOf = (path: string, slot: number): string => join(slotsNodeOf(path), String(slot));
/** The elections of a job at `path` with `k` slots: `path` itself for one, else each slot's. */
export const electionPathsOf = (path: string, k: number): string[] =>
  k === 1 ? [path] : Array.from({ length: k }, (_, i) => slotPathOf(path, i));

/** A slot won: the election won and its index (0 … k−1). */
export interface SlotWon extends Won {
  slot: number;
}

/** Options of {@link Slots.campaign}: an Election's, with `steppedDown` the term of slot `steppedDownSlot`. */
export interface SlotsCampaignOptions extends CampaignOptions {
  steppedDownSlot?: number;
}

/** k slots at `path` on one session; `campaign()` once per term, as {@link Election.campaign}. */
export class Slots {
  readonly elections: Election[];
  #cleanup: Promise<void> = Promise.resolve();
  #agreed: Promise<void> | undefined;

  /** `histories[i]`, when given, is slot i's (shared by the Elections of that slot in one process). */
  constructor(
    readonly zk: Zk,
    readonly path: string,
    readonly k: number,
    readonly opts: { info?: LeaderInfo; acl?: readonly Acl[]; histories?: readonly TermHistory[] } = {}
  ) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`slots must be a whole number ≥ 1, got ${k}`);
    this.elections = Array.from(
      { length: k },
      (_, i) => new Election(zk, slotPathOf(path, i), { info: opts.info, acl: opts.acl, history: opts.histories?.[i] })
    );
  }

  /** {@link agreeOnSlots} for these slots, once per instance (campaign() waits for it). */
  agree(): Promise<void> {
    this.#agreed ??= agreeOnSlots(this.zk, this.path, this.k, this.opts.acl);
    return this.#agreed;
  }

  /**
   * Queues in every slot at once and resolves with the first slot won, having left the other queues (a slot won
   * at the same moment is released again before anything runs in it). Rejects as {@link Election.campaign} does
   * when every slot's campaign failed, or with the signal's reason; no candidate node of ours is left then.
   * `onPosition` hears of every slot's queue; the options' preempt asks in one slot at a time (see preempt.ts).
   */
  async campaign(opts: SlotsCampaignOptions = {}): Promise<SlotWon> {
    await this.#cleanup; // the last campaign's other slots, left
    await this.agree();
    const others = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, others.signal]) : others.signal;
    // One preempt request across the slots at a time: until the asked slot's term has ended, no other is asked.
    let pending: { slot: number; term?: number } | undefined;
    const { preempt: p } = opts;
    const preemptIn = (slot: number): PreemptOptions | undefined =>
      p && {
        ...p,
        mayAsk: (l) => {
          if ((pending && pending.slot !== slot) || p.mayAsk?.(l) === false) return false;
          pending = { slot, term: l.term };
          return true;
        },
        onLeader: (l) => {
          if (pending?.slot === slot && l?.term !== pending.term) pending = undefined;
          p.onLeader?.(l);
        },
      };
    let first: SlotWon | undefined;
    let failed: { err: unknown } | undefined; // a slot's campaign that failed ends them all
    let won!: (w: SlotWon) => void;
    const firstWon = new Promise<SlotWon>((r) => {
      won = r;
    });
    const { steppedDown, steppedDownSlot, ...rest } = opts;
    const tries = this.elections.map(async (e, slot) => {
      const mine = slot === steppedDownSlot ? { steppedDown } : {}; // term numbers are per slot
      try {
        const w = await e.campaign({ ...rest, ...mine, signal, preempt: preemptIn(slot) });
        if (first) return void (await w.release()); // won at once with another slot: nothing ran in it
        first = Object.assign(w, { slot });
        others.abort(new Error('another slot was won'));
        won(first);
      } catch (err) {
        if (first || others.signal.aborted) return;
        failed = { err };
        others.abort(err);
      }
    });
    const all = Promise.all(tries);
    this.#cleanup = all.then(() => {}); // the other slots' nodes are deleted in the background
    const w = await Promise.race([firstWon, all.then(() => undefined)]);
    if (w) return w;
    if (first) return first;
    opts.signal?.throwIfAborted();
    throw failed ? failed.err : new Error('no slot won');
  }
}

/**
 * Writes `k` at `<path>/slots` if no host did yet (a host of one slot too: hosts of one election at `<path>` and of
 * slots under it would not see each other); rejects RecipeError SLOTS_MISMATCH when another host's config wrote
 * another count (every host of a job must agree; delete the node while no host runs the job to change it).
 */
export async function agreeOnSlots(zk: Zk, path: string, k: number, acl?: readonly Acl[]): Promise<void> {
  const node = slotsNodeOf(path);
  await ensurePath(zk, path, acl);
  try {
    await zk.create(node, JSON.stringify({ slots: k }), { acl });
    return;
  } catch (err) {
    if (!isZkError(err, 'NODEEXISTS')) throw err;
  }
  const theirs = countOf((await zk.get(node)).data);
  if (theirs !== k)
    throw new RecipeError(
      'SLOTS_MISMATCH',
      node,
      `election.slots is ${k} here, but ${node} says ${theirs ?? '(unreadable)'}: every host of the job must ` +
        `have the same slots (delete ${node} while no host runs the job to change it)`
    );
}

function countOf(data: Buffer): number | undefined {
  try {
    const { slots } = JSON.parse(data.toString()) as { slots?: unknown };
    return typeof slots === 'number' ? slots : undefined;
  } catch {
    return undefined;
  }
}
