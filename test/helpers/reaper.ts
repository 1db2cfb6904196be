// Every process a test or benchmark starts is killed when this process exits — normally, on an uncaught error,
// or on SIGINT/SIGTERM/SIGHUP (e.g. a `timeout` wrapper) — and every temp dir registered is removed then, after
// the processes are gone. Processes are found two ways: the groups registered with {@link track}, and the tag
// sweep: ZKS_TEST_RUN is set in this process's environment, so everything it spawns, and every descendant
// (whatever session or group it moved to), carries it.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { killTagged, taggedPids } from './proc-sampler.js';

/** This process's run tag, inherited by everything it spawns. */
export const RUN_TAG = randomUUID();
process.env.ZKS_TEST_RUN = RUN_TAG;

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

/** SIGKILLs every tracked group and every process with this run's tag, waiting (≤ 2 s) until they are gone. */
export function killEverything(): void {
  for (const p of live)
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  live.clear();
  const deadline = Date.now() + 2000;
  while (killTagged({ run: RUN_TAG }).length > 0 && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // in an exit handler: no event loop
  }
}

const reap = () => {
  killEverything();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
};

/** Removes `dir` when this process exits, unless {@link untrackDir} was called first (normal cleanup). */
export function trackDir(dir: string): void {
  install();
  dirs.add(dir);
}

/** Forgets `dir` (its owner removed it). */
export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

/** Tracks `proc` (spawned with `detached: true`, so it leads its own group) until it exits. */
export function track(proc: ChildProcess): void {
  install();
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}

/** Live processes of this run other than those tracked (ZooKeeper servers, supervisors): strays to sweep. */
export const runPids = (): number[] => taggedPids({ run: RUN_TAG });

function install(): void {
  if (!installed) {
    installed = true;
    process.on('exit', reap);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        reap();
        process.kill(process.pid, sig);
      });
    }
  }
}
