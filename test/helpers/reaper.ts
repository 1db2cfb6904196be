// Every process group a test or benchmark starts is registered here and SIGKILLed when this process
// exits — normally, on an uncaught error, or on SIGINT/SIGTERM/SIGHUP (e.g. a `timeout` wrapper).
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let installed = false;

const reap = () => {
  for (const p of live) try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ }
  live.clear();
};

/** Tracks `proc` (spawned with `detached: true`, so it leads its own group) until it exits. */
export function track(proc: ChildProcess): void {
  if (!installed) {
    installed = true;
    process.on('exit', reap);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => { reap(); process.kill(process.pid, sig); });
    }
  }
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}
