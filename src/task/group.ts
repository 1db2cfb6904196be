// A job's process group, when its leash is gone: killed, and waited for until no process of it is left.
import { readdirSync, readFileSync } from 'node:fs';

/** True while a live (not zombie) process is in process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && Number(group) === pgid) return true;
  }
  return false;
}

/**
 * SIGKILLs process group `pgid` until none of it is left (checked every 10 ms, killed again each time: a fork
 * in between is caught); resolves true then, false when some process outlived `timeoutMs` (stuck in the kernel).
 */
export async function killGroupUntilEmpty(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* ESRCH: none left to signal */
    }
    if (!groupAlive(pgid)) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True when `pid` is stopped (SIGSTOP, or a tracer); false when it runs or is gone. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't';
  } catch {
    return false;
  }
}
