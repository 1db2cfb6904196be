// What the soak runs on: a 3-member ensemble whose quorum links go through proxies, and hosts each running a
// real supervisor whose client links (one per member) go through proxies of their own — so a host can be cut
// off, one way or both, and a member isolated, independently. Every process carries the soak's tag.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Zk } from '../../src/zk/client.js';
import { ProcSampler, newTag, type ProcLife } from '../helpers/proc-sampler.js';
import { TcpProxy } from '../helpers/proxy.js';
import { trackDir, untrackDir } from '../helpers/reaper.js';
import { SupervisorProc, endAll, jobLog, writeConfig } from '../helpers/supervisors.js';
import { startCluster, type ZkCluster } from '../helpers/zk-server.js';

/** How a host's children behave (drawn from the seed): what stopping them takes. */
export const CHILD_KINDS = {
  plain: {},
  slow: { CHILD_STOP_DELAY_MS: '300' }, // stops within stopTimeout (500 ms), slowly
  stubborn: { CHILD_IGNORE_TERM: '1' }, // ignores SIGTERM: SIGKILL after stopTimeout
  grandchild: { CHILD_GRANDCHILD_FILE: '' }, // a `sleep` in the job's group
  escape: { CHILD_ESCAPE: 'setsid', CHILD_MAX_LIFE_MS: '600000' }, // a copy in a session of its own
} as const;
export type ChildKind = keyof typeof CHILD_KINDS;

/** One host: its supervisor (restarted after a kill), its client links, what its children do. */
export class Host {
  /** Every supervisor process this host has run, the current one last. */
  readonly procs: SupervisorProc[] = [];
  /** Killed, its restart pending (as systemd's RestartSec). */
  down = false;
  #cut = 0;
  #deaf = 0;
  constructor(
    readonly id: string,
    readonly config: string,
    readonly links: TcpProxy[],
    readonly child: ChildKind,
    readonly tag: string
  ) {}
  get sup(): SupervisorProc | undefined {
    return this.procs.at(-1);
  }
  /** Starts (again) the host's supervisor. */
  start(): SupervisorProc {
    const p = new SupervisorProc(this.id, this.config, [], { tag: this.tag });
    this.procs.push(p);
    return p;
  }
  /** Black-holes (`on`) or releases one cut of the host's client links; nested cuts heal with the last. */
  cut(on: boolean): void {
    this.#cut += on ? 1 : -1;
    this.#apply();
  }
  /** Like {@link cut}, one way: what the host sends arrives, what it is sent is lost. */
  deafen(on: boolean): void {
    this.#deaf += on ? 1 : -1;
    this.#apply();
  }
  #apply(): void {
    for (const l of this.links) {
      if (this.#cut > 0) l.blackhole();
      else if (this.#deaf > 0) l.oneWay();
      else l.heal();
    }
  }
}

export interface WorldOptions {
  hosts: number;
  jobs: number;
  sessionMs: number;
  children: ChildKind[];
}

/** The ensemble, the hosts, the sampler and the scratch dir of one soak; `stop()` ends them all. */
export class World {
  private constructor(
    readonly cluster: ZkCluster,
    readonly hosts: Host[],
    readonly sampler: ProcSampler,
    readonly dir: string,
    readonly root: string,
    readonly childLog: string,
    readonly paths: string[],
    /** A config that reaches the ensemble directly, for the CLI an operator runs (not through a host's links). */
    readonly operatorConfig: string
  ) {}

  static async start(opts: WorldOptions): Promise<World> {
    // a member cut off from the quorum serves its clients for syncLimit × tickTime = 3 s, longer than T = 2 s
    const cluster = await startCluster(3, { tickTime: 100, syncLimit: 30, quorumProxies: true });
    const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-soak-'));
    trackDir(dir);
    const tag = newTag();
    const admin = await Zk.connect({ connect: cluster.connectString, sessionTimeoutMs: 10_000 });
    await admin.create('/soak');
    admin.close();
    const childLog = join(dir, 'children.log');
    const hosts: Host[] = [];
    for (let i = 0; i < opts.hosts; i++) {
      const links = await Promise.all(cluster.servers.map((s) => TcpProxy.start({ port: s.port })));
      const kind = opts.children[i % opts.children.length]!;
      const childEnv: Record<string, string> = { ...CHILD_KINDS[kind] };
      if ('CHILD_GRANDCHILD_FILE' in childEnv) childEnv.CHILD_GRANDCHILD_FILE = join(dir, `grandchildren-${i}`);
      const config = writeConfig(dir, {
        connect: `${links.map((l) => l.address).join(',')}/soak`,
        path: '/job',
        childLog,
        sessionTimeout: `${opts.sessionMs}ms`,
        stopTimeout: '500ms',
        childEnv,
        jobs: opts.jobs > 1 ? opts.jobs : undefined,
      });
      hosts.push(new Host(`h${i}`, config, links, kind, tag));
    }
    const sampler = await ProcSampler.start(tag);
    const paths = opts.jobs > 1 ? Array.from({ length: opts.jobs }, (_, j) => `/job${j}`) : ['/job'];
    const root = `${cluster.connectString}/soak`;
    const operator = writeConfig(dir, {
      connect: root,
      path: '/job',
      childLog,
      jobs: opts.jobs > 1 ? opts.jobs : undefined,
    });
    return new World(cluster, hosts, sampler, dir, root, childLog, paths, operator);
  }

  /** Every job's child log. */
  get childLogs(): string[] {
    return this.paths.map((_, j) => jobLog(this.childLog, j));
  }

  /** The processes of `host` alive now: its supervisor, leash(es), job processes. */
  async processesOf(host: Host): Promise<ProcLife[]> {
    return (await this.sampler.alive()).filter((l) => l.host === host.id);
  }

  /** The host running the first job's child now, if any. */
  async leader(): Promise<Host | undefined> {
    const alive = await this.sampler.alive();
    const job = alive.find((l) => l.job && l.path === this.paths[0]);
    return job && this.hosts.find((h) => h.id === job.host);
  }

  /** Runs `fn` with a client on the soak's chroot, as an operator would. */
  async asOperator<T>(fn: (zk: Zk) => Promise<T>): Promise<T> {
    const zk = await Zk.connect({ connect: this.root, sessionTimeoutMs: 10_000 });
    try {
      return await fn(zk);
    } finally {
      zk.close();
    }
  }

  /** Ends every supervisor (and every process of theirs), the proxies, the ensemble; removes the scratch dir. */
  async stop(): Promise<void> {
    const procs = this.hosts.flatMap((h) => h.procs);
    await endAll(procs, this.hosts[0]?.tag);
    await this.sampler.stop();
    await Promise.all(this.hosts.flatMap((h) => h.links.map((l) => l.stop())));
    await this.cluster.stop();
    rmSync(this.dir, { recursive: true, force: true });
    untrackDir(this.dir);
  }
}
