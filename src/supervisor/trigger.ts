// Run now (#31.1): `zk-supervisor trigger` leaves a request under `<election.path>/triggers`; the leader of a
// scheduled job runs one out-of-schedule tick per request and deletes it. The run's record is named after the
// request's creation time (the same on every leader), so a request is run at most once across a failover: a record
// left `scheduled` is run by the next leader, one `started` is fenced at takeover and never run again.
import type { RunLog } from '../schedule/runs.js';
import { TickRecord, type Leader } from '../schedule/tick-record.js';
import type { TickPlanner } from '../schedule/ticks.js';
import { isZkError } from '../zk/errors.js';
import { join } from '../zk/paths.js';
import { Wakeup } from '../util/wakeup.js';
import type { Leadership, ModeContext } from './mode.js';
import { runTick, type TickEnd } from './tick.js';

/** One request: its node's name, who asked, and the tick its run is recorded under. */
export interface TriggerRequest {
  name: string;
  by?: string;
  tick: string;
}

/**
 * The tick a request made at `ctimeMs` (the server's clock) runs as: that instant, moved 1 ms off a whole second so
 * that it never is one of the schedule's ticks (cron fires on whole seconds).
 */
export const triggeredTick = (ctimeMs: number): string =>
  new Date(ctimeMs + (ctimeMs % 1000 === 0 ? 1 : 0)).toISOString();

/** The requests under `dir`, watched for a term: `changed()` (take it before `requests()`) wakes a waiting leader. */
export interface Triggers {
  requests(): Promise<TriggerRequest[]>;
  changed(): Promise<void>;
}

/**
 * Watches `dir` while `l` lasts (one watch re-armed after each change, none left behind); `requests()` reads the
 * requests the watch's last listing named — no listing of its own, so a tick with no request costs nothing.
 */
export function watchTriggers(l: Leadership, dir: string): Triggers {
  const { zk } = l;
  const wakeup = new Wakeup();
  let names: string[] = [];
  if (l.signal.aborted) wakeup.end();
  else l.signal.addEventListener('abort', () => wakeup.end(), { once: true });
  void (async () => {
    while (!l.signal.aborted) {
      try {
        const listed = await zk.childrenW(dir, { signal: l.signal }).catch(async (err: unknown) => {
          if (!isZkError(err, 'NONODE')) throw err;
          return { children: [], ...(await zk.existsW(dir, { signal: l.signal })) }; // none yet: wait for the first
        });
        names = listed.children.sort();
        wakeup.fire(); // armed: a request made before it is in this listing
        await listed.event;
      } catch {
        if (!l.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();
  return {
    changed: () => wakeup.next(), // once ended: never again
    async requests() {
      const out: TriggerRequest[] = [];
      for (const name of names) {
        const got = await zk.get(join(dir, name)).catch(() => undefined); // gone meanwhile (run): left out
        if (got) out.push({ name, by: parse(got.data).by, tick: triggeredTick(got.stat.ctime.getTime()) });
      }
      return out;
    },
  };
}

/**
 * Runs `req` once (unless its record says it ran, or runs, already) and deletes it; resolves with how the run
 * ended (`ran`, `skipped`) or the end of leadership — the request stays then, for the next leader.
 */
export async function runTriggered(
  ctx: ModeContext,
  l: Leadership,
  dir: string,
  req: TriggerRequest,
  ticks: TickPlanner,
  runs: RunLog,
  who: Leader
): Promise<TickEnd> {
  const triggered = { request: req.name, ...(req.by === undefined ? {} : { by: req.by }) };
  const rec = await TickRecord.schedule(runs, req.tick, who, { triggered });
  let end: TickEnd = { kind: 'skipped' };
  if (rec) {
    ctx.log.info('running a triggered tick', { tick: req.tick, by: req.by, request: req.name });
    end = await runTick(ctx, l, rec, ticks, runs, who, undefined, false);
    if (end.kind !== 'ran' && end.kind !== 'skipped') return end;
  } else ctx.log.info('triggered tick already handled', { tick: req.tick, request: req.name });
  await l.zk.delete(join(dir, req.name)).catch((err: unknown) => {
    if (!isZkError(err, 'NONODE')) throw err;
  });
  return end;
}

function parse(data: Buffer): { by?: string } {
  try {
    return JSON.parse(data.toString()) as { by?: string };
  } catch {
    return {};
  }
}
