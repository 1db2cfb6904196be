// `trigger`: asks the leader of a scheduled job for one run now — a persistent-sequential request under
// `<election.path>/triggers` (who, when); with `--wait`, follows it to its run's end (exit 0 when it succeeded).
import { hostname, userInfo } from 'node:os';
import type { Config } from '../config/schema.js';
import { parseDuration } from '../config/schema.js';
import { layoutOf } from '../recipes/layout.js';
import { RunLog, type RunRecord } from '../schedule/runs.js';
import { memberAcl } from '../zk/acl.js';
import type { Zk } from '../zk/client.js';
import { createRecursive } from '../zk/helpers.js';
import { basename } from '../zk/paths.js';
import { describeRun } from './status-text.js';
import { EXIT, fail, load, problemOf } from './common.js';
import { withZk } from './status.js';

const FINAL = ['finished', 'timed-out', 'fenced', 'skipped', 'missed', 'suspended'];

/** Writes a request; with `waitMs`, resolves with its run's final record (undefined: not done in time). */
export async function requestRun(
  config: Config,
  digest: string | undefined,
  waitMs?: number
): Promise<{ request: string; record?: RunRecord }> {
  return withZk(config, digest, async (zk) => {
    const { triggers, runs } = layoutOf(config.election.path);
    const acl = memberAcl(config.zookeeper.acl, digest);
    const by = `${userInfo().username}@${hostname()}`;
    const node = await createRecursive(zk, `${triggers}/req-`, JSON.stringify({ by, at: new Date().toISOString() }), {
      mode: 'persistent_sequential',
      acl,
    });
    const request = basename(node);
    if (!waitMs) return { request };
    return { request, record: await runOf(zk, new RunLog(zk, runs), request, performance.now() + waitMs) };
  });
}

// Polls (a second apart) for the record of `request` until it is final or `deadline` passes.
async function runOf(zk: Zk, runs: RunLog, request: string, deadline: number): Promise<RunRecord | undefined> {
  while (performance.now() < deadline && zk.state !== 'closed') {
    const found = (await runs.list()).find((r) => r.record.triggered?.request === request)?.record;
    if (found && FINAL.includes(found.state)) return found;
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - performance.now()))));
  }
  return undefined;
}

/** The CLI: one request (scheduled mode only); `--wait` exits 0 only when the run succeeded. */
export async function triggerCommand(file: string, wait: boolean, timeout: string, job?: string): Promise<void> {
  const { config, digest } = load(file, job);
  if (!config.task.schedule)
    fail(
      EXIT.CONFIG,
      `trigger: ${config.election.path} is not a scheduled job (no task.schedule); to restart a continuous job's ` +
        'child on its leader, suspend and resume it; to move it to another host, resign'
    );
  const waitMs = wait ? parseDuration(timeout) : undefined;
  if (wait && !waitMs) fail(EXIT.CONFIG, `--timeout: must be a positive duration like "10m" (got "${timeout}")`);
  let r: Awaited<ReturnType<typeof requestRun>>;
  try {
    r = await requestRun(config, digest, waitMs);
  } catch (err) {
    return fail(EXIT.FAILURE, problemOf(err, digest));
  }
  process.stdout.write(`requested a run of ${config.election.path} (${r.request})\n`);
  if (!wait) process.exit(EXIT.OK);
  if (!r.record) fail(EXIT.FAILURE, `the requested run did not finish within ${timeout}`);
  process.stdout.write(`${describeRun(r.record!)}\n`);
  process.exit(r.record!.state === 'finished' && r.record!.exitCode === 0 ? EXIT.OK : EXIT.FAILURE);
}
