// Every process group a test or benchmark starts is registered here and SIGKILLed when this process
// exits — normally, on an uncaught error, or on SIGINT/SIGTERM/SIGHUP (e.g. a `timeout` wrapper) — and
// every temp dir registered is removed then too.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

const reap = () => {
  for (const p of live) try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ }
  live.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
};

/** Removes `dir` when this process exits, unless {@link untrackDir} was called first (normal cleanup). */
export function trackDir(dir: string): void {
  install();
  dirs.add(dir);
}

/** Forgets `dir` (its owner removed it). */
export function untrackDir(dir: string): void { dirs.delete(dir); }

/** Tracks `proc` (spawned with `detached: true`, so it leads its own group) until it exits. */
export function track(proc: ChildProcess): void {
  install();
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}

function install(): void {
  if (!installed) {
    installed = true;
    process.on('exit', reap);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => { reap(); process.kill(process.pid, sig); });
    }
  }
}
