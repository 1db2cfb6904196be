// A job's processes, when its leash is gone: killed, and waited for until no process of it is left.
import { readdirSync, readFileSync } from 'node:fs';

/** The leash's run to kill: the job's process group, and the term's token every process of the job inherits. */
export interface Run {
  pgid: number;
  /** ZK_SUPERVISOR_TOKEN of the run (undefined: the group alone). */
  token?: number;
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
};

/**
 * The live (not zombie) processes of `run`: those in its group, and — found by the token in their environment —
 * those that left it (setsid, a double-forking daemon) and, their leash dead, were re-parented out of its tree.
 * Hooks carry the token too (and ZK_SUPERVISOR_HOOK): they are not the job.
 */
export function runProcesses(run: Run): number[] {
  const mark = run.token === undefined ? undefined : `ZK_SUPERVISOR_TOKEN=${run.token}\0`;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const stat = read(`/proc/${name}/stat`);
    if (!stat) continue;
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z') continue;
    if (Number(group) === run.pgid) out.push(Number(name));
    else if (mark) {
      const env = read(`/proc/${name}/environ`);
      const has = (v: string) => env !== undefined && (env.startsWith(v) || env.includes(`\0${v}`));
      if (has(mark) && !has('ZK_SUPERVISOR_HOOK=')) out.push(Number(name));
    }
  }
  return out;
}

/**
 * SIGKILLs every process of `run` until none is left (looked for every 10 ms, killed again each time: a fork
 * in between is caught); resolves true then, false when some process outlived `timeoutMs` (stuck in the kernel).
 */
export async function killRunUntilEmpty(run: Run, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = runProcesses(run);
    for (const pid of [-run.pgid, ...left])
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* ESRCH: gone */
      }
    if (left.length === 0) return true;
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
