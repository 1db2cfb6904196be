// Read-only views and the resign operation, for `status` and `resign`.
import type { Config } from '../config/schema.js';
import { zkOptions } from '../supervisor/connect.js';
import { Zk } from '../zk/client.js';
import { probeServers } from '../zk/probe.js';
import { childrenOrEmpty } from '../zk/helpers.js';
import { basename, join, parent } from '../zk/paths.js';
import { drainedDir } from '../supervisor/drain.js';
import { observeLeader } from '../recipes/observe.js';
import { layoutOf } from '../recipes/layout.js';
import { pidNodePathOf } from '../supervisor/pid.js';
import { ensurePath } from '../zk/helpers.js';
import { isZkError } from '../zk/errors.js';
import { hostname, userInfo } from 'node:os';
import { Election, type Contender, type LeaderInfo, type ResignRequest } from '../recipes/election.js';
import { preemptsAtMs } from '../recipes/priority.js';
import { electionPathsOf, slotPathOf } from '../recipes/slots.js';
import { leaseTiming } from '../recipes/lease-timing.js';
import { memberAcl } from '../zk/acl.js';
import { compileSchedule } from '../schedule/cron.js';
import { RunLog, type RunRecord } from '../schedule/runs.js';

/** A queued candidate, as `status` shows it. */
export type Candidate = Contender & { preemptsAt?: string };

export interface Status {
  /** The leader and its term's fencing token; null when nobody leads. */
  leader: LeaderInfo | null;
  /** The queue, lowest first; `preemptsAt` when the candidate would ask the leader to step down (`preempt`). */
  candidates: Candidate[];
  /** With `election.slots` > 1, each slot's holder and queue (`leader` and `candidates` are slot 0's then). */
  slots?: { slot: number; leader: LeaderInfo | null; candidates: Candidate[] }[];
  /** Each pid node's data: the JSON it holds as an object, or the text. */
  pidNodes: { node: string; data: unknown }[];
  /** Hosts an operator keeps from leading (`drain`), with who drained them and when. */
  drained: { name: string; data: unknown }[];
  /** The session timeout the servers grant to this config, and whether its lease covers task.stopTimeout. */
  session: { requestedTimeoutMs: number; grantedTimeoutMs: number; leaseCoversStopTimeout: boolean };
  /** Set while the job is suspended: who suspended it, and when. */
  suspended?: { by?: string; at?: string };
  /** Scheduled mode only: the next tick and the latest records, newest last. */
  schedule?: { expression: string; timezone?: string; nextTick: string | null; runs: RunRecord[] };
}

const RECENT_RUNS = 20;

async function scheduleStatus(zk: Zk, config: Config): Promise<Status['schedule']> {
  const { schedule: expression, timezone } = config.task;
  if (!expression) return undefined;
  const all = (await new RunLog(zk, layoutOf(config.election.path).runs).list()).map((r) => r.record);
  const waiting = all.find((r) => r.state === 'scheduled' && Date.parse(r.tick) >= Date.now());
  const nextTick = waiting?.tick ?? compileSchedule(expression, timezone).next(new Date())?.toISOString() ?? null;
  return { expression, timezone, nextTick, runs: all.filter((r) => r.state !== 'scheduled').slice(-RECENT_RUNS) };
}

/** Runs `fn` on a session of its own to `config`'s ensemble (a refused port is said within a second). */
export async function withZk<T>(config: Config, digest: string | undefined, fn: (zk: Zk) => Promise<T>): Promise<T> {
  // A refused port is known in a millisecond: say so within a second instead of waiting for the connect timeout.
  const probe = await probeServers(config.zookeeper.connect, 1000);
  if (probe.kind === 'refused') throw new Error(`zookeeper ${config.zookeeper.connect}: ${probe.errors.join(', ')}`);
  const zk = await Zk.connect({
    ...zkOptions(config, digest),
    connectTimeoutMs: Math.min(config.zookeeper.connectTimeout, 5000),
    onSlow: (waited, timeout) =>
      process.stderr.write(
        `zk-supervisor: zookeeper ${config.zookeeper.connect}: no answer after ${waited / 1000} s ` +
          `(giving up after ${timeout / 1000} s)\n`
      ),
  });
  try {
    return await fn(zk);
  } finally {
    zk.close();
  }
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

// The children of `dir` with their data (JSON as objects), sorted; those gone meanwhile are left out.
async function nodesWithData(zk: Zk, dir: string): Promise<{ node: string; data: unknown }[]> {
  const out = [];
  for (const name of (await childrenOrEmpty(zk, dir)).sort()) {
    try {
      out.push({ node: join(dir, name), data: parsed((await zk.get(join(dir, name))).data.toString()) });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** The current leader (the lowest candidate, described by the leader node) and the queue, on a session of its own. */
export async function readStatus(config: Config, digest?: string): Promise<Status> {
  return withZk(config, digest, (zk) => statusOf(zk, config));
}

/** {@link readStatus} of several jobs (one config each, the same `zookeeper`), on one session. */
export async function readStatuses(configs: readonly Config[], digest?: string): Promise<Status[]> {
  return withZk(configs[0]!, digest, (zk) => Promise.all(configs.map((c) => statusOf(zk, c))));
}

// The suspension marker's who and when, if there is one.
async function suspendedOf(zk: Zk, config: Config): Promise<Pick<Status, 'suspended'>> {
  const got = await zk
    .get(layoutOf(config.election.path).suspended)
    .catch((err: unknown) => (isZkError(err, 'NONODE') ? undefined : Promise.reject(err)));
  if (!got) return {};
  const data = parsed(got.data.toString());
  return { suspended: typeof data === 'object' && data ? (data as { by?: string; at?: string }) : {} };
}

// The leader and queue of the election at `path` (the job's, or one slot's).
async function electionStatus(zk: Zk, config: Config, path: string) {
  const election = new Election(zk, path);
  const queue = await election.contenders();
  const leader = await election.leader();
  const { preempt } = config.election;
  const candidates = queue.map((c): Candidate => {
    const at = preempt && preemptsAtMs(c, leader, { afterMs: preempt.after, minTenureMs: preempt.minTenure });
    return at === undefined ? c : { ...c, preemptsAt: new Date(Math.max(at, Date.now())).toISOString() };
  });
  return { leader: leader ?? null, candidates };
}

/** {@link readStatus} on the session `zk` (the supervisor's own, for its `/status` endpoint). */
export async function statusOf(zk: Zk, config: Config): Promise<Status> {
  const { path, slots: k } = config.election;
  const slots =
    k > 1
      ? await Promise.all(
          Array.from({ length: k }, async (_, slot) => ({
            slot,
            ...(await electionStatus(zk, config, slotPathOf(path, slot))),
          }))
        )
      : undefined;
  const { leader, candidates } = slots?.[0] ?? (await electionStatus(zk, config, path));
  const { sessionTimeout, serverTickTime } = config.zookeeper;
  const fits = leaseTiming(zk.sessionTimeoutMs, serverTickTime, config.task.stopTimeout) !== undefined;
  return {
    session: {
      requestedTimeoutMs: sessionTimeout,
      grantedTimeoutMs: zk.sessionTimeoutMs,
      leaseCoversStopTimeout: fits,
    },
    leader,
    candidates,
    ...(slots && { slots }),
    pidNodes: await nodesWithData(zk, parent(pidNodePathOf(config))),
    drained: (await nodesWithData(zk, drainedDir(config))).map((d) => ({ name: basename(d.node), data: d.data })),
    schedule: await scheduleStatus(zk, config),
    ...(await suspendedOf(zk, config)),
  };
}

/**
 * Asks the leader to step down (DESIGN §3.2: it stops its child, hands the baton on, releases). With
 * `waitMs`, also waits until another term has started: `next` is its leader, or undefined after `waitMs`.
 */
export async function resignLeader(
  config: Config,
  digest: string | undefined,
  opts: { waitMs?: number; slot?: number } = {}
): Promise<{ asked: ResignRequest; next?: LeaderInfo } | undefined> {
  return withZk(config, digest, async (zk) => {
    const acl = memberAcl(config.zookeeper.acl, digest);
    const { path } = config.election;
    const election = new Election(zk, opts.slot === undefined ? path : slotPathOf(path, opts.slot), { acl });
    const asked = await election.requestResign(`${userInfo().username}@${hostname()}`);
    if (!asked || !opts.waitMs) return asked && { asked };
    const deadline = performance.now() + opts.waitMs;
    while (performance.now() < deadline) {
      const { event } = await zk.existsW(election.leaderPath);
      const now = await election.leader();
      if (now && (now.term ?? 0) > asked.term) return { asked, next: now };
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        event,
        new Promise((r) => {
          timer = setTimeout(r, Math.min(1000, deadline - performance.now()));
        }),
      ]);
      clearTimeout(timer);
    }
    return { asked };
  });
}

/**
 * Drains (`on`) or undrains the host `name`: a persistent marker under `<path>/drained`. Draining the current
 * leader (by id or host) also asks it to step down. Resolves whether anything changed and the resign request.
 */
export async function setDrain(
  config: Config,
  digest: string | undefined,
  name: string,
  on: boolean
): Promise<{ changed: boolean; resign?: ResignRequest; unknown?: boolean }> {
  return withZk(config, digest, async (zk) => {
    const acl = memberAcl(config.zookeeper.acl, digest);
    const marker = join(drainedDir(config), name);
    const by = `${userInfo().username}@${hostname()}`;
    try {
      if (!on) await zk.delete(marker);
      else {
        await ensurePath(zk, drainedDir(config), acl);
        await zk.create(marker, JSON.stringify({ by, at: new Date().toISOString() }), { acl });
      }
    } catch (err) {
      if (!isZkError(err, on ? 'NODEEXISTS' : 'NONODE')) throw err;
      if (!on) return { changed: false };
    }
    if (!on) return { changed: true };
    const { path, slots } = config.election;
    const paths = electionPathsOf(path, slots);
    let resign: ResignRequest | undefined;
    let known = false;
    for (const election of paths.map((p) => new Election(zk, p, { acl }))) {
      const [leader, queue] = await Promise.all([election.leader(), election.contenders()]);
      const leads = leader && (leader.id === name || leader.host === name);
      known ||= leads || queue.some((c) => c.id === name || c.host === name);
      if (leads) resign = await election.requestResign(by);
    }
    return { changed: true, resign, unknown: !known };
  });
}

/**
 * Calls `onChange` with the leader (null: none) now and after every change of leadership, until `signal` aborts.
 * Watches the leader node and the queue, so a change is seen as soon as ZooKeeper tells us.
 */
export async function watchLeader(
  config: Config,
  digest: string | undefined,
  onChange: (leader: Status['leader']) => void,
  signal: AbortSignal
): Promise<void> {
  await withZk(config, digest, (zk) =>
    observeLeader(new Election(zk, config.election.path), (l) => onChange(l ?? null), signal)
  );
}
