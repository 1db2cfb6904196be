// What the benchmarks share: a median, a process's resident memory and CPU time, a server's packet count.
import { readFileSync, readdirSync } from 'node:fs';
import { fourLetter } from '../test/helpers/zk-server.js';

/** The median of `xs` (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Resident memory of `pid`, MB (VmRSS). */
export const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** CPU time (ms) of every thread of `pid` so far, from schedstat (ns; /proc/<pid>/stat counts 10 ms ticks). */
export const threadsMs = (pid: number): number => {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce(
      (sum, t) => sum + Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6,
      0
    );
  } catch {
    return 0; // gone meanwhile
  }
};

/** Packets the ZooKeeper server on `port` has received on all its current connections (`cons`). */
export const packets = async (port: number): Promise<number> =>
  [...(await fourLetter(port, 'cons')).matchAll(/recved=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
