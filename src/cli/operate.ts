// The operator's commands: status, resign (and their output). They exit the process.
import { hostname } from 'node:os';
import { parseDuration } from '../config/schema.js';
import type { LoadedJobs } from '../config/jobs.js';
import { EXIT, fail, failAsJson, jobOf, load, loadAll, problemOf } from './common.js';
import type { Status } from './status.js';

/** True when the job has a leader (with slots: every slot a holder). */
const led = (s: Status): boolean => (s.slots ? s.slots.every((x) => x.leader) : s.leader !== null);

/** `status`: the leader, the queue, the pid nodes (exit 3 without a leader). */
export async function status(file: string, json: boolean, job?: string): Promise<void> {
  if (json) failAsJson(); // a script parsing the output gets a JSON error, not empty input
  const all = loadAll(file);
  if (all.daemon && job === undefined) return statusOfJobs(all, json);
  const { config, digest } = jobOf(all, job);
  const { readStatus } = await import('./status.js');
  let s: Awaited<ReturnType<typeof readStatus>>;
  try {
    s = await readStatus(config, digest);
  } catch (err) {
    return fail(EXIT.FAILURE, problemOf(err, digest));
  }
  const text = json ? `${JSON.stringify(s, null, 2)}\n` : (await import('./status-text.js')).statusText(s, config);
  // Exit once stdout has taken it all: a pipe takes 64 KiB at a time, and exit() would cut the rest.
  process.stdout.write(text, () => process.exit(led(s) ? EXIT.OK : EXIT.NO_LEADER));
}

// `status` of every job of a daemon's file (exit 3 when a job has no leader).
async function statusOfJobs(all: LoadedJobs, json: boolean): Promise<void> {
  const { jobStatuses, jobsText } = await import('./status-jobs.js');
  let s: Awaited<ReturnType<typeof jobStatuses>>;
  try {
    s = await jobStatuses(all.jobs, all.digest);
  } catch (err) {
    return fail(EXIT.FAILURE, problemOf(err, all.digest));
  }
  const text = json ? `${JSON.stringify({ jobs: s }, null, 2)}\n` : jobsText(s, all.jobs[0]!.config.zookeeper.connect);
  process.stdout.write(text, () => process.exit(s.every(led) ? EXIT.OK : EXIT.NO_LEADER));
}

/** `resign`: asks the leader to step down; `wait` until another term has started. */
export async function resign(file: string, wait: boolean, timeout: string, job?: string, slot?: number) {
  const waitMs = wait ? parseDuration(timeout) : undefined;
  if (wait && !waitMs)
    fail(EXIT.CONFIG, `--timeout: must be a positive duration like "30s" or "2m" (got ${JSON.stringify(timeout)})`);
  const { config, digest } = load(file, job);
  const { slots } = config.election;
  if (slots > 1 && (slot === undefined || slot >= slots))
    fail(EXIT.CONFIG, `--slot: ${config.election.path} has ${slots} slots: name the one to resign (0…${slots - 1})`);
  if (slots === 1 && slot !== undefined) fail(EXIT.CONFIG, `--slot: ${config.election.path} has no slots`);
  const { resignLeader } = await import('./status.js');
  let r: Awaited<ReturnType<typeof resignLeader>>;
  try {
    r = await resignLeader(config, digest, { waitMs, slot });
  } catch (err) {
    return fail(EXIT.FAILURE, problemOf(err, digest));
  }
  const where = slot === undefined ? config.election.path : `slot ${slot} of ${config.election.path}`;
  if (!r) return fail(EXIT.NO_LEADER, `no leader to resign in ${where}`);
  process.stdout.write(`asked ${r.asked.id ?? '?'} (term ${r.asked.term}) to step down\n`);
  if (!wait) process.exit(EXIT.OK);
  if (!r.next) fail(EXIT.FAILURE, `no other term started within ${timeout}`);
  process.stdout.write(`${r.next!.id} leads now (term ${r.next!.term})\n`);
  process.exit(EXIT.OK);
}

/**
 * `drain` / `undrain`: keep a host (default: this one) from leading, or let it lead again — in one job, or in every
 * job of a daemon's file when no `--job` is given.
 */
export async function drain(file: string, id: string | undefined, on: boolean, job?: string): Promise<void> {
  const all = loadAll(file);
  const targets = all.daemon && job === undefined ? all.jobs : [jobOf(all, job)];
  const { setDrain } = await import('./status.js');
  const what = on ? 'drained' : 'undrained';
  for (const loaded of targets) {
    const name = id ?? (loaded.defaultId ? hostname() : loaded.config.election.id);
    const of = loaded.name === undefined ? '' : ` (job ${loaded.name})`;
    let r: Awaited<ReturnType<typeof setDrain>>;
    try {
      r = await setDrain(loaded.config, all.digest, name, on);
    } catch (err) {
      return fail(EXIT.FAILURE, `${problemOf(err, all.digest)}${of}`);
    }
    if (r.unknown) {
      process.stderr.write(
        `zk-supervisor: warning: no candidate "${name}" is in the election${of} now: it stays a standby when it ` +
          `joins (a typo? undrain it: zk-supervisor undrain --config ${file} --id ${name})\n`
      );
    }
    process.stdout.write(`${r.changed ? what : `already ${what}`}: ${name}${of}\n`);
    if (r.resign) process.stdout.write(`it leads${of}: asked it to step down (term ${r.resign.term})\n`);
  }
  process.exit(EXIT.OK);
}

/**
 * `fence-check`: exit 0 only while `token` is the current term's fencing token (of any slot: its newest baton,
 * read after a `sync`, not a follower's older view); 4 when another term holds, 3 when none does.
 */
export async function fenceCheck(file: string, token: string, job?: string): Promise<void> {
  const { config, digest } = load(file, job);
  const { currentTokens } = await import('./fence.js');
  let current: number[];
  try {
    current = await currentTokens(config, digest);
  } catch (err) {
    return fail(EXIT.FAILURE, problemOf(err, digest));
  }
  if (current.includes(Number(token))) process.exit(EXIT.OK);
  if (current.length === 0)
    fail(EXIT.NO_LEADER, `token ${token} is not current: no term holds ${config.election.path}`);
  fail(EXIT.FENCED, `token ${token} is not current: ${config.election.path}'s term holds token ${current.join(', ')}`);
}

/**
 * `status --watch`: one line (or one JSON object) per change of leadership, until SIGINT/SIGTERM (exit 0). A lost
 * session is re-opened (said on stderr); only a ZooKeeper unreachable from the start is a failure (exit 1).
 */
export async function watch(file: string, json: boolean, job?: string): Promise<void> {
  const { config, digest } = load(file, job);
  if (config.election.slots > 1)
    fail(EXIT.CONFIG, `--watch follows one leader; ${config.election.path} has slots: run status without --watch`);
  const { watchLeader } = await import('./status.js');
  const ac = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort());
  let last: string | undefined;
  const print = (l: Status['leader']) => {
    const at = new Date().toISOString();
    const line = !l ? 'leader: none' : `leader: ${l.id} (host ${l.host}, term ${l.term}, token ${l.token})`;
    if (line === last) return; // the same leader seen again after a new session
    last = line;
    process.stdout.write(json ? `${JSON.stringify({ at, leader: l })}\n` : `${at} ${line}\n`);
  };
  while (!ac.signal.aborted) {
    try {
      await watchLeader(config, digest, print, ac.signal);
    } catch (err) {
      if (ac.signal.aborted) break;
      if (last === undefined) return fail(EXIT.FAILURE, (err as Error).message);
      process.stderr.write(`zk-supervisor: ${(err as Error).message}; watching again on a new session\n`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  process.exit(EXIT.OK);
}
