// One session's campaigns: join (unless drained), take a term, lead it, step down, again — until the session ends,
// a reloaded config waits, or we shut down.
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { Election } from '../recipes/election.js';
import { endOf, TermEnd } from '../recipes/end.js';
import { layoutOf } from '../recipes/layout.js';
import type { Lease } from '../recipes/lease.js';
import { agreeOnSlots, electionPathsOf, Slots } from '../recipes/slots.js';
import { TaskSpawnError, type LeashedTask } from '../task/task.js';
import { pause } from '../util/abort.js';
import { backoffDelay } from '../util/backoff.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { ensurePath } from '../zk/helpers.js';
import { parent } from '../zk/paths.js';
import { untilUndrained } from './drain.js';
import type { ModeContext } from './mode.js';
import { advertiseSlot, pidNodePathOf } from './pid.js';
import { accessError, secureDirectories } from './secure.js';
import { watchSuspension } from './suspend.js';
import { leadTerm, takeTerm } from './term.js';

const PASSED_ON = 'passed on: this host leads more than its share of the jobs (spread)';

/** The job's election: `election.slots` of them (Slots) when more than one, else one at `election.path`. */
export function electionOf(ctx: ModeContext, zk: Zk): Election | Slots {
  const { path, slots } = ctx.config.election;
  const opts = { info: ctx.info, acl: ctx.acl };
  if (slots === 1) return new Election(zk, path, { ...opts, history: ctx.historyOf(path) });
  const histories = electionPathsOf(path, slots).map((p) => ctx.historyOf(p));
  return new Slots(zk, path, slots, { ...opts, histories });
}

/** What the campaigns need besides the modes' context. */
export interface CampaignHost {
  readonly digest: string | undefined;
  /** True when a reloaded config waits for the next session. */
  pending(): boolean;
  /** True when a term just won on `election` should go to the next candidate instead (`spread`). */
  passOn?(election: Election): Promise<boolean>;
}

/**
 * Campaigns on `zk` until `signal` aborts or a reloaded config is pending; resolves then. Rejects AccessError when
 * ZooKeeper refuses our writes (retrying cannot help), or on other ZooKeeper errors of the set-up.
 */
export async function campaign(
  ctx: ModeContext,
  host: CampaignHost,
  zk: Zk,
  lease: Lease,
  signal: AbortSignal
): Promise<void> {
  const config: Config = ctx.config;
  const log: Logger = ctx.log;
  const election = electionOf(ctx, zk);
  const paths = electionPathsOf(config.election.path, config.election.slots);
  // every host writes or checks the slot count, one slot too; rejects SLOTS_MISMATCH: the job stops. With slots,
  // the Slots' own (once: its campaigns wait for the same promise)
  if (election instanceof Slots) await election.agree();
  else {
    await agreeOnSlots(zk, config.election.path, 1, ctx.acl);
    await ensurePath(zk, election.candidates, ctx.acl);
  }
  if (config.zookeeper.acl === 'secured') {
    for (const p of paths) await secureDirectories(zk, p, parent(pidNodePathOf(config)), ctx.acl, log);
  }
  const suspension = await watchSuspension(zk, layoutOf(config.election.path).suspended, signal); // every slot's
  void (async () => {
    for (ctx.suspension(suspension.on); !signal.aborted; ctx.suspension(suspension.on)) await suspension.changed();
  })();
  // the term (and slot) we last led on this session, once it ended (priority.ts)
  let steppedDown: { steppedDown: number; steppedDownSlot?: number } | undefined;
  for (let failures = 0; !signal.aborted; ) {
    if (host.pending()) return; // a reloaded config: the next session adopts it
    const gate = await untilUndrained(zk, config, log, ctx.report, signal);
    if (!gate) return;
    ctx.report({ type: 'joined', rejoin: failures > 0 });
    // The leash is started now, while we wait, so that winning costs no process start.
    let task: LeashedTask | undefined;
    try {
      task = ctx.spawn();
      const term = await takeTerm(ctx, election, lease, { signal: gate.signal, shutdown: signal, ...steppedDown });
      steppedDown = { steppedDown: term.term, steppedDownSlot: term.slot };
      void advertiseSlot(zk, config, ctx.info, term.slot);
      const held = election instanceof Slots ? election.elections[term.slot!]! : election;
      if (await host.passOn?.(held).catch(() => false)) {
        // nothing started: the next candidate takes the term after our release, as after a resign
        ctx.report({ type: 'term-ended', end: new TermEnd('released', PASSED_ON), shutdown: false });
        await term.release();
        ctx.report({ type: 'stepped-down' });
        await pause(ctx.config.zookeeper.sessionTimeout, signal); // then we queue again, at the back
        continue;
      }
      const end = await leadTerm(ctx, zk, term, task, signal, false, suspension);
      void advertiseSlot(zk, config, ctx.info, undefined);
      if (end.kind === 'exited' && end.exit.exitCode === 0) failures = 0;
      else failures++;
    } catch (err) {
      if (isZkError(err, 'NOAUTH')) throw accessError(err, host.digest); // retrying cannot help
      if (err instanceof TaskSpawnError) log.error('task cannot start', { error: err.message, code: err.code });
      else if (!gate.signal.aborted && !(err instanceof TermEnd)) log.warn('campaign failed', { error: String(err) });
      // won, but the term ended before the child could start (a no-op while still a candidate)
      const end = err instanceof TermEnd ? err : endOf(gate.signal.aborted ? gate.signal : AbortSignal.abort(err));
      ctx.report({ type: 'term-ended', end, shutdown: signal.aborted });
      if (!signal.aborted) failures++;
    } finally {
      task?.dispose(); // an idle leash exits; a started one is unaffected
      gate.done();
    }
    if (signal.aborted) return;
    ctx.report({ type: 'stepped-down' });
    await pause(backoffDelay(failures, { baseMs: 100, maxMs: 5000 }), signal);
  }
}
