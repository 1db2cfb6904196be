// Applies the soak's schedule to the world: each fault at its time, healed after its duration, faults
// overlapping freely. Records what was applied (and what was skipped, and why) for the checker and the report.
import { spawn } from 'node:child_process';
import type { Zk } from '../../src/zk/client.js';
import { isZkError } from '../../src/zk/errors.js';
import { childrenOrEmpty } from '../../src/zk/helpers.js';
import { bySequence } from '../../src/recipes/queue-lock.js';
import { BIN } from '../helpers/supervisors.js';
import type { Applied } from './checker.js';
import type { Fault, FaultKind } from './schedule.js';
import type { Host, World } from './world.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Skipped {
  fault: Fault;
  why: string;
}

export class Nemesis {
  readonly applied: Applied[] = [];
  readonly skipped: Skipped[] = [];
  /** Failures of the nemesis itself (a CLI that failed, an operator call refused): reported, not fatal. */
  readonly troubles: string[] = [];
  #pending = new Set<Promise<void>>();

  constructor(
    readonly world: World,
    readonly t0: number
  ) {}

  /** Applies every fault at its time; resolves once the last one has healed. */
  async run(faults: Fault[], onFault?: (f: Fault) => void): Promise<void> {
    for (const f of faults) {
      const wait = this.t0 + f.atMs - performance.now();
      if (wait > 0) await sleep(wait);
      const p = this.#apply(f)
        .catch((err: Error) => {
          this.troubles.push(`${f.kind} at ${f.atMs} ms: ${err.message}`);
        })
        .finally(() => this.#pending.delete(p));
      this.#pending.add(p);
      onFault?.(f);
    }
    await Promise.all(this.#pending);
  }

  async #apply(f: Fault): Promise<void> {
    const w = this.world;
    const host = f.host === 'leader' ? ((await w.leader()) ?? w.hosts[0]!) : w.hosts[f.host % w.hosts.length]!;
    const fromNs = process.hrtime.bigint();
    const record = (hostId: string, excuses = true) =>
      this.applied.push({ kind: f.kind, host: hostId, fromNs, toNs: process.hrtime.bigint(), excuses });
    const member = w.cluster.servers[f.member]!;
    switch (f.kind) {
      case 'kill-supervisor':
      case 'kill-host': {
        if (host.down) return void this.skipped.push({ fault: f, why: 'the host is down already' });
        host.down = true;
        const sup = host.sup;
        if (f.kind === 'kill-host') for (const l of await w.processesOf(host)) kill(l.pid, 'SIGKILL');
        sup?.signal('SIGCONT');
        sup?.signal('SIGKILL');
        await sup?.exited;
        await sleep(f.ms);
        host.start();
        host.down = false;
        return void record(host.id);
      }
      case 'kill-leash':
      case 'kill-child':
        for (const l of await this.#leashes(host, f.kind === 'kill-child')) kill(l, 'SIGKILL');
        return void record(host.id);
      case 'freeze-supervisor':
      case 'freeze-leash':
      case 'freeze-child':
      case 'freeze-host': {
        const pids = await this.#freezable(host, f.kind);
        for (const p of pids) kill(p, 'SIGSTOP');
        await sleep(f.ms);
        for (const p of pids) kill(p, 'SIGCONT');
        return void record(host.id);
      }
      case 'partition':
      case 'one-way': {
        const set = (on: boolean) => (f.kind === 'partition' ? host.cut(on) : host.deafen(on));
        set(true);
        await sleep(f.ms);
        set(false);
        return void record(host.id);
      }
      case 'lost-reply':
        for (const l of host.links) l.dropReplyAfter(() => true);
        return void record(host.id);
      case 'isolate-member':
      case 'quorum-loss': {
        const members = f.kind === 'isolate-member' ? [member] : [member, w.cluster.servers[(f.member + 1) % 3]!];
        for (const m of members) w.cluster.isolate(m);
        await sleep(f.ms);
        for (const m of members) w.cluster.rejoin(m);
        return void record('');
      }
      case 'kill-member':
        await member.kill();
        await sleep(f.ms);
        member.start();
        record('');
        await member.waitServing(60_000);
        return;
      case 'resign':
        await this.#cli(['resign', '--config', w.operatorConfig, ...(w.paths.length > 1 ? ['--job', 'job0'] : [])]);
        return void record(host.id);
      case 'drain':
        await this.#cli(['drain', '--config', w.operatorConfig, '--id', host.id]);
        await sleep(f.ms);
        // an operator retries an undrain that found no quorum: a host left drained is not the fault drawn
        await this.#retried(() => this.#cli(['undrain', '--config', w.operatorConfig, '--id', host.id]));
        return void record(host.id);
      case 'reload':
        host.sup?.signal('SIGHUP');
        return void record(host.id, false);
      case 'delete-candidate':
      case 'delete-leader-nodes':
        await w.asOperator((zk) => deleteNodes(zk, w.paths[0]!, f.kind === 'delete-leader-nodes'));
        return void record('');
    }
  }

  /** The host's leash pids (or with `children`, the job processes the leashes started). */
  async #leashes(host: Host, children: boolean): Promise<number[]> {
    const procs = await this.world.processesOf(host);
    const leashes = procs.filter((l) => !l.job && l.comm.startsWith('zks-leash'));
    if (!children) return leashes.map((l) => l.pid);
    return procs.filter((l) => l.job && leashes.some((x) => x.pid === l.ppid)).map((l) => l.pid);
  }

  async #freezable(host: Host, kind: FaultKind): Promise<number[]> {
    const sup = host.sup;
    if (kind === 'freeze-supervisor') return sup ? [sup.pid] : [];
    if (kind === 'freeze-host') return (await this.world.processesOf(host)).map((l) => l.pid);
    return this.#leashes(host, kind === 'freeze-child');
  }

  /** `fn` again while it fails, for up to a minute; then its last failure. */
  async #retried(fn: () => Promise<void>): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (i >= 20) throw err;
        await sleep(3000);
      }
    }
  }

  #cli(args: string[]): Promise<void> {
    const host = this.world.hosts[0]!;
    const p = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ZKS_TEST_TAG: host.tag, ZKS_TEST_HOST: 'cli' },
    });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.once('exit', (code) => {
        clearTimeout(timer);
        // resign with no leader to ask exits non-zero: a fault that found nothing to do
        if (code === 0 || args[0] === 'resign') resolve();
        else reject(new Error(`zk-supervisor ${args[0]} exited ${code}: ${err.trim().split('\n').at(-1)}`));
      });
    });
  }
}

const kill = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
};

/** An operator deletes the first candidate node of `path` (and, with `batons`, every baton first). */
async function deleteNodes(zk: Zk, path: string, batons: boolean): Promise<void> {
  const gone = (e: unknown) => {
    if (!isZkError(e, 'NONODE')) throw e;
  };
  if (batons) {
    for (const b of await childrenOrEmpty(zk, `${path}/batons`)) await zk.delete(`${path}/batons/${b}`).catch(gone);
    await zk.delete(`${path}/active`).catch(gone);
  }
  const [lowest] = (await childrenOrEmpty(zk, `${path}/candidates`)).sort(bySequence);
  if (lowest) await zk.delete(`${path}/candidates/${lowest}`).catch(gone);
}
