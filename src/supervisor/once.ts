// One-shot mode (`zk-supervisor once`): win the lock within a wait, run the command once as leader under the
// same lease and leash, release. With `oncePerMs`, at most one run per period (by ZooKeeper's clock).
import { RecipeError } from '../recipes/errors.js';
import { Election } from '../recipes/election.js';
import type { Lease } from '../recipes/lease.js';
import type { Term } from '../recipes/term.js';
import type { LeashedTask } from '../task/task.js';
import type { Zk } from '../zk/client.js';
import { isZkError } from '../zk/errors.js';
import { ensurePath } from '../zk/helpers.js';
import { layoutOf } from '../recipes/layout.js';
import { connectOnce } from './connect.js';
import type { LeadEnd, ModeContext } from './mode.js';
import { leadTerm, openLease, takeTerm } from './term.js';

export type OnceResult =
  | { kind: 'held' }
  | { kind: 'suspended' }
  | { kind: 'already-ran'; by: string; at: string }
  | LeadEnd;

export interface OnceOptions {
  signal: AbortSignal;
  /** How long to wait for the lock; 0 = try once. */
  waitMs: number;
  /** At most one run per period of this many ms (periods are multiples since the epoch). */
  oncePerMs?: number;
  /** The session's lease. */
  lease: Lease;
  /** Holds the term: runs the command once (the supervisor's lead). */
  lead(zk: Zk, term: Term, leash: LeashedTask): Promise<LeadEnd>;
}

/**
 * Tries for the lock on `zk` and, when won, runs the command once: `held` when another host holds it,
 * `already-ran` when a run started in this period, otherwise how the run ended. Releases in every case;
 * rejects on ZooKeeper errors or with the signal's reason.
 */
export async function runOnce(ctx: ModeContext, zk: Zk, opts: OnceOptions): Promise<OnceResult> {
  const election = new Election(zk, ctx.config.election.path, {
    info: ctx.info,
    acl: ctx.acl,
    history: ctx.historyOf(ctx.config.election.path),
  });
  let task: LeashedTask | undefined;
  let term: Term | undefined;
  try {
    const [, suspended] = await Promise.all([
      ensurePath(zk, election.candidates, ctx.acl),
      zk.exists(layoutOf(ctx.config.election.path).suspended),
    ]);
    if (suspended) return { kind: 'suspended' }; // zk-supervisor suspend: nothing runs, here either
    ctx.report({ type: 'once', step: 'candidate' });
    task = ctx.spawn();
    const { signal, waitMs } = opts;
    try {
      term = await takeTerm(ctx, election, opts.lease, { signal, shutdown: signal, timeoutMs: waitMs });
    } catch (err) {
      if (err instanceof RecipeError && err.code === 'LOCK_TIMEOUT') return { kind: 'held' };
      throw err;
    }
    if (opts.oncePerMs) {
      const previous = await claimPeriod(ctx, zk, term, opts.oncePerMs);
      if (previous) return { kind: 'already-ran', ...previous };
    }
    return await opts.lead(zk, term, task);
  } finally {
    task?.dispose();
    await term?.release();
  }
}

// Records this period in <path>/last-run unless a run already started in it (then returns who ran it and
// when). We hold the lock, so nobody writes the node meanwhile. The period comes from our lock node's
// creation time, so hosts with skewed clocks agree on it.
async function claimPeriod(
  ctx: ModeContext,
  zk: Zk,
  term: Term,
  periodMs: number
): Promise<{ by: string; at: string } | undefined> {
  const lock = await zk.exists(term.node);
  if (!lock) throw new Error('lock node vanished');
  const now = lock.ctime.getTime();
  const period = Math.floor(now / periodMs);
  const path = layoutOf(ctx.config.election.path).lastRun;
  let version = -1;
  try {
    const { data, stat } = await zk.get(path);
    version = stat.version;
    const last = lastRunOf(data); // anything else there (null, not JSON, hand-edited) is an older period
    if (last?.periodMs === periodMs && last.period === period) return { by: last.id ?? '?', at: last.startedAt ?? '?' };
  } catch (err) {
    if (!isZkError(err, 'NONODE')) throw err;
  }
  const startedAt = new Date(now).toISOString();
  const record = JSON.stringify({ period, periodMs, id: ctx.config.election.id, host: ctx.info.host, startedAt });
  if (version < 0) await zk.create(path, record, { acl: ctx.acl });
  else await zk.set(path, record, version);
  return undefined;
}

type LastRun = { period?: number; periodMs?: number; id?: string; startedAt?: string };

// The `last-run` record in `data`, or undefined when it is not one (not JSON, not an object).
function lastRunOf(data: Buffer): LastRun | undefined {
  try {
    const v: unknown = JSON.parse(data.toString());
    return v !== null && typeof v === 'object' ? (v as LastRun) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `zk-supervisor once` on a session of its own: connects, runs {@link runOnce} under the session's lease (the
 * term through leadTerm, one run), then closes the session. Rejects when ZooKeeper cannot be reached, or when the
 * granted session timeout cannot cover task.stopTimeout.
 */
export async function onceOnNewSession(
  ctx: ModeContext,
  digest: string | undefined,
  opts: Omit<OnceOptions, 'lead' | 'lease'>
): Promise<OnceResult> {
  ctx.report({ type: 'once', step: 'connecting' });
  const zk = await connectOnce(ctx.config, digest, ctx.log, opts.signal);
  ctx.report({ type: 'connected', sessionId: zk.sessionId });
  const lease = openLease(zk, ctx.config, ctx.log);
  try {
    if (!lease) {
      throw new Error('the session timeout the server granted cannot cover task.stopTimeout (see the log line above)');
    }
    const lead: OnceOptions['lead'] = (z, term, leash) => leadTerm(ctx, z, term, leash, opts.signal, true);
    return await runOnce(ctx, zk, { ...opts, lead, lease });
  } finally {
    lease?.stop();
    zk.close();
    ctx.report({ type: 'once', step: 'done' });
    ctx.report({ type: 'once', step: 'stopped' });
  }
}
